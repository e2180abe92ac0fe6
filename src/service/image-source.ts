import * as fs from 'fs';
import * as path from 'path';
import { FileSystem } from 'aws-cdk-lib';
import { MoodlePlugin } from './moodle-plugin';
import { IMAGE_SOURCE_DIR } from '../contracts/image-contract';

const staged = new Map<string, string>();

/**
 * The folder the Moodle image is built from: the image source shipped in this library, or, for a site with plugins,
 * a copy of it (made once per synth and list) whose `plugins/plugins.json` lists them and whose `plugins/` holds the
 * folders of folder plugins. Its content, plugin list included, decides the image's asset hash and so its tag.
 */
export function imageSourceDirectory(plugins: readonly MoodlePlugin[], uninstall: readonly string[]): string {
  if (plugins.length === 0 && uninstall.length === 0) return IMAGE_SOURCE_DIR;
  const list = { plugins: plugins.map((plugin) => plugin._entry()), uninstall: [...uninstall] };
  const folders = plugins.flatMap((plugin) => {
    const localPath = plugin._localPath();
    return localPath === undefined ? [] : [[plugin.component, path.resolve(localPath)] as const];
  });
  // A folder's content is part of the key: the same folder changed within one process is staged again.
  const key = JSON.stringify({ list, folders: folders.map(([component, localPath]) => [component, localPath, FileSystem.fingerprint(localPath)]) });
  const existing = staged.get(key);
  if (existing !== undefined) return existing;
  const dir = FileSystem.mkdtemp('moodle-image-source-');
  FileSystem.copyDirectory(IMAGE_SOURCE_DIR, dir);
  fs.writeFileSync(path.join(dir, 'plugins', 'plugins.json'), `${JSON.stringify(list, undefined, 2)}\n`);
  for (const [component, localPath] of folders) FileSystem.copyDirectory(localPath, path.join(dir, 'plugins', component));
  staged.set(key, dir);
  return dir;
}
