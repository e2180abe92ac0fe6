import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';

/**
 * What a pipeline needs to roll a new Moodle image out to a running site: where to push it, the
 * one-off upgrade task to run first, and the services to deploy it to.
 *
 * No drift: the pipeline writes each image tag it has rolled out (after the upgrade task succeeded)
 * into `imageTagParameter`. An implementation must make its task definitions read the tag from that
 * parameter at deploy time (`MoodleImageTag.containerImage(imageRepository, imageTagParameter)`,
 * a CloudFormation dynamic reference), never from a literal, and must not change the parameter's
 * value in its template after creation; then a later `cdk deploy` registers task definitions with the
 * tag the pipeline last wrote. The web and cron services should use
 * `taskDefinitionRevision: ecs.TaskDefinitionRevision.LATEST`, so a CloudFormation update of a service
 * never points it back at the revision CloudFormation registered before the pipeline's, and the
 * deployment circuit breaker with rollback.
 */
export interface IMoodleDeployTarget extends IConstruct {
  /**
   * The ECR repository the site's task definitions pull the Moodle image from. The pipeline pushes
   * each image once, tagged with its commit id (it never overwrites a tag, so immutable tags work).
   */
  readonly imageRepository: ecr.IRepository;
  /**
   * The SSM parameter holding the image tag the site runs. The task definitions resolve it at deploy
   * time, so a later `cdk deploy` keeps whatever tag the pipeline last wrote (no drift back).
   */
  readonly imageTagParameter: ssm.IStringParameter;
  /** CPU architecture of the tasks; the pipeline builds the image for it. */
  readonly cpuArchitecture: ecs.CpuArchitecture;
  /** The ECS cluster the services and the upgrade task run in. */
  readonly cluster: ecs.ICluster;
  /** The web service (behind the load balancer). */
  readonly webService: ecs.IBaseService;
  /**
   * The task definition of the web service. The pipeline's deploy action may pass only its roles
   * (and the cron and upgrade task definitions' roles) to ECS.
   */
  readonly webTaskDefinition: ecs.ITaskDefinition;
  /** The cron service. */
  readonly cronService: ecs.IBaseService;
  /** The task definition of the cron service. */
  readonly cronTaskDefinition: ecs.ITaskDefinition;
  /** Name of the Moodle container, the same in the web, cron and upgrade task definitions. */
  readonly containerName: string;
  /**
   * The task definition of the one-off install/upgrade task (Fargate, `awsvpc` network mode). The
   * pipeline registers a revision of its family with the new image, runs it and waits for it.
   */
  readonly upgradeTaskDefinition: ecs.ITaskDefinition;
  /** Subnets the upgrade task runs in (selected in `cluster.vpc`). */
  readonly taskSubnets: ec2.SubnetSelection;
  /** Security groups of the upgrade task. */
  readonly taskSecurityGroups: ec2.ISecurityGroup[];
  /**
   * Whether the upgrade task gets a public IPv4 address: true when `taskSubnets` are public subnets without
   * NAT (the network's `assignPublicIpToTasks`), where the address is the task's only way out.
   */
  readonly assignPublicIp: boolean;
  /**
   * The image source (Dockerfile, scripts and `plugins/plugins.json`) the site's first image was built from. A
   * CodeCommit repository the pipeline creates is seeded with it, so the pipeline's first image has the same plugins.
   *
   * @default - the image source shipped in this library
   */
  readonly imageSourceDirectory?: string;
}
