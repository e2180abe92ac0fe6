import { Annotations, CustomResource, Duration, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DeploySteps, INSTALL_OR_UPGRADE_RESOURCE_TYPE } from './deploy-steps';
import { followLatestRevision } from './follow-latest-revision';
import { ImageBuild } from './image-build';
import { imageSourceDirectory } from './image-source';
import { MoodleServiceProps } from './moodle-service-props';
import { RestartOnSecretChange } from './restart-on-secret-change';
import { serviceDefaults } from './service-defaults';
import { ServiceDeployTarget } from './service-deploy-target';
import { resolveServiceSettings } from './service-settings';
import { createSiteExport, createSiteImport, moodledataMountStatement, SiteTransferPieces } from './site-transfer';
import { CONTAINER_NAME, containerHealthChecks, moodleTaskDefinitions } from './task-definitions';
import { IMoodleDeployTarget } from '../contracts/deploy-target';
import { imageContract } from '../contracts/image-contract';
import { MoodleImageTag } from '../contracts/image-tag';
import { IMoodleService } from '../contracts/service';
import { startAfterDeployChecks } from '../private/site-part';
import { fail } from '../private/validation';


/**
 * Moodle's compute: an ECS cluster with Container Insights, the web service on Fargate (an on-demand base
 * plus Fargate Spot) behind the edge's target group, a one-task cron service, and a one-off install/upgrade
 * task that every deployment runs and waits for before the services roll.
 */
export class MoodleService extends Construct implements IMoodleService {
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
  /** Task definition of the one-off export task (run it with the stack output `ExportSiteCommand`). */
  public readonly exportTaskDefinition: ecs.FargateTaskDefinition;
  /** The role of the export task: moodledata, and writing under `exports/` of the export bucket. */
  public readonly exportTaskRole: iam.Role;
  /** The bucket the export task writes to (`exportBucket`, or the one created). */
  public readonly exportBucket: s3.IBucket;
  /** Task definition of the one-off import task; only with `importSite`. */
  public readonly importTaskDefinition?: ecs.FargateTaskDefinition;
  /** The role of the import task: moodledata, and reading the two imported objects; only with `importSite`. */
  public readonly importTaskRole?: iam.Role;
  /** The custom resource that runs the import task before the first install/upgrade step; only with `importSite`. */
  public readonly siteImport?: CustomResource;
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
  /**
   * The PHP base image the build used, `<repository>:<tag>@<digest>` (a deploy-time value read from the build);
   * undefined when `image` was given.
   */
  public readonly baseImageReference?: string;
  /** The custom-resource handler that runs the deploy steps (image build, install/upgrade). */
  public readonly deployStepsHandler: lambda.IFunction;
  /** The CPU architecture of the tasks. */
  public readonly cpuArchitecture: ecs.CpuArchitecture;
  /** How often cron runs while the site is idle; undefined when cron never idles. */
  public readonly cronIdleInterval?: Duration;
  /** The CPU utilization the web service scales to keep, percent. */
  public readonly targetCpuUtilizationPercent: number;
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
    startAfterDeployChecks(this, props.network);
    const d = serviceDefaults;
    const { network, data, cache, edge } = props;

    const settings = resolveServiceSettings(this, props);
    const {
      arm64, onDemandBase, onDemandWeight, spotWeight, cronSpot, minCapacity, maxCapacity, targetCpu, targetRequests, grace, adminUser,
      moodleVersion, pipelineManaged, logRetention, enableExecuteCommand,
    } = settings;
    this.cpuArchitecture = settings.cpuArchitecture;
    this.cronIdleInterval = settings.cronIdleInterval;
    this.targetCpuUtilizationPercent = targetCpu;
    this.adminUser = adminUser;

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
    this.taskRole.addToPolicy(moodledataMountStatement(data));

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
    const imageSource = imageSourceDirectory(props.plugins ?? [], props.uninstallPlugins ?? []);
    if (props.image) {
      this.image = props.image;
    } else {
      const build = imageBuild = new ImageBuild(this, 'ImageBuild', {
        arm64,
        moodleVersion,
        baseImageDigest: props.baseImageDigest,
        deploySteps,
        logRetention,
        dockerHubSecret: props.dockerHubSecret,
        fixedTag: pipelineManaged ? `bootstrap-${arm64 ? 'arm64' : 'x86_64'}` : undefined,
        sourceDirectory: imageSource,
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
      this.baseImageReference = build.baseImageReference;
    }

    const { web, cron, install, define } = moodleTaskDefinitions(this, props, settings, {
      image: this.image, taskRole: this.taskRole, logGroup: this.logGroup, adminSecret: this.adminSecret,
    });
    this.webTaskDefinition = web.definition;
    this.cronTaskDefinition = cron.definition;
    this.installTaskDefinition = install.definition;

    // ---- Install/upgrade: one task per deployment, awaited ---------------------------------------------
    const subnets = network.vpc.selectSubnets(network.applicationSubnets).subnetIds;
    // Only the PUBLIC_TASKS layout: public application subnets, where a task reaches out through its own
    // public address (its security group admits only the load balancer).
    const assignPublicIp = network.assignPublicIpToTasks;
    if (Token.isUnresolved(assignPublicIp)) {
      fail('MoodleService', 'network.assignPublicIpToTasks must be a literal true or false.');
    }
    const transfer: SiteTransferPieces = {
      define,
      size: { cpu: settings.installCpu, memoryMiB: settings.installMemoryMiB },
      data,
      cluster: this.cluster,
      securityGroup: this.securityGroup,
      subnets,
      assignPublicIp: assignPublicIp === true,
      logGroup: this.logGroup,
      healthCheck: containerHealthChecks.installOrUpgrade,
    };
    const siteExport = createSiteExport(this, transfer, props.exportBucket);
    this.exportBucket = siteExport.bucket;
    this.exportTaskDefinition = siteExport.taskDefinition;
    this.exportTaskRole = siteExport.role;
    const siteImport = props.importSite ? createSiteImport(this, transfer, deploySteps, props.importSite) : undefined;
    this.importTaskDefinition = siteImport?.taskDefinition;
    this.importTaskRole = siteImport?.role;
    this.siteImport = siteImport?.resource;
    siteImport?.resource.node.addDependency(this.capacityProviders);
    if (imageBuild) siteImport?.resource.node.addDependency(imageBuild.buildResource);

    deploySteps.allowToRun(this.cluster, this.installTaskDefinition, this.taskRole);
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
        // The import step's task ARN, new only when an import ran: the upgrade, address and cache steps follow it.
        ...(this.siteImport ? { ImportRun: this.siteImport.ref } : {}),
      },
    });
    // The grants above must be in place before the step runs, and the image must exist.
    this.installOrUpgrade.node.addDependency(deploySteps.onEventFunction, deploySteps.isCompleteFunction, this.capacityProviders);
    if (imageBuild) this.installOrUpgrade.node.addDependency(imageBuild.buildResource);
    if (this.siteImport) this.installOrUpgrade.node.addDependency(this.siteImport);

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
    data.afterDatabaseUserCreated(this.installOrUpgrade);

    if (this.imageTagParameter && this.repository) {
      this.deployTarget = new ServiceDeployTarget(this, 'DeployTarget', {
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
        imageSourceDirectory: imageSource,
      });
    }
  }

  /** ARN of the cluster. */
  public get clusterArn(): string {
    return this.cluster.clusterArn;
  }

  /** `logGroup`, as the IMoodleService contract names it. */
  public get taskLogGroup(): logs.ILogGroup {
    return this.logGroup;
  }

  /** Average CPU utilization of the web service, percent, per five minutes. */
  public metricWebCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.webService.metricCpuUtilization({ period: Duration.minutes(5), ...props });
  }

  /** Average memory utilization of the web service, percent, per five minutes. */
  public metricWebMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.webService.metricMemoryUtilization({ period: Duration.minutes(5), ...props });
  }

  /** Failed attempts to replace the tasks after the database secret changed, summed per five minutes. */
  public metricRestartErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.restartFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum', ...props });
  }

  /** Target tracking on ALB requests per target: needs the load balancer and target group full names. */
  private scaleOnRequests(targetGroup: elbv2.IApplicationTargetGroup, requestsPerTarget: number): void {
    if (targetGroup instanceof elbv2.ApplicationTargetGroup) {
      if (!isAttached(targetGroup)) {
        fail('MoodleService', 'edge.targetGroup is not attached to a load balancer listener yet, so requests per target cannot be tracked. ' +
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

function isAttached(targetGroup: elbv2.ApplicationTargetGroup): boolean {
  try {
    return targetGroup.firstLoadBalancerFullName !== '';
  } catch {
    return false;
  }
}
