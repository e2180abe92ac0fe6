import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { IMoodleDeployTarget, MoodleImageTag, MoodleNetwork, NatLayout } from '../../src';

/** Options of the test double. */
export interface DeployTargetOptions {
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /** Give the web service the revision CloudFormation registered instead of LATEST. */
  readonly pinnedRevision?: boolean;
  /** Leave the circuit breaker's rollback off on the services. */
  readonly noRollback?: boolean;
  /** Use a literal image tag instead of the tag parameter. */
  readonly literalImageTag?: boolean;
  readonly containerName?: string;
  /** Give the double a network with the PUBLIC_TASKS layout (public application subnets, public task IPs). */
  readonly publicTasks?: boolean;
}

/**
 * A stand-in for MoodleService, built from real L2 resources the way IMoodleDeployTarget asks for:
 * images read their tag from the tag parameter (dynamic reference), services use the LATEST revision
 * and the circuit breaker with rollback.
 */
export class TestDeployTarget extends Construct implements IMoodleDeployTarget {
  public readonly imageRepository: ecr.Repository;
  public readonly imageTagParameter: ssm.StringParameter;
  public readonly cpuArchitecture: ecs.CpuArchitecture;
  public readonly cluster: ecs.Cluster;
  public readonly webService: ecs.FargateService;
  public readonly webTaskDefinition: ecs.FargateTaskDefinition;
  public readonly cronService: ecs.FargateService;
  public readonly cronTaskDefinition: ecs.FargateTaskDefinition;
  public readonly containerName: string;
  public readonly upgradeTaskDefinition: ecs.FargateTaskDefinition;
  public readonly taskSubnets: ec2.SubnetSelection;
  public readonly taskSecurityGroups: ec2.ISecurityGroup[];
  public readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, options: DeployTargetOptions = {}) {
    super(scope, id);
    this.cpuArchitecture = options.cpuArchitecture ?? ecs.CpuArchitecture.ARM64;
    this.containerName = 'moodle';
    const network = new MoodleNetwork(this, 'Network', { natLayout: options.publicTasks ? NatLayout.PUBLIC_TASKS : undefined });
    this.taskSubnets = network.applicationSubnets;
    this.assignPublicIp = network.assignPublicIpToTasks;
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: network.vpc, containerInsightsV2: ecs.ContainerInsights.ENHANCED });
    this.imageRepository = new ecr.Repository(this, 'Images', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      lifecycleRules: [{ maxImageCount: 30 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.imageTagParameter = new ssm.StringParameter(this, 'ImageTag', {
      description: 'Moodle image tag the site runs; written by the pipeline',
      stringValue: 'initial',
    });
    const securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', { vpc: network.vpc, description: 'Moodle tasks' });
    this.taskSecurityGroups = [securityGroup];
    const logGroup = new logs.LogGroup(this, 'TaskLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const image = options.literalImageTag
      ? ecs.ContainerImage.fromEcrRepository(this.imageRepository, 'v1')
      : MoodleImageTag.containerImage(this.imageRepository, this.imageTagParameter);

    const taskDefinition = (name: string) => {
      const definition = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        cpu: 512,
        memoryLimitMiB: 1024,
        runtimePlatform: { cpuArchitecture: this.cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      definition.addContainer(options.containerName ?? this.containerName, {
        image,
        logging: ecs.LogDriver.awsLogs({ logGroup, streamPrefix: name.toLowerCase() }),
      });
      Validations.of(definition).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Test double: the execution role\'s ecr:GetAuthorizationToken has no resource-level permissions.',
      });
      return definition;
    };
    this.webTaskDefinition = taskDefinition('Web');
    this.cronTaskDefinition = taskDefinition('Cron');
    this.upgradeTaskDefinition = taskDefinition('Upgrade');

    const service = (name: string, definition: ecs.FargateTaskDefinition, pinned: boolean) => new ecs.FargateService(this, `${name}Service`, {
      cluster: this.cluster,
      taskDefinition: definition,
      taskDefinitionRevision: pinned ? undefined : ecs.TaskDefinitionRevision.LATEST,
      vpcSubnets: this.taskSubnets,
      securityGroups: this.taskSecurityGroups,
      assignPublicIp: this.assignPublicIp,
      minHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: !options.noRollback },
    });
    this.webService = service('Web', this.webTaskDefinition, options.pinnedRevision ?? false);
    this.cronService = service('Cron', this.cronTaskDefinition, false);
  }
}

/** The double, in its own construct scope of `stack`. */
export function deployTarget(stack: Stack, options: DeployTargetOptions = {}): TestDeployTarget {
  return new TestDeployTarget(stack, 'Site', options);
}
