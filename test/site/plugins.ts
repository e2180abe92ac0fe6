import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { Certificate } from './backing-services';
import { run } from './processes';

/**
 * The site test's own plugins: `local_sitetest` (a table, and at version 2 a field added by its db/upgrade.php) and
 * `block_sitetest` (a block that depends on it), written as files, served as a zip over HTTPS and as a git repository.
 */

const LOCAL_V1 = 2026120100;
const LOCAL_V2 = 2026120200;
export const PLUGIN_VERSIONS = { localV1: LOCAL_V1, localV2: LOCAL_V2, block: 2026120100 } as const;

const installXml = (withNote: boolean) => `<?xml version="1.0" encoding="UTF-8" ?>
<XMLDB PATH="local/sitetest/db" VERSION="20261201" COMMENT="Site test plugin"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="../../../lib/xmldb/xmldb.xsd">
  <TABLES>
    <TABLE NAME="local_sitetest_items" COMMENT="Items">
      <FIELDS>
        <FIELD NAME="id" TYPE="int" LENGTH="10" NOTNULL="true" SEQUENCE="true"/>
        <FIELD NAME="name" TYPE="char" LENGTH="255" NOTNULL="true" SEQUENCE="false"/>${withNote ? `
        <FIELD NAME="note" TYPE="char" LENGTH="255" NOTNULL="false" SEQUENCE="false"/>` : ''}
      </FIELDS>
      <KEYS>
        <KEY NAME="primary" TYPE="primary" FIELDS="id"/>
      </KEYS>
    </TABLE>
  </TABLES>
</XMLDB>
`;

const upgradePhp = `<?php
defined('MOODLE_INTERNAL') || die();

function xmldb_local_sitetest_upgrade($oldversion) {
    global $DB;
    $dbman = $DB->get_manager();
    if ($oldversion < ${LOCAL_V2}) {
        $table = new xmldb_table('local_sitetest_items');
        $field = new xmldb_field('note', XMLDB_TYPE_CHAR, '255', null, null, null, null, 'name');
        if (!$dbman->field_exists($table, $field)) {
            $dbman->add_field($table, $field);
        }
        upgrade_plugin_savepoint(true, ${LOCAL_V2}, 'local', 'sitetest');
    }
    return true;
}
`;

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

/** local_sitetest at version 1 or 2, in `<dir>/sitetest/`; `component` is what its version.php declares. */
function writeLocalPlugin(dir: string, version: 1 | 2, component = 'local_sitetest'): void {
  writeFiles(path.join(dir, 'sitetest'), {
    'version.php': `<?php\ndefined('MOODLE_INTERNAL') || die();\n$plugin->component = '${component}';\n` +
      `$plugin->version = ${version === 1 ? LOCAL_V1 : LOCAL_V2};\n$plugin->requires = 2024100700;\n$plugin->release = '${version}.0';\n`,
    'lang/en/local_sitetest.php': "<?php\n$string['pluginname'] = 'Site test';\n",
    'db/install.xml': installXml(version === 2),
    ...(version === 2 ? { 'db/upgrade.php': upgradePhp } : {}),
  });
}

export interface ServedZip {
  readonly url: string;
  readonly sha256: string;
}

/** An HTTPS server of zip files on one loopback address. */
export class PluginServer {
  private readonly server: https.Server;
  private readonly files = new Map<string, Buffer>();

  constructor(private readonly address: string, private readonly port: number, certificate: Certificate, private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.server = https.createServer({ cert: fs.readFileSync(certificate.cert), key: fs.readFileSync(certificate.key) }, (req, res) => {
      const file = this.files.get(req.url ?? '');
      res.writeHead(file ? 200 : 404, { 'Content-Type': 'application/zip' });
      res.end(file ?? 'not found');
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, this.address, resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Serves local_sitetest as a zip (one top folder, as the Marketplace's), returning its URL and sha256. */
  serveLocalPlugin(name: string, version: 1 | 2, component?: string): ServedZip {
    const work = path.join(this.dir, name);
    writeLocalPlugin(work, version, component);
    const zip = path.join(this.dir, `${name}.zip`);
    run('python3', ['-c', 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2], "sitetest")', zip.replace(/\.zip$/, ''), work]);
    const content = fs.readFileSync(zip);
    this.files.set(`/${name}.zip`, content);
    return { url: `https://${this.address}:${this.port}/${name}.zip`, sha256: crypto.createHash('sha256').update(content).digest('hex') };
  }
}

export interface GitPlugin {
  /** The URL in the plugin list; `gitEnvironment` maps it to the local repository (git's url.<base>.insteadOf). */
  readonly url: string;
  readonly commit: string;
  readonly gitEnvironment: Record<string, string>;
}

/** block_sitetest in a local git repository, one commit; listed under an https:// URL that git rewrites to it. */
export function blockPluginRepository(dir: string): GitPlugin {
  const repo = path.join(dir, 'block_sitetest.git');
  writeFiles(repo, {
    'version.php': '<?php\ndefined(\'MOODLE_INTERNAL\') || die();\n$plugin->component = \'block_sitetest\';\n' +
      `$plugin->version = ${PLUGIN_VERSIONS.block};\n$plugin->requires = 2024100700;\n$plugin->dependencies = ['local_sitetest' => ANY_VERSION];\n`,
    'block_sitetest.php': "<?php\nclass block_sitetest extends block_base {\n    public function init() {\n        $this->title = 'Site test';\n    }\n}\n",
    'lang/en/block_sitetest.php': "<?php\n$string['pluginname'] = 'Site test block';\n$string['sitetest:addinstance'] = 'Add';\n$string['sitetest:myaddinstance'] = 'Add to Dashboard';\n",
    'db/access.php': "<?php\n$capabilities = [\n    'block/sitetest:addinstance' => ['captype' => 'write', 'contextlevel' => CONTEXT_BLOCK, 'archetypes' => ['manager' => CAP_ALLOW]],\n" +
      "    'block/sitetest:myaddinstance' => ['captype' => 'write', 'contextlevel' => CONTEXT_SYSTEM, 'archetypes' => ['user' => CAP_ALLOW]],\n];\n",
  });
  const git = (...args: string[]) => spawnSync('git', ['-C', repo, '-c', 'user.name=Site test', '-c', 'user.email=site-test@example.edu', ...args], { encoding: 'utf8' });
  for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'block_sitetest']]) {
    const result = git(...args);
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  }
  const url = 'https://git.plugins.test/block_sitetest.git';
  return {
    url,
    commit: git('rev-parse', 'HEAD').stdout.trim(),
    gitEnvironment: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `url.file://${repo}.insteadOf`, GIT_CONFIG_VALUE_0: url },
  };
}

/** Moodle's plugin types in a tree (lib/components.json and every db/subplugins.json), as core_component reads them. */
export function treePluginTypes(tree: string): string[] {
  const types = new Set<string>(['theme', 'local', ...Object.keys(JSON.parse(fs.readFileSync(path.join(tree, 'lib', 'components.json'), 'utf8')).plugintypes)]);
  const found = spawnSync('find', [tree, '-path', '*/db/subplugins.json'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const file of found) {
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const type of Object.keys(json.subplugintypes ?? json.plugintypes ?? {})) types.add(type);
  }
  return [...types].sort();
}
