import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as logs from 'aws-cdk-lib/aws-logs';

/** Defaults of MoodlePipeline and its sources, in one place so docs, tests and presets agree. */
export const pipelineDefaults = {
  /** Branch of a source repository. */
  branch: 'main',
  /** Directory of the Dockerfile inside the source. */
  buildDirectory: '.',
  /** Build image for ARM64 targets (Amazon Linux 2023 based, Docker included). */
  armBuildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0,
  /** Build image for X86_64 targets (Ubuntu 22.04, Docker included). */
  x86BuildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
  /** Compute of the image build: 2 vCPU, 3-4 GiB. The build mostly downloads and copies files. */
  buildComputeType: codebuild.ComputeType.SMALL,
  buildTimeout: Duration.minutes(60),
  /** Longest the upgrade task may run before the pipeline stops it and fails. */
  upgradeTimeout: Duration.minutes(60),
  /** Longest an ECS deploy action waits for a service to become stable (CodePipeline's own default). */
  deploymentTimeout: Duration.minutes(60),
  manualApproval: false,
  logRetention: logs.RetentionDays.ONE_YEAR,
  removalPolicy: RemovalPolicy.RETAIN,
  /** Pipeline artifacts of older executions are deleted after this many days. */
  artifactExpiration: Duration.days(90),
} as const;

/** How often the upgrade step polls the upgrade task (seconds). */
export const UPGRADE_POLL_SECONDS = 15;
