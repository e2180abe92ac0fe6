import { ChildProcess, spawn, spawnSync, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/**
 * Every process the site test starts, each with its output in a log file. stopAll() ends whatever is still
 * running, by PID (SIGTERM, then SIGKILL), so a failed test leaves nothing behind.
 */
export class Processes {
  private readonly running = new Map<string, ChildProcess>();

  constructor(private readonly logDir: string) {
    fs.mkdirSync(logDir, { recursive: true });
  }

  start(name: string, command: string, args: string[], options: SpawnOptions & { logOwner?: { uid: number; gid: number } } = {}): ChildProcess {
    const log = fs.openSync(this.logPath(name), 'a');
    // Apache and PHP reopen /proc/self/fd/1 and /proc/self/fd/2 (the image's log targets) as the task's user.
    const owner = options.logOwner ?? (options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : undefined);
    if (owner) fs.fchownSync(log, owner.uid, owner.gid);
    // Each in its own process group, as each container is alone in its PID namespace: Apache's graceful stop
    // signals its whole process group.
    const { logOwner: _owner, ...spawnOptions } = options;
    const child = spawn(command, args, { detached: true, ...spawnOptions, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.running.set(name, child);
    child.on('exit', () => {
      if (this.running.get(name) === child) this.running.delete(name);
    });
    return child;
  }

  logPath(name: string): string {
    return `${this.logDir}/${name.replace(/[^A-Za-z0-9.-]/g, '_')}.log`;
  }

  log(name: string): string {
    return fs.existsSync(this.logPath(name)) ? fs.readFileSync(this.logPath(name), 'utf8') : '';
  }

  async stopAll(): Promise<void> {
    const children = [...this.running.values()];
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => exited(child, 10_000).catch(() => child.kill('SIGKILL'))));
  }
}

/** Resolves with the exit code (or 128 + signal number) when the process ends; rejects after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(128 + signalNumber(child.signalCode));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? 128 + signalNumber(signal!));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return os.constants.signals[signal] ?? 0;
}

/** After a process exited: waits (briefly) until its output is in the log file. */
export async function outputFlushed(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    if (child.stdout?.closed && child.stderr?.closed) done();
    else child.once('close', done);
  });
  await sleep(50);
}

/** Whether a process with this PID exists (any owner). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e.code === 'EPERM';
  }
}

/** PIDs of the processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const result = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return result.stdout.split('\n').map((line) => Number(line.trim())).filter((n) => n > 0);
}

/** The command line of a process, or undefined when it is gone. */
export function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export function run(command: string, args: string[], options: SpawnOptions & { input?: string } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options } as any);
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  return String(result.stdout);
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
