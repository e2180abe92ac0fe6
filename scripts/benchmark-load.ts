// Benchmark (not a test): Moodle's own load-test plan (admin/tool/generator, size XS) run by Apache JMeter
// against the local site of test/site (one web task of the default example, limited to its Fargate CPU share,
// behind the local edge), for each web server configuration below, in one run:
// - capacity: the plan with its throttle lifted and more users, without and with idle keep-alive connections
//   held open to the task as load balancer nodes hold them;
// - acceptance: the plan as Moodle writes it (XS: 1 user, 120 samples a minute) with the idle connections;
// - sustained: the capacity runs' users at 70 % of the image's measured capacity, with the idle connections.
// Prints per sampler and in total requests, errors, median and p95, throughput, and the web task's CPU and
// memory, then one table with each configuration's ratios to the first. Compare within one run only.
// Usage: npx projen benchmark:load [-- users loops]   (capacity and sustained runs; default 8 users, 1 loop)
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { IdleConnections } from './load/idle-connections';
import { RunFigures, runPlan } from './load/jmeter';
import { patchPlan } from './load/moodle-plan';
import { taskUsage } from './load/task-usage';
import { ADDRESSES, LocalSite, PROJECT_DIR, SITE_HOST, Task } from '../test/site/local-site';
import { PhpFpmOptions } from '../test/site/php-fpm';

const USERS = Number(process.argv[2] ?? 8);
const LOOPS = Number(process.argv[3] ?? 1);
const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
/** CloudFront's default origin response timeout: a slower answer is a 504 to the viewer. */
const RESPONSE_TIMEOUT_MS = 60_000;
/** A run still going after this is stopped and counted as it stands (a starved task answers after minutes, or never). */
const RUN_DEADLINE_MS = 150_000;
/** The acceptance criterion of the plan as Moodle writes it. */
const ACCEPTABLE_P95_MS = 1000;

/** Before issue 15: the load balancer's idle timeout (at most 185 s) below Apache's keep-alive timeout. */
const KEEPALIVE_190 = 'KeepAlive On\nKeepAliveTimeout 190\nMaxKeepAliveRequests 0';

interface WebConfiguration {
  readonly name: string;
  readonly apacheOverrides: string;
  readonly phpFpm?: PhpFpmOptions;
  /** The configuration the others' ratios are to. */
  readonly baseline?: boolean;
}

function configurations(workers: number): WebConfiguration[] {
  return [
    { name: 'prefork + mod_php, KeepAlive Off (image)', apacheOverrides: '' },
    { name: 'prefork + mod_php, KeepAlive On 190 s (before)', apacheOverrides: KEEPALIVE_190, baseline: true },
    {
      name: `event + PHP-FPM ${workers} children, KeepAlive On 190 s`,
      // Idle connections wait in the event MPM's listener, not in a thread: threads are cheap, PHP is what is counted.
      apacheOverrides: `${KEEPALIVE_190}\nThreadsPerChild 25\nMaxRequestWorkers 100`,
      phpFpm: { maxChildren: workers },
    },
  ];
}

/** The share of the image's measured capacity the sustained runs offer: headroom a site should keep. */
const SUSTAINED_SHARE = 0.7;

interface RunKind {
  readonly name: string;
  readonly idle: boolean;
  /** JMeter properties: none runs the plan as Moodle wrote it. */
  readonly properties: Record<string, string>;
}

function runs(sustainedPerSecond: number | undefined): RunKind[] {
  const lifted = { users: `${USERS}`, loops: `${LOOPS}`, rampup: '1' };
  return [
    { name: `capacity (${USERS} users x ${LOOPS} loops, throttle lifted)`, idle: false, properties: { ...lifted, throughput: '100000' } },
    { name: `capacity (${USERS} users x ${LOOPS} loops, throttle lifted)`, idle: true, properties: { ...lifted, throughput: '100000' } },
    { name: 'acceptance (the XS plan as written)', idle: true, properties: {} },
    ...(sustainedPerSecond ? [{
      name: `sustained (${USERS} users x ${LOOPS} loops at ${sustainedPerSecond.toFixed(2)} requests/s, ${SUSTAINED_SHARE * 100} % of the image's capacity)`,
      idle: true,
      properties: { ...lifted, throughput: (sustainedPerSecond * 60).toFixed(1) },
    }] : []),
  ];
}

interface Row {
  readonly configuration: string;
  readonly run: string;
  readonly idle: number;
  readonly baseline: boolean;
  readonly figures: RunFigures & { readonly idleResponses: number };
}

function printRun(row: Row): void {
  const { figures } = row;
  console.log(`\n== ${row.configuration} | ${row.run} | ${row.idle} idle connections${figures.stoppedAtDeadline ? ` | stopped after ${RUN_DEADLINE_MS / 1000} s` : ''} ==`);
  for (const sampler of [...figures.samplers, figures.total]) {
    console.log(`${sampler.label.padEnd(28)} requests ${String(sampler.requests).padStart(4)}  errors ${String(sampler.errors).padStart(3)}  ` +
      `median ${String(sampler.medianMs).padStart(6)} ms  p95 ${String(sampler.p95Ms).padStart(6)} ms`);
  }
  console.log(`throughput ${figures.throughputPerSecond.toFixed(2)} requests/s; web task CPU ${figures.cpuCores.toFixed(2)} cores on average, ` +
    `memory peak ${figures.memoryPeakMiB.toFixed(0)} MiB (proportional set size); idle connections answered ${figures.idleResponses}`);
}

function printComparison(rows: Row[]): void {
  console.log('\n| configuration | run | idle conns | requests | errors | median ms | p95 ms | req/s (ratio) | CPU cores | memory MiB | p95 < 1 s, 0 errors |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    const base = rows.find((other) => other.baseline && other.run === row.run && other.idle === row.idle) ?? row;
    const { total } = row.figures;
    const ratio = row.figures.throughputPerSecond / base.figures.throughputPerSecond;
    const pass = total.errors === 0 && total.p95Ms < ACCEPTABLE_P95_MS && !row.figures.stoppedAtDeadline;
    console.log(`| ${row.configuration} | ${row.run} | ${row.idle} | ${total.requests} | ${total.errors} | ${total.medianMs} | ${total.p95Ms} | ` +
      `${row.figures.throughputPerSecond.toFixed(2)} (x${ratio.toFixed(2)}) | ${row.figures.cpuCores.toFixed(2)} | ${row.figures.memoryPeakMiB.toFixed(0)} | ${pass ? 'yes' : 'no'} |`);
  }
}

/** A task that has served pages before (OPcache filled, as in a task that has run a while): the plan's public pages, a few times. */
async function warmUp(task: Task): Promise<void> {
  for (let i = 0; i < 3; i++) {
    for (const page of ['/', '/login/index.php']) {
      await new Promise<void>((resolve, reject) => {
        http.get({ host: task.address, port: task.port, path: page, headers: { 'Host': SITE_HOST, 'X-Forwarded-Proto': 'https' }, agent: false }, (res) => {
          res.resume().once('end', () => resolve());
        }).once('error', reject);
      });
    }
  }
}

/** Stops every process group of the task (a PHP-FPM master has its own) and waits for its entrypoint. */
async function stopTask(task: Task): Promise<void> {
  const exited = new Promise((resolve) => task.process.once('exit', resolve));
  for (const group of task.processGroups()) {
    try {
      process.kill(-group, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await exited;
}

async function main(): Promise<void> {
  const jmeterHome = execFileSync('bash', [path.join(__dirname, 'load', 'install-jmeter.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const site = new LocalSite(TEMPLATE);
  const work = fs.mkdtempSync(path.join('/var/tmp', 'moodle-load-'));
  try {
    await site.startInstalled();
    const cli = (script: string, args: string[]) => site.moodleCliChecked('install-or-upgrade', script, args);
    cli('cfg.php', ['--name=tool_generator_users_password', '--set=load-test-Password-1']);
    cli('../tool/generator/cli/maketestcourse.php', ['--shortname=loadtest', '--size=XS', '--bypasscheck']);
    cli('../tool/generator/cli/maketestplan.php', ['--shortname=loadtest', '--size=XS', '--bypasscheck', '--updateuserspassword']);
    const stored = (extension: string) => {
      const hash = site.database.sql(
        `SELECT contenthash FROM mdl_files WHERE component = 'tool_generator' AND filename LIKE '%.${extension}' ORDER BY id DESC LIMIT 1`, 'moodle').trim();
      return fs.readFileSync(path.join(site.dataroot, 'filedir', hash.slice(0, 2), hash.slice(2, 4), hash), 'utf8');
    };
    const plan = path.join(work, 'plan.jmx');
    const users = path.join(work, 'users.csv');
    fs.writeFileSync(plan, patchPlan(stored('jmx'), { host: SITE_HOST, address: ADDRESSES.edge, responseTimeoutMs: RESPONSE_TIMEOUT_MS }));
    fs.writeFileSync(users, stored('csv'));

    const role = site.role('web');
    const workers = Number(site.environment('web', 'web').APACHE_MAX_REQUEST_WORKERS);
    const cpuShare = role.cpu / 1024;
    console.log(`web task: ${role.cpu} CPU units (limited to ${cpuShare} of a core), ${role.memoryMiB} MiB, ${workers} Apache workers ` +
      `(APACHE_MAX_REQUEST_WORKERS); client response timeout ${RESPONSE_TIMEOUT_MS / 1000} s; ${workers} idle connections where held`);
    const rows: Row[] = [];
    let taskNumber = 0;
    let sustainedPerSecond: number | undefined;
    for (const configuration of configurations(workers)) {
      // The list grows by the sustained run once the image's capacity is known (its second run).
      for (let i = 0; i < runs(sustainedPerSecond).length; i++) {
        const run = runs(sustainedPerSecond)[i];
        const web = site.startTask('web', `web-${taskNumber++}`, {
          address: '127.0.0.11',
          cpuShare,
          apacheOverrides: configuration.apacheOverrides,
          phpFpm: configuration.phpFpm,
        });
        await site.waitHealthy(web);
        await warmUp(web);
        site.edge.setTargets([{ host: web.address!, port: web.port! }]);
        const idle = run.idle ? new IdleConnections(web.address!, web.port!, SITE_HOST, workers) : undefined;
        const figures = await runPlan({
          jmeterHome,
          plan,
          usersFile: users,
          properties: run.properties,
          results: path.join(work, `results-${taskNumber}.csv`),
          deadlineMs: RUN_DEADLINE_MS,
          usage: () => taskUsage(web.processGroups()),
        });
        idle?.stop();
        const row: Row = {
          configuration: configuration.name,
          run: run.name,
          idle: run.idle ? workers : 0,
          baseline: configuration.baseline ?? false,
          figures: { ...figures, idleResponses: idle?.responses ?? 0 },
        };
        // The image's capacity with idle connections held sets the rate every configuration's sustained run gets.
        if (!sustainedPerSecond && run.idle && run.properties.throughput === '100000') sustainedPerSecond = SUSTAINED_SHARE * figures.throughputPerSecond;
        rows.push(row);
        printRun(row);
        await stopTask(web);
      }
    }
    printComparison(rows);
  } finally {
    await site.stop(false);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
