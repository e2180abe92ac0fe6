import { Duration, Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';

/** Defaults of MoodleService, in one place so docs, tests, presets and the cost script agree. */
export const serviceDefaults = {
  /**
   * X86_64: Fargate Spot runs only X86_64 tasks, and with the default capacity (one on-demand task,
   * the rest on Spot) x86 is cheaper than ARM64 on-demand for every task above the base.
   */
  cpuArchitecture: ecs.CpuArchitecture.X86_64,
  /** Web task: 1 vCPU, 2 GiB. */
  cpu: 1024,
  memory: Size.gibibytes(2),
  /** Cron task: 0.5 vCPU, 1 GiB (one task, on demand). */
  cronCpu: 512,
  cronMemory: Size.gibibytes(1),
  /** Install/upgrade task: 1 vCPU, 2 GiB, whatever the web task's size (it runs for minutes per deployment). */
  installCpu: 1024,
  installMemory: Size.gibibytes(2),
  /** The cron task runs on demand unless cronSpot is set. */
  cronSpot: false,
  onDemandBase: 1,
  /** Weight of FARGATE above the base, by architecture (ARM64 cannot use Spot). */
  onDemandWeight: { X86_64: 0, ARM64: 1 },
  /** Weight of FARGATE_SPOT above the base, by architecture. */
  spotWeight: { X86_64: 1, ARM64: 0 },
  /** Two tasks: one per Availability Zone. */
  minCapacity: 2,
  maxCapacity: 10,
  targetCpuUtilizationPercent: 60,
  /** ALB requests per task per minute (Moodle pages are PHP; static files are cached at the edge). */
  targetRequestsPerTask: 600,
  healthCheckGracePeriod: Duration.minutes(2),
  moodleVersion: 'v5.1.6',
  adminUser: 'admin',
  siteFullName: 'Moodle',
  siteShortName: 'moodle',
  logRetention: logs.RetentionDays.THREE_MONTHS,
  enableExecuteCommand: false,
  /** Seconds a web task gets between its stop signal and SIGKILL: Apache's graceful stop (25 s) plus margin. */
  webStopTimeout: Duration.seconds(30),
  /** Cron tasks get the Fargate maximum so a running scheduled task can finish. */
  cronStopTimeout: Duration.seconds(120),
  /** How long the deployment waits for the image build and the install/upgrade task together. */
  deployStepTimeout: Duration.hours(1),
} as const;

/** The Moodle releases the shipped image (src/image/Dockerfile) builds: release tags of 5.0 and 5.1. */
export const BUILDABLE_MOODLE_VERSION = /^v5\.[01]\.\d{1,3}$/;

/**
 * Apache workers per web task for a task memory: what fits next to OPcache (256 MiB) and the base
 * processes (256 MiB) at about 64 MiB per PHP request, at least 5 and at most 150.
 */
export function apacheMaxRequestWorkers(memoryMiB: number): number {
  return Math.min(150, Math.max(5, Math.floor((memoryMiB - 512) / 64)));
}
