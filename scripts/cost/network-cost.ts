// Prints the fixed monthly cost of each NAT layout of MoodleNetwork, computed from synthesized templates.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HOURS_PER_MONTH, usEast1Prices } from './prices';
import { fixedMonthlyCost, totalMonthlyUsd } from './template-cost';
import { MoodleNetwork, NatLayout } from '../../src';

console.log('| NAT layout (2 AZs) | fixed monthly cost, us-east-1 | made of |');
console.log('| --- | ---: | --- |');
for (const natLayout of [NatLayout.ONE_PER_AZ, NatLayout.SINGLE, NatLayout.NONE, NatLayout.PUBLIC_TASKS]) {
  const stack = new Stack(new App(), 'Cost', { env: { region: 'us-east-1' } });
  new MoodleNetwork(stack, 'Network', { natLayout });
  const lines = fixedMonthlyCost(Template.fromStack(stack).toJSON());
  const madeOf = lines.map((line) => `${line.count} × ${line.item} ($${line.monthlyUsd.toFixed(2)})`).join(', ');
  console.log(`| \`${natLayout}\` | $${totalMonthlyUsd(lines).toFixed(2)} | ${madeOf || 'nothing fixed'} |`);
}
console.log(`\n\`PUBLIC_TASKS\` adds one public IPv4 address per running Moodle task ($${(usEast1Prices.publicIpv4Hour * HOURS_PER_MONTH).toFixed(2)} a month each), counted with the service tier.`);
