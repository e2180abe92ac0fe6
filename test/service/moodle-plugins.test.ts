import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { tiers } from './doubles';
import { MoodleOnFargate, MoodleOnFargateProps } from '../../src';
import { MoodlePlugin, MoodleService, MoodleServiceProps } from '../../src/service';
import { imageSourceDirectory } from '../../src/service/image-source';
import { checkStack, testStack } from '../util/checks';

const SHA = 'a'.repeat(64);
const COMMIT = 'b'.repeat(40);
const attendance = MoodlePlugin.fromMarketplace({ component: 'mod_attendance', version: '2025031800', sha256: SHA });
const hvp = MoodlePlugin.fromGit({ component: 'mod_hvp', repository: 'https://github.com/h5p/moodle-mod_hvp.git', commit: COMMIT });

function themeFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'theme-uni-'));
  fs.writeFileSync(path.join(dir, 'version.php'), "<?php\n$plugin->component = 'theme_uni';\n$plugin->version = 2026120100;\n");
  return dir;
}

function build(overrides: Partial<MoodleServiceProps> = {}) {
  const stack = testStack();
  const { props } = tiers(stack);
  const service = new MoodleService(stack, 'Service', { ...props, ...overrides });
  return { stack, service };
}

describe('MoodleService plugins', () => {
  const theme = themeFolder();
  const plugins = [attendance, hvp, MoodlePlugin.fromFolder({ component: 'theme_uni', path: theme })];
  const { stack, service } = build({ plugins, uninstallPlugins: ['block_oldbanner'] });
  checkStack(stack, 'service-with-plugins');

  test('the image source carries the plugin list: Marketplace download link, pins, folder copied, uninstall list', () => {
    const dir = imageSourceDirectory(plugins, ['block_oldbanner']);
    const list = JSON.parse(fs.readFileSync(path.join(dir, 'plugins', 'plugins.json'), 'utf8'));
    expect(list).toEqual({
      plugins: [
        { component: 'mod_attendance', source: 'zip', url: 'https://marketplace.moodle.com/api/plugins/mod_attendance/versions/2025031800/download', sha256: SHA, version: '2025031800' },
        { component: 'mod_hvp', source: 'git', url: 'https://github.com/h5p/moodle-mod_hvp.git', commit: COMMIT },
        { component: 'theme_uni', source: 'folder', folder: 'theme_uni' },
      ],
      uninstall: ['block_oldbanner'],
    });
    expect(fs.readFileSync(path.join(dir, 'plugins', 'theme_uni', 'version.php'), 'utf8')).toContain("'theme_uni'");
    expect(fs.existsSync(path.join(dir, 'Dockerfile'))).toBe(true);
  });

  test('the list decides the image tag: another list builds another image, the same list the same one', () => {
    const none = build().service.imageTag;
    expect(service.imageTag).not.toBe(none);
    expect(build({ plugins: [attendance] }).service.imageTag).not.toBe(service.imageTag);
    expect(build({ plugins: [attendance] }).service.imageTag).toBe(build({ plugins: [attendance] }).service.imageTag);
    expect(build({ plugins: [MoodlePlugin.fromMarketplace({ component: 'mod_attendance', version: '2025031801', sha256: SHA })] }).service.imageTag)
      .not.toBe(build({ plugins: [attendance] }).service.imageTag);
    // A changed file in a folder plugin is a new image too.
    const changed = themeFolder();
    const before = build({ plugins: [MoodlePlugin.fromFolder({ component: 'theme_uni', path: changed })] }).service.imageTag;
    fs.writeFileSync(path.join(changed, 'lib.php'), '<?php\n');
    expect(build({ plugins: [MoodlePlugin.fromFolder({ component: 'theme_uni', path: changed })] }).service.imageTag).not.toBe(before);
  });

  test('without plugins the shipped image source is built, with an empty list', () => {
    const dir = imageSourceDirectory([], []);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'plugins', 'plugins.json'), 'utf8'))).toEqual({ plugins: [], uninstall: [] });
  });

});

function site(service: MoodleOnFargateProps['service'] = {}) {
  const stack = testStack('us-east-1');
  new MoodleOnFargate(stack, 'Moodle', { pipeline: true, service });
  return stack;
}

describe('plugins reach a pipeline-managed site and the facade', () => {
  test('the facade passes plugins to the service; the pipeline\'s CodeCommit repository is seeded with the same image source', () => {
    const stack = testStack('us-east-1');
    const moodle = new MoodleOnFargate(stack, 'Moodle', { pipeline: true, service: { plugins: [attendance], uninstallPlugins: ['block_oldbanner'] } });
    const template = Template.fromStack(stack);
    // The same folder, so the same asset: the bootstrap image's build and the seeded repository get one zip.
    const seed = Object.values(template.findResources('AWS::CodeCommit::Repository'))[0].Properties.Code.S3.Key as string;
    const shipped = Object.values(Template.fromStack(site()).findResources('AWS::CodeCommit::Repository'))[0].Properties.Code.S3.Key;
    expect(seed).not.toBe(shipped);
    expect(JSON.stringify(template.findResources('AWS::CodeBuild::Project'))).toContain(seed);
    expect(moodle.service.deployTarget?.imageSourceDirectory).toBe(imageSourceDirectory([attendance], ['block_oldbanner']));
    Annotations.fromStack(stack).hasWarning('/Test/Moodle/Service', Match.stringLikeRegexp(
      "from then on the pipeline source's plugins/plugins\\.json is the list"));
  });
});

describe('plugins: bad input fails at synth, naming the prop and the fix', () => {
  const zip = (component: string, sha256 = SHA, url = 'https://example.edu/p.zip') => MoodlePlugin.fromZip({ component, url, sha256 });
  const cases: Array<[string, Partial<MoodleServiceProps>, RegExp]> = [
    ['a malformed component name', { plugins: [zip('Attendance')] },
      /plugins\[0\]: 'Attendance' is not a Moodle component name\. Give the frankenstyle name its version\.php declares/],
    ['a component name without a type', { plugins: [zip('attendance')] }, /'attendance' is not a Moodle component name/],
    ['an activity module with an underscore', { plugins: [zip('mod_my_thing')] }, /plugins\[0\] \(mod_my_thing\): an activity module's name cannot contain an underscore/],
    ['the same component twice', { plugins: [zip('block_xp'), zip('block_xp')] }, /plugins\[1\] \(block_xp\) is listed twice\. List each plugin once/],
    ['a sha256 that is not 64 hex digits', { plugins: [zip('block_xp', 'd41d8cd98f00b204e9800998ecf8427e')] },
      /plugins\[0\] \(block_xp\): sha256 'd41d8cd98f00b204e9800998ecf8427e' is not 64 lower-case hex digits\. Give the zip's sha256 \(`sha256sum <file>`\), not its MD5/],
    ['a git commit that is not 40 hex digits', { plugins: [MoodlePlugin.fromGit({ component: 'mod_hvp', repository: 'https://github.com/h5p/moodle-mod_hvp.git', commit: 'main' })] },
      /plugins\[0\] \(mod_hvp\): commit 'main' is not a 40-hex git commit id\. Give the full commit id .*not a branch or a tag/],
    ['a plugin type Moodle does not have', { plugins: [zip('blocks_xp')] },
      /plugins\[0\] \(blocks_xp\): 'blocks' is not a Moodle plugin type \(aiplacement, .*block, .*\), and no plugin in the list .*could define it as a subplugin type/],
    ['a zip URL that is not https', { plugins: [zip('block_xp', SHA, 'http://example.edu/p.zip')] }, /url 'http:\/\/example\.edu\/p\.zip' is not an https:\/\/ URL/],
    ['a Marketplace version that is not a version number', { plugins: [MoodlePlugin.fromMarketplace({ component: 'block_xp', version: 'v3.17', sha256: SHA })] },
      /plugins\[0\] \(block_xp\): version 'v3\.17' is not a plugin version number/],
    ['a folder without version.php', { plugins: [MoodlePlugin.fromFolder({ component: 'theme_uni', path: os.tmpdir() })] },
      /plugins\[0\] \(theme_uni\): folder '.*' has no version\.php at its top/],
    ['a malformed uninstall entry', { uninstallPlugins: ['Old Banner'] }, /uninstallPlugins\[0\]: 'Old Banner' is not a Moodle component name/],
    ['plugins with a given image', { image: ecs.ContainerImage.fromRegistry('example/moodle'), plugins: [attendance] },
      /plugins only shape the image MoodleService builds, but image was given/],
  ];
  test.each(cases)('%s', (_name, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  test('a subplugin type is accepted when the list has a plugin that can define it', () => {
    const element = zip('customcertelement_qrcode');
    expect(() => build({ plugins: [element] })).toThrow(/'customcertelement' is not a Moodle plugin type/);
    expect(() => build({ plugins: [zip('mod_customcert'), element] })).not.toThrow();
    expect(() => build({ plugins: [zip('assignsubmission_pdf')] })).not.toThrow();
  });
});
