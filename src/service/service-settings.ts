import { Annotations, Duration, Fn, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MoodleServiceProps } from './moodle-service-props';
import { validatePlugins } from './plugin-validation';
import { serviceDefaults } from './service-defaults';
import {
  validateAdminEmail, validateAdminUser, validateCapacity, validateCapacityRange, validateCronIdleInterval, validateCronSpot,
  validateForwardingProxies, validateHealthCheckGrace,
  validateDatabaseForRelease, validateMoodleVersion, validatePercent, validatePositive, validateSchedule, validateSiteName, validateSiteUrl,
  validateTaskSize, warnDatabaseConnections, warnUnsupportedRelease,
} from './service-validation';
import { validateSiteImport } from './site-transfer';
import { DEFAULT_ORIGIN_RESPONSE_TIMEOUT, RequestLifetime, requestLifetime } from '../contracts/request-lifetime';
import { isLiteral, Validator } from '../private/validation';

/** A MoodleService's props checked, with their defaults filled in. */
export interface ServiceSettings {
  readonly cpuArchitecture: ecs.CpuArchitecture;
  readonly arm64: boolean;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly cronCpu: number;
  readonly cronMemoryMiB: number;
  readonly installCpu: number;
  readonly installMemoryMiB: number;
  readonly onDemandBase: number;
  readonly onDemandWeight: number;
  readonly spotWeight: number;
  readonly cronSpot: boolean;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly targetCpu: number;
  readonly targetRequests: number;
  readonly grace: Duration;
  readonly forwardingProxies: number;
  /** The web tier's bounds, from the edge's origin response timeout. */
  readonly lifetime: RequestLifetime;
  readonly cronIdleInterval?: Duration;
  readonly adminEmail: string;
  readonly adminUser: string;
  readonly siteFullName: string;
  readonly siteShortName: string;
  readonly moodleVersion: string;
  readonly pipelineManaged: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly enableExecuteCommand: boolean;
  readonly readonlyRootFilesystem: boolean;
}

/** Checks a MoodleService's props (failing with what to change) and fills in the defaults. */
export function resolveServiceSettings(scope: Construct, props: MoodleServiceProps): ServiceSettings {
  const d = serviceDefaults;
  const validator = new Validator('MoodleService');
  const { data, edge } = props;
  const cpuArchitecture = props.cpuArchitecture ?? d.cpuArchitecture;
  const arm64 = cpuArchitecture._cpuArchitecture === ecs.CpuArchitecture.ARM64._cpuArchitecture;
  const cpu = props.cpu ?? d.cpu;
  const memoryMiB = (props.memory ?? d.memory).toMebibytes();
  validateTaskSize(validator, 'cpu', 'memory', cpu, memoryMiB);
  const cronCpu = props.cronCpu ?? d.cronCpu;
  const cronMemoryMiB = (props.cronMemory ?? d.cronMemory).toMebibytes();
  validateTaskSize(validator, 'cronCpu', 'cronMemory', cronCpu, cronMemoryMiB);
  const installCpu = props.installCpu ?? d.installCpu;
  const installMemoryMiB = (props.installMemory ?? d.installMemory).toMebibytes();
  validateTaskSize(validator, 'installCpu', 'installMemory', installCpu, installMemoryMiB);
  const onDemandBase = props.onDemandBase ?? d.onDemandBase;
  const onDemandWeight = props.onDemandWeight ?? d.onDemandWeight;
  const spotWeight = props.spotWeight ?? d.spotWeight;
  validateCapacity(validator, onDemandBase, onDemandWeight, spotWeight);
  const cronSpot = props.cronSpot ?? d.cronSpot;
  validateCronSpot(validator, cronSpot);
  const minCapacity = props.minCapacity ?? d.minCapacity;
  const maxCapacity = props.maxCapacity ?? d.maxCapacity;
  validateCapacityRange(validator, minCapacity, maxCapacity, onDemandBase);
  const targetCpu = props.targetCpuUtilizationPercent ?? d.targetCpuUtilizationPercent;
  validatePercent(validator, 'targetCpuUtilizationPercent', targetCpu);
  const targetRequests = props.targetRequestsPerTask ?? d.targetRequestsPerTask;
  validatePositive(validator, 'targetRequestsPerTask', targetRequests, d.targetRequestsPerTask);
  const grace = props.healthCheckGracePeriod ?? d.healthCheckGracePeriod;
  validateHealthCheckGrace(validator, grace);
  validateSiteUrl(validator, edge.siteUrl);
  const forwardingProxies = edge.forwardingProxies ?? 0;
  const originResponseTimeout = edge.originResponseTimeout ?? DEFAULT_ORIGIN_RESPONSE_TIMEOUT;
  const literalTimeout = !Token.isUnresolved(originResponseTimeout.toSeconds({ integral: false }));
  validator.check(!literalTimeout,
    'edge.originResponseTimeout is a token, but the web tasks derive their session-lock expiry and graceful stop from it. Give the edge a literal Duration.');
  validateForwardingProxies(validator, forwardingProxies);
  const cronIdleInterval = props.cronIdleInterval ?? (data.autoPauseAfter ? d.cronIdleInterval : undefined);
  if (cronIdleInterval) validateCronIdleInterval(validator, cronIdleInterval, data.autoPauseAfter);
  validateAdminEmail(validator, props.adminEmail ?? 'admin@example.com');
  const adminEmail = props.adminEmail ?? Fn.join('', ['admin@', Fn.select(2, Fn.split('/', edge.siteUrl))]);
  if (props.adminEmail === undefined) {
    Annotations.of(scope).addWarningV2('moodle-on-fargate:adminEmail',
      'adminEmail is not set: the Moodle administrator gets admin@<site host name>. Set adminEmail to an address that receives mail.');
  }
  const adminUser = props.adminUser ?? d.adminUser;
  validateAdminUser(validator, adminUser);
  const siteFullName = props.siteFullName ?? d.siteFullName;
  validateSiteName(validator, 'siteFullName', siteFullName);
  const siteShortName = props.siteShortName ?? d.siteShortName;
  validateSiteName(validator, 'siteShortName', siteShortName);
  const moodleVersion = props.moodleVersion ?? d.moodleVersion;
  const release = props.image === undefined ? validateMoodleVersion(validator, moodleVersion) : undefined;
  if (release) {
    validateDatabaseForRelease(validator, release, data.moodleDbType, data.databaseServerVersion);
    warnUnsupportedRelease(scope, release, new Date().toISOString().slice(0, 10));
  }
  validator.check(props.baseImageDigest !== undefined && isLiteral(props.baseImageDigest) && !/^sha256:[0-9a-f]{64}$/.test(props.baseImageDigest),
    `baseImageDigest '${props.baseImageDigest}' is not an image digest. Give 'sha256:' and 64 lower-case hex digits, as ` +
    '`docker buildx imagetools inspect public.ecr.aws/docker/library/php:<version>-apache-trixie` prints it, or remove it to build on the tag\'s current digest.');
  const pipelineManaged = props.pipelineManagedImage ?? false;
  if (pipelineManaged && release && release.tag !== d.moodleVersion) {
    Annotations.of(scope).addWarningV2('moodle-on-fargate:pipelineMoodleVersion',
      `moodleVersion '${release.tag}' builds only the bootstrap image of a pipeline-managed site; each pipeline run builds the release ` +
      `its source's Dockerfile names (MOODLE_VERSION, '${d.moodleVersion}' in the copy the pipeline starts with). Set MOODLE_VERSION ` +
      `'${release.tag}' and PHP_VERSION '${release.buildPhp}' in the pipeline's Dockerfile before its first run, or that run upgrades the site to ${d.moodleVersion}.`);
  }
  validator.check(props.image !== undefined && pipelineManaged,
    'pipelineManagedImage builds and rolls out the image from the pipeline\'s source, but image was given. ' +
    'Remove image (put your changes in the pipeline\'s Dockerfile), or remove pipelineManagedImage to run your own image.',
  );
  const plugins = props.plugins ?? [];
  const uninstallPlugins = props.uninstallPlugins ?? [];
  validatePlugins(validator, plugins, uninstallPlugins);
  validateSiteImport(validator, props.importSite, data);
  if (pipelineManaged && (plugins.length > 0 || uninstallPlugins.length > 0)) {
    Annotations.of(scope).addWarningV2('moodle-on-fargate:pipelinePlugins',
      'plugins and uninstallPlugins build only the bootstrap image of a pipeline-managed site and seed a CodeCommit repository the ' +
      'pipeline creates; from then on the pipeline source\'s plugins/plugins.json is the list. Change plugins there (a change here ' +
      'after the first deploy changes nothing), and copy plugins/plugins.json into a source of your own (a connection or S3 source) before its first run.');
  }
  if (props.image !== undefined) {
    validator.rejectStray(props, ['moodleVersion', 'baseImageDigest', 'dockerHubSecret', 'plugins', 'uninstallPlugins'], (stray) =>
      `${stray.join(' and ')} only shape the image MoodleService builds, but image was given. Remove ${stray.join(' and ')}, or remove image to let MoodleService build it.`,
    );
  }
  (props.scheduledScaling ?? []).forEach((scheduled, index) => {
    validateSchedule(validator, index, scheduled.schedule.expressionString);
    validator.checkAll([
      [scheduled.minCapacity === undefined && scheduled.maxCapacity === undefined,
        `scheduledScaling[${index}] changes nothing. Give it minCapacity, maxCapacity or both.`],
      [scheduled.minCapacity !== undefined && scheduled.maxCapacity !== undefined && scheduled.minCapacity > scheduled.maxCapacity,
        `scheduledScaling[${index}] has minCapacity ${scheduled.minCapacity} above maxCapacity ${scheduled.maxCapacity}. Make minCapacity <= maxCapacity.`],
    ]);
  });
  const scheduledScaling = props.scheduledScaling ?? [];
  const { databaseMaxConnections, moodleDbType } = data;
  warnDatabaseConnections(scope, { databaseMaxConnections, moodleDbType, memoryMiB, maxCapacity, scheduledScaling });
  const logRetention = props.logRetention ?? d.logRetention;
  const enableExecuteCommand = props.enableExecuteCommand ?? d.enableExecuteCommand;
  validator.requireLiteral(enableExecuteCommand,
    'enableExecuteCommand must be a literal true or false (it decides which permissions the task role gets).');
  validator.check(enableExecuteCommand && props.readonlyRootFilesystem === true,
    'enableExecuteCommand is true and readonlyRootFilesystem is true, but ECS Exec\'s agent writes to the ' +
    'container\'s root file system and fails on a read-only one. Remove readonlyRootFilesystem (it then defaults to false ' +
    'with ECS Exec), or set enableExecuteCommand to false.',
  );
  validator.throwIfAny();
  const readonlyRootFilesystem = props.readonlyRootFilesystem ?? !enableExecuteCommand;
  return {
    cpuArchitecture,
    arm64,
    cpu,
    memoryMiB,
    cronCpu,
    cronMemoryMiB,
    installCpu,
    installMemoryMiB,
    onDemandBase,
    onDemandWeight,
    spotWeight,
    cronSpot,
    minCapacity,
    maxCapacity,
    targetCpu,
    targetRequests,
    grace,
    forwardingProxies,
    lifetime: requestLifetime(literalTimeout ? originResponseTimeout : DEFAULT_ORIGIN_RESPONSE_TIMEOUT),
    cronIdleInterval,
    adminEmail,
    adminUser,
    siteFullName,
    siteShortName,
    moodleVersion,
    pipelineManaged,
    logRetention,
    enableExecuteCommand,
    readonlyRootFilesystem,
  };
}
