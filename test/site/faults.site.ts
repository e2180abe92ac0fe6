import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { Redis } from './backing-services';
import { ADDRESSES, LocalSite, PROJECT_DIR, SITE_HOST, Task } from './local-site';
import { alive, exited, sleep, waitFor } from './processes';
import { dependentSteps } from './steps';
import { edgeBehaviors, targetGroupAttributes } from './task-definitions';
import { isLoggedIn, Response, Viewer } from './viewer';

/**
 * Faults on the running site, with real processes: web tasks stopped and killed, the database restarted, the cache
 * failed over as ElastiCache does it, an upload cut off, cron running longer than its health check's threshold. Each
 * fault has the bound the project sets on purpose (the synthesized task definitions carry it) and the test holds the
 * site to it. The steps run in order; the first failure stops the rest.
 */

const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
const ARTIFACTS = path.join(PROJECT_DIR, 'test', '.site-artifacts-faults');
const WEB_ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15', '127.0.0.16'];

let site: LocalSite;
const web: Task[] = [];

beforeAll(async () => {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  site = new LocalSite(TEMPLATE);
  site.unpackMoodle();
  // A page that holds the user's session (and its Redis lock) while it runs, as a slow Moodle page does.
  fs.writeFileSync(path.join(site.docroot(), 'site-test-session-slow.php'), [
    '<?php', "require(__DIR__ . '/config.php');", 'require_login();', "$end = microtime(true) + (int) ($_GET['s'] ?? 3);", 'while (($left = $end - microtime(true)) > 0) { usleep((int) ($left * 1e6)); }',
    "header('Content-Type: text/plain');", 'echo "slow session request finished\\n";', '',
  ].join('\n'));
  await site.startBackingServices();
  await site.startEdge();
  const install = await site.runTask('install-or-upgrade', 'install', 300_000);
  if (install.code !== 0) throw new Error(`install failed:\n${install.output.slice(-3000)}`);
}, 420_000);

afterAll(async () => {
  if (site) {
    fs.cpSync(path.join(site.dir, 'logs'), path.join(ARTIFACTS, 'logs'), { recursive: true });
    await site.stop(false);
  }
});

const step = dependentSteps();

const viewer = (localAddress?: string) => new Viewer({ host: SITE_HOST, edgeAddress: ADDRESSES.edge, caFile: site.ca.caFile, localAddress });
const admin = () => ({
  username: site.environment('install-or-upgrade', 'x').MOODLE_ADMIN_USER,
  password: site.main.secret('install-or-upgrade', 'MOODLE_ADMIN_PASSWORD'),
});
const target = (task: Task) => ({ host: task.address!, port: task.port! });

const webStopTimeout = () => site.main.role('web').stopTimeout!;
const webEnvironment = (name: string) => Number(site.environment('web', 'x')[name]);

let webStarted = 0;
async function startWeb(): Promise<Task> {
  const address = WEB_ADDRESSES[webStarted++];
  const task = site.startTask('web', `web-${webStarted}`, { address });
  web.push(task);
  await site.waitHealthy(task);
  return task;
}

/** SIGKILL to every process of the task, as when Fargate stops its microVM or the container's stopTimeout runs out. */
async function killTask(task: Task): Promise<void> {
  for (const group of task.processGroups()) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exited(task.process, 10_000);
  await waitFor(`${task.name}'s processes to go`, 10_000, async () => (task.processGroups().some(groupAlive) ? undefined : true));
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

async function loggedInViewer(): Promise<Viewer> {
  const { username, password } = admin();
  const user = viewer();
  expect(isLoggedIn(await user.logIn(username, password))).toBe(true);
  return user;
}

/** Requests a page every `everyMs` until `until` resolves; each answer with its time. */
interface Answer { readonly at: number; readonly status: number; readonly loggedIn: boolean; readonly ms: number }

async function browseDuring(user: Viewer, page: string, everyMs: number, until: Promise<unknown>): Promise<Answer[]> {
  const answers: Answer[] = [];
  let done = false;
  until.finally(() => {
    done = true;
  }).catch(() => undefined);
  while (!done) {
    const at = Date.now();
    const response: Response = await user.get(page).catch(() => ({ status: 0, headers: {}, body: '', ms: Date.now() - at }));
    answers.push({ at, status: response.status, loggedIn: isLoggedIn(response), ms: response.ms });
    await sleep(everyMs);
  }
  return answers;
}

describe('web tasks stopped and killed', () => {
  step('two web tasks serve the site', async () => {
    await startWeb();
    await startWeb();
    site.edge.setTargets(web.map(target));
    expect((await viewer().get('/login/index.php')).status).toBe(200);
  });

  step('stop timeout, graceful stop, drain and session lock agree with the edge\'s longest request', async () => {
    const longest = edgeBehaviors(site.template).originReadTimeoutSeconds;
    const drain = Number(targetGroupAttributes(site.template)['deregistration_delay.timeout_seconds']);
    const graceful = webEnvironment('APACHE_GRACEFUL_SHUTDOWN_TIMEOUT');
    expect({ drainCoversLongest: drain >= longest, gracefulCoversLongest: graceful >= longest })
      .toEqual({ drainCoversLongest: true, gracefulCoversLongest: true });
    expect(webStopTimeout()).toBeGreaterThan(graceful);
    expect(webStopTimeout()).toBeLessThanOrEqual(120);
    expect(webEnvironment('MOODLE_REDIS_LOCK_EXPIRE')).toBe(longest);
  });

  step('SIGTERM (what a Spot notice sends) during a 10 s request: the request completes, Apache stops within the stop timeout', async () => {
    const [stopping] = web.splice(0, 1);
    site.edge.setTargets([target(stopping)]);
    const inFlight = viewer().get('/site-test-slow.php?s=10');
    await sleep(1_000);
    site.edge.setTargets(web.map(target));
    const signalled = Date.now();
    stopping.process.kill('SIGTERM');
    const finished = await inFlight;
    expect({ status: finished.status, body: finished.body.trim() }).toEqual({ status: 200, body: 'slow request finished' });
    expect(finished.ms).toBeGreaterThanOrEqual(10_000);
    expect(await exited(stopping.process, webStopTimeout() * 1000)).toBe(0);
    const stoppedAfter = (Date.now() - signalled) / 1000;
    console.log(`SIGTERM: the 10 s request answered 200; Apache stopped ${stoppedAfter.toFixed(1)} s after the signal`);
    expect(stoppedAfter).toBeLessThan(webStopTimeout());
  }, 120_000);

  step('SIGKILL while a request holds the user\'s session lock: the next page, on another task, succeeds within the lock expiry', async () => {
    await startWeb();
    const [killed, other] = web;
    site.edge.setTargets([target(killed)]);
    const user = await loggedInViewer();
    const lockTaken = Date.now();
    const holding = user.get('/site-test-session-slow.php?s=300').catch(() => undefined);
    await sleep(2_000);
    site.edge.setTargets([target(other)]);
    await killTask(killed);
    web.splice(web.indexOf(killed), 1);
    await holding;
    await sleep(3_000);
    const page = await user.get('/my/');
    const recovered = (Date.now() - lockTaken) / 1000;
    const expiry = webEnvironment('MOODLE_REDIS_LOCK_EXPIRE');
    console.log(`SIGKILL with the session lock held: the next page waited ${(page.ms / 1000).toFixed(1)} s; ${recovered.toFixed(1)} s after the lock was taken (expiry ${expiry} s)`);
    expect({ status: page.status, loggedIn: isLoggedIn(page) }).toEqual({ status: 200, loggedIn: true });
    expect(recovered).toBeLessThanOrEqual(expiry + 3);
    expect(page.ms / 1000).toBeLessThan(edgeBehaviors(site.template).originReadTimeoutSeconds);
  }, 180_000);
});

describe('the database restarted', () => {
  step('pages fail at most while it is down, then recover without restarting a web task; the user stays logged in', async () => {
    await startWeb();
    site.edge.setTargets(web.map(target));
    const user = await loggedInViewer();
    const pids = web.map((task) => task.process.pid!);
    const restart = site.database.restart(5_000);
    const answers = await browseDuring(user, '/my/', 250, restart.then(() => sleep(5_000)));
    const { downAt, upAt } = await restart;
    const failures = answers.filter((a) => a.status !== 200 || !a.loggedIn);
    const outsideOutage = failures.filter((a) => a.at + a.ms < downAt - 1_000 || a.at > upAt + 1_000);
    const firstGoodAfter = answers.find((a) => a.at >= upAt && a.status === 200);
    console.log(`database down ${((upAt - downAt) / 1000).toFixed(1)} s: ${failures.length} of ${answers.length} pages failed; ` +
      `first good page ${firstGoodAfter ? ((firstGoodAfter.at + firstGoodAfter.ms - upAt) / 1000).toFixed(1) : '-'} s after it was back`);
    expect(outsideOutage).toEqual([]);
    expect(answers.filter((a) => a.at > upAt).every((a) => a.status === 200 && a.loggedIn)).toBe(true);
    expect(pids.every(alive)).toBe(true);
  }, 120_000);
});

describe('the cache failed over as ElastiCache does it', () => {
  let replica: Redis;

  step('a replica promoted and the primary endpoint moved to it: sessions survive, the cache rebuilds, no error page after', async () => {
    const primary = site.redis;
    replica = primary.replica('127.0.0.4', path.join(site.dir, 'redis-replica'));
    await replica.start();
    await waitFor('the replica to be in sync', 30_000, async () => (/master_link_status:up/.test(replica.cli('INFO', 'replication')) ? true : undefined));
    const user = await loggedInViewer();
    expect(isLoggedIn(await user.get('/my/'))).toBe(true);
    await waitFor('the session on the replica', 10_000, async () => (Number(replica.cli('DBSIZE')) > 0 ? true : undefined));
    // Failover: the replica becomes primary, the old primary its replica, and the endpoint's address moves (DNS): new
    // connections reach the new primary, connections already open stay with the old one (READONLY for writes there).
    const failedOverAt = Date.now();
    replica.cli('REPLICAOF', 'NO', 'ONE');
    primary.cli('REPLICAOF', replica.address, String(primary.port));
    primary.cli('CONFIG', 'SET', 'bind', '127.0.0.5');
    replica.cli('CONFIG', 'SET', 'bind', `${replica.address} ${primary.address}`);
    const movedAfter = Date.now() - failedOverAt;
    const answers = await browseDuring(user, '/my/', 250, sleep(10_000));
    const errors = answers.filter((a) => a.status !== 200 || !a.loggedIn);
    console.log(`cache failover: ${errors.length} of ${answers.length} pages failed in the 10 s after it`);
    expect(errors).toEqual([]);
    console.log(`cache failover: promoted and moved in ${movedAfter} ms`);
    // A fresh viewer's pages fill the application cache on the new primary.
    expect((await viewer().get('/login/index.php')).status).toBe(200);
    expect(Number(replica.cli('DBSIZE'))).toBeGreaterThan(0);
  });
});

/** Moodle's draft-area upload (repository_ajax.php), its body sent in two halves, with `between` run after the first. */
async function upload(user: Viewer, content: Buffer, between?: () => Promise<void>): Promise<number> {
  const page = await user.get('/user/files.php');
  const sesskey = /"sesskey":"([^"]+)"/.exec(page.body)?.[1];
  if (!sesskey) throw new Error(`no sesskey on /user/files.php (${page.status} ${String(page.headers.location ?? '')}): ${page.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 600)}`);
  const repoId = site.database.sql("SELECT i.id FROM mdl_repository_instances i JOIN mdl_repository r ON r.id = i.typeid WHERE r.type = 'upload'", 'moodle').trim();
  const boundary = `----sitetest${crypto.randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(['repo_id', 'itemid', 'sesskey', 'savepath', 'title'].map((name) => field(name,
    { repo_id: repoId, itemid: String(100000 + Math.floor(Math.random() * 800000)), sesskey, savepath: '/', title: 'cut-off.bin' }[name]!)).join('') +
    `--${boundary}\r\nContent-Disposition: form-data; name="repo_upload_file"; filename="cut-off.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let betweenDone: Promise<void> = Promise.resolve();
  const status = await new Promise<number>((resolve) => {
    const req = https.request({
      host: ADDRESSES.edge,
      servername: SITE_HOST,
      port: 443,
      method: 'POST',
      path: '/repository/repository_ajax.php?action=upload',
      ca: fs.readFileSync(site.ca.caFile),
      agent: false,
      headers: {
        'host': SITE_HOST,
        'cookie': user.cookieHeader(),
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + content.length + tail.length),
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    const half = Math.floor(content.length / 2);
    req.write(Buffer.concat([head, content.subarray(0, half)]), () => {
      betweenDone = (between ? between() : Promise.resolve()).then(() => {
        req.end(Buffer.concat([content.subarray(half), tail]));
      });
    });
  });
  await betweenDone;
  return status;
}

/** Every file in moodledata's filedir: whether its content hashes to its name (Moodle's content-addressed store). */
function filedirProblems(): string[] {
  const filedir = path.join(site.dataroot, 'filedir');
  const problems: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (dir === filedir && entry.name === 'warning.txt') continue; // Moodle's own note at the top of filedir
      else if (!/^[0-9a-f]{40}$/.test(entry.name)) problems.push(`${entry.name}: not a content hash (a partial copy)`);
      else if (crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex') !== entry.name) problems.push(`${entry.name}: content differs`);
    }
  };
  if (fs.existsSync(filedir)) walk(filedir);
  return problems;
}

describe('an upload in flight when its web task is killed', () => {
  step('stored whole or refused: never a partial file in moodledata; the same upload then succeeds whole', async () => {
    const content = crypto.randomBytes(48 * 1024 * 1024);
    const hash = crypto.createHash('sha1').update(content).digest('hex');
    const stored = () => fs.existsSync(path.join(site.dataroot, 'filedir', hash.slice(0, 2), hash.slice(2, 4), hash));
    const killed = web[0];
    site.edge.setTargets([target(killed)]);
    const user = await loggedInViewer();
    const status = await upload(user, content, async () => {
      await killTask(killed);
      web.splice(web.indexOf(killed), 1);
    });
    expect({ stored: stored(), problems: filedirProblems() }).toEqual({ stored: false, problems: [] });
    console.log(`upload cut off by SIGKILL halfway: answered ${status || 'nothing (connection closed)'}; nothing stored`);
    site.edge.setTargets(web.map(target));
    const again = await upload(user, content);
    expect({ status: again, stored: stored(), problems: filedirProblems() }).toEqual({ status: 200, stored: true, problems: [] });
  }, 180_000);
});

describe('the access log', () => {
  step('names the viewer\'s address, as Moodle records it, then the connecting load balancer\'s', async () => {
    const viewerAddress = '127.0.0.31';
    const task = web[0];
    site.edge.setTargets([target(task)]);
    const marker = `/login/index.php?accesslog=${Date.now()}`;
    expect((await viewer(viewerAddress).get(marker)).status).toBe(200);
    await waitFor('the access log line', 10_000, async () => (task.log().includes(marker) ? true : undefined));
    const line = task.log().split('\n').find((l) => l.includes(marker))!;
    expect(line.split(' ').slice(0, 2)).toEqual([viewerAddress, ADDRESSES.loadBalancer]);
  });
});

describe('cron that runs long', () => {
  step('a cron.php run longer than the heartbeat interval keeps the heartbeat fresh; the container health check passes throughout', async () => {
    const beat = 5;
    const cron = site.startTask('cron', 'cron-long', { timings: { MOODLE_CRON_KEEPALIVE: '60', MOODLE_CRON_HEARTBEAT_INTERVAL: String(beat) } });
    const heartbeat = path.join(site.environment('cron', 'cron-long').MOODLE_RUNTIME_DIR, 'cron-heartbeat');
    const healthCommand = site.main.role('cron').healthCheckCommand![1];
    const thresholdMinutes = Number(/-mmin -(\d+)/.exec(healthCommand)![1]);
    await waitFor('the heartbeat', 30_000, async () => (fs.existsSync(heartbeat) ? true : undefined));
    let oldest = 0;
    const until = Date.now() + 75_000;
    while (Date.now() < until) {
      oldest = Math.max(oldest, (Date.now() - fs.statSync(heartbeat).mtimeMs) / 1000);
      await sleep(1_000);
    }
    cron.process.kill('SIGTERM');
    expect(await exited(cron.process, 120_000)).toBe(0);
    console.log(`cron: one 60 s keep-alive run; the heartbeat was at most ${oldest.toFixed(1)} s old (touched every ${beat} s; unhealthy after ${thresholdMinutes} min)`);
    // Between two runs the loop touches it after its 5 s pause, so two touches are at most a beat plus that pause apart.
    expect(oldest).toBeLessThanOrEqual(beat + 5 + 2);
    expect(beat).toBeLessThan(thresholdMinutes * 60);
  }, 180_000);

  step('idle only once a forum post written before the last request has been mailed (maxeditingtime plus one keep-alive run)', async () => {
    const marker = path.join(site.dataroot, 'moodle-fargate-last-request');
    // The test's keep-alive run is 5 s; maxeditingtime is config.php's (generate-config.php), 30 minutes.
    const keepalive = 5;
    const maxEditing = 1800;
    const ago = (seconds: number) => {
      const when = new Date(Date.now() - seconds * 1000);
      fs.utimesSync(marker, when, when);
    };
    for (const [seconds, idle] of [[maxEditing + keepalive - 120, false], [maxEditing + keepalive + 120, true]] as const) {
      ago(seconds);
      const cron = site.startTask('cron', `cron-idle-${seconds}`, { timings: { MOODLE_CRON_IDLE_INTERVAL: '3600', MOODLE_CRON_IDLE_POLL: '1', MOODLE_CRON_KEEPALIVE: '5' } });
      await sleep(8_000);
      cron.process.kill('SIGTERM');
      expect(await exited(cron.process, 60_000)).toBe(0);
      expect({ seconds, idle: /idle \(no web request for \d+ s\)/.test(cron.log()) }).toEqual({ seconds, idle });
    }
  }, 120_000);

  step('Moodle\'s own cron check is OK for a site whose cron.php runs start a keep-alive run apart', async () => {
    const now = Math.floor(Date.now() / 1000);
    const setTaskConfig = (name: string, value: number) => site.database.sql(
      `UPDATE mdl_config_plugins SET value = '${value}' WHERE plugin = 'tool_task' AND name = '${name}'`, 'moodle');
    setTaskConfig('lastcronstart', now - 610);
    setTaskConfig('lastcroninterval', 615);
    site.moodleCliChecked('web', 'purge_caches.php', []);
    const { output } = site.moodleCli('web', 'checks.php', ['--type=status', '--verbose']);
    fs.writeFileSync(path.join(ARTIFACTS, 'checks-status.txt'), output);
    const line = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n').find((l) => /cronrunning/.test(l));
    expect(line).toMatch(/^\s*OK\s*\|/);
  });
});
