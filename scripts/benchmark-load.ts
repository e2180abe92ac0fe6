// Benchmark (not a test): the requests per second one web task of each preset's size serves with p95 < 1 s and no
// errors, for two web tiers: the image's (prefork + mod_php) and event MPM + PHP-FPM (pm static, one child per worker).
// One local site of test/site (the minimal example installed; MariaDB, Redis, the local edge) serves every preset: the
// web task gets the preset's CPU share, memory limit and Apache workers from its synthesized template (DEVELOPMENT:
// the minimal example, PRODUCTION: production-domain), and as many idle load balancer connections as it has workers.
// Load is Moodle's own JMeter plan (admin/tool/generator: XS for DEVELOPMENT, S for PRODUCTION) with its throttle
// stepped: step k offers 4 + (k - 1) × 2 requests/s per vCPU (--from=N, --unit=N), each step about a minute on a new task,
// until a step fails (p95 >= 1 s or an error) or 12 steps passed. Prints each step (throughput, latency, the web
// task's, the database's and the cache's CPU) and a capacity table. Compare within one run only.
// Usage (as root): npx projen benchmark:load [-- PRESET... --from=N --unit=N --tier=prefork|fpm]
//   (presets DEVELOPMENT, PRODUCTION, default both; both tiers by default; synthesizes both examples)
//   or, with cdk.out/examples/minimal and production-domain synthesized: npx ts-node -T --project tsconfig.dev.json scripts/benchmark-load.ts [PRESET...]
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IdleConnections } from './load/idle-connections';
import { RunFigures, runPlan, SamplerFigures } from './load/jmeter';
import { patchPlan, planShape, PlanShape, WARM_UP_THREAD_GROUP } from './load/moodle-plan';
import type { MeasuredPreset, TaskMeasurement } from './load/preset-capacity';
import { machineBusyCpuSeconds, processCpuSeconds, taskUsage } from './load/task-usage';
import { getFromTask, stopTask } from './load/web-task';
import { ADDRESSES, LocalSite, PROJECT_DIR, SITE_HOST, SiteTemplate, Task, taskCgroup } from '../test/site/local-site';
import { PhpFpmOptions } from '../test/site/php-fpm';

const EXAMPLES = path.join(PROJECT_DIR, 'cdk.out', 'examples');
const PRESETS: Record<MeasuredPreset, { readonly template: string; readonly plan: string; readonly users?: number }> = {
  // XS's pages, 8 users (the plan has 1, who waits for each answer: one request at a time whatever the throttle; its
  // users file is shared round the threads): S's 30 users alone exceed p95 1 s at 0.25 vCPU, whatever the throttle.
  DEVELOPMENT: { template: path.join(EXAMPLES, 'minimal', 'MoodleMinimal.template.json'), plan: 'XS', users: 8 },
  PRODUCTION: { template: path.join(EXAMPLES, 'production-domain', 'MoodleProduction.template.json'), plan: 'S' },
};
/** CloudFront's default origin response timeout: a slower answer is a 504 to the viewer. */
const RESPONSE_TIMEOUT_MS = 60_000;
const ACCEPTABLE_P95_MS = 1000;
const MAX_STEPS = 12;
/** Requests per second per vCPU: of one step of the offered rate (--unit=N), and of the first step (--from=N). */
const option = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const UNIT_PER_VCPU = option('unit', 2);
const FIRST_STEP_PER_VCPU = option('from', 2 * UNIT_PER_VCPU);
/** Only this tier (--tier=prefork or --tier=fpm); both by default. */
const ONLY_TIER = process.argv.find((arg) => arg.startsWith('--tier='))?.split('=')[1];
const STEP_SECONDS = 60;
/** Below this share of the offered rate, the plan's users (each waits for its answer) set the rate, not the throttle. */
const CLIENT_BOUND_SHARE = 0.9;

interface WebSize { readonly cpu: number; readonly memoryMiB: number; readonly workers: number }

interface Tier {
  readonly name: string;
  readonly apacheOverrides: string;
  readonly phpFpm?: PhpFpmOptions;
}

function tiers(workers: number): Tier[] {
  return [
    { name: 'prefork + mod_php', apacheOverrides: '' },
    {
      name: `event + PHP-FPM (${workers} children)`,
      // Idle connections wait in the event MPM's listener, not in a thread: threads are cheap, PHP is what is counted.
      apacheOverrides: 'KeepAlive On\nKeepAliveTimeout 190\nMaxKeepAliveRequests 0\nThreadsPerChild 25\nMaxRequestWorkers 100',
      phpFpm: { maxChildren: workers },
    },
  ];
}

interface Plan { readonly size: string; readonly file: string; readonly usersFile: string; readonly shape: PlanShape; readonly users: number }

interface Step {
  readonly offeredPerSecond: number;
  readonly figures: RunFigures;
  readonly idleResponses: number;
  /** The share of CFS periods in which the task's CPU quota ran out (cpu.stat nr_throttled / nr_periods). */
  readonly throttledShare: number;
  readonly failure?: string;
}

interface Capacity {
  readonly preset: MeasuredPreset;
  readonly size: WebSize;
  readonly plan: string;
  readonly tier: Tier;
  /** The last step that passed, and the one after it (none when every step passed). */
  readonly passed?: Step;
  readonly next?: Step;
}

/** The installed site, JMeter, and a folder for plans and results. */
interface Bench { readonly site: LocalSite; readonly jmeterHome: string; readonly work: string }

function webSize(preset: MeasuredPreset): WebSize {
  const file = PRESETS[preset].template;
  if (!fs.existsSync(file)) throw new Error(`${file} not found: run npx projen benchmark:load, which synthesizes the examples first`);
  const web = new SiteTemplate(file).role('web');
  const workers = Number(web.environment.APACHE_MAX_REQUEST_WORKERS);
  if (!Number.isInteger(workers)) throw new Error(`the web task definition of ${path.basename(file)} sets no literal APACHE_MAX_REQUEST_WORKERS`);
  return { cpu: web.cpu, memoryMiB: web.memoryMiB, workers };
}

/** A test course and plan of this size (maketestcourse.php, maketestplan.php), patched for the local edge. */
function makePlan(site: LocalSite, size: string, work: string, users?: number): Plan {
  const shortname = `loadtest_${size.toLowerCase()}`;
  const cli = (script: string, args: string[]) => site.moodleCliChecked('install-or-upgrade', script, args);
  cli('../tool/generator/cli/maketestcourse.php', [`--shortname=${shortname}`, `--size=${size}`, '--bypasscheck']);
  cli('../tool/generator/cli/maketestplan.php', [`--shortname=${shortname}`, `--size=${size}`, '--bypasscheck', '--updateuserspassword']);
  // The files maketestplan.php just stored.
  const stored = (extension: string) => {
    const hash = site.database.sql(
      `SELECT contenthash FROM mdl_files WHERE component = 'tool_generator' AND filename LIKE '%.${extension}' ORDER BY id DESC LIMIT 1`, 'moodle').trim();
    return fs.readFileSync(path.join(site.dataroot, 'filedir', hash.slice(0, 2), hash.slice(2, 4), hash), 'utf8');
  };
  const xml = stored('jmx');
  const shape = planShape(xml);
  const plan = { size, file: path.join(work, `plan-${size}.jmx`), usersFile: path.join(work, `users-${size}.csv`), shape, users: users ?? shape.users };
  fs.writeFileSync(plan.file, patchPlan(xml, { host: SITE_HOST, address: ADDRESSES.edge, responseTimeoutMs: RESPONSE_TIMEOUT_MS }));
  fs.writeFileSync(plan.usersFile, stored('csv'));
  return plan;
}

/** A task that has served pages before (OPcache filled, as in a task that has run a while): the plan's public pages, a few times. */
async function warmUp(task: Task): Promise<void> {
  for (let i = 0; i < 3; i++) {
    for (const page of ['/', '/login/index.php']) await getFromTask(task, page);
  }
}

const ms = (figures: SamplerFigures) => `${figures.medianMs}/${figures.p95Ms}/${figures.p99Ms}`;
const cores = (value: number | undefined) => (value ?? NaN).toFixed(2);

function failure(figures: RunFigures): string | undefined {
  const { total } = figures;
  if (figures.stoppedAtDeadline) return 'stopped at its deadline';
  if (total.requests === 0) return 'no requests';
  if (total.errors > 0) return `${total.errors} errors`;
  if (total.p95Ms >= ACCEPTABLE_P95_MS) return `p95 ${total.p95Ms} ms`;
  return undefined;
}

async function runStep({ site, jmeterHome, work }: Bench, run: {
  name: string; size: WebSize; tier: Tier; plan: Plan; offeredPerSecond: number;
}): Promise<Step> {
  const { size, tier, plan, offeredPerSecond } = run;
  const web = site.startTask('web', run.name, {
    address: '127.0.0.11',
    cpuShare: size.cpu / 1024,
    memoryMiB: size.memoryMiB,
    // One local site (the minimal example's environment) runs every preset's task size: its worker count goes with it.
    standInEnvironment: { APACHE_MAX_REQUEST_WORKERS: String(size.workers) },
    apacheOverrides: tier.apacheOverrides,
    phpFpm: tier.phpFpm,
  });
  try {
    await site.waitHealthy(web);
    await warmUp(web);
    site.edge.setTargets([{ host: web.address!, port: web.port! }]);
    const { warmUpRequestsPerUser, requestsPerLoop } = plan.shape;
    const users = plan.users;
    const loops = Math.max(1, Math.round((offeredPerSecond * STEP_SECONDS) / users / requestsPerLoop));
    const requestsPerUser = warmUpRequestsPerUser + loops * requestsPerLoop;
    // At the throttle's rate, or slower where the users (each waits for its answer) cannot offer it at p95 < 1 s.
    const expectedSeconds = Math.max((users * requestsPerUser) / offeredPerSecond, (requestsPerUser * ACCEPTABLE_P95_MS) / 1000);
    const idle = new IdleConnections(web.address!, web.port!, SITE_HOST, size.workers);
    const throttlingBefore = cpuThrottling(web);
    try {
      const figures = await runPlan({
        jmeterHome,
        plan: plan.file,
        usersFile: plan.usersFile,
        properties: { users: `${users}`, rampup: '1', loops: `${loops}`, throughput: (offeredPerSecond * 60).toFixed(1) },
        results: path.join(work, `${run.name}.csv`),
        // A task that takes twice that has failed already (and a starved one answers after minutes, or never).
        deadlineMs: (2 * expectedSeconds + 60) * 1000,
        usage: () => taskUsage(web.processGroups()),
        otherCpuSeconds: () => ({
          database: processCpuSeconds(site.database.pid), cache: processCpuSeconds(site.redis.pid), machine: machineBusyCpuSeconds(),
        }),
        excludeThreadsNamed: WARM_UP_THREAD_GROUP,
      });
      const throttlingAfter = cpuThrottling(web);
      const periods = Math.max(1, throttlingAfter.periods - throttlingBefore.periods);
      const throttledShare = (throttlingAfter.throttled - throttlingBefore.throttled) / periods;
      return { offeredPerSecond, figures, idleResponses: idle.responses, throttledShare, failure: failure(figures) };
    } finally {
      idle.stop();
    }
  } finally {
    await stopTask(web);
  }
}

function cpuThrottling(task: Task): { periods: number; throttled: number } {
  const stat = fs.readFileSync(`${taskCgroup('cpu', task.name, task.process.pid!)}/cpu.stat`, 'utf8');
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? NaN);
  return { periods: value('nr_periods'), throttled: value('nr_throttled') };
}

function printStep(k: number, step: Step, size: WebSize): void {
  const { figures } = step;
  const { total, otherCores } = figures;
  console.log(`step ${String(k).padStart(2)}: offered ${step.offeredPerSecond.toFixed(2)} requests/s, achieved ${figures.throughputPerSecond.toFixed(2)}; ` +
    `${total.requests} requests, ${total.errors} errors, p50/p95/p99 ${ms(total)} ms; web CPU ${cores(figures.cpuCores)} of ${size.cpu / 1024} cores, ` +
    `quota run out in ${(100 * step.throttledShare).toFixed(0)} % of periods; memory peak ${figures.memoryPeakMiB.toFixed(0)} of ${size.memoryMiB} MiB; database ${cores(otherCores.database)}, cache ${cores(otherCores.cache)} cores; ` +
    `machine ${cores(otherCores.machine)} of ${os.cpus().length} cores busy; idle connections answered ${step.idleResponses}; ` +
    `${step.failure ? `FAILED (${step.failure})` : 'passed'}` +
    `${figures.throughputPerSecond < CLIENT_BOUND_SHARE * step.offeredPerSecond ? '; achieved below the offered rate: the plan\'s users offered less' : ''}`);
  if (!step.failure) return;
  const slowest = [...figures.samplers].sort((a, b) => b.p95Ms - a.p95Ms).slice(0, 5);
  for (const sampler of slowest) console.log(`    ${sampler.label.padEnd(40)} p95 ${String(sampler.p95Ms).padStart(6)} ms, ${sampler.errors} errors of ${sampler.requests}`);
}

async function measureTier(bench: Bench, preset: MeasuredPreset, size: WebSize, plan: Plan, tier: Tier): Promise<Capacity> {
  console.log(`\n== ${preset}: ${size.cpu / 1024} vCPU, ${size.memoryMiB} MiB, ${size.workers} workers | plan ${plan.size} (${plan.users} users) | ` +
    `${tier.name} | ${size.workers} idle connections ==`);
  const unit = (size.cpu / 1024) * UNIT_PER_VCPU;
  let passed: Step | undefined;
  for (let k = 1; k <= MAX_STEPS; k++) {
    const name = `web-${preset.toLowerCase()}-${tier.phpFpm ? 'fpm' : 'prefork'}-${k}`;
    const offeredPerSecond = (size.cpu / 1024) * FIRST_STEP_PER_VCPU + (k - 1) * unit;
    const step = await runStep(bench, { name, size, tier, plan, offeredPerSecond });
    printStep(k, step, size);
    if (step.failure) return { preset, size, plan: plan.size, tier, passed, next: step };
    passed = step;
  }
  return { preset, size, plan: plan.size, tier, passed };
}

function printCapacities(capacities: Capacity[]): void {
  console.log(`\n| preset | vCPU | memory MiB | workers | plan | tier | requests/s at p95 < ${ACCEPTABLE_P95_MS} ms | per vCPU | p50/p95/p99 ms | ` +
    'web CPU | DB CPU | cache CPU | next step |');
  console.log('| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const { preset, size, plan, tier, passed, next } of capacities) {
    const vcpu = size.cpu / 1024;
    const figures = passed?.figures;
    const rate = figures ? figures.throughputPerSecond.toFixed(2) : 'none';
    const nextStep = next ? `${next.offeredPerSecond.toFixed(2)} offered, ${next.figures.throughputPerSecond.toFixed(2)} achieved: ${next.failure}`
      : `not run (${MAX_STEPS} steps passed)`;
    console.log(`| ${preset} | ${vcpu} | ${size.memoryMiB} | ${size.workers} | ${plan} | ${tier.name} | ${rate} | ` +
      `${figures ? (figures.throughputPerSecond / vcpu).toFixed(2) : '-'} | ${figures ? ms(figures.total) : '-'} | ${cores(figures?.cpuCores)} | ` +
      `${cores(figures?.otherCores.database)} | ${cores(figures?.otherCores.cache)} | ${nextStep} |`);
  }
  console.log('\nMEASURED in scripts/load/preset-capacity.ts (the image\'s tier):');
  for (const capacity of capacities.filter(({ tier }) => !tier.phpFpm)) console.log(`  ${capacity.preset}: ${JSON.stringify(measurement(capacity))},`);
}

function measurement({ size, plan, tier, passed }: Capacity): TaskMeasurement {
  const figures = passed?.figures;
  const rounded = (value: number | undefined, digits: number) => Number((value ?? 0).toFixed(digits));
  return {
    plan,
    vcpu: size.cpu / 1024,
    memoryMiB: size.memoryMiB,
    tier: tier.name,
    requestsPerSecond: rounded(figures?.throughputPerSecond, 1),
    p95Ms: figures?.total.p95Ms ?? 0,
    databaseCores: rounded(figures?.otherCores.database, 2),
    cacheCores: rounded(figures?.otherCores.cache, 2),
  };
}

async function main(): Promise<void> {
  const presets = process.argv.slice(2).filter((arg) => !arg.startsWith('--')).map((name) => name.toUpperCase());
  for (const name of presets) if (!(name in PRESETS)) throw new Error(`unknown preset ${name}: give ${Object.keys(PRESETS).join(' and/or ')}`);
  const selected = (presets.length ? presets : Object.keys(PRESETS)) as MeasuredPreset[];
  const sizes = new Map(selected.map((preset) => [preset, webSize(preset)]));
  const jmeterHome = execFileSync('bash', [path.join(__dirname, 'load', 'install-jmeter.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const site = new LocalSite(PRESETS.DEVELOPMENT.template);
  const work = fs.mkdtempSync(path.join('/var/tmp', 'moodle-load-'));
  try {
    await site.startInstalled();
    site.moodleCliChecked('install-or-upgrade', 'cfg.php', ['--name=tool_generator_users_password', '--set=load-test-Password-1']);
    const plans = new Map<string, Plan>();
    for (const preset of selected) {
      const { plan, users } = PRESETS[preset];
      if (!plans.has(plan)) plans.set(plan, makePlan(site, plan, work, users));
    }
    console.log(`${os.cpus().length} cores on this machine; client response timeout ${RESPONSE_TIMEOUT_MS / 1000} s; ` +
      `step k offers ${FIRST_STEP_PER_VCPU} + (k - 1) × ${UNIT_PER_VCPU} requests/s per vCPU for about ${STEP_SECONDS} s`);
    const capacities: Capacity[] = [];
    for (const preset of selected) {
      const size = sizes.get(preset)!;
      for (const tier of tiers(size.workers).filter((t) => !ONLY_TIER || (ONLY_TIER === 'fpm') === !!t.phpFpm)) {
        capacities.push(await measureTier({ site, jmeterHome, work }, preset, size, plans.get(PRESETS[preset].plan)!, tier));
      }
    }
    printCapacities(capacities);
  } finally {
    await site.stop(false);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
