// The README's capacity table: for each MoodleOnFargate preset, the requests per second (and active users) its
// web tier should serve at p95 < 1 s, from the preset's synthesized task count bounds and what one web task of
// the preset's own size served in `npx projen benchmark:load` (docs/decisions/performance.md).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { OFFLINE_ACCOUNT, offlineContext } from '../offline-context';

/** One web task's capacity as benchmark:load prints it: the last step with p95 < 1 s and no errors. */
export interface TaskMeasurement {
  /** Moodle's test plan size (admin/tool/generator): XS or S. */
  readonly plan: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
  /** The web tier measured: the image's is prefork + mod_php. */
  readonly tier: string;
  readonly requestsPerSecond: number;
  readonly p95Ms: number;
  /** CPU cores the local MariaDB and Redis used at that load. */
  readonly databaseCores: number;
  readonly cacheCores: number;
}

export type MeasuredPreset = 'DEVELOPMENT' | 'PRODUCTION';

// From npx projen benchmark:load -- --from=5 --unit=1 --tier=prefork, 2026-12-08 (docs/benchmarks/load-2026-12-08-finer.txt,
// docs/decisions/performance.md): the image's tier, the last step that passed.
export const MEASURED: Record<MeasuredPreset, TaskMeasurement> = {
  DEVELOPMENT: { plan: 'XS', vcpu: 0.25, memoryMiB: 1024, tier: 'prefork + mod_php', requestsPerSecond: 1.5, p95Ms: 652, databaseCores: 0.02, cacheCores: 0.02 },
  PRODUCTION: { plan: 'S', vcpu: 1, memoryMiB: 2048, tier: 'prefork + mod_php', requestsPerSecond: 6.8, p95Ms: 585, databaseCores: 0.09, cacheCores: 0.07 },
};
/** An active user's pace: one page of the plan's mix (course, forum, login) every this many seconds. */
export const SECONDS_BETWEEN_PAGES = 10;

interface WebTier { readonly vcpu: number; readonly memoryMiB: number; readonly minTasks: number; readonly maxTasks: number }

/** The web task's size and the web service's task count bounds, from a synthesized site. */
export function webTier(template: Record<string, any>): WebTier {
  const resources = Object.values<any>(template.Resources);
  const web = resources.find((resource) => resource.Type === 'AWS::ECS::TaskDefinition' &&
    resource.Properties.ContainerDefinitions.some((container: any) =>
      (container.Environment ?? []).some((variable: any) => variable.Name === 'MOODLE_ROLE' && variable.Value === 'web')));
  const scaling = resources.filter((resource) => resource.Type === 'AWS::ApplicationAutoScaling::ScalableTarget');
  if (!web || scaling.length !== 1) throw new Error('the site has no web task definition with MOODLE_ROLE=web, or not exactly one scalable target');
  return {
    vcpu: Number(web.Properties.Cpu) / 1024,
    memoryMiB: Number(web.Properties.Memory),
    minTasks: scaling[0].Properties.MinCapacity,
    maxTasks: scaling[0].Properties.MaxCapacity,
  };
}

const tiers = new Map<MoodlePreset, WebTier>();

function presetWebTier(preset: MoodlePreset): WebTier {
  if (!tiers.has(preset)) {
    const app = new App({ context: offlineContext(['us-east-1']) });
    const stack = new Stack(app, `Capacity${preset}`, { env: { account: OFFLINE_ACCOUNT, region: 'us-east-1' } });
    new MoodleOnFargate(stack, 'Moodle', { preset });
    tiers.set(preset, webTier(Template.fromStack(stack).toJSON()));
  }
  return tiers.get(preset)!;
}

const rounded = (value: number) => Number(value.toFixed(1));

export function presetCapacityTable(measured: Record<MeasuredPreset, TaskMeasurement> = MEASURED): string {
  const rows = [
    '| preset | web tasks (vCPU, memory each) | requests/s at p95 < 1 s, fewest → most tasks | active users (a page every ' +
      `${SECONDS_BETWEEN_PAGES} s), fewest → most tasks |`,
    '| --- | ---: | ---: | ---: |',
  ];
  const notes: string[] = [];
  for (const preset of [MoodlePreset.DEVELOPMENT, MoodlePreset.PRODUCTION]) {
    const tier = presetWebTier(preset);
    const task = measured[preset];
    if (tier.vcpu !== task.vcpu || tier.memoryMiB !== task.memoryMiB) {
      throw new Error(`preset ${preset}'s web task is ${tier.vcpu} vCPU and ${tier.memoryMiB} MiB, but its capacity was measured at ` +
        `${task.vcpu} vCPU and ${task.memoryMiB} MiB: re-run npx projen benchmark:load and update MEASURED in scripts/load/preset-capacity.ts`);
    }
    const rate = (tasks: number) => rounded(tasks * task.requestsPerSecond);
    const users = (tasks: number) => Math.round(rate(tasks) * SECONDS_BETWEEN_PAGES);
    rows.push(`| \`${preset}\` | ${tier.minTasks} → ${tier.maxTasks} (${tier.vcpu} vCPU, ${tier.memoryMiB} MiB) | ${rate(tier.minTasks)} → ${rate(tier.maxTasks)} | ` +
      `${users(tier.minTasks)} → ${users(tier.maxTasks)} |`);
    const atMost = (cores: number) => Number((cores * tier.maxTasks).toFixed(2));
    notes.push(`- \`${preset}\`: one web task (${task.tier}) served Moodle's ${task.plan} plan at ${task.requestsPerSecond} requests/s with ` +
      `p95 ${task.p95Ms} ms; at that load the database (MariaDB) used ${task.databaseCores} and the cache (Redis) ${task.cacheCores} CPU cores, ` +
      `so about ${atMost(task.databaseCores)} and ${atMost(task.cacheCores)} at ${tier.maxTasks} tasks.`);
  }
  return [...rows, '', ...notes].join('\n');
}

if (require.main === module) console.log(presetCapacityTable());
