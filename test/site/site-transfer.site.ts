import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ADDRESSES, LocalSite, MOODLE_TREES, PROJECT_DIR, SITE_HOST, SiteTemplate } from './local-site';
import { Processes } from './processes';
import { localBucketName, roleS3Statements, S3StandIn } from './s3-stand-in';
import { dependentSteps } from './steps';
import { CfnTemplate } from './task-definitions';
import { isLoggedIn, Viewer } from './viewer';
import { MoodleOnFargate, MoodlePreset, MoodleSiteImport } from '../../src';

/**
 * A site moves in and out, on real Moodle and a real S3 API: a Moodle 4.5 LTS site with a course, a user and an uploaded
 * file is exported by the export task of the default example (to an S3 stand-in that checks signatures and IAM
 * policies: each task gets exactly its task role's S3 statements), then imported by the import task of a stack with
 * `importSite` into a new site's empty database and moodledata, upgraded to 5.0 by the install/upgrade step, and served:
 * the course, the user (logs in) and the file (the same bytes) are there, and the old address is replaced. Bad inputs
 * (a missing object, a dump that is not a site, a site already there) fail before anything is written; with
 * replaceExistingSite the site is replaced, in maintenance until the next install/upgrade step.
 */

const EXPORTING_TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
const ARTIFACTS = path.join(PROJECT_DIR, 'test', '.site-artifacts', 'transfer');
const S3_ADDRESS = { address: '127.0.0.40', port: 9443, credentialsPort: 9080 };
const PREVIOUS_URL = 'https://old-moodle.example.edu';
const USER = { username: 'transferuser', password: 'Transfer-Pass-1' };

/** A stack with `importSite` (the same stack and construct IDs for every variant, so their secrets agree). */
function importingTemplate(dir: string, bucketName: string, site: Omit<MoodleSiteImport, 'bucket'>): string {
  const app = new App({ outdir: dir, context: JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'examples', 'offline-context.json'), 'utf8')) });
  const stack = new Stack(app, 'MoodleImported', { env: { account: '123456789012', region: 'us-east-1' } });
  new MoodleOnFargate(stack, 'Moodle', {
    preset: MoodlePreset.DEVELOPMENT,
    service: { importSite: { bucket: s3.Bucket.fromBucketName(stack, 'ImportBucket', bucketName), ...site } },
  });
  app.synth();
  return path.join(dir, 'MoodleImported.template.json');
}

function taskRoleId(template: CfnTemplate, site: SiteTemplate, role: string): string {
  const definition = template.Resources[site.role(role).taskDefinitionId];
  return (definition.Properties!.TaskRoleArn as any)['Fn::GetAtt'][0];
}

/** The S3 stand-in's credentials for a role of a template: its task role's S3 statements, nothing more. */
function s3Environment(storage: S3StandIn, site: SiteTemplate, role: string, name: string): Record<string, string> {
  return storage.taskEnvironment(name, roleS3Statements(site.template, taskRoleId(site.template, site, role)));
}

const sql = (site: LocalSite, query: string) => site.database.sql(query, 'moodle').trim();
const tableCount = (site: LocalSite) => Number(sql(site, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'moodle'"));
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Writes the test's content script into the tree's admin/cli (the code is the test's own copy). */
function addContentScript(site: LocalSite): void {
  fs.writeFileSync(path.join(site.cliDir(), 'site-test-content.php'), `<?php
define('CLI_SCRIPT', true);
require(__DIR__ . '/../../config.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/user/lib.php');
$userid = user_create_user((object) ['username' => '${USER.username}', 'password' => '${USER.password}', 'firstname' => 'Transfer',
    'lastname' => 'User', 'email' => 'transfer@example.edu', 'auth' => 'manual', 'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id], true, false);
$course = create_course((object) ['fullname' => 'Transfer course', 'shortname' => 'TRANSFER1', 'category' => 1,
    'summary' => '<a href="${PREVIOUS_URL}/course/view.php?id=1">the old site</a>', 'summaryformat' => FORMAT_HTML]);
$context = context_course::instance($course->id);
get_file_storage()->create_file_from_pathname(['contextid' => $context->id, 'component' => 'course', 'filearea' => 'overviewfiles',
    'itemid' => 0, 'filepath' => '/', 'filename' => 'transfer.txt'], $argv[1]);
echo json_encode(['course' => (int) $course->id, 'context' => (int) $context->id, 'user' => (int) $userid]), "\\n";
`);
}

describe('A Moodle 4.5 site exported, imported into a new site and upgraded to 5.0, with nothing lost', () => {
  const step = dependentSteps();
  let storage: S3StandIn;
  let storageProcesses: Processes;
  let source: LocalSite;
  let target: LocalSite;
  let exportBucket: string;
  let exported: { database: string; moodledata: string };
  let content: { course: number; context: number; user: number };
  let fileBytes: string;
  const variants: Record<string, SiteTemplate> = {};
  const sites: LocalSite[] = [];

  beforeAll(async () => {
    source = new LocalSite(EXPORTING_TEMPLATE);
    sites.push(source);
    source.unpackMoodle(MOODLE_TREES['4.5']);
    await source.startBackingServices();
    // Processes of its own: the S3 stand-in outlives the old site.
    storageProcesses = new Processes(path.join(source.dir, 's3-logs'));
    storage = new S3StandIn(storageProcesses, { ...S3_ADDRESS, certificate: source.ca.issue(S3_ADDRESS.address), caFile: source.ca.caFile });
    await storage.start();
    const bucketId = Object.entries(source.template.Resources).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.includes('ExportBucket'))?.[0];
    if (!bucketId) throw new Error('the default example creates no export bucket');
    exportBucket = localBucketName(bucketId);
    storage.bucket(exportBucket);
  }, 180_000);

  afterAll(async () => {
    for (const site of sites) {
      fs.cpSync(path.join(site.dir, 'logs'), path.join(ARTIFACTS, path.basename(site.dir)), { recursive: true });
    }
    await storage?.stop();
    await storageProcesses?.stopAll();
    for (const site of sites) await site.stop(false);
  });

  step('a Moodle 4.5 LTS site with a course, a user and an uploaded file', async () => {
    // The stand-in database is MariaDB; Moodle 4.5's check refuses its Aurora (MySQL) driver there (as moodle-releases.site.ts).
    const { code, output } = await source.runTask('install-or-upgrade', 'install-45', 300_000, undefined, undefined, { MOODLE_DB_TYPE: 'mariadb' });
    expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
    fileBytes = `moodle-on-fargate transfer test ${Date.now()}\n${'0123456789abcdef'.repeat(40_000)}\n`;
    const file = path.join(source.dir, 'transfer.txt');
    fs.writeFileSync(file, fileBytes, { mode: 0o644 });
    addContentScript(source);
    content = JSON.parse(source.moodleCliChecked('install-or-upgrade', 'site-test-content.php', [file]).trim().split('\n').pop()!);
    expect(content.course).toBeGreaterThan(1);
  });

  step('the export task writes a dump, a moodledata archive and a manifest, the site in maintenance meanwhile', async () => {
    const env = { MOODLE_DB_TYPE: 'mariadb', ...s3Environment(storage, source.main, 'export-site', 'export-site') };
    const { code, output } = await source.runTask('export-site', 'export-45', 300_000, undefined, undefined, env);
    expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('export-site finished') });
    const order = [/exporting Moodle 4\.5/, /maintenance mode/i, /database\.sql\.gz: wrote .* done/, /moodledata\.tar\.gz: wrote .* done/, /export-site finished/]
      .map((re) => output.search(re));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(fs.existsSync(path.join(source.dataroot, 'climaintenance.html'))).toBe(false);
    const keys = storage.keys(exportBucket, 'exports/');
    const prefix = keys.find((key) => key.endsWith('/manifest.json'))!.replace(/manifest\.json$/, '');
    expect(keys.sort()).toEqual([`${prefix}database.sql.gz`, `${prefix}manifest.json`, `${prefix}moodledata.tar.gz`]);
    const manifestFile = path.join(source.dir, 'manifest.json');
    storage.get(exportBucket, `${prefix}manifest.json`, manifestFile);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    expect(manifest).toMatchObject({ release: '4.5 (Build: 20241007)', database: { key: 'database.sql.gz' }, moodledata: { key: 'moodledata.tar.gz' } });
    const archive = path.join(source.dir, 'moodledata.tar.gz');
    storage.get(exportBucket, `${prefix}moodledata.tar.gz`, archive);
    expect(sha256(fs.readFileSync(archive))).toBe(manifest.moodledata.sha256);
    const listed = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' }).stdout.split('\n');
    const top = [...new Set(listed.map((entry) => entry.replace(/^\.\//, '').split('/')[0]).filter(Boolean))];
    expect(top).toContain('filedir');
    for (const left of ['cache', 'localcache', 'sessions', 'temp', 'muc', 'lock', 'climaintenance.html']) expect(top).not.toContain(left);
    exported = { database: `${prefix}database.sql.gz`, moodledata: `${prefix}moodledata.tar.gz` };
    // The old site stops; its database and moodledata stay where they were.
    await source.processes.stopAll();
  }, 400_000);

  step('a new site on 5.0 with importSite; a missing object and a dump that is no site fail before anything is written', async () => {
    const dir = fs.mkdtempSync(path.join('/var/tmp', 'moodle-import-templates-'));
    const file = importingTemplate(path.join(dir, 'import'), exportBucket,
      { databaseDumpKey: exported.database, moodledataArchiveKey: exported.moodledata, previousSiteUrl: PREVIOUS_URL });
    target = new LocalSite(file);
    sites.push(target);
    target.unpackMoodle(MOODLE_TREES['5.0']);
    await target.startBackingServices();
    // The test CA file stands for the system's bundle (PHP's curl reads it), which trusts S3's CA as well: here the old
    // site's test CA signed the S3 stand-in's certificate.
    fs.appendFileSync(target.ca.caFile, fs.readFileSync(source.ca.caFile));
    await target.startEdge();
    variants.missing = new SiteTemplate(importingTemplate(path.join(dir, 'missing'), exportBucket,
      { databaseDumpKey: 'exports/none/database.sql.gz', moodledataArchiveKey: exported.moodledata }), target.main.secrets);
    const junk = path.join(target.dir, 'junk.sql.gz');
    fs.writeFileSync(junk, gzipSync('-- not a dump\nSELECT 1;\n'));
    storage.put(exportBucket, 'uploads/junk.sql.gz', junk);
    variants.junk = new SiteTemplate(importingTemplate(path.join(dir, 'junk'), exportBucket,
      { databaseDumpKey: 'uploads/junk.sql.gz', moodledataArchiveKey: exported.moodledata }), target.main.secrets);

    const missing = await target.runTask('import-site', 'import-missing', 120_000, variants.missing, undefined,
      s3Environment(storage, variants.missing, 'import-site', 'import-missing'));
    expect(missing.code).toBe(4);
    expect(missing.output).toContain('importSite.databaseDumpKey: s3://');
    expect(missing.output).toMatch(/cannot read s3:\/\/.*exports\/none\/database\.sql\.gz: (it does not exist|access denied: it does not exist)/);
    const junkRun = await target.runTask('import-site', 'import-junk', 120_000, variants.junk, undefined,
      s3Environment(storage, variants.junk, 'import-site', 'import-junk'));
    expect(junkRun.code).toBe(3);
    expect(junkRun.output).toMatch(/check-site-dump: this is not a SQL dump with CREATE TABLE statements/);
    expect(tableCount(target)).toBe(0);
    expect(fs.readdirSync(target.dataroot)).toEqual([]);
  }, 300_000);

  step('the import task loads the dump and moodledata (without caches), after checking the release can be upgraded', async () => {
    const { code, output } = await target.runTask('import-site', 'import', 300_000, undefined, undefined,
      s3Environment(storage, target.main, 'import-site', 'import-site'));
    expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('import-site finished: Moodle 4.5 (Build: 20241007)') });
    expect(output).toMatch(/check-upgrade-path: a dump of Moodle 4\.5 \(Build: 20241007\) \(version 2024100700\.00\) can be imported and upgraded to Moodle 5\.0\.6\+/);
    expect(output).toMatch(/s3-object: .*database\.sql\.gz: read .* \(100%\), done/);
    expect(tableCount(target)).toBeGreaterThan(400);
    const top = fs.readdirSync(target.dataroot);
    expect(top).toEqual(expect.arrayContaining(['filedir', 'moodle-fargate']));
    // (cache/ is the new site's own: the release check bootstraps Moodle, which makes it.)
    for (const left of ['localcache', 'sessions', 'temp', 'muc', 'climaintenance.html']) expect(top).not.toContain(left);
  }, 400_000);

  step('the install/upgrade step upgrades the imported site to 5.0 and replaces its old address', async () => {
    const { code, output } = await target.runTask('install-or-upgrade', 'upgrade-imported', 600_000);
    expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
    expect(output).toMatch(/database state: needs-upgrade/);
    expect(output).toContain(`replacing the imported site's address ${PREVIOUS_URL} with https://${SITE_HOST}`);
    expect(sql(target, "SELECT value FROM mdl_config WHERE name = 'release'")).toBe('5.0.6+ (Build: 20260403)');
    const summary = sql(target, `SELECT summary FROM mdl_course WHERE id = ${content.course}`);
    expect(summary).toContain(`https://${SITE_HOST}/course/view.php?id=1`);
    expect(summary).not.toContain(PREVIOUS_URL);
    expect(fs.existsSync(path.join(target.dataroot, 'moodle-fargate', 'import-previous-url'))).toBe(false);
  }, 600_000);

  step('the new site serves the course; the user logs in and downloads the file with the same bytes', async () => {
    const web = target.startTask('web', 'web-imported', { address: '127.0.0.11' });
    await target.waitHealthy(web);
    target.edge.setTargets([{ host: web.address!, port: web.port! }]);
    const viewer = new Viewer({ host: SITE_HOST, edgeAddress: ADDRESSES.edge, caFile: target.ca.caFile });
    const page = await viewer.logIn(USER.username, USER.password);
    expect({ status: page.status, loggedIn: isLoggedIn(page) }).toEqual({ status: 200, loggedIn: true });
    const course = await viewer.follow(await viewer.get(`/course/view.php?id=${content.course}`));
    expect(course.status).toBe(200);
    expect(course.body).toContain('Transfer course');
    const file = await viewer.get(`/pluginfile.php/${content.context}/course/overviewfiles/transfer.txt`);
    expect({ status: file.status, sha256: sha256(file.body) }).toEqual({ status: 200, sha256: sha256(fileBytes) });
  }, 180_000);

  step('importing again onto the site it made is refused: nothing is overwritten without replaceExistingSite', async () => {
    const before = sql(target, 'CHECKSUM TABLE mdl_course, mdl_user, mdl_config');
    const { code, output } = await target.runTask('import-site', 'import-again', 120_000, undefined, undefined,
      s3Environment(storage, target.main, 'import-site', 'import-again'));
    expect(code).toBe(5);
    expect(output).toMatch(/the site already holds data \(database moodle: \d+ tables; moodledata: [^)]+\)\. The import replaces a site only when asked: set importSite\.replaceExistingSite/);
    expect(sql(target, 'CHECKSUM TABLE mdl_course, mdl_user, mdl_config')).toBe(before);
  });

  step('with replaceExistingSite the import replaces the site, in maintenance until the install/upgrade step after it', async () => {
    sql(target, `UPDATE mdl_course SET fullname = 'Changed after the move' WHERE id = ${content.course}`);
    const dir = fs.mkdtempSync(path.join('/var/tmp', 'moodle-import-templates-'));
    variants.replace = new SiteTemplate(importingTemplate(dir, exportBucket, {
      databaseDumpKey: exported.database, moodledataArchiveKey: exported.moodledata, previousSiteUrl: PREVIOUS_URL, replaceExistingSite: true,
    }), target.main.secrets);
    const imported = await target.runTask('import-site', 'import-replace', 300_000, variants.replace, undefined,
      s3Environment(storage, variants.replace, 'import-site', 'import-replace'));
    expect({ code: imported.code, tail: imported.output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('import-site finished') });
    expect(imported.output).toMatch(/importSite\.replaceExistingSite: the site in maintenance, then its \d+ tables and its moodledata deleted/);
    // The running web task shows the maintenance page meanwhile.
    expect(fs.existsSync(path.join(target.dataroot, 'climaintenance.html'))).toBe(true);
    const upgraded = await target.runTask('install-or-upgrade', 'upgrade-replaced', 600_000, variants.replace);
    expect({ code: upgraded.code, tail: upgraded.output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
    expect(upgraded.output).toContain('the imported site replaced the one before: maintenance mode off');
    expect(fs.existsSync(path.join(target.dataroot, 'climaintenance.html'))).toBe(false);
    expect(sql(target, `SELECT fullname FROM mdl_course WHERE id = ${content.course}`)).toBe('Transfer course');
    const viewer = new Viewer({ host: SITE_HOST, edgeAddress: ADDRESSES.edge, caFile: target.ca.caFile });
    const page = await viewer.logIn(USER.username, USER.password);
    expect({ status: page.status, loggedIn: isLoggedIn(page) }).toEqual({ status: 200, loggedIn: true });
  }, 900_000);
});
