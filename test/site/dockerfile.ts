import * as fs from 'fs';
import * as path from 'path';

export const IMAGE_DIR = path.join(__dirname, '..', '..', 'src', 'image');

/** What the site test takes from the image's Dockerfile: its environment, user, port and stop signal. */
export interface ImageFacts {
  readonly environment: Record<string, string>;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly stopSignal: NodeJS.Signals;
  /** Where the image puts the project's PHP settings. */
  readonly phpIni: string;
  /** Each `COPY <file in the build context> <container path>`. */
  readonly copies: ReadonlyArray<readonly [source: string, target: string]>;
}

export function readImageFacts(): ImageFacts {
  const text = fs.readFileSync(path.join(IMAGE_DIR, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const instruction = (name: string) => lines.filter((line) => line.toUpperCase().startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim());
  const environment: Record<string, string> = {};
  for (const env of instruction('ENV')) {
    for (const match of env.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) environment[match[1]] = match[2];
  }
  const users = instruction('USER');
  const [uid, gid] = users[users.length - 1].split(':').map(Number);
  if (!Number.isInteger(uid)) throw new Error(`Dockerfile USER ${users[users.length - 1]} is not numeric`);
  const stopSignals = instruction('STOPSIGNAL');
  const copies = instruction('COPY').filter((c) => !c.startsWith('--from')).map((c) => c.split(/\s+/) as [string, string]);
  const phpIni = copies.find(([source]) => source === 'conf/php-moodle.ini')?.[1];
  if (!phpIni) throw new Error('Dockerfile copies no conf/php-moodle.ini');
  return {
    environment,
    user: { uid, gid: Number.isInteger(gid) ? gid : uid },
    stopSignal: (stopSignals[stopSignals.length - 1] ?? 'SIGTERM') as NodeJS.Signals,
    phpIni,
    copies,
  };
}
