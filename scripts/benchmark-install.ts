// Benchmark (not a test): how long a first Moodle install takes in the install/upgrade task at given CPU shares
// of one core (Fargate task sizes: 0.25 = 256 CPU units), on the local site of test/site, each on a fresh
// database. Prints figures; asserts nothing. Needs root (a cgroup limits the task's CPU).
// Usage: npx projen benchmark:install [-- 1 0.25]
import * as path from 'path';
import { LocalSite, PROJECT_DIR } from '../test/site/local-site';

const SHARES = process.argv.slice(2).map(Number).filter((n) => n > 0);
const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');

async function installSeconds(share: number): Promise<number> {
  const site = new LocalSite(TEMPLATE);
  try {
    site.unpackMoodle();
    await site.startBackingServices();
    const started = Date.now();
    const install = await site.runTask('install-or-upgrade', 'install', 1_800_000, undefined, share);
    if (install.code !== 0) throw new Error(`install failed at ${share} vCPU:\n${install.output.slice(-2000)}`);
    return (Date.now() - started) / 1000;
  } finally {
    await site.stop(false);
  }
}

async function main(): Promise<void> {
  for (const share of SHARES.length ? SHARES : [1, 0.25]) {
    const seconds = await installSeconds(share);
    console.log(`install-or-upgrade on an empty database at ${share} vCPU (${share * 1024} CPU units): ${seconds.toFixed(0)} s`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
