import { execFileSync } from 'child_process';
import * as fs from 'fs';

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * CPU seconds and memory of a task's process groups. CPU is each process's user and system time, with that of
 * children it has reaped, in clock ticks (`ps` rounds each process down to whole seconds). Memory is the
 * proportional set size (Pss): pages shared between processes (OPcache, the Apache or PHP-FPM parent's) count
 * once, split between those sharing them.
 */
export function taskUsage(processGroups: number[]): { cpuSeconds: number; memoryMiB: number } {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=', '-g', processGroups.join(',')], { encoding: 'utf8' });
  } catch {
    return { cpuSeconds: 0, memoryMiB: 0 }; // the groups have ended
  }
  let ticks = 0;
  let pssKiB = 0;
  for (const pid of out.split('\n').map((line) => line.trim()).filter(Boolean)) {
    try {
      // Fields after the command's closing parenthesis: state is field 3, utime..cstime are fields 14 to 17.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += fields.slice(11, 15).map(Number).reduce((sum, value) => sum + value, 0);
      pssKiB += Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended between ps and here
    }
  }
  return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, memoryMiB: pssKiB / 1024 };
}
