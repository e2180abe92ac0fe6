// A local web task as the benchmarks use it: a request straight to the task (as the load balancer sends it), and a stop.
import * as http from 'http';
import { SITE_HOST, Task } from '../../test/site/local-site';

/** GETs a page from the task itself, as the load balancer forwards a viewer's https request; its status and time. */
export function getFromTask(task: Task, page: string): Promise<{ status: number; ms: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http.get({ host: task.address, port: task.port, path: page, headers: { 'Host': SITE_HOST, 'X-Forwarded-Proto': 'https' }, agent: false }, (res) => {
      res.resume().once('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    }).once('error', reject);
  });
}

/** Stops every process group of the task (a PHP-FPM master has its own) and waits for its entrypoint. */
export async function stopTask(task: Task): Promise<void> {
  if (task.process.exitCode !== null || task.process.signalCode !== null) return;
  const exited = new Promise((resolve) => task.process.once('exit', resolve));
  for (const group of task.processGroups()) {
    try {
      process.kill(-group, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await exited;
}
