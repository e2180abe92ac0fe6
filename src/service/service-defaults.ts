import { Duration, Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { newestLtsRelease } from '../contracts/moodle-releases';

/** Defaults of MoodleService, in one place so docs, tests, presets and the cost script agree. */
export const serviceDefaults = {
  /**
   * ARM64 (Graviton): 20 % below X86_64 on demand and on Spot alike (scripts/cost/service-cost.ts), and
   * the base image is published for linux/arm64.
   */
  cpuArchitecture: ecs.CpuArchitecture.ARM64,
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
  /** Above the base, every web task runs on Fargate Spot. */
  onDemandWeight: 0,
  spotWeight: 1,
  /** With a database that pauses: one cron run per 4 hours while no web request comes. */
  cronIdleInterval: Duration.hours(4),
  /**
   * Moodle's database connect timeout with a database that pauses: longer than Aurora's resume (about 15 s;
   * 30 s or more after 24 hours paused) and short enough to leave a page 20 s of CloudFront's 60 s.
   */
  pausedDatabaseConnectTimeout: Duration.seconds(40),
  /** Two tasks: one per Availability Zone. */
  minCapacity: 2,
  maxCapacity: 10,
  targetCpuUtilizationPercent: 60,
  /** ALB requests per task per minute (Moodle pages are PHP; static files are cached at the edge). */
  targetRequestsPerTask: 600,
  healthCheckGracePeriod: Duration.minutes(2),
  /** The newest release of the newest LTS branch in the release table (src/image/moodle-releases.json). */
  moodleVersion: newestLtsRelease().tag,
  adminUser: 'admin',
  siteFullName: 'Moodle',
  siteShortName: 'moodle',
  logRetention: logs.RetentionDays.ONE_YEAR,
  enableExecuteCommand: false,
  /** Cron tasks get the Fargate maximum so a running scheduled task can finish. */
  cronStopTimeout: Duration.seconds(120),
  /** How long the deployment waits for the image build and the install/upgrade task together. */
  deployStepTimeout: Duration.hours(1),
} as const;

/**
 * Apache workers per web task for a task memory: what fits next to OPcache (256 MiB) and the base
 * processes (256 MiB) at about 64 MiB per PHP request, at least 5 and at most 150.
 */
export function apacheMaxRequestWorkers(memoryMiB: number): number {
  return Math.min(150, Math.max(5, Math.floor((memoryMiB - 512) / 64)));
}
