import * as fs from 'fs';
import * as path from 'path';
import { addFileResource, createCourse, launchBrowser, logIn, logOut, newPage, screenshot } from './browser';
import { patternToRegExp } from './edge-proxy';
import { ADDRESSES, LocalSite, PROJECT_DIR, SITE_HOST, SiteTemplate, Task } from './local-site';
import { alive, childrenOf, commandLine, exited, sleep, waitFor } from './processes';
import { edgeBehaviors } from './task-definitions';
import { isLoggedIn, Viewer } from './viewer';

/**
 * The running site: a real Moodle started from the synthesized default example (DEVELOPMENT preset), its
 * roles run through src/image/bin/entrypoint.sh with the environment of their task definitions. The steps
 * depend on each other and run in order; the first failure stops the rest.
 */

const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
const PRODUCTION_TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'production-domain', 'MoodleProduction.template.json');
export const ARTIFACTS = path.join(PROJECT_DIR, 'test', '.site-artifacts');

let site: LocalSite;
let production: SiteTemplate;
let failed = false;
const started = Date.now();

beforeAll(async () => {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  site = new LocalSite(TEMPLATE);
  production = new SiteTemplate(PRODUCTION_TEMPLATE);
  site.unpackMoodle();
  await site.startBackingServices();
  await site.startEdge(new URL(site.environment('web', 'x', production).MOODLE_WWWROOT).hostname);
}, 120_000);

afterAll(async () => {
  if (site) {
    // Keep every task's output for a failed run.
    fs.cpSync(path.join(site.dir, 'logs'), path.join(ARTIFACTS, 'logs'), { recursive: true });
    await site.stop(false);
  }
  console.log(`site test: ${((Date.now() - started) / 1000).toFixed(0)} s; logs and screenshots in ${ARTIFACTS}`);
});

/** A step of the site's story. After a failed step that later ones build on, they are skipped. */
function step(name: string, fn: () => Promise<void>, timeoutMs = 120_000, laterStepsBuildOnIt = true): void {
  test(name, async () => {
    if (failed) throw new Error('skipped: an earlier step failed');
    try {
      await fn();
    } catch (e) {
      if (laterStepsBuildOnIt) failed = true;
      throw e;
    }
  }, timeoutMs);
}

function viewer(localAddress?: string, headers?: Record<string, string>): Viewer {
  return new Viewer({ host: SITE_HOST, edgeAddress: ADDRESSES.edge, caFile: site.ca.caFile, localAddress, headers });
}

const admin = () => ({
  username: site.environment('install-or-upgrade', 'x').MOODLE_ADMIN_USER,
  password: site.main.secret('install-or-upgrade', 'MOODLE_ADMIN_PASSWORD'),
});

const web: Record<string, Task> = {};

describe('the tasks\' file systems', () => {
  step('every role runs as www-data on a read-only root file system: only its volumes and moodledata are writable', async () => {
    for (const role of ['web', 'cron', 'install-or-upgrade']) {
      const container = site.main.role(role);
      expect({ role, readonly: container.readonlyRootFilesystem, user: container.user }).toEqual({ role, readonly: true, user: '33:33' });
    }
    // A directory www-data owns outside the volumes: writable but for the read-only root.
    const owned = path.join(site.dir, 'tasks', 'probe', 'owned');
    fs.mkdirSync(owned, { recursive: true });
    fs.chownSync(owned, 33, 33);
    const { output } = site.probeTask('web', 'probe', [
      'id -u', 'touch "$TMPDIR/probe" && echo tmp-writable', `touch ${site.dataroot}/probe && echo moodledata-writable`,
      `touch ${owned}/probe || echo root-read-only`,
    ].join('; '));
    // Standard output, then standard error.
    expect(output).toMatch(/^33\ntmp-writable\nmoodledata-writable\nroot-read-only\n.*\/owned\/probe': Read-only file system\n$/);
    fs.rmSync(path.join(site.dataroot, 'probe'));
  });
});

describe('install-or-upgrade', () => {
  step('installs Moodle on the empty database as its own least-privilege user, with the MUC in Redis', async () => {
    const { code, output } = await site.runTask('install-or-upgrade', 'install-1', 300_000);
    expect({ code, tail: output.slice(-3000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
    expect(output).toMatch(/database state: empty/);
    const appUser = site.environment('install-or-upgrade', 'x').MOODLE_DB_USER;
    const grants = site.database.sql(`SHOW GRANTS FOR '${appUser}'@'%'`);
    expect(grants).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES ON `moodle`\.\*/);
    expect(grants).not.toMatch(/ON \*\.\*.*(SUPER|ALL PRIVILEGES)/);
    const muc = fs.readFileSync(path.join(site.dataroot, 'muc', 'config.php'), 'utf8');
    expect(muc).toMatch(/'plugin' => 'redis'/);
  }, 300_000);

  step('a second run finds the site ready and changes nothing', async () => {
    const before = site.database.sql('SELECT COUNT(*) FROM mdl_upgrade_log; SELECT value FROM mdl_config WHERE name = \'version\'', 'moodle');
    const { code, output } = await site.runTask('install-or-upgrade', 'install-2', 120_000);
    expect(code).toBe(0);
    expect(output).toMatch(/database state: ready/);
    expect(site.database.sql('SELECT COUNT(*) FROM mdl_upgrade_log; SELECT value FROM mdl_config WHERE name = \'version\'', 'moodle')).toBe(before);
  });

  step('upgrades a database that needs it: maintenance on, upgrade, maintenance off', async () => {
    // An older version of one plugin in the database makes Moodle need an upgrade with nothing else to change.
    const version = Number(site.database.sql("SELECT value FROM mdl_config_plugins WHERE plugin = 'block_html' AND name = 'version'", 'moodle'));
    site.database.sql(`UPDATE mdl_config_plugins SET value = '${version - 1}' WHERE plugin = 'block_html' AND name = 'version'`, 'moodle');
    // Moodle compares a hash of every plugin's version.php with the one it stored at the last upgrade.
    site.database.sql("UPDATE mdl_config SET value = 'before-upgrade' WHERE name = 'allversionshash'", 'moodle');
    expect(site.moodleCli('install-or-upgrade', 'purge_caches.php', [])).toMatchObject({ status: 0 });
    const { code, output } = await site.runTask('install-or-upgrade', 'upgrade', 300_000);
    expect(code).toBe(0);
    expect(output).toMatch(/database state: needs-upgrade/);
    // maintenance.php --enable, upgrade.php, maintenance.php --disable, in this order.
    const order = [/CLI maintenance mode/, /-->block_html/, /Maintenance mode has been disabled/].map((re) => output.search(re));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(order[0]).toBeGreaterThanOrEqual(0);
    expect(site.database.sql("SELECT value FROM mdl_config_plugins WHERE plugin = 'block_html' AND name = 'version'", 'moodle').trim()).toBe(String(version));
    expect(site.database.sql("SELECT COUNT(*) FROM mdl_config WHERE name = 'maintenance_enabled' AND value = '1'", 'moodle').trim()).toBe('0');
  }, 300_000);
});

describe('web', () => {
  step('two web tasks pass the target group health check', async () => {
    web.a = site.startTask('web', 'web-a', { address: '127.0.0.11' });
    web.b = site.startTask('web', 'web-b', { address: '127.0.0.12' });
    await Promise.all([site.waitHealthy(web.a), site.waitHealthy(web.b)]);
    site.edge.setTargets([web.a, web.b].map((t) => ({ host: t.address!, port: t.port! })));
  });

  step('the login page answers 200 with the login form', async () => {
    const page = await viewer().get('/login/index.php');
    expect({ status: page.status, body: page.status === 200 ? '' : page.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ') }).toEqual({ status: 200, body: '' });
    expect(page.body).toMatch(/<form[^>]+id="login"/);
    expect(page.body).toMatch(/name="logintoken"/);
  });

  step('the administrator logs in with the password from the admin secret', async () => {
    const { username, password } = admin();
    const page = await viewer().logIn(username, password);
    expect(page.status).toBe(200);
    expect(isLoggedIn(page)).toBe(true);
  });
});

describe('what a viewer gets through the edge', () => {
  step('sessions and Moodle\'s application cache (MUC) live in Redis', async () => {
    const keys = site.redis.cli('--scan').split('\n').filter(Boolean);
    expect(keys.filter((k) => /sess_/.test(k)).length).toBeGreaterThan(0);
    expect(keys.filter((k) => /muc_/.test(k)).length).toBeGreaterThan(0);
  });

  step('the asset paths the edge caches answer with a long-lived public Cache-Control', async () => {
    const page = await viewer().get('/login/index.php');
    const patterns = edgeBehaviors(site.template).cachedPathPatterns.map((p) => [p, patternToRegExp(p)] as const);
    const urls = [...new Set([...page.body.matchAll(/(?:href|src)="https:\/\/moodle\.site\.test(\/[^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&')))];
    const answers: Record<string, string> = {};
    for (const url of urls) {
      const pattern = patterns.find(([, re]) => re.test(url.split('?')[0]));
      if (!pattern || answers[pattern[0]]) continue;
      const asset = await viewer().get(url);
      answers[pattern[0]] = `${asset.status} ${asset.headers['cache-control']}`;
    }
    expect(Object.keys(answers).length).toBeGreaterThanOrEqual(3);
    for (const [pattern, answer] of Object.entries(answers)) {
      const maxAge = Number(/max-age=(\d+)/.exec(answer)?.[1] ?? 0);
      expect({ pattern, status: answer.split(' ')[0], public: /public/.test(answer), longLived: maxAge >= 86_400 })
        .toEqual({ pattern, status: '200', public: true, longLived: true });
    }
  });

  step('the paths Moodle\'s own security check lists as private answer 403 or 404 (admin/cli/checks.php cannot fetch them here)', async () => {
    // Copied from lib/classes/check/environment/publicpaths.php (Moodle 5.0), which fetches them from wwwroot.
    const privatePaths = ['vendor/', 'vendor/bin/behat', 'node_modules/', 'node_modules/cli/cli.js', '.git/', '.git/HEAD',
      '.github/FUNDING.yml', '.stylelintrc', '.upgradenotes/', 'composer.json', 'composer.lock', 'admin/environment.xml',
      'doesnotexist', 'lib/classes/', 'lib/db/install.xml', 'mod/assign/db/install.xml', 'lib/scssphp/readme_moodle.txt',
      'mod/resource/readme.txt', 'mod/README.txt', 'mod/book/README.md', 'auth/manual/upgrade.txt', 'lib/upgrade.txt',
      'UPGRADING.md', 'UPGRADING-CURRENT.md', 'reportbuilder/UPGRADING.md', 'phpunit.xml.dist',
      'privacy/tests/fixtures/logo.png', 'enrol/lti/tests/fixtures/input.xml', 'blog/tests/behat/delete.feature'];
    const answers: Record<string, number> = {};
    for (const privatePath of privatePaths) answers[privatePath] = (await viewer().get(`/${privatePath}`)).status;
    expect(Object.entries(answers).filter(([, status]) => status !== 403 && status !== 404)).toEqual([]);
  });

  step('Moodle\'s routed API (/api/rest/v2/..., used by the pages\' JavaScript) answers 200', async () => {
    const response = await viewer().get('/api/rest/v2/core/templates/boost/core/loading');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/json/);
  });

  step('Moodle records the viewer\'s address, not the load balancer\'s, nor one the viewer sends', async () => {
    const viewerAddress = '127.0.0.30';
    const spoofed = { 'x-forwarded-for': '203.0.113.66', 'client-ip': '203.0.113.67', 'x-real-ip': '203.0.113.68' };
    const { username, password } = admin();
    const page = await viewer(viewerAddress, spoofed).logIn(username, password);
    expect(isLoggedIn(page)).toBe(true);
    const recorded = site.database.sql(`SELECT lastip FROM mdl_user WHERE username = '${username}'`, 'moodle').trim();
    expect(recorded).toBe(viewerAddress);
    const logged = site.database.sql("SELECT ip FROM mdl_logstore_standard_log WHERE eventname LIKE '%user_loggedin' ORDER BY id DESC LIMIT 1", 'moodle').trim();
    expect(logged).toBe(viewerAddress);
  });
});

/** checks.php --verbose: a table of "  Status | Name (ref)" rows followed by detail lines. */
function parseChecks(output: string): Array<{ status: string; ref: string }> {
  const rows: Array<{ status: string; ref: string }> = [];
  for (const line of output.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    const match = /^\s*([A-Z]+)\s*\|\s+.*\(([a-z0-9_]+)\)\s*$/.exec(line);
    if (match) rows.push({ status: match[1], ref: match[2] });
  }
  if (rows.length === 0) throw new Error(`checks.php printed no checks:\n${output.slice(0, 2000)}`);
  return rows;
}

describe('two web tasks', () => {
  step('a session started on one task continues on the other', async () => {
    const { username, password } = admin();
    const user = viewer();
    site.edge.setTargets([target(web.a)]);
    expect(isLoggedIn(await user.logIn(username, password))).toBe(true);
    site.edge.setTargets([target(web.b)]);
    const page = await user.get('/my/');
    expect({ status: page.status, loggedIn: isLoggedIn(page) }).toEqual({ status: 200, loggedIn: true });
  });

  step('in a browser: log in, create a course, upload a file through one task, view it through the other, log out', async () => {
    const { username, password } = admin();
    const browser = await launchBrowser(SITE_HOST, ADDRESSES.edge);
    const page = await newPage(browser);
    try {
      const origin = `https://${SITE_HOST}`;
      site.edge.setTargets([target(web.a)]);
      await page.goto(`${origin}/login/index.php`);
      await screenshot(page, ARTIFACTS, 'login-page');
      await logIn(page, origin, username, password);
      const courseId = await createCourse(page, origin, 'Site test course', `sitetest${Date.now()}`);
      const marker = `uploaded through web-a at ${new Date().toISOString()}`;
      const file = path.join(ARTIFACTS, 'site-test-upload.txt');
      fs.writeFileSync(file, `${marker}\n`);
      const resourceUrl = await addFileResource(page, origin, courseId, 'Site test file', file);
      await page.goto(`${origin}/course/view.php?id=${courseId}`);
      await screenshot(page, ARTIFACTS, 'course-page');
      expect(await page.locator('text=Site test file').count()).toBeGreaterThan(0);

      site.edge.setTargets([target(web.b)]);
      // Fetched by the page itself: the browser's session, through the edge, now to the other task.
      const fileUrl = `${new URL(resourceUrl, origin).toString()}${resourceUrl.includes('?') ? '&' : '?'}redirect=1`;
      const download = await page.evaluate(async (url) => {
        const response = await fetch(url, { credentials: 'include' });
        return { status: response.status, body: (await response.text()).trim() };
      }, fileUrl);
      expect(download).toEqual({ status: 200, body: marker });

      await logOut(page);
      await page.goto(`${origin}/my/`);
      expect(page.url()).toMatch(/\/login\/index\.php/);
    } catch (e) {
      await screenshot(page, ARTIFACTS, 'browser-failure').catch(() => undefined);
      throw e;
    } finally {
      await browser.close();
    }
  }, 180_000);

  step('a web task stopped with the image\'s STOPSIGNAL finishes the request in flight; the user stays logged in', async () => {
    const { username, password } = admin();
    const user = viewer();
    site.edge.setTargets([target(web.a), target(web.b)]);
    expect(isLoggedIn(await user.logIn(username, password))).toBe(true);
    site.edge.setTargets([target(web.a)]);
    const inFlight = viewer().get('/site-test-slow.php?s=3');
    await sleep(1_000);
    // ECS: the target is deregistered, then the container gets the image's STOPSIGNAL.
    site.edge.setTargets([target(web.b)]);
    web.a.process.kill(site.image.stopSignal);
    const finished = await inFlight;
    expect({ status: finished.status, body: finished.body.trim() }).toEqual({ status: 200, body: 'slow request finished' });
    expect(await exited(web.a.process, 30_000)).toBe(0);
    // The load balancer sends requests only to targets that pass its health check.
    await site.waitHealthy(web.b);
    const page = await user.get('/my/');
    expect({ status: page.status, loggedIn: isLoggedIn(page), edge: page.status >= 500 ? page.body.slice(0, 300) : '' })
      .toEqual({ status: 200, loggedIn: true, edge: '' });
  }, 120_000, false); // the cron steps do not need web task A
});

describe('cron', () => {
  let cron: Task;

  step('runs Moodle\'s scheduled tasks for a minute, and they succeed', async () => {
    const since = Math.floor(Date.now() / 1000);
    cron = site.startTask('cron', 'cron-1');
    await sleep(60_000);
    expect(cron.process.exitCode).toBeNull();
    const results = site.database.sql(`SELECT classname, result FROM mdl_task_log WHERE timestart >= ${since} AND type = 0`, 'moodle')
      .split('\n').filter(Boolean).map((line) => line.split('\t'));
    const failedTasks = results.filter(([, result]) => result !== '0').map(([name]) => name);
    console.log(`cron: ${results.length} scheduled task runs in 60 s, failed: ${JSON.stringify(failedTasks)}`);
    expect(results.length).toBeGreaterThan(10);
    expect(failedTasks).toEqual([]);
  }, 120_000);

  for (const signal of ['image STOPSIGNAL', 'SIGTERM']) {
    step(`stopped with ${signal}: the signal reaches cron.php, no process is left behind, and the task exits 0`, async () => {
      if (signal === 'SIGTERM') {
        cron = site.startTask('cron', 'cron-2');
      }
      const php = await waitFor('cron.php to run', 20_000, async () => descendants(cron.process.pid!).find((pid) => /cron\.php/.test(commandLine(pid) ?? '')));
      cron.process.kill(signal === 'SIGTERM' ? 'SIGTERM' : site.image.stopSignal);
      const code = await exited(cron.process, 60_000);
      await waitFor(`cron.php (pid ${php}) to end`, 10_000, async () => (alive(php) ? undefined : true));
      expect({ code, orphans: cronProcesses() }).toEqual({ code: 0, orphans: [] });
      expect(cron.log()).not.toMatch(/exited with 156/);
    }, 90_000);
  }
});

describe('cron on an idle site (the database may pause)', () => {
  step('runs once and leaves the database without connections; a web request makes it run every minute again', async () => {
    const cronEnvironment = site.environment('cron', 'x');
    // The example's database pauses (Aurora at 0 ACU), so its cron task idles: the interval is the template's.
    expect(Number(cronEnvironment.MOODLE_CRON_IDLE_INTERVAL)).toBeGreaterThanOrEqual(900);
    const marker = path.join(cronEnvironment.MOODLE_DATAROOT, 'moodle-fargate-last-request');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(marker, anHourAgo, anHourAgo); // the browser steps made it; now nobody has come for an hour
    const appUser = cronEnvironment.MOODLE_DB_USER;
    const connections = () => Number(site.database.sql(`SELECT COUNT(*) FROM information_schema.processlist WHERE user = '${appUser}'`));
    const cron = site.startTask('cron', 'cron-idle', { timings: { MOODLE_CRON_IDLE_POLL: '1' } });
    await waitFor('the idle cron run', 60_000, async () => (/idle \(no web request for \d+ s\): one cron run/.test(cron.log()) ? true : undefined));
    await waitFor('the idle cron run to end', 60_000, async () => (cronProcesses().length === 0 ? true : undefined));
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(connections() + cronProcesses().length);
      await sleep(1_000);
    }
    expect(seen).toEqual([0, 0, 0, 0, 0]);

    const page = await viewer().get('/login/index.php');
    expect(page.status).toBe(200);
    expect(fs.statSync(marker).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    const php = await waitFor('cron.php --keep-alive', 30_000, async () =>
      cronProcesses().find((pid) => /--keep-alive=[1-9]/.test(commandLine(pid) ?? '')));
    await waitFor('cron\'s database connection', 30_000, async () => (connections() > 0 ? true : undefined));
    cron.process.kill('SIGTERM');
    expect(await exited(cron.process, 60_000)).toBe(0);
    await waitFor(`cron.php (pid ${php}) to end`, 10_000, async () => (alive(php) ? undefined : true));
    expect(cron.log().match(/one cron run/g)).toHaveLength(1);
  }, 180_000);
});

describe('Moodle\'s own checks, on the running site (cron has run)', () => {
  step('Moodle\'s own checks (admin/cli/checks.php) fail nothing but what is acknowledged', async () => {
    const acknowledged: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, 'checks-acknowledgments.json'), 'utf8'));
    const found: Record<string, string> = {};
    for (const type of ['status', 'security', 'performance']) {
      const { output } = site.moodleCli('web', 'checks.php', [`--type=${type}`, '--verbose']);
      fs.writeFileSync(path.join(ARTIFACTS, `checks-${type}.txt`), output);
      for (const result of parseChecks(output)) {
        if (!['OK', 'INFO', 'NA'].includes(result.status)) found[`${type}:${result.ref}`] = result.status;
      }
    }
    console.log(`checks.php findings: ${JSON.stringify(found, undefined, 1)}`);
    expect(Object.keys(found).filter((ref) => !(ref in acknowledged)).map((ref) => `${ref} (${found[ref]})`)).toEqual([]);
    expect(Object.keys(acknowledged).filter((ref) => !(ref in found)).map((ref) => `stale acknowledgment ${ref}`)).toEqual([]);
  });
});

describe('the production example', () => {
  step('its install-or-upgrade and web roles run the same site with the production stack\'s secrets and settings', async () => {
    // The production stack's own master user and cache AUTH token, on the same local servers.
    const master = production.role('install-or-upgrade').secrets.MOODLE_DB_ADMIN_USER;
    const masterJson = production.secrets.json(master.secret);
    site.database.createMaster(masterJson.username, masterJson.password);
    site.redis.addPassword(production.secret('install-or-upgrade', 'MOODLE_REDIS_AUTH'));
    const { code, output } = await site.runTask('install-or-upgrade', 'production-install', 120_000, production);
    expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringMatching(/database state: ready[^]*install-or-upgrade finished/) });

    web.production = site.startTask('web', 'production-web', { address: '127.0.0.13', template: production });
    await site.waitHealthy(web.production);
    site.edge.setTargets([target(web.production)]);
    const host = new URL(site.environment('web', 'x', production).MOODLE_WWWROOT).hostname;
    const page = await new Viewer({ host, edgeAddress: ADDRESSES.edge, caFile: site.ca.caFile }).get('/login/index.php');
    expect({ status: page.status, form: /<form[^>]+id="login"/.test(page.body) }).toEqual({ status: 200, form: true });
  });
});

function target(task: Task) {
  return { host: task.address!, port: task.port! };
}

/** Every cron.php of this site still running, whoever its parent is now. */
function cronProcesses(): number[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number)
    .filter((pid) => (commandLine(pid) ?? '').includes(`${site.tree}/admin/cli/cron.php`));
}

/** Every process below `pid`. */
function descendants(pid: number): number[] {
  const children = childrenOf(pid);
  return [...children, ...children.flatMap(descendants)];
}
