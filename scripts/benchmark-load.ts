// Benchmark (not a test): Moodle's own load-test plan (admin/tool/generator, size XS) run by Apache JMeter
// against the local site of test/site (one web task of the default example, limited to its Fargate CPU share,
// behind the local edge), for each Apache configuration below, without and with idle keep-alive connections
// held open to the task as a load balancer holds them. Prints per sampler and in total: requests, errors,
// median and p95, throughput, and the web task's CPU and memory. Compare configurations within one run.
// Usage: npx projen benchmark:load [-- users loops]   (default 8 users, 3 loops; the plan's throttle is lifted)
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { patchPlan, summarize } from './load/moodle-plan';
import { ADDRESSES, LocalSite, PROJECT_DIR, SITE_HOST, Task } from '../test/site/local-site';

const USERS = Number(process.argv[2] ?? 8);
const LOOPS = Number(process.argv[3] ?? 3);
const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
/** CloudFront's default origin response timeout: a slower answer is a 504 to the viewer. */
const RESPONSE_TIMEOUT_MS = 60_000;

const CONFIGURATIONS: Record<string, string> = {
  'image (KeepAlive On, 190 s)': '',
  'KeepAlive Off': 'KeepAlive Off',
};

/** Idle keep-alive connections to the task, each after one request, as a load balancer keeps them. */
async function holdIdleConnections(task: Task, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i++) {
    sockets.push(await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: task.address!, port: task.port! }, () => {
        socket.write(`GET /healthz.php HTTP/1.1\r\nHost: ${SITE_HOST}\r\nConnection: keep-alive\r\n\r\n`);
      });
      socket.once('data', () => resolve(socket));
      socket.once('error', reject);
    }));
  }
  return sockets;
}

/** CPU seconds and resident memory of a task's process group. */
function usage(task: Task): { cpuSeconds: number; rssMiB: number } {
  const out = execFileSync('ps', ['-o', 'times=,rss=', '-g', String(task.process.pid)], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/).map(Number))
    .reduce((sum, [seconds, rss]) => ({ cpuSeconds: sum.cpuSeconds + seconds, rssMiB: sum.rssMiB + rss / 1024 }), { cpuSeconds: 0, rssMiB: 0 });
}

/** Runs the plan with JMeter in a child process (asynchronously: the local edge runs in this process). */
async function runPlan(jmeterHome: string, plan: string, users: string, jtl: string): Promise<void> {
  fs.rmSync(jtl, { force: true });
  const child = spawn('java', [
    '-jar', path.join(jmeterHome, 'bin', 'ApacheJMeter.jar'), '-n', '-t', plan, '-l', jtl, '-j', `${jtl}.log`,
    `-Jusersfile=${users}`, `-Jusers=${USERS}`, `-Jloops=${LOOPS}`, '-Jrampup=1', '-Jthroughput=100000',
    '-Jjmeterengine.nongui.port=0', '-Jjmeter.save.saveservice.output_format=csv',
  ], { cwd: path.dirname(plan), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`JMeter failed (${code}):\n${output}`);
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
    console.log(`web task: ${role.cpu} CPU units (limited to ${cpuShare} of a core), ${role.memoryMiB} MiB, ${workers} Apache workers; ` +
      `plan: Moodle's XS plan, ${USERS} users x ${LOOPS} loops, throttle lifted; client timeout ${RESPONSE_TIMEOUT_MS / 1000} s`);
    for (const [name, overrides] of Object.entries(CONFIGURATIONS)) {
      for (const idle of [0, workers]) {
        const web = site.startTask('web', `web-${Object.keys(CONFIGURATIONS).indexOf(name)}-${idle}`, { address: '127.0.0.11', cpuShare, apacheOverrides: overrides });
        await site.waitHealthy(web);
        site.edge.setTargets([{ host: web.address!, port: web.port! }]);
        const sockets = await holdIdleConnections(web, idle);
        const before = usage(web);
        let peakMiB = before.rssMiB;
        const sampler = setInterval(() => { peakMiB = Math.max(peakMiB, usage(web).rssMiB); }, 1000);
        const started = Date.now();
        const jtl = path.join(work, `results-${Object.keys(CONFIGURATIONS).indexOf(name)}-${idle}.jtl`);
        await runPlan(jmeterHome, plan, users, jtl);
        const seconds = (Date.now() - started) / 1000;
        clearInterval(sampler);
        const cpu = (usage(web).cpuSeconds - before.cpuSeconds) / seconds;
        sockets.forEach((socket) => socket.destroy());
        const { samplers, total, throughputPerSecond } = summarize(fs.readFileSync(jtl, 'utf8'));
        console.log(`\n== ${name}, ${idle} idle keep-alive connections held open ==`);
        for (const figures of [...samplers, total]) {
          console.log(`${figures.label.padEnd(28)} requests ${String(figures.requests).padStart(4)}  errors ${String(figures.errors).padStart(3)}  ` +
            `median ${String(figures.medianMs).padStart(6)} ms  p95 ${String(figures.p95Ms).padStart(6)} ms`);
        }
        console.log(`throughput ${throughputPerSecond.toFixed(2)} requests/s; web task CPU ${cpu.toFixed(2)} cores on average, memory peak ${peakMiB.toFixed(0)} MiB`);
        web.process.kill('SIGTERM');
        await new Promise((resolve) => web.process.once('exit', resolve));
      }
    }
  } finally {
    await site.stop(false);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
