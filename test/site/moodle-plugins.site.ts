import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LocalSite, MOODLE_TREES, PROJECT_DIR } from './local-site';
import { blockPluginRepository, GitPlugin, PLUGIN_VERSIONS, PluginServer, treePluginTypes } from './plugins';
import { dependentSteps, Step } from './steps';
import { MoodlePlugin } from '../../src/service';
import { imageSourceDirectory } from '../../src/service/image-source';
import { MOODLE_PLUGIN_TYPES } from '../../src/service/plugin-validation';

/**
 * Plugins on real Moodle, on the 5.0 layout and the 5.1 one (plugin folders under public/): the test's two plugins,
 * one a zip served over HTTPS with its sha256 and one from a git repository at a commit, listed with MoodlePlugin as
 * a CDK app lists them, staged into the image source as MoodleService stages it and placed into the tree by the
 * image build's own script (build/add-plugins.php, as the Dockerfile runs it); then the image's install/upgrade
 * role with the default example's task definition installs them, runs a plugin's upgrade, refuses an image with an
 * older plugin and uninstalls a plugin of the uninstall list.
 */

const TEMPLATE = path.join(PROJECT_DIR, 'cdk.out', 'examples', 'minimal', 'MoodleMinimal.template.json');
const ARTIFACTS = path.join(PROJECT_DIR, 'test', '.site-artifacts', 'plugins');
const ADD_PLUGINS = path.join(PROJECT_DIR, 'src', 'image', 'build', 'add-plugins.php');
const PLUGIN_SERVER = { address: '127.0.0.30', port: 8443 };


interface Fixture {
  site: LocalSite;
  server: PluginServer;
  block: GitPlugin;
}

/** A story of dependent steps on one tree: after a failed step the later ones are skipped. */
function story(name: string, source: string, body: (fixture: () => Fixture, step: Step) => void): void {
  describe(name, () => {
    const fixture = {} as Fixture;
    beforeAll(async () => {
      fixture.site = new LocalSite(TEMPLATE);
      fixture.site.unpackMoodle(source);
      await fixture.site.startBackingServices();
      fixture.server = new PluginServer(PLUGIN_SERVER.address, PLUGIN_SERVER.port, fixture.site.ca.issue(PLUGIN_SERVER.address),
        path.join(fixture.site.dir, 'plugin-sources'));
      await fixture.server.start();
      fixture.block = blockPluginRepository(path.join(fixture.site.dir, 'plugin-sources'));
    }, 120_000);
    afterAll(async () => {
      await fixture.server?.stop();
      if (!fixture.site) return;
      fs.cpSync(path.join(fixture.site.dir, 'logs'), path.join(ARTIFACTS, path.basename(fixture.site.dir)), { recursive: true });
      await fixture.site.stop(false);
    });
    body(() => fixture, dependentSteps());
  });
}

interface BuildResult {
  readonly status: number;
  readonly output: string;
  /** The plugin list the built image carries. */
  readonly pluginsFile: string;
}

/**
 * The image build's plugin step on the site's tree: the list staged as MoodleService stages it, then add-plugins.php
 * (asynchronously: the plugin server answers from this process).
 */
async function buildTree(f: Fixture, plugins: MoodlePlugin[], uninstall: string[] = []): Promise<BuildResult> {
  const pluginsDir = path.join(imageSourceDirectory(plugins, uninstall), 'plugins');
  const child = spawn('php', [ADD_PLUGINS, pluginsDir, f.site.tree], {
    // The plugin server's certificate is the test CA's; git reaches the local repository through url.<base>.insteadOf.
    env: { ...process.env, CURL_CA_BUNDLE: f.site.ca.caFile, PLUGIN_WORK_DIR: path.join(f.site.dir, 'plugin-work', String(Date.now())), ...f.block.gitEnvironment },
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const status = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  // The image carries the list; here a copy beside the site, where a task (its own /tmp) can read it.
  const pluginsFile = path.join(f.site.dir, 'plugin-lists', `${Date.now()}.json`);
  fs.mkdirSync(path.dirname(pluginsFile), { recursive: true, mode: 0o755 });
  fs.copyFileSync(path.join(pluginsDir, 'plugins.json'), pluginsFile);
  fs.chmodSync(pluginsFile, 0o644);
  return { status, output, pluginsFile };
}

function localZip(f: Fixture, name: string, version: 1 | 2, declared?: string): MoodlePlugin {
  const served = f.server.serveLocalPlugin(name, version, declared);
  return MoodlePlugin.fromZip({ component: 'local_sitetest', url: served.url, sha256: served.sha256 });
}

function blockGit(f: Fixture): MoodlePlugin {
  return MoodlePlugin.fromGit({ component: 'block_sitetest', repository: f.block.url, commit: f.block.commit });
}

/** The install/upgrade role of the image built from that list (its plugin list is in the image). */
async function upgradeStep(f: Fixture, name: string, pluginsFile: string): Promise<{ code: number; output: string }> {
  return f.site.runTask('install-or-upgrade', name, 300_000, undefined, undefined, { MOODLE_PLUGINS_FILE: pluginsFile });
}

const pluginVersion = (site: LocalSite, component: string) =>
  site.database.sql(`SELECT value FROM mdl_config_plugins WHERE plugin = '${component}' AND name = 'version'`, 'moodle').trim();
const columns = (site: LocalSite, table: string) =>
  site.database.sql(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'moodle' AND table_name = '${table}' ORDER BY ordinal_position`).trim().split('\n');
const pluginFolder = (site: LocalSite, folder: string) => path.join(site.docroot(), folder);

function pluginStory(release: string, source: string, webRoot: string): void {
  story(`Plugins on Moodle ${release}: placed from the tree, installed, upgraded, refused when older, uninstalled`, source, (f, step) => {
    step('the synth-time plugin types include every plugin type of this tree', async () => {
      expect(treePluginTypes(f().site.tree).filter((type) => !MOODLE_PLUGIN_TYPES.includes(type))).toEqual([]);
    });

    step('installs the site without plugins', async () => {
      const { code, output } = await f().site.runTask('install-or-upgrade', 'install', 300_000);
      expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
    });

    step('the build fails, naming the plugin, on a zip whose sha256 is not the pinned one and on a misplaced component; the tree is untouched', async () => {
      const served = f().server.serveLocalPlugin('local_sitetest-tampered', 1);
      const wrongSha = await buildTree(f(), [MoodlePlugin.fromZip({ component: 'local_sitetest', url: served.url, sha256: '0'.repeat(64) })]);
      expect(wrongSha.status).toBe(1);
      expect(wrongSha.output).toContain(`add-plugins: plugin local_sitetest: the zip from ${served.url} has sha256 ${served.sha256}, ` +
        `but the plugin list pins ${'0'.repeat(64)}. If the new file is the one you want (check it), pin its sha256; else correct the URL.`);
      const misplaced = await buildTree(f(), [localZip(f(), 'local_sitetest-misplaced', 1, 'local_othername'), blockGit(f())]);
      expect(misplaced.status).toBe(1);
      expect(misplaced.output).toContain("add-plugins: plugin local_sitetest: its version.php declares 'local_othername'. " +
        'Moodle would refuse it as misplaced (detectedmisplacedplugin)');
      const missingDependency = await buildTree(f(), [blockGit(f())]);
      expect(missingDependency.output).toContain('add-plugins: plugin block_sitetest depends on local_sitetest, which is neither in Moodle');
      expect([fs.existsSync(pluginFolder(f().site, 'local/sitetest')), fs.existsSync(pluginFolder(f().site, 'blocks/sitetest'))]).toEqual([false, false]);
    });

    step('a new image with a zip plugin and a git plugin: the build places them, the upgrade step installs both', async () => {
      // A running site has Moodle's plugin list cached in moodledata ($CFG->cachedir/core_component.php), valid until
      // the core version changes: the new image's step must read the plugins on disk instead.
      f().site.moodleCliChecked('web', 'cfg.php', ['--name=release']);
      expect(fs.existsSync(path.join(f().site.dataroot, 'cache', 'core_component.php'))).toBe(true);
      const built = await buildTree(f(), [localZip(f(), 'local_sitetest-1', 1), blockGit(f())]);
      expect({ status: built.status, output: built.output }).toEqual({ status: 0, output: expect.stringContaining(`-> ${webRoot}local/sitetest`) });
      expect(built.output).toContain(`block_sitetest version ${PLUGIN_VERSIONS.block} from git ${f().block.url} -> ${webRoot}blocks/sitetest`);
      const { code, output } = await upgradeStep(f(), 'upgrade-add', built.pluginsFile);
      expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
      expect(output).toMatch(/database state: needs-upgrade/);
      expect([pluginVersion(f().site, 'local_sitetest'), pluginVersion(f().site, 'block_sitetest')])
        .toEqual([String(PLUGIN_VERSIONS.localV1), String(PLUGIN_VERSIONS.block)]);
      expect(columns(f().site, 'mdl_local_sitetest_items')).toEqual(['id', 'name']);
      expect(f().site.database.sql("SELECT name FROM mdl_block WHERE name = 'sitetest'", 'moodle').trim()).toBe('sitetest');
    });

    step('a new version of a plugin: the upgrade step runs the plugin\'s db/upgrade.php', async () => {
      f().site.replaceMoodle(source);
      const built = await buildTree(f(), [localZip(f(), 'local_sitetest-2', 2), blockGit(f())]);
      expect(built.status).toBe(0);
      const { code, output } = await upgradeStep(f(), 'upgrade-v2', built.pluginsFile);
      expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
      expect(pluginVersion(f().site, 'local_sitetest')).toBe(String(PLUGIN_VERSIONS.localV2));
      expect(columns(f().site, 'mdl_local_sitetest_items')).toEqual(['id', 'name', 'note']);
    });

    step('an image with the older plugin (a rollback) is refused before maintenance; the database is unchanged', async () => {
      f().site.replaceMoodle(source);
      const built = await buildTree(f(), [localZip(f(), 'local_sitetest-1', 1), blockGit(f())]);
      expect(built.status).toBe(0);
      const before = f().site.database.sql('CHECKSUM TABLE mdl_config, mdl_config_plugins', 'moodle');
      const { code, output } = await upgradeStep(f(), 'refused-older-plugin', built.pluginsFile);
      expect(code).toBe(3);
      expect(output).toContain('check-upgrade-path: plugins in this image are older than the site\'s: local_sitetest (the site has version ' +
        `${PLUGIN_VERSIONS.localV2}, the image ${PLUGIN_VERSIONS.localV1}). Moodle cannot downgrade a plugin`);
      expect(output).not.toMatch(/maintenance mode/i);
      expect(f().site.database.sql('CHECKSUM TABLE mdl_config, mdl_config_plugins', 'moodle')).toBe(before);
      expect(fs.existsSync(path.join(f().site.dataroot, 'climaintenance.html'))).toBe(false);
    });

    step('uninstallPlugins: the upgrade step uninstalls the plugin while its code is in the image', async () => {
      f().site.replaceMoodle(source);
      const built = await buildTree(f(), [localZip(f(), 'local_sitetest-2', 2), blockGit(f())], ['block_sitetest']);
      expect(built.status).toBe(0);
      expect(JSON.parse(fs.readFileSync(built.pluginsFile, 'utf8')).uninstall).toEqual(['block_sitetest']);
      const { code, output } = await upgradeStep(f(), 'uninstall', built.pluginsFile);
      expect({ code, tail: output.slice(-2000) }).toEqual({ code: 0, tail: expect.stringContaining('install-or-upgrade finished') });
      expect(output).toContain('uninstalling plugins: block_sitetest');
      expect(pluginVersion(f().site, 'block_sitetest')).toBe('');
      expect(f().site.database.sql("SELECT COUNT(*) FROM mdl_block WHERE name = 'sitetest'", 'moodle').trim()).toBe('0');
      expect(pluginVersion(f().site, 'local_sitetest')).toBe(String(PLUGIN_VERSIONS.localV2));
      expect(fs.existsSync(path.join(f().site.dataroot, 'climaintenance.html'))).toBe(false);
    });
  });
}

pluginStory('5.0 (plugin folders at the top)', MOODLE_TREES['5.0'], '');
pluginStory('5.1 (plugin folders under public/)', MOODLE_TREES['5.1'], 'public/');
