import { ArnFormat, CustomResource, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { IMAGE_BUILD_EXPORTED_VARIABLES, imageBuildSpec, upgradeBuildSpec } from './buildspecs';
import { MoodlePipelineProps } from './moodle-pipeline-props';
import { MoodlePipelineSource } from './moodle-pipeline-source';
import { acknowledgeArtifactGrants, acknowledgeCodeBuildDefaults } from './pipeline-acknowledgments';
import { pipelineDefaults, UPGRADE_POLL_SECONDS } from './pipeline-defaults';
import { dockerPlatformOf, validateBuildDirectory, validateBuildImage, validateContainerName, validateMinutes, validateDeployTarget } from './pipeline-validation';
import { IMoodleDeployTarget } from '../contracts/deploy-target';
import { acknowledge, wildcardResourceFinding } from '../private/acknowledge';
import { emptyBucketOnRollback } from '../private/deploy-guards';
import { grantEcrPublicPull } from '../private/ecr-public';
import { retainExceptOnCreate } from '../private/retain-except-on-create';
import { Validator } from '../private/validation';

/**
 * Continuous delivery of the Moodle image: source -> Docker build on CodeBuild (the target's CPU
 * architecture, tagged with the commit id, pushed to the target's ECR repository) -> optional
 * approval -> the one-off Moodle upgrade task with the new image (the pipeline stops if it fails)
 * -> the tag written into the target's tag parameter -> ECS deploy of the web and cron services
 * (rolling, rolled back by their deployment circuit breakers).
 *
 * Upgrade and deploy share one stage, so a newer execution can never upgrade the database while an
 * older one is still rolling out its image.
 */
export class MoodlePipeline extends Construct {
  /** The pipeline (type V2). */
  public readonly pipeline: codepipeline.Pipeline;
  /** The KMS key encrypting the artifacts, the build outputs and a created notification topic. */
  public readonly encryptionKey: kms.Key;
  /** The artifact bucket (SSE-KMS with the pipeline's key, TLS only). */
  public readonly artifactBucket: s3.Bucket;
  /**
   * Empties the artifact bucket only if the stack's first creation fails and rolls back, so the rollback can
   * delete it; undefined with `removalPolicy: DESTROY` (the bucket is emptied on every deletion then).
   */
  public readonly artifactsRollbackCleanup?: CustomResource;
  /** The CodeBuild project building and pushing the image. */
  public readonly buildProject: codebuild.PipelineProject;
  /** The CodeBuild project running the upgrade task and writing the tag parameter. */
  public readonly upgradeProject: codebuild.PipelineProject;
  /** The role of the ECS deploy actions. */
  public readonly deployRole: iam.Role;
  /** Logs of the build and upgrade projects. */
  public readonly logGroup: logs.LogGroup;
  /** The topic told about failed executions. */
  public readonly notificationTopic: sns.ITopic;
  /** The notification rule sending failed executions to the topic. */
  public readonly failureNotificationRule: notifications.INotificationRule;
  /** The CodeCommit repository, for a CodeCommit source (created or given). */
  public readonly sourceRepository?: codecommit.IRepository;
  /** The build image the Docker build runs on. */
  public readonly buildImage: codebuild.IBuildImage;
  /** Docker platform of the image, `linux/arm64` or `linux/amd64`. */
  public readonly dockerPlatform: string;

  constructor(scope: Construct, id: string, props: MoodlePipelineProps) {
    super(scope, id);
    retainExceptOnCreate(this);
    const target = props.target;
    const removalPolicy = props.removalPolicy ?? pipelineDefaults.removalPolicy;

    this.dockerPlatform = dockerPlatformOf(target.cpuArchitecture);
    this.buildImage = props.buildImage ?? (this.dockerPlatform === 'linux/arm64' ? pipelineDefaults.armBuildImage : pipelineDefaults.x86BuildImage);
    const validator = new Validator('MoodlePipeline');
    validateBuildImage(validator, this.buildImage, this.dockerPlatform, props.buildImage !== undefined);
    const buildDirectory = props.buildDirectory ?? pipelineDefaults.buildDirectory;
    validateBuildDirectory(validator, buildDirectory);
    validateContainerName(validator, target.containerName);
    const upgradeTimeout = props.upgradeTimeout ?? pipelineDefaults.upgradeTimeout;
    validateMinutes(validator, 'upgradeTimeout', upgradeTimeout, 5, 480, 'the CodeBuild project running it is limited to 8 hours');
    const buildTimeout = props.buildTimeout ?? pipelineDefaults.buildTimeout;
    validateMinutes(validator, 'buildTimeout', buildTimeout, 5, 480, 'CodeBuild allows 5 minutes to 8 hours');
    const deploymentTimeout = props.deploymentTimeout ?? pipelineDefaults.deploymentTimeout;
    validateMinutes(validator, 'deploymentTimeout', deploymentTimeout, 1, 60, 'the ECS deploy action allows 1 to 60 minutes');
    validator.throwIfAny();

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: 'Moodle pipeline: artifacts, build outputs and notifications',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? pipelineDefaults.logRetention,
      removalPolicy,
    });

    this.artifactBucket = new s3.Bucket(this, 'ArtifactBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{
        expiration: pipelineDefaults.artifactExpiration,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    Validations.of(this.artifactBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The bucket holds only pipeline artifacts (source zips, imagedefinitions.json), written and read by the pipeline\'s own roles; each execution\'s history records them. Access logs would need a second bucket per pipeline.',
    });

    // Source
    const sourceOutput = new codepipeline.Artifact('Source');
    const source = props.source ?? MoodlePipelineSource.codeCommit();
    const sourceConfig = source.bind(this, sourceOutput, props.target.imageSourceDirectory);
    this.sourceRepository = sourceConfig.repository;
    if (this.sourceRepository instanceof codecommit.Repository) {
      this.sourceRepository.applyRemovalPolicy(removalPolicy);
    }

    // Build
    this.buildProject = this.createBuildProject(props, target, buildDirectory, buildTimeout);
    const buildOutput = new codepipeline.Artifact('ImageDefinitions');
    const buildAction = new actions.CodeBuildAction({
      actionName: 'BuildImage',
      project: this.buildProject,
      input: sourceOutput,
      outputs: [buildOutput],
      variablesNamespace: 'Build',
    });

    // Upgrade, then deploy
    this.upgradeProject = this.createUpgradeProject(target, upgradeTimeout);
    const upgradeAction = new actions.CodeBuildAction({
      actionName: 'Upgrade',
      project: this.upgradeProject,
      input: buildOutput,
      environmentVariables: Object.fromEntries(IMAGE_BUILD_EXPORTED_VARIABLES.map((name) => [name, { value: buildAction.variable(name) }])),
      runOrder: 1,
    });

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: this.artifactBucket,
      restartExecutionOnUpdate: false,
    });

    this.deployRole = this.createDeployRole(target);
    const imageFile = buildOutput.atPath('imagedefinitions.json');
    const deployActions = [['DeployWeb', target.webService], ['DeployCron', target.cronService]] as const;

    if (props.notificationTopic) {
      this.notificationTopic = props.notificationTopic;
    } else {
      const topic = new sns.Topic(this, 'Notifications', {
        displayName: 'Moodle pipeline',
        masterKey: this.encryptionKey,
        enforceSSL: true,
      });
      this.notificationTopic = topic;
    }

    this.pipeline.addStage({ stageName: 'Source', actions: [sourceConfig.action] });
    this.pipeline.addStage({ stageName: 'Build', actions: [buildAction] });
    if (props.manualApproval ?? pipelineDefaults.manualApproval) {
      this.pipeline.addStage({
        stageName: 'Approve',
        actions: [new actions.ManualApprovalAction({
          actionName: 'Approve',
          notificationTopic: this.notificationTopic,
          additionalInformation: 'Approve to run the Moodle upgrade task with the new image and deploy it. A database upgrade cannot be rolled back.',
        })],
      });
    }
    this.pipeline.addStage({
      stageName: 'UpgradeAndDeploy',
      actions: [
        upgradeAction,
        ...deployActions.map(([actionName, service]) => new actions.EcsDeployAction({
          actionName,
          service,
          imageFile,
          deploymentTimeout,
          role: this.deployRole.withoutPolicyUpdates(),
          runOrder: 2,
        })),
      ],
    });

    this.failureNotificationRule = this.pipeline.notifyOn('NotifyOnFailure', this.notificationTopic, {
      events: [codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED],
      detailType: notifications.DetailType.FULL,
    });

    // The pipeline runs once it exists, writing artifacts: empty the bucket if the stack's first creation fails.
    if (removalPolicy !== RemovalPolicy.DESTROY) {
      this.artifactsRollbackCleanup = emptyBucketOnRollback(this, 'ArtifactsRollbackCleanup', this.artifactBucket, [this.pipeline]);
    }

    this.node.addValidation({ validate: () => validateDeployTarget(this, target) });
    acknowledgeArtifactGrants(this, this.artifactBucket);
  }

  private createBuildProject(
    props: MoodlePipelineProps, target: IMoodleDeployTarget, buildDirectory: string, timeout: Duration,
  ): codebuild.PipelineProject {
    const repository = target.imageRepository;
    const project = new codebuild.PipelineProject(this, 'BuildProject', {
      description: `Builds the Moodle image for ${this.dockerPlatform} and pushes it, tagged with the commit id`,
      buildSpec: codebuild.BuildSpec.fromObject(imageBuildSpec({
        repositoryUri: repository.repositoryUri,
        repositoryName: repository.repositoryName,
        tagParameterName: target.imageTagParameter.parameterName,
        containerName: target.containerName,
        platform: this.dockerPlatform,
        buildDirectory,
        dockerHubSecretArn: props.dockerHubSecret?.secretArn,
      })),
      environment: {
        buildImage: this.buildImage,
        computeType: props.buildComputeType ?? pipelineDefaults.buildComputeType,
        privileged: true,
      },
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.DOCKER_LAYER),
      encryptionKey: this.encryptionKey,
      logging: { cloudWatch: { logGroup: this.logGroup, prefix: 'build' } },
      timeout,
    });
    // Push to the target's repository only; check whether a tag is already there (tags are immutable).
    repository.grantPullPush(project);
    project.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecr:DescribeImages'], resources: [repository.repositoryArn] }));
    // The running tag: its image seeds the layer cache when the build host's local cache is cold.
    project.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [target.imageTagParameter.parameterArn] }));
    props.dockerHubSecret?.grantRead(project);
    grantEcrPublicPull(project);
    acknowledge(project.role!, [wildcardResourceFinding(this, '*')],
      'ecr:GetAuthorizationToken, ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken have no resource-level permissions; every other ECR action is limited to the target\'s repository.');
    acknowledgeCodeBuildDefaults(this, project);
    Validations.of(project).acknowledge({
      id: 'AwsSolutions-CB3',
      reason: 'Docker builds need privileged mode (the Docker daemon runs in the build container). The project builds only the image source of this pipeline.',
    });
    return project;
  }

  private createUpgradeProject(target: IMoodleDeployTarget, timeout: Duration): codebuild.PipelineProject {
    const stack = Stack.of(this);
    const taskDefinition = target.upgradeTaskDefinition;
    const subnetIds = target.cluster.vpc.selectSubnets(target.taskSubnets).subnetIds;
    const project = new codebuild.PipelineProject(this, 'UpgradeProject', {
      description: 'Runs the one-off Moodle upgrade task with the new image; writes the image tag parameter only if it succeeds',
      buildSpec: codebuild.BuildSpec.fromObject(upgradeBuildSpec({
        cluster: target.cluster.clusterArn,
        upgradeTaskDefinitionArn: taskDefinition.taskDefinitionArn,
        containerName: target.containerName,
        subnetIds: Fn.join(',', subnetIds),
        securityGroupIds: Fn.join(',', target.taskSecurityGroups.map((group) => group.securityGroupId)),
        assignPublicIp: target.assignPublicIp,
        tagParameterName: target.imageTagParameter.parameterName,
        timeoutSeconds: timeout.toSeconds(),
        pollSeconds: UPGRADE_POLL_SECONDS,
      })),
      environment: {
        // Only AWS CLI calls: the smallest (ARM, cheapest) build container whatever the target's architecture.
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      encryptionKey: this.encryptionKey,
      logging: { cloudWatch: { logGroup: this.logGroup, prefix: 'upgrade' } },
      // The task's own limit, plus time to register, start and stop it.
      timeout: timeout.plus(Duration.minutes(15)),
    });

    const family = familyOf(taskDefinition);
    const revisions = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${family}:*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const tasks = taskArnsOf(stack, target.cluster);
    project.addToRolePolicy(readAndRegisterTaskDefinitions());
    project.addToRolePolicy(new iam.PolicyStatement({
      sid: 'RunTheUpgradeTaskOnly',
      actions: ['ecs:RunTask'],
      resources: [revisions],
      conditions: { ArnEquals: { 'ecs:cluster': target.cluster.clusterArn } },
    }));
    project.addToRolePolicy(new iam.PolicyStatement({
      sid: 'WatchAndStopTasksOfTheCluster',
      actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
      resources: [tasks],
      conditions: { ArnEquals: { 'ecs:cluster': target.cluster.clusterArn } },
    }));
    project.addToRolePolicy(passRoleStatement([taskDefinition]));
    project.addToRolePolicy(new iam.PolicyStatement({
      sid: 'WriteTheImageTag',
      actions: ['ssm:PutParameter'],
      resources: [target.imageTagParameter.parameterArn],
    }));
    const role = project.role!;
    acknowledge(role, [wildcardResourceFinding(this, '*')],
      'ecs:DescribeTaskDefinition and ecs:RegisterTaskDefinition have no resource-level permissions. What a registered revision may do is bounded by iam:PassRole, which is limited to the upgrade task\'s roles.');
    acknowledge(role, [wildcardResourceFinding(this, revisions)],
      'ecs:RunTask on every revision of the upgrade task\'s family (the step registers the revision it runs), in the target cluster only.');
    acknowledge(role, [wildcardResourceFinding(this, tasks)],
      'ecs:DescribeTasks and ecs:StopTask on tasks of the target cluster: the upgrade task\'s id is only known when it starts.');
    acknowledgeCodeBuildDefaults(this, project);
    return project;
  }

  /** The ECS deploy actions' role, with only what they need (the L2 action would grant ECS and iam:PassRole on '*'). */
  private createDeployRole(target: IMoodleDeployTarget): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.ArnPrincipal(this.pipeline.role.roleArn),
      description: 'ECS deploy actions of the Moodle pipeline: web and cron services only',
    });
    const taskDefinitions = [target.webTaskDefinition, target.cronTaskDefinition];
    const revisions = taskDefinitions.map((definition) => stack.formatArn({
      service: 'ecs', resource: 'task-definition', resourceName: `${familyOf(definition)}:*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }));
    const tasks = taskArnsOf(stack, target.cluster);
    const containerInstances = stack.formatArn({ service: 'ecs', resource: 'container-instance', resourceName: `${target.cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'UpdateTheMoodleServices',
      actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
      resources: [target.webService.serviceArn, target.cronService.serviceArn],
    }));
    role.addToPolicy(readAndRegisterTaskDefinitions());
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'TagNewRevisions',
      actions: ['ecs:TagResource'],
      resources: revisions,
      conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    }));
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'WatchTasksOfTheCluster',
      actions: ['ecs:DescribeTasks', 'ecs:ListTasks'],
      resources: [tasks, containerInstances],
      conditions: { ArnEquals: { 'ecs:cluster': target.cluster.clusterArn } },
    }));
    role.addToPolicy(passRoleStatement(taskDefinitions));
    this.artifactBucket.grantRead(role);
    acknowledge(role, [wildcardResourceFinding(this, '*')],
      'ecs:DescribeTaskDefinition and ecs:RegisterTaskDefinition have no resource-level permissions. What a registered revision may do is bounded by iam:PassRole, which is limited to the web and cron tasks\' roles.');
    acknowledge(role, revisions.map((arn) => wildcardResourceFinding(this, arn)),
      'ecs:TagResource on the revisions the deploy action registers in the web and cron families, only while registering them.');
    acknowledge(role, [wildcardResourceFinding(this, tasks), wildcardResourceFinding(this, containerInstances)],
      'The ECS deploy action follows the tasks of a deployment (ecs:DescribeTasks, ecs:ListTasks), whose ids are only known at run time, in the target cluster only.');
    return role;
  }
}

/** The family of a task definition, from the construct or, for an imported one, from its ARN. */
function familyOf(definition: ecs.ITaskDefinition): string {
  if (definition instanceof ecs.TaskDefinition) return definition.family;
  const resourceName = Fn.select(1, Fn.split('/', definition.taskDefinitionArn));
  return Fn.select(0, Fn.split(':', resourceName));
}

function taskArnsOf(stack: Stack, cluster: ecs.ICluster): string {
  return stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

/** iam:PassRole on the task and execution roles of the given task definitions, to ECS tasks only. */
function passRoleStatement(definitions: ecs.ITaskDefinition[]): iam.PolicyStatement {
  const arns = new Set<string>();
  for (const definition of definitions) {
    arns.add(definition.taskRole.roleArn);
    if (definition.executionRole) arns.add(definition.executionRole.roleArn);
  }
  return new iam.PolicyStatement({
    sid: 'PassOnlyTheMoodleTaskRoles',
    actions: ['iam:PassRole'],
    resources: [...arns],
    conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  });
}

/** Reading a task definition and registering its next revision: neither action supports resource-level permissions. */
function readAndRegisterTaskDefinitions(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadAndRegisterTaskDefinitions',
    actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
    resources: ['*'],
  });
}
