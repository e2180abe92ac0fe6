import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * build/add-plugins.php on fake Moodle trees of both layouts: subplugin placement (a listed parent's subplugintypes,
 * a core parent's legacy plugintypes), and the compatibility checks the site test does not reach. The site test
 * (test/site/moodle-plugins.site.ts) runs the same script on real 5.0 and 5.1 trees.
 */

const ADD_PLUGINS = path.join(__dirname, '..', '..', 'src', 'image', 'build', 'add-plugins.php');

function write(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

const versionPhp = (fields: string) => `<?php\ndefined('MOODLE_INTERNAL') || die();\n${fields}\n`;

/** A tree with version.php (branch 501 or 500), lib/components.json and mod_assign's db/subplugins.json. */
function fakeTree(layout: '5.0' | '5.1'): string {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-tree-'));
  const web = layout === '5.1' ? 'public/' : '';
  write(tree, {
    [`${web}version.php`]: `<?php\n$version = ${layout === '5.1' ? '2025100605.00' : '2025041406.11'};\n$release = '${layout}.5';\n$branch = '${layout === '5.1' ? '501' : '500'}';\n$maturity = MATURITY_STABLE;\n`,
    'lib/components.json': JSON.stringify({ plugintypes: { mod: `${web}mod`, block: `${web}blocks`, tool: `${web}admin/tool` }, deprecatedplugintypes: { atto: `${web}lib/editor/atto/plugins` } }),
    [`${web}mod/assign/version.php`]: versionPhp("$plugin->component = 'mod_assign';\n$plugin->version = 2025100600;"),
    [`${web}mod/assign/db/subplugins.json`]: JSON.stringify({ plugintypes: { assignsubmission: 'mod/assign/submission' } }),
    [`${web}admin/tool/existing/version.php`]: versionPhp("$plugin->component = 'tool_existing';\n$plugin->version = 2025010100;"),
  });
  if (layout === '5.1') fs.mkdirSync(path.join(tree, 'admin'));
  fs.mkdirSync(path.join(tree, web, 'admin', 'tool'), { recursive: true });
  return tree;
}

function addPlugins(tree: string, plugins: Record<string, string>, extraFiles: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugins-'));
  const entries = Object.entries(plugins).map(([component, fields]) => {
    write(dir, { [`${component}/version.php`]: versionPhp(`$plugin->component = '${component}';\n${fields}`) });
    return { component, source: 'folder', folder: component };
  });
  write(dir, { ...extraFiles, 'plugins.json': JSON.stringify({ plugins: entries, uninstall: [] }) });
  const result = spawnSync('php', [ADD_PLUGINS, dir, tree], { encoding: 'utf8', env: { ...process.env, PLUGIN_WORK_DIR: path.join(dir, '.work') } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.each(['5.0', '5.1'] as const)('add-plugins.php on a %s tree', (layout) => {
  const web = layout === '5.1' ? 'public/' : '';

  test('a listed parent and its subplugin (subplugintypes, relative to the parent), and a core parent\'s subplugin (legacy plugintypes)', () => {
    const tree = fakeTree(layout);
    const result = addPlugins(tree, {
      assignsubmission_pdfx: '$plugin->version = 2026010100;',
      customcertelement_qrcode: "$plugin->version = 2026010100;\n$plugin->dependencies = ['mod_customcert' => 2026010100];",
      mod_customcert: '$plugin->version = 2026010100;',
    }, { 'mod_customcert/db/subplugins.json': JSON.stringify({ subplugintypes: { customcertelement: 'element' } }) });
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toContain(`mod_customcert version 2026010100 from folder mod_customcert -> ${web}mod/customcert`);
    expect(fs.existsSync(path.join(tree, web, 'mod/customcert/element/qrcode/version.php'))).toBe(true);
    expect(fs.existsSync(path.join(tree, web, 'mod/assign/submission/pdfx/version.php'))).toBe(true);
  });

  test.each([
    ['a release older than $plugin->requires', { tool_new: '$plugin->version = 1;\n$plugin->requires = 2030010100;' },
      /plugin tool_new \(version 1\) requires Moodle version 2030010100, but the image builds Moodle/],
    ['a branch at or past $plugin->incompatible', { tool_old: `$plugin->version = 1;\n$plugin->incompatible = ${layout === '5.1' ? 501 : 500};` },
      /plugin tool_old \(version 1\) declares itself incompatible with Moodle branch 50[01] and later/],
    ['a dependency at too low a version', { tool_dep: "$plugin->version = 1;\n$plugin->dependencies = ['tool_existing' => 2026010100];" },
      /plugin tool_dep depends on tool_existing version 2026010100 or later, but the version there is 2025010100/],
    ['a deprecated plugin type', { atto_thing: '$plugin->version = 1;' }, /plugin type 'atto' is deprecated or removed/],
    ['a type neither core nor a listed parent\'s', { customcertelement_qrcode: '$plugin->version = 1;' },
      /'customcertelement' is not a plugin type of Moodle .* nor a subplugin type of a plugin in its tree or in the list/],
    ['a folder that exists in the tree', { tool_existing: '$plugin->version = 2026010100;' }, /admin\/tool\/existing already exists/],
  ])('fails on %s, and places nothing', (_name, plugins, message) => {
    const tree = fakeTree(layout);
    const result = addPlugins(tree, { tool_fine: '$plugin->version = 1;', ...plugins });
    expect(result.status).toBe(1);
    expect(result.output).toMatch(message);
    expect(fs.existsSync(path.join(tree, web, 'admin/tool/fine'))).toBe(false);
  });
});
