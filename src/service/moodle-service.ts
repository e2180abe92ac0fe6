import { Annotations, CustomResource, Duration, Fn, Size, Stack, TimeZone, Token, Tokenization, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DeploySteps, INSTALL_OR_UPGRADE_RESOURCE_TYPE } from './deploy-steps';
import { ImageBuild } from './image-build';
import { RestartOnSecretChange } from './restart-on-secret-change';
import { apacheMaxRequestWorkers, BUILDABLE_MOODLE_VERSION, serviceDefaults } from './service-defaults';
import {
  validateAdminEmail, validateAdminUser, validateCapacity, validateCapacityRange, validateCronIdleInterval, validateCronSpot,
  validateForwardingProxies, validateHealthCheckGrace,
  validateMoodleVersion, validatePercent, validatePositive, validateSchedule, validateSiteName, validateSiteUrl,
  validateTaskSize,
} from './service-validation';
import { IMoodleCache } from '../cache/moodle-cache-interfaces';
import { IMoodleData } from '../data/moodle-data-interfaces';
import { IMoodleEdge } from '../edge/moodle-edge-interfaces';
import { imageContract } from '../image-contract';
import { IMoodleMail } from '../mail/moodle-mail';
import { IMoodleNetwork } from '../network';
import { MoodleImageTag } from '../pipeline/moodle-image-tag';
import { IMoodleDeployTarget } from '../pipeline/moodle-pipeline-interfaces';
import { retainExceptOnCreate } from '../private/retain-except-on-create';

/**
 * A scheduled change of the web service's task count bounds, for example more tasks during exam weeks.
 */
export interface MoodleScheduledScaling {
  /**
   * When the change happens: `appscaling.Schedule.cron({...})` (6-field cron), `Schedule.at(date)` or
   * `Schedule.rate(duration)`.
   */
  readonly schedule: appscaling.Schedule;
  /**
   * The web service's minimum task count from then on.
   *
   * @default - unchanged
   */
  readonly minCapacity?: number;
  /**
   * The web service's maximum task count from then on.
   *
   * @default - unchanged
   */
  readonly maxCapacity?: number;
  /**
   * Time zone of a cron or at schedule.
   *
   * @default - UTC
   */
  readonly timeZone?: TimeZone;
}

/**
 * Options of a {@link MoodleService}: everything but the parts it is wired to.
 */
export interface MoodleServiceOptions {
  /**
   * Email address of the Moodle administrator created by the first install (change it later in Moodle).
   *
   * @default - `admin@` and the site's host name (a warning at synth asks for a real address)
   */
  readonly adminEmail?: string;

  /**
   * User name of the Moodle administrator created by the first install. Its password is generated in
   * Secrets Manager ({@link MoodleService.adminSecret}).
   *
   * @default 'admin'
   */
  readonly adminUser?: string;

  /**
   * Full name of the site, set by the first install (change it later in Moodle).
   *
   * @default 'Moodle'
   */
  readonly siteFullName?: string;

  /**
   * Short name of the site, set by the first install.
   *
   * @default 'moodle'
   */
  readonly siteShortName?: string;

  /**
   * CPU architecture of every task (and of the image build). Both run on on-demand Fargate and on Fargate
   * Spot (Linux ARM64 tasks on platform version 1.4.0 or later, which every Moodle task uses).
   *
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * CPU units of a web task (1024 = 1 vCPU); with `memory`, one of Fargate's task sizes.
   *
   * @default 1024
   */
  readonly cpu?: number;

  /**
   * Memory of a web task; with `cpu`, one of Fargate's task sizes. Also sizes Apache's worker count.
   *
   * @default Size.gibibytes(2)
   */
  readonly memory?: Size;

  /**
   * CPU units of the cron task (1024 = 1 vCPU).
   *
   * @default 512
   */
  readonly cronCpu?: number;

  /**
   * Memory of the cron task.
   *
   * @default Size.gibibytes(1)
   */
  readonly cronMemory?: Size;

  /**
   * CPU units of the one-off install/upgrade task (1024 = 1 vCPU); with `installMemory`, one of Fargate's task
   * sizes. The task runs for minutes per deployment, so it is sized for speed rather than like a web task: a first
   * install is mostly PHP on one core, measured on the local site at 47 s with 1 vCPU and 146 s with 0.25 vCPU
   * (`npx projen benchmark:install`; on AWS add the database's network round trips).
   *
   * @default 1024
   */
  readonly installCpu?: number;

  /**
   * Memory of the one-off install/upgrade task; with `installCpu`, one of Fargate's task sizes.
   *
   * @default Size.gibibytes(2)
   */
  readonly installMemory?: Size;

  /**
   * Web tasks that always run on on-demand `FARGATE` (the capacity provider strategy's base), at least 1.
   *
   * @default 1
   */
  readonly onDemandBase?: number;

  /**
   * Weight of on-demand `FARGATE` for the tasks above the base.
   *
   * @default 0
   */
  readonly onDemandWeight?: number;

  /**
   * Weight of `FARGATE_SPOT` for the tasks above the base.
   *
   * @default 1
   */
  readonly spotWeight?: number;

  /**
   * Whether the cron task runs on `FARGATE_SPOT` instead of on-demand `FARGATE`. Cron tolerates an
   * interruption: ECS starts a new task, and `cron.php --keep-alive` picks up the scheduled tasks that are
   * due (a task cut short runs again at its next time).
   *
   * @default false
   */
  readonly cronSpot?: boolean;

  /**
   * While no web request has reached Moodle for 15 minutes, cron runs once per this interval instead of
   * holding a database connection all the time (`cron.php --keep-alive`), so a database that pauses when
   * nobody is connected (Aurora Serverless v2 at 0 ACU) can pause. The first web request makes cron run every
   * minute again within 30 seconds. Deciding reads a file's age on EFS, never the database. Scheduled tasks
   * of an idle site (reminders, clean-ups) run late by up to this interval.
   *
   * Give it to let an existing database that pauses (given as `data`) pause. From 15 minutes to 1 day, and
   * longer than the database's `autoPauseAfter`.
   *
   * @default - 4 hours when `data.autoPauseAfter` is set (the database pauses), else cron never idles
   */
  readonly cronIdleInterval?: Duration;

  /**
   * Fewest web tasks (autoscaling lower bound, and the count the service starts with).
   *
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * Most web tasks (autoscaling upper bound).
   *
   * @default 10
   */
  readonly maxCapacity?: number;

  /**
   * Average CPU utilization of the web tasks that target tracking keeps.
   *
   * @default 60
   */
  readonly targetCpuUtilizationPercent?: number;

  /**
   * Load balancer requests per web task per minute that target tracking keeps (ALB RequestCountPerTarget).
   *
   * @default 600
   */
  readonly targetRequestsPerTask?: number;

  /**
   * Scheduled changes of the task count bounds (exam weeks, term start).
   *
   * @default - none
   */
  readonly scheduledScaling?: MoodleScheduledScaling[];

  /**
   * How long ECS ignores failing load balancer health checks of a new web task. At most 1 hour.
   *
   * @default Duration.minutes(2)
   */
  readonly healthCheckGracePeriod?: Duration;

  /**
   * The Moodle release the image is built from: a release tag of github.com/moodle/moodle for Moodle
   * 5.0 or 5.1. Ignored when `image` is given.
   *
   * @default 'v5.1.8'
   */
  readonly moodleVersion?: string;

  /**
   * A ready Moodle image to run instead of building the shipped Dockerfile. It must keep the contract of
   * the shipped image (port 8080, /healthz.php, MOODLE_* environment variables, roles), including the
   * install-or-upgrade role's first step: create Moodle's database user from `MOODLE_DB_ADMIN_USER` and
   * `MOODLE_DB_ADMIN_PASSWORD` (see src/image/README.md). An image built `FROM` the shipped one does.
   *
   * @default - the shipped Dockerfile is built by CodeBuild at deploy time and pushed to a new ECR repository
   */
  readonly image?: ecs.ContainerImage;

  /**
   * Whether a `MoodlePipeline` rolls out new images. The first deploy still builds the shipped Dockerfile
   * (tag `bootstrap-<architecture>`, built once); from then on the tasks run the tag the pipeline writes into
   * {@link MoodleService.imageTagParameter}, read at deploy time, so a later `cdk deploy` never puts an older
   * image back. Pass {@link MoodleService.deployTarget} to the pipeline.
   *
   * @default false
   */
  readonly pipelineManagedImage?: boolean;

  /**
   * Outgoing mail: Moodle sends through this SMTP server (for example a `MoodleMail`, Amazon SES), with the
   * credentials injected as ECS secrets.
   *
   * @default - no SMTP: Moodle uses PHP's mail(), which a Fargate task cannot deliver
   */
  readonly mail?: IMoodleMail;

  /**
   * Docker Hub credentials (JSON with `username` and `password`): the image build logs in to Docker Hub
   * before it builds. The shipped Dockerfile pulls nothing from Docker Hub (its base image comes from
   * ghcr.io and composer from Amazon ECR Public), so it needs none.
   *
   * @default - no Docker Hub login
   * @deprecated the shipped Dockerfile no longer pulls from Docker Hub; the login has no effect on its build
   */
  readonly dockerHubSecret?: secretsmanager.ISecret;

  /**
   * How long the tasks' logs are kept in CloudWatch Logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Whether operators can open a shell in web and cron tasks with ECS Exec. ECS Exec's agent writes to the
   * container's root file system, so it needs `readonlyRootFilesystem: false`.
   *
   * @default false
   */
  readonly enableExecuteCommand?: boolean;

  /**
   * Whether every container's root file system is read-only. The shipped image writes only to the paths it
   * declares as volumes (config.php and PHP settings, Moodle's local cache, /tmp, Apache's run and lock
   * directories), which get task-local volumes, and to moodledata on EFS. Set it to false only for ECS Exec
   * (its agent writes to the root file system) or for a custom `image` that writes elsewhere.
   *
   * @default - true; false with `enableExecuteCommand: true`
   */
  readonly readonlyRootFilesystem?: boolean;
}

/**
 * Properties of a {@link MoodleService}.
 */
export interface MoodleServiceProps extends MoodleServiceOptions {
  /** Where the tasks run: the application subnets of the network. */
  readonly network: IMoodleNetwork;
  /** The database and the `moodledata` file system. */
  readonly data: IMoodleData;
  /** The Valkey/Redis cache for sessions and Moodle's application cache (MUC). */
  readonly cache: IMoodleCache;
  /** The public URL (Moodle's `wwwroot`, https) and the load balancer target group of the web tasks. */
  readonly edge: IMoodleEdge;
}

/** Name of the Moodle container in every task definition. */
const CONTAINER_NAME = 'moodle';

/**
 * Each role's container health check, from inside the container: the web role's Apache and PHP answer the
 * health path (as the load balancer asks); cron has looped in the last 15 minutes; install-or-upgrade has
 * written config.php (it runs once, for minutes).
 */
const containerHealthChecks: Record<'web' | 'cron' | 'installOrUpgrade', ecs.HealthCheck> = {
  web: {
    command: ['CMD-SHELL', `curl -fsS -o /dev/null http://127.0.0.1:${imageContract.containerPort}${imageContract.healthCheckPath} || exit 1`],
    startPeriod: Duration.seconds(60),
  },
  cron: {
    command: ['CMD-SHELL', `test -n "$(find ${imageContract.cronHeartbeatFile} -mmin -15 2>/dev/null)" || exit 1`],
    startPeriod: Duration.seconds(120),
  },
  installOrUpgrade: {
    command: ['CMD-SHELL', `test -s ${imageContract.configFile} || exit 1`],
    startPeriod: Duration.seconds(60),
  },
};

/**
 * Moodle's compute: an ECS cluster with Container Insights, the web service on Fargate (an on-demand base
 * plus Fargate Spot) behind the edge's target group, a one-task cron service, and a one-off install/upgrade
 * task that every deployment runs and waits for before the services roll.
 */
export class MoodleService extends Construct implements ec2.IConnectable {
  /** The ECS cluster (Container Insights enhanced, Fargate and Fargate Spot capacity providers). */
  public readonly cluster: ecs.Cluster;
  /** The association of the FARGATE and FARGATE_SPOT capacity providers with the cluster. */
  public readonly capacityProviders: ecs.CfnClusterCapacityProviderAssociations;
  /** The web service. */
  public readonly webService: ecs.FargateService;
  /** The cron service (one task, `admin/cli/cron.php --keep-alive`). */
  public readonly cronService: ecs.FargateService;
  /** Task definition of the web tasks. */
  public readonly webTaskDefinition: ecs.FargateTaskDefinition;
  /** Task definition of the cron task. */
  public readonly cronTaskDefinition: ecs.FargateTaskDefinition;
  /** Task definition of the one-off install/upgrade task. */
  public readonly installTaskDefinition: ecs.FargateTaskDefinition;
  /** The custom resource that runs the install/upgrade task on each deployment and waits for it. */
  public readonly installOrUpgrade: CustomResource;
  /** The role of every Moodle task (EFS access; ECS Exec when enabled). */
  public readonly taskRole: iam.Role;
  /** Security group of every Moodle task. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Network access of the Moodle tasks. */
  public readonly connections: ec2.Connections;
  /** Log group of every task (streams `web/…`, `cron/…`, `install-or-upgrade/…`). */
  public readonly logGroup: logs.LogGroup;
  /** User name of the Moodle administrator created by the first install. */
  public readonly adminUser: string;
  /** Generated credentials of the Moodle administrator: JSON with `username` and `password`. */
  public readonly adminSecret: secretsmanager.Secret;
  /** Autoscaling of the web service's task count. */
  public readonly scaling: ecs.ScalableTaskCount;
  /** The image the tasks run. */
  public readonly image: ecs.ContainerImage;
  /** The ECR repository the image is built into; undefined when `image` was given. */
  public readonly repository?: ecr.IRepository;
  /** The CodeBuild project that builds the image; undefined when `image` was given. */
  public readonly imageBuildProject?: codebuild.IProject;
  /** The image tag the build pushes; undefined when `image` was given. */
  public readonly imageTag?: string;
  /** The custom-resource handler that runs the deploy steps (image build, install/upgrade). */
  public readonly deployStepsHandler: lambda.IFunction;
  /** The CPU architecture of the tasks. */
  public readonly cpuArchitecture: ecs.CpuArchitecture;
  /** How often cron runs while the site is idle; undefined when cron never idles. */
  public readonly cronIdleInterval?: Duration;
  /** The SSM parameter holding the image tag the tasks run; only with `pipelineManagedImage`. */
  public readonly imageTagParameter?: ssm.StringParameter;
  /** What a `MoodlePipeline` needs to roll images out to this service; only with `pipelineManagedImage`. */
  public readonly deployTarget?: IMoodleDeployTarget;
  /**
   * The EventBridge rule that replaces the web and cron tasks when the database secret's current value changes
   * (a rotation): tasks read the password only when they start.
   */
  public readonly databaseSecretChangeRule: events.Rule;
  /** The function that rule runs: it forces a new deployment of the web and cron services. */
  public readonly restartFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: MoodleServiceProps) {
    super(scope, id);
    retainExceptOnCreate(this);
    // Nothing slow starts before the network's deploy-time checks (its Availability Zones) passed.
    if (props.network.deployChecks) this.node.addDependency(props.network.deployChecks);
    const d = serviceDefaults;
    const { network, data, cache, edge } = props;

    // ---- Props and their checks -------------------------------------------------------------------------
    this.cpuArchitecture = props.cpuArchitecture ?? d.cpuArchitecture;
    const arm64 = this.cpuArchitecture._cpuArchitecture === ecs.CpuArchitecture.ARM64._cpuArchitecture;
    const cpu = props.cpu ?? d.cpu;
    const memoryMiB = (props.memory ?? d.memory).toMebibytes();
    validateTaskSize('cpu', 'memory', cpu, memoryMiB);
    const cronCpu = props.cronCpu ?? d.cronCpu;
    const cronMemoryMiB = (props.cronMemory ?? d.cronMemory).toMebibytes();
    validateTaskSize('cronCpu', 'cronMemory', cronCpu, cronMemoryMiB);
    const installCpu = props.installCpu ?? d.installCpu;
    const installMemoryMiB = (props.installMemory ?? d.installMemory).toMebibytes();
    validateTaskSize('installCpu', 'installMemory', installCpu, installMemoryMiB);
    const onDemandBase = props.onDemandBase ?? d.onDemandBase;
    const onDemandWeight = props.onDemandWeight ?? d.onDemandWeight;
    const spotWeight = props.spotWeight ?? d.spotWeight;
    validateCapacity(onDemandBase, onDemandWeight, spotWeight);
    const cronSpot = props.cronSpot ?? d.cronSpot;
    validateCronSpot(cronSpot);
    const minCapacity = props.minCapacity ?? d.minCapacity;
    const maxCapacity = props.maxCapacity ?? d.maxCapacity;
    validateCapacityRange(minCapacity, maxCapacity, onDemandBase);
    const targetCpu = props.targetCpuUtilizationPercent ?? d.targetCpuUtilizationPercent;
    validatePercent('targetCpuUtilizationPercent', targetCpu);
    const targetRequests = props.targetRequestsPerTask ?? d.targetRequestsPerTask;
    validatePositive('targetRequestsPerTask', targetRequests, d.targetRequestsPerTask);
    const grace = props.healthCheckGracePeriod ?? d.healthCheckGracePeriod;
    validateHealthCheckGrace(grace);
    validateSiteUrl(edge.siteUrl);
    const forwardingProxies = edge.forwardingProxies ?? 0;
    validateForwardingProxies(forwardingProxies);
    this.cronIdleInterval = props.cronIdleInterval ?? (data.autoPauseAfter ? d.cronIdleInterval : undefined);
    if (this.cronIdleInterval) validateCronIdleInterval(this.cronIdleInterval, data.autoPauseAfter);
    validateAdminEmail(props.adminEmail ?? 'admin@example.com');
    const adminEmail = props.adminEmail ?? Fn.join('', ['admin@', Fn.select(2, Fn.split('/', edge.siteUrl))]);
    if (props.adminEmail === undefined) {
      Annotations.of(this).addWarningV2('moodle-on-fargate:adminEmail',
        'adminEmail is not set: the Moodle administrator gets admin@<site host name>. Set adminEmail to an address that receives mail.');
    }
    const adminUser = this.adminUser = props.adminUser ?? d.adminUser;
    validateAdminUser(adminUser);
    const siteFullName = props.siteFullName ?? d.siteFullName;
    validateSiteName('siteFullName', siteFullName);
    const siteShortName = props.siteShortName ?? d.siteShortName;
    validateSiteName('siteShortName', siteShortName);
    const moodleVersion = props.moodleVersion ?? d.moodleVersion;
    if (props.image === undefined) validateMoodleVersion(moodleVersion, BUILDABLE_MOODLE_VERSION);
    const pipelineManaged = props.pipelineManagedImage ?? false;
    if (props.image !== undefined && pipelineManaged) {
      throw new Error(
        'MoodleService: pipelineManagedImage builds and rolls out the image from the pipeline\'s source, but image was given. ' +
        'Remove image (put your changes in the pipeline\'s Dockerfile), or remove pipelineManagedImage to run your own image.',
      );
    }
    if (props.image !== undefined && (props.moodleVersion !== undefined || props.dockerHubSecret !== undefined)) {
      const given = [props.moodleVersion !== undefined ? 'moodleVersion' : '', props.dockerHubSecret !== undefined ? 'dockerHubSecret' : '']
        .filter((name) => name !== '').join(' and ');
      throw new Error(`MoodleService: ${given} only shape the image MoodleService builds, but image was given. Remove ${given}, or remove image to let MoodleService build it.`);
    }
    (props.scheduledScaling ?? []).forEach((scheduled, index) => {
      validateSchedule(index, scheduled.schedule.expressionString);
      if (scheduled.minCapacity === undefined && scheduled.maxCapacity === undefined) {
        throw new Error(`MoodleService: scheduledScaling[${index}] changes nothing. Give it minCapacity, maxCapacity or both.`);
      }
      if (scheduled.minCapacity !== undefined && scheduled.maxCapacity !== undefined && scheduled.minCapacity > scheduled.maxCapacity) {
        throw new Error(
          `MoodleService: scheduledScaling[${index}] has minCapacity ${scheduled.minCapacity} above maxCapacity ${scheduled.maxCapacity}. Make minCapacity <= maxCapacity.`,
        );
      }
    });
    const logRetention = props.logRetention ?? d.logRetention;
    const enableExecuteCommand = props.enableExecuteCommand ?? d.enableExecuteCommand;
    if (Token.isUnresolved(enableExecuteCommand)) {
      throw new Error('MoodleService: enableExecuteCommand must be a literal true or false (it decides which permissions the task role gets).');
    }
    if (enableExecuteCommand && props.readonlyRootFilesystem === true) {
      throw new Error(
        'MoodleService: enableExecuteCommand is true and readonlyRootFilesystem is true, but ECS Exec\'s agent writes to the ' +
        'container\'s root file system and fails on a read-only one. Remove readonlyRootFilesystem (it then defaults to false ' +
        'with ECS Exec), or set enableExecuteCommand to false.',
      );
    }
    const readonlyRootFilesystem = props.readonlyRootFilesystem ?? !enableExecuteCommand;

    // ---- Shared pieces ---------------------------------------------------------------------------------
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });
    // Associated here rather than with enableFargateCapacityProviders (which adds the association in an
    // aspect), so the services and the install task can depend on it: a capacity provider strategy that
    // names a provider not yet associated with the cluster fails.
    this.capacityProviders = new ecs.CfnClusterCapacityProviderAssociations(this, 'CapacityProviders', {
      cluster: this.cluster.clusterName,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 0, weight: 1 }],
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: network.vpc,
      description: 'Moodle tasks (web, cron, install/upgrade)',
      allowAllOutbound: true, // Moodle reaches out to plugin directories, feeds, mail relays and AWS APIs
    });
    this.connections = new ec2.Connections({
      securityGroups: [this.securityGroup],
      defaultPort: ec2.Port.tcp(imageContract.containerPort),
    });
    this.connections.allowTo(data.databaseConnections, ec2.Port.tcp(data.databasePort), 'Moodle tasks to the database');
    this.connections.allowTo(cache.connections, ec2.Port.tcp(cache.port), 'Moodle tasks to the cache');
    this.connections.allowTo(data.fileSystem, ec2.Port.tcp(2049), 'Moodle tasks to moodledata (NFS)');
    // allowTo also asks for egress rules, which allowAllOutbound already covers: nothing a user can act on.
    Annotations.of(this.securityGroup).acknowledgeWarning('@aws-cdk/aws-ec2:ipv4IgnoreEgressRule',
      'The tasks may reach any address (allowAllOutbound), which covers the database, cache and EFS rules.');

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logRetention });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Moodle tasks: mount and write moodledata through its access point',
    });
    // IAM authorization of the EFS mount, limited to Moodle's access point.
    this.taskRole.addToPolicy(new iam.PolicyStatement({
      actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      resources: [data.fileSystem.fileSystemArn],
      conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': data.accessPoint.accessPointArn } },
    }));

    if (enableExecuteCommand) {
      // ECS adds the SSM messages channels (ssmmessages:Create/OpenControlChannel, …DataChannel) to this role.
      Validations.of(this.taskRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ECS Exec (enableExecuteCommand: true): the ssmmessages channel actions have no resource-level permissions.',
      });
    }

    this.adminSecret = new secretsmanager.Secret(this, 'AdminSecret', {
      description: 'Moodle administrator created by the first install (user name and password)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: adminUser }),
        generateStringKey: 'password',
        passwordLength: 24,
        // Moodle's default password policy wants each character class; quotes, backslash, $, ` and spaces
        // are left out so the password survives any shell or config quoting.
        requireEachIncludedType: true,
        excludeCharacters: '"\'`$\\ /@%&|;<>',
      },
    });
    Validations.of(this.adminSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The secret only seeds the administrator at the first install; Moodle keeps its own password hash, so rotating the secret would not change the login. Change the password in Moodle.',
    });

    const deploySteps = new DeploySteps(this, 'DeploySteps', { totalTimeout: d.deployStepTimeout, logRetention });
    this.deployStepsHandler = deploySteps.onEventFunction;

    let imageBuild: ImageBuild | undefined;
    if (props.image) {
      this.image = props.image;
    } else {
      const build = imageBuild = new ImageBuild(this, 'ImageBuild', {
        arm64,
        moodleVersion,
        deploySteps,
        logRetention,
        dockerHubSecret: props.dockerHubSecret,
        fixedTag: pipelineManaged ? `bootstrap-${arm64 ? 'arm64' : 'x86_64'}` : undefined,
      });
      this.image = build.image;
      if (pipelineManaged) {
        // The template's value never changes after creation (it only names the bootstrap image), so the tag
        // the pipeline writes stays until the pipeline writes another.
        this.imageTagParameter = new ssm.StringParameter(this, 'ImageTag', {
          description: 'Tag of the Moodle image the site runs; written by MoodlePipeline after each successful upgrade',
          stringValue: build.imageTag,
        });
        this.image = MoodleImageTag.containerImage(build.repository, this.imageTagParameter);
      }
      this.repository = build.repository;
      this.imageBuildProject = build.project;
      this.imageTag = build.imageTag;
    }

    // ---- Task definitions: one image, one configuration, three roles -----------------------------------
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

    const taskDefinition = (name: string, role: string, size: { cpu: number; memoryMiB: number }, extra: {
      environment?: Record<string, string>;
      secrets?: Record<string, ecs.Secret>;
      stopTimeout?: Duration;
      web?: boolean;
      healthCheck: ecs.HealthCheck;
    }) => {
      const definition = new ecs.FargateTaskDefinition(this, name, {
        cpu: size.cpu,
        memoryLimitMiB: size.memoryMiB,
        runtimePlatform: { cpuArchitecture: this.cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
        taskRole: this.taskRole,
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
        image: this.image,
        essential: true,
        environment: { MOODLE_ROLE: role, ...environment, ...extra.environment },
        secrets: { ...secrets, ...extra.secrets },
        logging: ecs.LogDrivers.awsLogs({
          logGroup: this.logGroup,
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
        linuxParameters: new ecs.LinuxParameters(this, `${name}LinuxParameters`),
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
      environment: { APACHE_MAX_REQUEST_WORKERS: String(apacheMaxRequestWorkers(memoryMiB)) },
      stopTimeout: d.webStopTimeout,
      web: true,
      healthCheck: containerHealthChecks.web,
    });
    this.webTaskDefinition = web.definition;
    const cron = taskDefinition('CronTaskDefinition', 'cron', { cpu: cronCpu, memoryMiB: cronMemoryMiB }, {
      environment: this.cronIdleInterval ? { MOODLE_CRON_IDLE_INTERVAL: String(this.cronIdleInterval.toSeconds()) } : undefined,
      stopTimeout: d.cronStopTimeout,
      healthCheck: containerHealthChecks.cron,
    });
    this.cronTaskDefinition = cron.definition;
    const install = taskDefinition('InstallTaskDefinition', 'install-or-upgrade', { cpu: installCpu, memoryMiB: installMemoryMiB }, {
      healthCheck: containerHealthChecks.installOrUpgrade,
      environment: {
        MOODLE_ADMIN_USER: adminUser,
        MOODLE_ADMIN_EMAIL: adminEmail,
        MOODLE_SITE_FULLNAME: siteFullName,
        MOODLE_SITE_SHORTNAME: siteShortName,
      },
      secrets: {
        MOODLE_ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(this.adminSecret, 'password'),
        // Only this task may create Moodle's database user (or reset its password to the secret's).
        ...(data.databaseAdminSecret ? {
          MOODLE_DB_ADMIN_USER: ecs.Secret.fromSecretsManager(data.databaseAdminSecret, 'username'),
          MOODLE_DB_ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(data.databaseAdminSecret, 'password'),
        } : {}),
      },
    });
    this.installTaskDefinition = install.definition;

    // ---- Install/upgrade: one task per deployment, awaited ---------------------------------------------
    const subnets = network.vpc.selectSubnets(network.applicationSubnets).subnetIds;
    // Only the PUBLIC_TASKS layout: public application subnets, where a task reaches out through its own
    // public address (its security group admits only the load balancer).
    const assignPublicIp = network.assignPublicIpToTasks;
    if (Token.isUnresolved(assignPublicIp)) {
      throw new Error('MoodleService: network.assignPublicIpToTasks must be a literal true or false.');
    }
    deploySteps.onEventFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: [this.installTaskDefinition.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
    }));
    deploySteps.onEventFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [this.taskRole.roleArn, this.installTaskDefinition.obtainExecutionRole().roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }));
    deploySteps.isCompleteFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeTasks'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
    }));
    Validations.of(deploySteps.isCompleteRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The install task ARN is only known at run time; ecs:DescribeTasks is limited to the Moodle cluster by the ecs:cluster condition.',
    });

    this.installOrUpgrade = new CustomResource(this, 'InstallOrUpgrade', {
      serviceToken: deploySteps.serviceToken,
      resourceType: INSTALL_OR_UPGRADE_RESOURCE_TYPE,
      properties: {
        Step: 'InstallOrUpgrade',
        Cluster: this.cluster.clusterArn,
        // A new task definition revision (new image, new configuration) runs the task again.
        TaskDefinitionArn: this.installTaskDefinition.taskDefinitionArn,
        Image: install.container.imageName,
        MoodleVersion: props.image ? 'custom image' : moodleVersion,
        Subnets: subnets,
        SecurityGroups: [this.securityGroup.securityGroupId],
        // Only when set, so an existing site's resource keeps its properties (a change would run the task again).
        ...(assignPublicIp ? { AssignPublicIp: 'ENABLED' } : {}),
        ContainerName: CONTAINER_NAME,
        LogGroupName: this.logGroup.logGroupName,
        LogStreamPrefix: 'install-or-upgrade',
      },
    });
    // The grants above must be in place before the step runs, and the image must exist.
    this.installOrUpgrade.node.addDependency(deploySteps.onEventFunction, deploySteps.isCompleteFunction, this.capacityProviders);
    if (imageBuild) this.installOrUpgrade.node.addDependency(imageBuild.buildResource);

    // ---- Web service -------------------------------------------------------------------------------------
    const strategy: ecs.CapacityProviderStrategy[] = [{ capacityProvider: 'FARGATE', base: onDemandBase, weight: onDemandWeight }];
    if (spotWeight > 0) strategy.push({ capacityProvider: 'FARGATE_SPOT', weight: spotWeight });
    this.webService = new ecs.FargateService(this, 'WebService', {
      cluster: this.cluster,
      taskDefinition: this.webTaskDefinition,
      vpcSubnets: network.applicationSubnets,
      securityGroups: [this.securityGroup],
      assignPublicIp,
      capacityProviderStrategies: strategy,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: grace,
      enableExecuteCommand,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    if (pipelineManaged) followLatestRevision(this.webService, this.webTaskDefinition);
    this.webService.attachToApplicationTargetGroup(edge.targetGroup);
    this.webService.node.addDependency(this.installOrUpgrade, this.capacityProviders);

    this.scaling = this.webService.autoScaleTaskCount({ minCapacity, maxCapacity });
    this.scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: targetCpu });
    this.scaleOnRequests(edge.targetGroup, targetRequests);
    (props.scheduledScaling ?? []).forEach((scheduled, index) => {
      this.scaling.scaleOnSchedule(`Scheduled${index}`, {
        schedule: scheduled.schedule,
        minCapacity: scheduled.minCapacity,
        maxCapacity: scheduled.maxCapacity,
        timeZone: scheduled.timeZone,
      });
    });

    // ---- Cron service: one task, never two at once ------------------------------------------------------
    this.cronService = new ecs.FargateService(this, 'CronService', {
      cluster: this.cluster,
      taskDefinition: this.cronTaskDefinition,
      desiredCount: 1,
      vpcSubnets: network.applicationSubnets,
      securityGroups: [this.securityGroup],
      assignPublicIp,
      capacityProviderStrategies: [{ capacityProvider: cronSpot ? 'FARGATE_SPOT' : 'FARGATE', base: 1, weight: 1 }],
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    this.cronService.node.addDependency(this.installOrUpgrade, this.capacityProviders);
    if (pipelineManaged) followLatestRevision(this.cronService, this.cronTaskDefinition);

    const restart = new RestartOnSecretChange(this, 'RestartOnDatabaseSecretChange', {
      secret: data.databaseSecret,
      cluster: this.cluster,
      services: [this.webService, this.cronService],
      logGroup: deploySteps.logGroup,
    });
    this.databaseSecretChangeRule = restart.rule;
    this.restartFunction = restart.function;
    this.rotateAfterInstall(data.databaseSecret);

    if (this.imageTagParameter && this.repository) {
      this.deployTarget = {
        imageRepository: this.repository,
        imageTagParameter: this.imageTagParameter,
        cpuArchitecture: this.cpuArchitecture,
        cluster: this.cluster,
        webService: this.webService,
        webTaskDefinition: this.webTaskDefinition,
        cronService: this.cronService,
        cronTaskDefinition: this.cronTaskDefinition,
        containerName: CONTAINER_NAME,
        upgradeTaskDefinition: this.installTaskDefinition,
        taskSubnets: network.applicationSubnets,
        taskSecurityGroups: [this.securityGroup],
        assignPublicIp,
      };
    }
  }

  /**
   * Creating a rotation schedule tests the rotation at once, logging in as Moodle's user, which the install
   * task creates: the schedule waits for that step. Across stacks that would be a dependency cycle.
   */
  private rotateAfterInstall(databaseSecret: secretsmanager.ISecret): void {
    const schedules = databaseSecret.node.findAll().filter((child) => child instanceof secretsmanager.RotationSchedule);
    for (const schedule of schedules) {
      if (Stack.of(schedule) === Stack.of(this)) {
        schedule.node.addDependency(this.installOrUpgrade);
      } else {
        Annotations.of(this).addWarningV2('moodle-on-fargate:rotationInOtherStack',
          'The database secret rotates from another stack, so its first test may run before the install task has created ' +
          'Moodle\'s database user, and fail. Deploy that rotation after this stack, or keep the data tier in this stack.');
      }
    }
  }

  /** Target tracking on ALB requests per target: needs the load balancer and target group full names. */
  private scaleOnRequests(targetGroup: elbv2.IApplicationTargetGroup, requestsPerTarget: number): void {
    if (targetGroup instanceof elbv2.ApplicationTargetGroup) {
      if (!isAttached(targetGroup)) {
        throw new Error(
          'MoodleService: edge.targetGroup is not attached to a load balancer listener yet, so requests per target cannot be tracked. ' +
          'Add the target group to an ALB listener before creating MoodleService.',
        );
      }
      this.scaling.scaleOnRequestCount('Requests', { targetGroup, requestsPerTarget });
      return;
    }
    // An imported target group: CloudWatch's RequestCountPerTarget of it (needs its load balancer ARNs).
    this.scaling.scaleToTrackCustomMetric('Requests', {
      metric: targetGroup.metrics.requestCountPerTarget({ period: Duration.minutes(1), statistic: 'Sum' }),
      targetValue: requestsPerTarget,
    });
  }
}

/**
 * Points a service at its task definition family's latest revision, so a CloudFormation update of the service
 * never sends it back to the revision CloudFormation registered before the pipeline registered its own. A new
 * revision registered by CloudFormation (a configuration change) still rolls out: its ARN is the service's
 * force-deployment nonce.
 */
function followLatestRevision(service: ecs.FargateService, taskDefinition: ecs.TaskDefinition): void {
  const cfnService = service.node.defaultChild as ecs.CfnService;
  cfnService.taskDefinition = taskDefinition.family;
  cfnService.forceNewDeployment = { enableForceNewDeployment: true, forceNewDeploymentNonce: taskDefinition.taskDefinitionArn };
}

function isAttached(targetGroup: elbv2.ApplicationTargetGroup): boolean {
  try {
    return targetGroup.firstLoadBalancerFullName !== '';
  } catch {
    return false;
  }
}
