import * as fs from 'fs';
import * as path from 'path';
import { ADDRESSES, LocalSite, MOODLE_TREES, PROJECT_DIR, SITE_HOST } from './local-site';
import { exited, waitFor } from './processes';
import { dependentSteps, Step } from './steps';
import { isLoggedIn, Viewer } from './viewer';

/**
 * Moodle's releases on real code, with the image's roles and the default example's task definitions: a new site on
 * the 5.1 tree (web root in public/; IOMAD 5.1.5), and a site installed with 4.5 LTS then upgraded by the 5.0.6+
 * tree, as a new image would, with the upgrade-path refusals that keep a site on its running image. The main
 * site test (moodle-site.site.ts) runs the whole story on the 5.0.6+ tree.
 */

const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
const ARTIFACTS = path.join(PROJECT_DIR, 'test', '.site-artifacts', 'releases');
const BUILD_DIR = path.join(PROJECT_DIR, 'src', 'image', 'build');

/** A story of dependent steps: after a failed step the later ones are skipped. */
function story(name: string, source: string, body: (site: () => LocalSite, step: Step) => void): void {
  describe(name, () => {
    let site: LocalSite;
    beforeAll(async () => {
      site = new LocalSite(TEMPLATE);
      site.unpackMoodle(source);
      await site.startBackingServices();
      await site.startEdge();
    }, 120_000);
    afterAll(async () => {
      if (!site) return;
      fs.cpSync(path.join(site.dir, 'logs'), path.join(ARTIFACTS, path.basename(site.dir)), { recursive: true });
      await site.stop(false);
    });
    body(() => site, dependentSteps());
  });
}

function viewer(site: LocalSite): Viewer {
  return new Viewer({ host: SITE_HOST, edgeAddress: ADDRESSES.edge, caFile: site.ca.caFile });
}

function admin(site: LocalSite) {
  return { username: site.environment('install-or-upgrade', 'x').MOODLE_ADMIN_USER, password: site.main.secret('install-or-upgrade', 'MOODLE_ADMIN_PASSWORD') };
}

const config = (site: LocalSite, name: string) => site.database.sql(`SELECT value FROM mdl_config WHERE name = '${name}'`, 'moodle').trim();

async function install(site: LocalSite, name: string, standInEnvironment?: Record<string, string>): Promise<string> {
  const { code, output } = await site.runTask('install-or-upgrade', name, 300_000, undefined, undefined, standInEnvironment);
  expect({ code, tail: output.slice(-3000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
  return output;
}

/** A web task behind the edge: the login page, then the administrator's session. */
async function serveAndLogIn(site: LocalSite, name: string, address: string): Promise<void> {
  const web = site.startTask('web', name, { address });
  await site.waitHealthy(web);
  site.edge.setTargets([{ host: web.address!, port: web.port! }]);
  const login = await viewer(site).get('/login/index.php');
  expect({ status: login.status, form: /<form[^>]+id="login"/.test(login.body) }).toEqual({ status: 200, form: true });
  const { username, password } = admin(site);
  const page = await viewer(site).logIn(username, password);
  // IOMAD sends a site administrator who belongs to no company to its company form: logged in all the same.
  expect({ status: page.status, loggedIn: isLoggedIn(page) }).toEqual({ status: 200, loggedIn: true });
}

/** An older version of one plugin makes Moodle need an upgrade with nothing else to change (as moodle-site.site.ts). */
function needUpgrade(site: LocalSite, fields: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(fields)) site.database.sql(`UPDATE mdl_config SET value = '${value}' WHERE name = '${name}'`, 'moodle');
  site.database.sql("UPDATE mdl_config SET value = 'before-upgrade' WHERE name = 'allversionshash'", 'moodle');
  const purged = site.moodleCli('install-or-upgrade', 'purge_caches.php', []);
  expect({ status: purged.status, output: purged.status === 0 ? '' : purged.output.slice(-2000) }).toEqual({ status: 0, output: '' });
}

story('Moodle 5.1 (web root in public/): install, serve, the needs-upgrade path, cron', MOODLE_TREES['5.1'], (site, step) => {
  step('the image build\'s PHP check reads this tree\'s public/admin/environment.xml', async () => {
    const result = site().probeTask('install-or-upgrade', 'php-check', `php ${BUILD_DIR}/check-php-extensions.php ${site().tree}`);
    expect(result).toMatchObject({ status: 0, output: expect.stringMatching(/meets Moodle 5\.1's requirements: mysqli, opcache, redis, igbinary/) });
  });

  step('installs on the empty database, with the MUC in Redis', async () => {
    const output = await install(site(), 'install-51');
    expect(output).toMatch(/database state: empty/);
    expect(config(site(), 'release')).toMatch(/^5\.1\.5 /);
    expect(fs.readFileSync(path.join(site().dataroot, 'muc', 'config.php'), 'utf8')).toMatch(/'plugin' => 'redis'/);
  });

  step('a web task serves the login page from public/ and the administrator logs in', async () => {
    await serveAndLogIn(site(), 'web-51', '127.0.0.11');
  });

  step('upgrades a database that needs it, after the upgrade-path check, in maintenance', async () => {
    const plugin = "plugin = 'mod_page' AND name = 'version'";
    const version = Number(site().database.sql(`SELECT value FROM mdl_config_plugins WHERE ${plugin}`, 'moodle'));
    expect(version).toBeGreaterThan(2025000000);
    site().database.sql(`UPDATE mdl_config_plugins SET value = '${version - 1}' WHERE ${plugin}`, 'moodle');
    needUpgrade(site());
    const { code, output } = await site().runTask('install-or-upgrade', 'upgrade-51', 300_000);
    expect(code).toBe(0);
    // Moodle 5.1's own wording: "(CLI) maintenance mode", and no per-plugin lines for an upgrade of this size.
    const order = [/database state: needs-upgrade/, /check-upgrade-path: Moodle 5\.1\.5 .* can be upgraded to Moodle 5\.1\.5/,
      /\(CLI\) maintenance mode/, /Command line upgrade from 5\.1\.5 .* completed successfully/, /Maintenance mode has been disabled/]
      .map((re) => output.search(re));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(site().database.sql(`SELECT value FROM mdl_config_plugins WHERE ${plugin}`, 'moodle').trim()).toBe(String(version));
  });

  step('the cron role runs Moodle\'s scheduled tasks and stops on SIGTERM with 0', async () => {
    const before = Number(site().database.sql('SELECT COUNT(*) FROM mdl_task_log', 'moodle'));
    const cron = site().startTask('cron', 'cron-51');
    await waitFor('scheduled tasks to run', 120_000, async () =>
      (Number(site().database.sql('SELECT COUNT(*) FROM mdl_task_log', 'moodle')) > before + 5 ? true : undefined));
    cron.process.kill('SIGTERM');
    expect(await exited(cron.process, 60_000)).toBe(0);
    const failedTasks = site().database.sql('SELECT classname FROM mdl_task_log WHERE result <> 0', 'moodle').trim();
    expect(failedTasks).toBe('');
  }, 180_000);
});

story('Moodle 4.5 LTS upgraded to 5.0 by a new image; upgrades the image cannot make are refused', MOODLE_TREES['4.5'], (site, step) => {
  step('installs Moodle 4.5 LTS', async () => {
    // The stand-in database is MariaDB. Moodle 4.5's Aurora driver reports itself as MySQL, and 4.5's environment
    // check refuses a MySQL driver on a MariaDB server; on AWS the server is MySQL (Aurora MySQL 3), which passes.
    await install(site(), 'install-45', { MOODLE_DB_TYPE: 'mariadb' });
    expect(config(site(), 'release')).toBe('4.5 (Build: 20241007)');
  });

  step('the install/upgrade role of the 5.0.6+ image upgrades it, and the web role serves the new release', async () => {
    site().replaceMoodle(MOODLE_TREES['5.0']);
    const started = Date.now();
    const { code, output } = await site().runTask('install-or-upgrade', 'upgrade-45-50', 600_000);
    console.log(`4.5 -> 5.0 upgrade: exit ${code} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect({ code, tail: output.slice(-3000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
    expect(output).toMatch(/database state: needs-upgrade/);
    expect(output).toMatch(/check-upgrade-path: Moodle 4\.5 \(Build: 20241007\) \(version 2024100700\.00\) can be upgraded to Moodle 5\.0\.6\+/);
    expect(config(site(), 'release')).toBe('5.0.6+ (Build: 20260403)');
    expect(config(site(), 'version')).toBe('2025041406.11');
    await serveAndLogIn(site(), 'web-50', '127.0.0.12');
  }, 600_000);

  step('a site older than the image can upgrade from is refused before anything changes, naming the stepping stone', async () => {
    // As if the site ran Moodle 4.1.5: 5.0 upgrades from 4.2.3 (its environment.xml), 4.5 LTS from 4.1.2.
    needUpgrade(site(), { release: '4.1.5 (Build: 20230612)', version: '2022112805.00' });
    const before = site().database.sql('CHECKSUM TABLE mdl_config, mdl_config_plugins, mdl_upgrade_log', 'moodle');
    const { code, output } = await site().runTask('install-or-upgrade', 'refused-old', 120_000);
    expect(code).not.toBe(0);
    expect(output).toContain('check-upgrade-path: the site runs Moodle 4.1.5 (Build: 20230612) (version 2022112805.00), but this image\'s ' +
      'Moodle 5.0.6+ (Build: 20260403) (version 2025041406.11) upgrades only from Moodle 4.2.3 or later (its admin/environment.xml): ' +
      'upgrade the site to Moodle 4.5 LTS first (moodleVersion \'v4.5.15\'), then to 5.0. The database was not changed.');
    expect(output).toMatch(/install-or-upgrade failed \(exit 3\)/);
    expect(output).not.toMatch(/maintenance mode/i);
    expect(site().database.sql('CHECKSUM TABLE mdl_config, mdl_config_plugins, mdl_upgrade_log', 'moodle')).toBe(before);
    expect(fs.existsSync(path.join(site().dataroot, 'climaintenance.html'))).toBe(false);
    // (On AWS the running tasks keep serving with the image they run; here the web tasks share the new tree.)
  });

  step('a site newer than the image (an image rolled back) is refused: Moodle cannot downgrade', async () => {
    needUpgrade(site(), { release: '5.0.11 (Build: 20261005)', version: '2025041411.00' });
    const { code, output } = await site().runTask('install-or-upgrade', 'refused-newer', 120_000);
    expect(code).not.toBe(0);
    expect(output).toContain('check-upgrade-path: the site runs Moodle 5.0.11 (Build: 20261005) (version 2025041411.00), newer than this ' +
      'image\'s Moodle 5.0.6+ (Build: 20260403) (version 2025041406.11). Moodle cannot downgrade');
    expect(output).not.toMatch(/maintenance mode/i);
  });
});
