import * as fs from 'fs';
import * as path from 'path';
import { MoodlePlugin } from './moodle-plugin';
import { isLiteral, Validator } from '../private/validation';

const COMPONENT = /^([a-z][a-z0-9]*)_([a-z](?:[a-z0-9_](?!__))*[a-z0-9]+)$/;
const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}$/;
/** Types that can have subplugins (core_component::$supportsubplugins): a listed one may define a type below. */
const SUBPLUGIN_PARENT_TYPES = ['mod', 'editor', 'tool', 'local'];
/**
 * Plugin types of Moodle 4.5.0, 5.0.6+ and 5.1.5 (lib/components.json and every core db/subplugins.json of those
 * trees; the site test checks it against them). The build checks the type against the tree it builds.
 */
export const MOODLE_PLUGIN_TYPES: readonly string[] = [
  'aiplacement', 'aiprovider', 'antivirus', 'assignfeedback', 'assignsubmission', 'atto', 'auth', 'availability', 'bbbext',
  'block', 'booktool', 'cachelock', 'cachestore', 'calendartype', 'communication', 'contenttype', 'coursereport', 'customfield',
  'datafield', 'dataformat', 'datapreset', 'editor', 'enrol', 'factor', 'fileconverter', 'filter', 'format', 'forumreport',
  'fullsubtype', 'gradeexport', 'gradeimport', 'gradepenalty', 'gradereport', 'gradingform', 'h5plib', 'local', 'logstore',
  'ltiservice', 'ltisource', 'media', 'message', 'mlbackend', 'mnetservice', 'mod', 'paygw', 'plagiarism', 'portfolio',
  'profilefield', 'qbank', 'qbehaviour', 'qformat', 'qtype', 'quiz', 'quizaccess', 'report', 'repository', 'scormreport',
  'search', 'smsgateway', 'theme', 'tiny', 'tool', 'webservice', 'workshopallocation', 'workshopeval', 'workshopform',
];

/** Checks a plugin list and an uninstall list, recording each problem with the prop and the fix. */
export function validatePlugins(validator: Validator, plugins: readonly MoodlePlugin[], uninstall: readonly string[]): void {
  const seen = new Set<string>();
  const listedTypes = plugins.map((p) => COMPONENT.exec(p.component)?.[1]).filter((t): t is string => t !== undefined);
  plugins.forEach((plugin, index) => {
    const where = `plugins[${index}] (${plugin.component})`;
    if (!validator.requireLiteral(plugin.component, `plugins[${index}]: component must be a literal (it names the plugin's folder in the image).`)) return;
    const match = COMPONENT.exec(plugin.component);
    if (!validator.check(!match, `plugins[${index}]: '${plugin.component}' is not a Moodle component name. Give the frankenstyle name ` +
      'its version.php declares ($plugin->component): the plugin type, an underscore and its name in lower case, for example mod_attendance, block_xp, local_staffmanager.')) return;
    const type = match![1];
    validator.check(type === 'mod' && match![2].includes('_'),
      `${where}: an activity module's name cannot contain an underscore (Moodle's core_component rule). Check the component name in its version.php.`);
    validator.check(!MOODLE_PLUGIN_TYPES.includes(type) && !listedTypes.some((t) => SUBPLUGIN_PARENT_TYPES.includes(t) && t !== type),
      () => `${where}: '${type}' is not a Moodle plugin type (${MOODLE_PLUGIN_TYPES.join(', ')}), and no plugin in the list ` +
        `(an activity, editor, admin tool or local plugin) could define it as a subplugin type. Check the component name, or add the plugin that defines '${type}'.`);
    validator.check(seen.has(plugin.component), `${where} is listed twice. List each plugin once.`);
    seen.add(plugin.component);
    const entry = plugin._entry();
    if (entry.sha256 !== undefined && isLiteral(entry.sha256)) {
      validator.check(!SHA256.test(entry.sha256),
        `${where}: sha256 '${entry.sha256}' is not 64 lower-case hex digits. Give the zip's sha256 (\`sha256sum <file>\`), not its MD5.`);
    }
    if (entry.version !== undefined) {
      validator.check(isLiteral(entry.version) && !/^\d{10}(\.\d+)?$/.test(entry.version),
        `${where}: version '${entry.version}' is not a plugin version number. Give the version's number as the Marketplace's download link and its version.php have it, for example '2025031800'.`);
    }
    if (entry.source === 'zip' && entry.version === undefined && entry.url !== undefined && isLiteral(entry.url)) {
      validator.check(!/^https:\/\/[^\s/]+\/\S*$/.test(entry.url), `${where}: url '${entry.url}' is not an https:// URL. Give the zip's https:// address.`);
    }
    if (entry.commit !== undefined && isLiteral(entry.commit)) {
      validator.check(!COMMIT.test(entry.commit),
        `${where}: commit '${entry.commit}' is not a 40-hex git commit id. Give the full commit id (\`git rev-parse <tag>\`), not a branch or a tag: those move.`);
    }
    if (entry.source === 'git' && entry.url !== undefined && isLiteral(entry.url)) {
      validator.check(!/^(https|ssh):\/\/\S+$/.test(entry.url), `${where}: repository '${entry.url}' is not an https:// or ssh:// git URL.`);
    }
    const localPath = plugin._localPath();
    if (localPath !== undefined) {
      validator.check(!fs.existsSync(path.join(localPath, 'version.php')),
        `${where}: folder '${localPath}' has no version.php at its top. Give the plugin's own folder.`);
    }
  });
  const uninstallSeen = new Set<string>();
  uninstall.forEach((component, index) => {
    validator.check(!isLiteral(component) || !COMPONENT.test(component),
      `uninstallPlugins[${index}]: '${component}' is not a Moodle component name (for example block_oldbanner).`);
    validator.check(uninstallSeen.has(component), `uninstallPlugins[${index}]: ${component} is listed twice. List it once.`);
    uninstallSeen.add(component);
  });
}
