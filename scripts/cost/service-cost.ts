// Prints the fixed monthly cost of the Moodle service tier (MoodleService's web and cron tasks) for both CPU
// architectures, computed from synthesized templates.
// Run: npx ts-node --project tsconfig.dev.json scripts/cost/service-cost.ts
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { serviceTierCostLines } from './service-cost-lines';
import { totalMonthlyUsd } from './template-cost';
import { MoodleService, MoodleServiceProps } from '../../src/service';
// The other tiers as the service's tests build them: their cost is not part of this tier.
import { tiers } from '../../test/service/doubles';

const settings: Array<[string, Partial<MoodleServiceProps>]> = [
  ['ARM64 (default): 1 on-demand + Spot', {}],
  ['X86_64: 1 on-demand + Spot', { cpuArchitecture: ecs.CpuArchitecture.X86_64 }],
];

console.log('| MoodleService defaults (2 web tasks min, 1 vCPU / 2 GB; cron 0.5 vCPU / 1 GB) | fixed monthly cost, us-east-1 | made of |');
console.log('| --- | ---: | --- |');
for (const [name, props] of settings) {
  const stack = new Stack(new App(), 'Cost', { env: { account: '123456789012', region: 'us-east-1' } });
  new MoodleService(stack, 'Service', { ...tiers(stack).props, ...props });
  const lines = serviceTierCostLines(Template.fromStack(stack).toJSON());
  const madeOf = lines.map((line) => `${line.count} × ${line.item} ($${line.monthlyUsd.toFixed(2)})`).join(', ');
  console.log(`| ${name} | $${totalMonthlyUsd(lines).toFixed(2)} | ${madeOf} |`);
}
