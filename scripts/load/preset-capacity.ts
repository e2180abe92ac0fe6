// The README's capacity table: for each MoodleOnFargate preset, the requests per second (and active users) its
// web tier should serve at the measured p95, from the preset's synthesized web task size and task count bounds
// and the throughput per vCPU measured by `npx projen benchmark:load` (docs/decisions/performance.md).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { OFFLINE_ACCOUNT, offlineContext } from '../offline-context';

/**
 * Measured on the local site (benchmark:load, November 2026): one web task at 0.25 vCPU served Moodle's XS plan
 * as written (2.0 requests/s, with 8 idle load balancer connections held open) with 0 errors and p95 424 ms;
 * at 2.5 requests/s (70 % of its saturated throughput) p95 rose to 3.5 s. So 2.0 requests/s per 0.25 vCPU.
 */
export const MEASURED = { vcpu: 0.25, requestsPerSecond: 2.0, p95Ms: 424 } as const;
/** An active user's pace: one page of the plan's mix (course, forum, login) every this many seconds. */
export const SECONDS_BETWEEN_PAGES = 10;

interface WebTier { readonly vcpu: number; readonly minTasks: number; readonly maxTasks: number }

/** The web task's vCPU and the web service's task count bounds, from a synthesized site. */
export function webTier(template: Record<string, any>): WebTier {
  const resources = Object.values<any>(template.Resources);
  const web = resources.find((resource) => resource.Type === 'AWS::ECS::TaskDefinition' &&
    resource.Properties.ContainerDefinitions.some((container: any) =>
      (container.Environment ?? []).some((variable: any) => variable.Name === 'MOODLE_ROLE' && variable.Value === 'web')));
  const scaling = resources.filter((resource) => resource.Type === 'AWS::ApplicationAutoScaling::ScalableTarget');
  if (!web || scaling.length !== 1) throw new Error('the site has no web task definition with MOODLE_ROLE=web, or not exactly one scalable target');
  return { vcpu: Number(web.Properties.Cpu) / 1024, minTasks: scaling[0].Properties.MinCapacity, maxTasks: scaling[0].Properties.MaxCapacity };
}

export function presetCapacityTable(): string {
  const perVcpu = MEASURED.requestsPerSecond / MEASURED.vcpu;
  const rows = [
    '| preset | web tasks (vCPU each) | requests/s at p95 < 1 s, fewest → most tasks | active users (a page every ' +
      `${SECONDS_BETWEEN_PAGES} s), fewest → most tasks |`,
    '| --- | ---: | ---: | ---: |',
  ];
  for (const preset of [MoodlePreset.DEVELOPMENT, MoodlePreset.PRODUCTION]) {
    const app = new App({ context: offlineContext(['us-east-1']) });
    const stack = new Stack(app, `Capacity${preset}`, { env: { account: OFFLINE_ACCOUNT, region: 'us-east-1' } });
    new MoodleOnFargate(stack, 'Moodle', { preset });
    const tier = webTier(Template.fromStack(stack).toJSON());
    const rate = (tasks: number) => tasks * tier.vcpu * perVcpu;
    rows.push(`| \`${preset}\` | ${tier.minTasks} → ${tier.maxTasks} (${tier.vcpu}) | ${rate(tier.minTasks)} → ${rate(tier.maxTasks)} | ` +
      `${rate(tier.minTasks) * SECONDS_BETWEEN_PAGES} → ${rate(tier.maxTasks) * SECONDS_BETWEEN_PAGES} |`);
  }
  return rows.join('\n');
}

if (require.main === module) console.log(presetCapacityTable());
