import { execFileSync } from 'child_process';
import * as fs from 'fs';

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** The fields of /proc/<pid>/stat after the command's closing parenthesis (state is field 3), or none once it has ended. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime..cstime (fields 14 to 17), in clock ticks: `ps` rounds each process down to whole seconds. */
const cpuSecondsOf = (fields: string[]) => fields.slice(11, 15).map(Number).reduce((sum, value) => sum + value, 0) / CLOCK_TICKS_PER_SECOND;

/** A process's user and system time, with that of children it has reaped; 0 once it has ended. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? cpuSecondsOf(fields) : 0;
}

/**
 * CPU seconds and memory of a task's process groups: each process's CPU time (processCpuSeconds), and the
 * proportional set size (Pss) as memory: pages shared between processes (OPcache, the Apache or PHP-FPM
 * parent's) count once, split between those sharing them. Read from /proc without spawning `ps`: the local edge
 * runs in this process, and a blocked event loop would add to the requests' time.
 */
export function taskUsage(processGroups: number[]): { cpuSeconds: number; memoryMiB: number } {
  let cpuSeconds = 0;
  let pssKiB = 0;
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const fields = statFields(pid);
    // By session (field 6), as `ps -g` selects: each group leader here (entrypoint, PHP-FPM master) started a session.
    if (!fields || !processGroups.includes(Number(fields[3]))) continue;
    cpuSeconds += cpuSecondsOf(fields);
    try {
      pssKiB += Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended since
    }
  }
  return { cpuSeconds, memoryMiB: pssKiB / 1024 };
}

/** CPU seconds the whole machine spent busy (not idle, not waiting for I/O), over all its cores. */
export function machineBusyCpuSeconds(): number {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in clock ticks; guest time is in user's.
  const ticks = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return (ticks.reduce((sum, value) => sum + value, 0) - ticks[3] - ticks[4]) / CLOCK_TICKS_PER_SECOND;
}
