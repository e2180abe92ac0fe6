// Benchmark (not a test): median and p95 latency of the login page and a course page over the local site of
// test/site (one web task of the default example, through the local edge). Prints figures; asserts nothing.
// Usage: npx projen benchmark:site [-- requests]   (synthesizes the default example first)
import * as path from 'path';
import { ADDRESSES, LocalSite, PROJECT_DIR, SITE_HOST } from '../test/site/local-site';
import { Viewer } from '../test/site/viewer';

const REQUESTS = Number(process.argv[2] ?? 40);
const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(name: string, get: () => Promise<{ status: number; ms: number }>): Promise<void> {
  for (let i = 0; i < 3; i++) await get(); // warm opcache and Moodle's caches
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const { status, ms } = await get();
    if (status !== 200) throw new Error(`${name}: HTTP ${status}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(12)} requests ${REQUESTS}  median ${percentile(times, 50)} ms  p95 ${percentile(times, 95)} ms  min ${times[0]} ms`);
}

async function main(): Promise<void> {
  const site = new LocalSite(TEMPLATE);
  try {
    await site.startInstalled();
    site.moodleCliChecked('install-or-upgrade', '../tool/generator/cli/maketestcourse.php', ['--shortname=bench', '--size=XS', '--bypasscheck']);
    const courseId = site.database.sql("SELECT id FROM mdl_course WHERE shortname = 'bench'", 'moodle').trim();
    const web = site.startTask('web', 'web', { address: '127.0.0.11' });
    await site.waitHealthy(web);
    site.edge.setTargets([{ host: web.address!, port: web.port! }]);
    const role = site.role('web');
    console.log(`web task: ${role.cpu} CPU units, ${role.memoryMiB} MiB, APACHE_MAX_REQUEST_WORKERS ${site.environment('web', 'web').APACHE_MAX_REQUEST_WORKERS}; ` +
      'this machine\'s cores are not limited to that share, so compare runs, not absolute figures with AWS');
    const anonymous = new Viewer({ host: SITE_HOST, edgeAddress: ADDRESSES.edge, caFile: site.ca.caFile });
    await measure('login page', () => anonymous.get('/login/index.php'));
    const admin = new Viewer({ host: SITE_HOST, edgeAddress: ADDRESSES.edge, caFile: site.ca.caFile });
    await admin.logIn(site.environment('install-or-upgrade', 'x').MOODLE_ADMIN_USER, site.main.secret('install-or-upgrade', 'MOODLE_ADMIN_PASSWORD'));
    await measure('course page', () => admin.get(`/course/view.php?id=${courseId}`));
  } finally {
    await site.stop(false);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
