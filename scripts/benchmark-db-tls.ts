// Benchmark (not a test): what verified TLS to the database and to Redis costs per request, on the local site of
// test/site (one web task of the default example, no CPU limit, requests one at a time straight to the task).
// - Per connection (scripts/load/tls-connect-timings.php, as Moodle connects): the database without TLS, with TLS
//   verified through a hashed CA directory (openssl.capath, the image's) and through a CA bundle (openssl.cafile, the
//   image before: parsed whole on every connection); Redis with a one-certificate CA file and with the bundle.
// - The login page's median and p95 with the image's settings, with the settings before, and without database TLS
//   (a database user without REQUIRE SSL): the image's should come within 1.05 x of no TLS.
// The bundle stands for the image's (system CAs and Amazon RDS's, 255 certificates): this machine's system bundle plus
// the test CA. Prints figures; asserts nothing.
// Usage: npx projen benchmark:db-tls [-- requests]   (default 200)
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { percentile } from './load/jmeter';
import { getFromTask, stopTask } from './load/web-task';
import { IMAGE_DIR } from '../test/site/dockerfile';
import { ADDRESSES, LocalSite, PROJECT_DIR, Task } from '../test/site/local-site';

const REQUESTS = Number(process.argv[2] ?? 200);
const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
const TIMINGS = path.join(__dirname, 'load', 'tls-connect-timings.php');
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** The roots build/install-ca-bundle.sh puts in the image's Redis CA file. */
const AMAZON_ROOTS = /^roots=\(([^)]*)\)$/m.exec(fs.readFileSync(path.join(IMAGE_DIR, 'build', 'install-ca-bundle.sh'), 'utf8'))![1].trim().split(/\s+/);
const PLAIN_USER = { name: 'bench_plain', password: 'bench-plain-Password-1' };

interface Figures { readonly median: number; readonly p95: number }

function percentiles(times: number[]): Figures {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(sorted, p) * 100) / 100;
  return { median: at(50), p95: at(95) };
}

function connectTimings(ini: Record<string, string>, args: string[]): Figures {
  const settings = Object.entries(ini).flatMap(([name, value]) => ['-d', `${name}=${value}`]);
  return JSON.parse(execFileSync('php', [...settings, TIMINGS, ...args, String(REQUESTS)], { encoding: 'utf8' }));
}

async function loginPage(task: Task): Promise<number> {
  const { status, ms } = await getFromTask(task, '/login/index.php');
  if (status !== 200) throw new Error(`/login/index.php: HTTP ${status}`);
  return ms;
}

async function loginPageTimes(site: LocalSite, name: string, standInEnvironment: Record<string, string>): Promise<number[]> {
  const task = site.startTask('web', name, { address: '127.0.0.11', standInEnvironment });
  try {
    await site.waitHealthy(task);
    for (let i = 0; i < 10; i++) await loginPage(task);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) times.push(await loginPage(task));
    return times;
  } finally {
    await stopTask(task);
  }
}

function row(name: string, figures: Figures, base?: Figures): string {
  const ratio = base ? ` (x${(figures.median / base.median).toFixed(3)})` : '';
  return `| ${name} | ${figures.median}${ratio} | ${figures.p95} |`;
}

async function main(): Promise<void> {
  const site = new LocalSite(TEMPLATE);
  try {
    await site.startInstalled();
    const bundle = path.join(site.dir, 'system-and-test-ca.pem');
    fs.writeFileSync(bundle, fs.readFileSync(SYSTEM_BUNDLE, 'utf8') + fs.readFileSync(site.ca.caFile, 'utf8'));
    const certificates = (fs.readFileSync(bundle, 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length;
    // The image's Redis CA file (build/install-ca-bundle.sh), with the test CA that signed the local Redis's certificate.
    const amazonRoots = path.join(site.dir, 'amazon-roots-and-test-ca.pem');
    fs.writeFileSync(amazonRoots, [...AMAZON_ROOTS.map((root) => `/etc/ssl/certs/${root}.pem`), site.ca.caFile]
      .map((file) => fs.readFileSync(file, 'utf8')).join(''));
    const env = site.environment('web', 'bench');
    site.database.sql(`CREATE USER '${PLAIN_USER.name}'@'%' IDENTIFIED BY '${PLAIN_USER.password}'; ` +
      `GRANT ALL PRIVILEGES ON \`${env.MOODLE_DB_NAME}\`.* TO '${PLAIN_USER.name}'@'%';`);
    const db = [ADDRESSES.database, env.MOODLE_DB_PORT ?? '3306'];
    const redis = [ADDRESSES.cache, env.MOODLE_REDIS_PORT ?? '6379', env.MOODLE_REDIS_AUTH ?? ''];
    const noCa = { 'openssl.cafile': '', 'openssl.capath': '' };

    console.log(`${REQUESTS} connections each; the bundle has ${certificates} certificates (the image before had 255)`);
    console.log('\n| connection (connect, one round trip, close) | median ms | p95 ms |\n| --- | ---: | ---: |');
    const plain = connectTimings(noCa, ['mysql', ...db, PLAIN_USER.name, PLAIN_USER.password, 'plain']);
    console.log(row('database, no TLS', plain));
    console.log(row('database, TLS verified, openssl.capath (hashed directory: the image)',
      connectTimings({ ...noCa, 'openssl.capath': site.ca.caPath }, ['mysql', ...db, env.MOODLE_DB_USER, env.MOODLE_DB_PASSWORD, 'verify']), plain));
    console.log(row(`database, TLS verified, openssl.cafile (${certificates}-certificate bundle: before)`,
      connectTimings({ ...noCa, 'openssl.cafile': bundle }, ['mysql', ...db, env.MOODLE_DB_USER, env.MOODLE_DB_PASSWORD, 'verify']), plain));
    console.log(row('Redis, TLS verified, the 5 Amazon Trust Services roots and the test CA (the image)',
      connectTimings(noCa, ['redis', ...redis, amazonRoots])));
    console.log(row(`Redis, TLS verified, ${certificates}-certificate bundle (before)`, connectTimings(noCa, ['redis', ...redis, bundle])));

    console.log('\n| login page, one web task | median ms | p95 ms |\n| --- | ---: | ---: |');
    const variants = {
      noTls: { MOODLE_DB_TLS: 'false', MOODLE_DB_USER: PLAIN_USER.name, MOODLE_DB_PASSWORD: PLAIN_USER.password },
      image: { MOODLE_REDIS_CA_FILE: amazonRoots },
      // The image before: every CA setting pointed at the bundle.
      before: { MOODLE_DB_CA_PATH: '', MOODLE_DB_CA_FILE: bundle, MOODLE_REDIS_CA_FILE: bundle },
    };
    // Rounds of the variants in turn (each task writes the one config.php at start, so one task at a time); the first
    // round warms the site's caches and is left out, the others' requests are pooled, so drift shares out evenly.
    const times: Record<string, number[]> = {};
    for (const round of [1, 2, 3, 4]) {
      for (const [name, environment] of Object.entries(variants)) {
        const measured = await loginPageTimes(site, `web-${name}-${round}`, environment);
        if (round > 1) times[name] = [...(times[name] ?? []), ...measured];
      }
    }
    const figures = Object.fromEntries(Object.entries(times).map(([name, list]) => [name, percentiles(list)]));
    console.log(row('no database TLS (baseline)', figures.noTls));
    console.log(row('the image: database through openssl.capath, Redis through a small CA file', figures.image, figures.noTls));
    console.log(row(`before: database and Redis through the ${certificates}-certificate bundle`, figures.before, figures.noTls));
  } finally {
    await site.stop(false);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
