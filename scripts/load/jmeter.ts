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
}

export interface RunFigures {
  readonly samplers: SamplerFigures[];
  readonly total: SamplerFigures;
  readonly throughputPerSecond: number;
  /** The web task's CPU use over the run, in cores. */
  readonly cpuCores: number;
  readonly memoryPeakMiB: number;
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
}

/** Runs the plan asynchronously (a local edge in this process serves it), stopping it at the deadline. */
export async function runPlan(run: PlanRun): Promise<RunFigures> {
  fs.rmSync(run.results, { force: true });
  const before = run.usage();
  let memoryPeakMiB = before.memoryMiB;
  const sampler = setInterval(() => { memoryPeakMiB = Math.max(memoryPeakMiB, run.usage().memoryMiB); }, 1000);
  const started = Date.now();
  const child = spawn('java', [
    '-jar', path.join(run.jmeterHome, 'bin', 'ApacheJMeter.jar'), '-n', '-t', run.plan, '-l', run.results, '-j', `${run.results}.log`,
    `-Jusersfile=${run.usersFile}`, ...Object.entries(run.properties).map(([name, value]) => `-J${name}=${value}`),
    '-Jjmeterengine.nongui.port=0', '-Jjmeter.save.saveservice.output_format=csv',
    // One row per request the plan makes (a redirect's sub-samples are in its time, not rows of their own);
    // rows written as they come, so a run stopped at the deadline still counts.
    '-Jjmeter.save.saveservice.subresults=false', '-Jjmeter.save.saveservice.autoflush=true',
  ], { cwd: path.dirname(run.plan), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  let stoppedAtDeadline = false;
  const deadline = setTimeout(() => { stoppedAtDeadline = true; child.kill('SIGKILL'); }, run.deadlineMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(deadline);
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0 && !stoppedAtDeadline) throw new Error(`JMeter failed (${code}):\n${output}`);
  const results = fs.existsSync(run.results) ? fs.readFileSync(run.results, 'utf8') : '';
  return {
    ...summarize(results, stoppedAtDeadline ? seconds : undefined),
    cpuCores: (run.usage().cpuSeconds - before.cpuSeconds) / seconds,
    memoryPeakMiB,
    stoppedAtDeadline,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Per sampler and in total, from a CSV results file (JMeter's default columns); throughput over the results'
 * span, or over `spanSeconds` (a run stopped at its deadline: the requests still waiting then count as time).
 */
export function summarize(csv: string, spanSeconds?: number): Pick<RunFigures, 'samplers' | 'total' | 'throughputPerSecond'> {
  const [header, ...rows] = csv.trim().split('\n');
  const columns = header.split(',');
  const index = (name: string) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`the results have no ${name} column`);
    return i;
  };
  // A run stopped before JMeter wrote anything has no header either.
  const [timeStamp, elapsed, label, success] = header ? ['timeStamp', 'elapsed', 'label', 'success'].map(index) : [];
  const samples = rows.map((row) => row.split(',')).filter((cells) => cells.length >= columns.length)
    .map((cells) => ({ at: Number(cells[timeStamp]), ms: Number(cells[elapsed]), label: cells[label], ok: cells[success] === 'true' }));
  const figures = (name: string, of: typeof samples): SamplerFigures => {
    const times = of.map((sample) => sample.ms).sort((a, b) => a - b);
    const errors = of.filter((sample) => !sample.ok).length;
    return { label: name, requests: of.length, errors, medianMs: percentile(times, 50), p95Ms: percentile(times, 95) };
  };
  const labels = [...new Set(samples.map((sample) => sample.label))];
  const span = spanSeconds ?? (Math.max(...samples.map((sample) => sample.at + sample.ms)) - Math.min(...samples.map((sample) => sample.at))) / 1000;
  return {
    samplers: labels.map((name) => figures(name, samples.filter((sample) => sample.label === name))),
    total: figures('TOTAL', samples),
    throughputPerSecond: samples.length === 0 ? 0 : samples.length / Math.max(0.001, span),
  };
}
