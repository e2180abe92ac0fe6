// Runs a JMeter test plan in a child process and summarizes its results.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface SamplerFigures {
  readonly label: string;
  readonly requests: number;
  readonly errors: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

export interface RunFigures {
  readonly samplers: SamplerFigures[];
  readonly total: SamplerFigures;
  readonly throughputPerSecond: number;
  /** When the first sample counted started and the last ended (epoch ms); none without samples. */
  readonly span?: { readonly from: number; readonly to: number };
  /** The web task's CPU use over the samples' span, in cores. */
  readonly cpuCores: number;
  readonly memoryPeakMiB: number;
  /** Each of `otherCpuSeconds`'s CPU use over the samples' span, in cores. */
  readonly otherCores: Record<string, number>;
  readonly stoppedAtDeadline: boolean;
}

export interface PlanRun {
  readonly jmeterHome: string;
  readonly plan: string;
  readonly usersFile: string;
  /** JMeter properties (-J) the plan reads: users, loops, rampup, throughput. */
  readonly properties: Record<string, string>;
  readonly results: string;
  readonly deadlineMs: number;
  /** The measured task's CPU seconds and memory so far. */
  readonly usage: () => { cpuSeconds: number; memoryMiB: number };
  /** Other processes' CPU seconds so far, by name (the database, the cache). */
  readonly otherCpuSeconds?: () => Record<string, number>;
  /** Samples of the thread group of this name are left out of the figures (a warm-up group). */
  readonly excludeThreadsNamed?: string;
}

interface Reading { readonly at: number; readonly cpuSeconds: number; readonly others: Record<string, number> }

/** Runs the plan asynchronously (a local edge in this process serves it), stopping it at the deadline. */
export async function runPlan(run: PlanRun): Promise<RunFigures> {
  fs.rmSync(run.results, { force: true });
  const readings: Reading[] = [];
  let memoryPeakMiB = 0;
  const read = () => {
    const usage = run.usage();
    memoryPeakMiB = Math.max(memoryPeakMiB, usage.memoryMiB);
    readings.push({ at: Date.now(), cpuSeconds: usage.cpuSeconds, others: run.otherCpuSeconds?.() ?? {} });
  };
  read();
  const sampler = setInterval(read, 1000);
  const child = spawn('java', [
    '-jar', path.join(run.jmeterHome, 'bin', 'ApacheJMeter.jar'), '-n', '-t', run.plan, '-l', run.results, '-j', `${run.results}.log`,
    `-Jusersfile=${run.usersFile}`, ...Object.entries(run.properties).map(([name, value]) => `-J${name}=${value}`),
    '-Jjmeterengine.nongui.port=0', '-Jjmeter.save.saveservice.output_format=csv',
    // One row per request the plan makes (a redirect's sub-samples are in its time, not rows of their own);
    // rows written as they come, so a run stopped at the deadline still counts.
    '-Jjmeter.save.saveservice.subresults=false', '-Jjmeter.save.saveservice.autoflush=true',
    // A user's connection (and TLS session) lasts across its loops, as a browser's does: by default each loop
    // builds a new TLS context and connection, which on a shared core costs about as much as a page.
    '-Jhttpclient.reset_state_on_thread_group_iteration=false',
  ], { cwd: path.dirname(run.plan), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  let stoppedAtDeadline = false;
  const deadline = setTimeout(() => { stoppedAtDeadline = true; child.kill('SIGKILL'); }, run.deadlineMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(deadline);
  clearInterval(sampler);
  read();
  if (code !== 0 && !stoppedAtDeadline) throw new Error(`JMeter failed (${code}):\n${output}`);
  const results = fs.existsSync(run.results) ? fs.readFileSync(run.results, 'utf8') : '';
  const last = readings[readings.length - 1];
  const summary = summarize(results, { endedAt: stoppedAtDeadline ? last.at : undefined, excludeThreadsNamed: run.excludeThreadsNamed });
  // CPU between the readings either side of the samples' span: not JMeter's start, nor the left-out warm-up.
  const from = [...readings].reverse().find((reading) => reading.at <= (summary.span?.from ?? 0)) ?? readings[0];
  const to = readings.find((reading) => reading.at >= (summary.span?.to ?? Infinity)) ?? last;
  const seconds = Math.max(0.001, (to.at - from.at) / 1000);
  return {
    ...summary,
    cpuCores: (to.cpuSeconds - from.cpuSeconds) / seconds,
    memoryPeakMiB,
    otherCores: Object.fromEntries(Object.entries(to.others).map(([name, after]) => [name, (after - (from.others[name] ?? 0)) / seconds])),
    stoppedAtDeadline,
  };
}

/** The p-th percentile of sorted values (the nearest rank below). */
export function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** RFC 4180 rows, as JMeter quotes a cell with a comma, a quote or a line break (a failure message). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += c;
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === ',' || c === '\n')) {
      row.push(cell);
      cell = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else if (quoted || c !== '\r') {
      cell += c;
    }
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

/**
 * Per sampler and in total, from a CSV results file (JMeter's default columns); throughput over the results'
 * span, or up to `endedAt` (epoch ms: a run stopped at its deadline, where the requests still waiting count as
 * time). Samples of threads whose name starts with `excludeThreadsNamed` (JMeter names a thread after its
 * group: "Warm-up site 1-1") are left out.
 */
export function summarize(csv: string, options: { endedAt?: number; excludeThreadsNamed?: string } = {}):
Pick<RunFigures, 'samplers' | 'total' | 'throughputPerSecond' | 'span'> {
  const [header = [], ...rows] = csvRows(csv.trim());
  const index = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`the results have no ${name} column`);
    return i;
  };
  // A run stopped before JMeter wrote anything has no header either.
  const [timeStamp, elapsed, label, success, threadName] = header.length > 1
    ? ['timeStamp', 'elapsed', 'label', 'success', 'threadName'].map(index) : [];
  const excluded = options.excludeThreadsNamed;
  // A run stopped at its deadline may end in a row cut short.
  const samples = rows.filter((cells) => cells.length >= header.length)
    .filter((cells) => !excluded || !cells[threadName].startsWith(excluded))
    .map((cells) => ({ at: Number(cells[timeStamp]), ms: Number(cells[elapsed]), label: cells[label], ok: cells[success] === 'true' }));
  const figures = (name: string, of: typeof samples): SamplerFigures => {
    const times = of.map((sample) => sample.ms).sort((a, b) => a - b);
    const errors = of.filter((sample) => !sample.ok).length;
    return { label: name, requests: of.length, errors, medianMs: percentile(times, 50), p95Ms: percentile(times, 95), p99Ms: percentile(times, 99) };
  };
  const labels = [...new Set(samples.map((sample) => sample.label))];
  const first = Math.min(...samples.map((sample) => sample.at));
  const last = options.endedAt ?? Math.max(...samples.map((sample) => sample.at + sample.ms));
  return {
    samplers: labels.map((name) => figures(name, samples.filter((sample) => sample.label === name))),
    total: figures('TOTAL', samples),
    throughputPerSecond: samples.length === 0 ? 0 : samples.length / Math.max(0.001, (last - first) / 1000),
    span: samples.length === 0 ? undefined : { from: first, to: last },
  };
}
