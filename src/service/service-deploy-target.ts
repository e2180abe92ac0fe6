import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { IMoodleDeployTarget } from '../contracts/deploy-target';

/** The fields of an IMoodleDeployTarget, as MoodleService hands them over. */
export interface ServiceDeployTargetProps {
  readonly imageRepository: ecr.IRepository;
  readonly imageTagParameter: ssm.IStringParameter;
  readonly cpuArchitecture: ecs.CpuArchitecture;
  readonly cluster: ecs.ICluster;
  readonly webService: ecs.IBaseService;
  readonly webTaskDefinition: ecs.ITaskDefinition;
  readonly cronService: ecs.IBaseService;
  readonly cronTaskDefinition: ecs.ITaskDefinition;
  readonly containerName: string;
  readonly upgradeTaskDefinition: ecs.ITaskDefinition;
  readonly taskSubnets: ec2.SubnetSelection;
  readonly taskSecurityGroups: ec2.ISecurityGroup[];
  readonly assignPublicIp: boolean;
}

/** What a MoodlePipeline needs from a MoodleService whose image it manages; it creates no resources. */
export class ServiceDeployTarget extends Construct implements IMoodleDeployTarget {
  public readonly imageRepository: ecr.IRepository;
  public readonly imageTagParameter: ssm.IStringParameter;
  public readonly cpuArchitecture: ecs.CpuArchitecture;
  public readonly cluster: ecs.ICluster;
  public readonly webService: ecs.IBaseService;
  public readonly webTaskDefinition: ecs.ITaskDefinition;
  public readonly cronService: ecs.IBaseService;
  public readonly cronTaskDefinition: ecs.ITaskDefinition;
  public readonly containerName: string;
  public readonly upgradeTaskDefinition: ecs.ITaskDefinition;
  public readonly taskSubnets: ec2.SubnetSelection;
  public readonly taskSecurityGroups: ec2.ISecurityGroup[];
  public readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: ServiceDeployTargetProps) {
    super(scope, id);
    this.imageRepository = props.imageRepository;
    this.imageTagParameter = props.imageTagParameter;
    this.cpuArchitecture = props.cpuArchitecture;
    this.cluster = props.cluster;
    this.webService = props.webService;
    this.webTaskDefinition = props.webTaskDefinition;
    this.cronService = props.cronService;
    this.cronTaskDefinition = props.cronTaskDefinition;
    this.containerName = props.containerName;
    this.upgradeTaskDefinition = props.upgradeTaskDefinition;
    this.taskSubnets = props.taskSubnets;
    this.taskSecurityGroups = props.taskSecurityGroups;
    this.assignPublicIp = props.assignPublicIp;
  }
}
