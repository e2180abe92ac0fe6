import { Duration, Size, Tokenization, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MoodleServiceProps } from './moodle-service-props';
import { apacheMaxRequestWorkers, serviceDefaults } from './service-defaults';
import { ServiceSettings } from './service-settings';
import { imageContract } from '../contracts/image-contract';

/** The cron heartbeat's age at which the container counts as unhealthy: five missed touches. */
const CRON_HEARTBEAT_MAX_AGE_MINUTES = 5 * imageContract.cronHeartbeatIntervalSeconds / 60;

/**
 * How far apart Moodle's own cron check (admin page, core\check cronrunning) may see two cron.php starts: one keep-alive
 * run, or while the site idles one idle interval, and in either case the pass that ends it (Moodle stops starting
 * tasks after 30 minutes of scheduled and 30 of adhoc ones, but a task that runs may end later; 5 minutes covers most).
 */
function expectedCronFrequency(cronIdleInterval?: Duration): Duration {
  const longestGap = cronIdleInterval?.toSeconds() ?? imageContract.cronKeepAliveSeconds;
  return Duration.seconds(longestGap + 5 * 60);
}

/** Name of the Moodle container in every task definition. */
export const CONTAINER_NAME = 'moodle';

/**
 * Each role's container health check, from inside the container: the web role's Apache and PHP answer the
 * health path (as the load balancer asks); cron's loop is alive (its heartbeat, touched every minute even while a
 * cron.php run lasts hours, is at most 5 minutes old); install-or-upgrade has written config.php (it runs once, for minutes).
 */
export const containerHealthChecks: Record<'web' | 'cron' | 'installOrUpgrade', ecs.HealthCheck> = {
  web: {
    command: ['CMD-SHELL', `curl -fsS -o /dev/null http://127.0.0.1:${imageContract.containerPort}${imageContract.healthCheckPath} || exit 1`],
    startPeriod: Duration.seconds(60),
  },
  cron: {
    command: ['CMD-SHELL', `test -n "$(find ${imageContract.cronHeartbeatFile} -mmin -${CRON_HEARTBEAT_MAX_AGE_MINUTES} 2>/dev/null)" || exit 1`],
    startPeriod: Duration.seconds(120),
  },
  installOrUpgrade: {
    command: ['CMD-SHELL', `test -s ${imageContract.configFile} || exit 1`],
    startPeriod: Duration.seconds(60),
  },
};

/** What every task definition shares: the image, the task role, the log group, the administrator's secret. */
export interface SharedTaskPieces {
  readonly image: ecs.ContainerImage;
  readonly taskRole: iam.IRole;
  readonly logGroup: logs.ILogGroup;
  readonly adminSecret: secretsmanager.ISecret;
}

/** A role's task definition and its one container. */
export interface MoodleTask {
  readonly definition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
}

/** What a role's task definition adds to the shared configuration. */
export interface RoleTaskOptions {
  readonly environment?: Record<string, string>;
  readonly secrets?: Record<string, ecs.Secret>;
  readonly stopTimeout?: Duration;
  readonly web?: boolean;
  readonly healthCheck?: ecs.HealthCheck;
  /** @default - the shared task role */
  readonly taskRole?: iam.IRole;
}

/** Makes the task definition (ID `name` in the scope) of one more role with the shared image and configuration. */
export type RoleTaskFactory = (name: string, role: string, size: { cpu: number; memoryMiB: number }, options: RoleTaskOptions) => MoodleTask;

/**
 * One image, one configuration, three roles: the web, cron and install/upgrade task definitions (IDs in `scope`), and
 * the factory that made them, for one-off roles.
 */
export function moodleTaskDefinitions(
  scope: Construct, props: MoodleServiceProps, settings: ServiceSettings, shared: SharedTaskPieces,
): { web: MoodleTask; cron: MoodleTask; install: MoodleTask; define: RoleTaskFactory } {
  const d = serviceDefaults;
  const { data, cache, edge } = props;
  const {
    readonlyRootFilesystem, cpu, memoryMiB, cronCpu, cronMemoryMiB, installCpu, installMemoryMiB, adminUser, adminEmail, siteFullName, siteShortName,
    forwardingProxies, lifetime,
  } = settings;
  const environment: Record<string, string> = {
    MOODLE_WWWROOT: edge.siteUrl,
    MOODLE_DB_TYPE: data.moodleDbType,
    MOODLE_DB_HOST: data.databaseHost,
    MOODLE_DB_PORT: Tokenization.stringifyNumber(data.databasePort),
    MOODLE_DB_NAME: data.databaseName,
    MOODLE_REDIS_HOST: cache.endpointAddress,
    MOODLE_REDIS_PORT: Tokenization.stringifyNumber(cache.port),
    MOODLE_REDIS_TLS: cache.transitEncryption ? 'true' : 'false',
    MOODLE_DATAROOT: imageContract.dataRoot,
    // A session lock left by a killed task frees that user's session within the longest request the edge waits for.
    MOODLE_REDIS_LOCK_EXPIRE: String(lifetime.sessionLockExpiry.toSeconds()),
    MOODLE_REDIS_LOCK_TIMEOUT: String(lifetime.sessionLockWait.toSeconds()),
    MOODLE_CRON_EXPECTED_FREQUENCY: String(expectedCronFrequency(settings.cronIdleInterval).toSeconds()),
  };
  if (forwardingProxies > 0) environment.MOODLE_PROXY_HOPS = String(forwardingProxies);
  // A paused database answers once it has resumed: about 15 s, 30 s or more after a day paused (Aurora guide).
  if (data.autoPauseAfter) environment.MOODLE_DB_CONNECT_TIMEOUT = String(d.pausedDatabaseConnectTimeout.toSeconds());
  const secrets: Record<string, ecs.Secret> = {
    MOODLE_DB_USER: ecs.Secret.fromSecretsManager(data.databaseSecret, 'username'),
    MOODLE_DB_PASSWORD: ecs.Secret.fromSecretsManager(data.databaseSecret, 'password'),
  };
  if (cache.authSecret) secrets.MOODLE_REDIS_AUTH = ecs.Secret.fromSecretsManager(cache.authSecret);
  if (props.mail) {
    environment.MOODLE_SMTP_HOST = props.mail.smtpHost;
    environment.MOODLE_SMTP_PORT = Tokenization.stringifyNumber(props.mail.smtpPort);
    environment.MOODLE_NOREPLY_ADDRESS = props.mail.noReplyAddress;
    secrets.MOODLE_SMTP_USER = ecs.Secret.fromSecretsManager(props.mail.smtpSecret, 'username');
    secrets.MOODLE_SMTP_PASSWORD = ecs.Secret.fromSecretsManager(props.mail.smtpSecret, 'password');
  }

  const taskDefinition: RoleTaskFactory = (name, role, size, extra) => {
    const definition = new ecs.FargateTaskDefinition(scope, name, {
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      runtimePlatform: { cpuArchitecture: settings.cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole: extra.taskRole ?? shared.taskRole,
      volumes: [
        {
          name: 'moodledata',
          efsVolumeConfiguration: {
            fileSystemId: data.fileSystem.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: data.accessPoint.accessPointId, iam: 'ENABLED' },
          },
        },
        // Task-local (Fargate ephemeral storage), seeded from the image's VOLUME of the same path.
        ...Object.keys(imageContract.writablePaths).map((volume) => ({ name: volume })),
      ],
    });
    const container = definition.addContainer(CONTAINER_NAME, {
      image: shared.image,
      essential: true,
      environment: { MOODLE_ROLE: role, ...environment, ...extra.environment },
      secrets: { ...secrets, ...extra.secrets },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: shared.logGroup,
        streamPrefix: role,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      stopTimeout: extra.stopTimeout,
      portMappings: extra.web ? [{ containerPort: imageContract.containerPort, name: 'http', protocol: ecs.Protocol.TCP }] : undefined,
      user: `${imageContract.posixUid}:${imageContract.posixGid}`,
      readonlyRootFilesystem,
      // The whole task's memory, as a hard limit of the one container.
      memoryLimitMiB: size.memoryMiB,
      healthCheck: extra.healthCheck,
      // Apache listens on 8080 and every role runs as www-data: no Linux capability is needed.
      linuxParameters: new ecs.LinuxParameters(scope, `${name}LinuxParameters`),
    });
    container.linuxParameters!.dropCapabilities(ecs.Capability.ALL);
    container.addMountPoints(
      { sourceVolume: 'moodledata', containerPath: imageContract.dataRoot, readOnly: false },
      ...Object.entries(imageContract.writablePaths).map(([volume, containerPath]) => ({ sourceVolume: volume, containerPath, readOnly: false })),
    );
    Validations.of(definition).acknowledge(
      {
        id: 'AwsSolutions-ECS2',
        reason: 'Only non-secret settings are environment variables (host names, ports, site URL, role); passwords come from Secrets Manager as ECS secrets.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken (image pull) has no resource-level permissions; with ECS Exec, ssmmessages channels have none either.',
      },
    );
    return { definition, container };
  };

  const web = taskDefinition('WebTaskDefinition', 'web', { cpu, memoryMiB }, {
    environment: {
      APACHE_MAX_REQUEST_WORKERS: String(apacheMaxRequestWorkers(memoryMiB)),
      APACHE_GRACEFUL_SHUTDOWN_TIMEOUT: String(lifetime.gracefulStop.toSeconds()),
    },
    stopTimeout: lifetime.stopTimeout,
    web: true,
    healthCheck: containerHealthChecks.web,
  });
  const cron = taskDefinition('CronTaskDefinition', 'cron', { cpu: cronCpu, memoryMiB: cronMemoryMiB }, {
    environment: settings.cronIdleInterval ? { MOODLE_CRON_IDLE_INTERVAL: String(settings.cronIdleInterval.toSeconds()) } : undefined,
    stopTimeout: d.cronStopTimeout,
    healthCheck: containerHealthChecks.cron,
  });
  const install = taskDefinition('InstallTaskDefinition', 'install-or-upgrade', { cpu: installCpu, memoryMiB: installMemoryMiB }, {
    healthCheck: containerHealthChecks.installOrUpgrade,
    environment: {
      MOODLE_ADMIN_USER: adminUser,
      MOODLE_ADMIN_EMAIL: adminEmail,
      MOODLE_SITE_FULLNAME: siteFullName,
      MOODLE_SITE_SHORTNAME: siteShortName,
    },
    secrets: {
      MOODLE_ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(shared.adminSecret, 'password'),
      // Only this task may create Moodle's database user (or reset its password to the secret's).
      ...(data.databaseAdminSecret ? {
        MOODLE_DB_ADMIN_USER: ecs.Secret.fromSecretsManager(data.databaseAdminSecret, 'username'),
        MOODLE_DB_ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(data.databaseAdminSecret, 'password'),
      } : {}),
    },
  });
  return { web, cron, install, define: taskDefinition };
}
