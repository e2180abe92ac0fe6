// Test doubles of the tiers MoodleService builds on: small classes implementing IMoodleNetwork, IMoodleData,
// IMoodleCache and IMoodleEdge with real L2 resources, so the service's grants and security-group rules land
// on real resources in the test stack. They stand in for MoodleData, MoodleCache and MoodleEdge, which other
// folders implement; every acknowledgment below concerns the double, not the shipped constructs.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { IMoodleNetwork } from '../../src/contracts';
import { IMoodleCache } from '../../src/contracts/cache';
import { IMoodleData } from '../../src/contracts/data';
import { IMoodleEdge } from '../../src/contracts/edge';
import { imageContract } from '../../src/contracts/image-contract';

const DOUBLE = 'Test double standing in for another tier; not part of the shipped constructs.';

export class NetworkDouble extends Construct implements IMoodleNetwork {
  public readonly vpc: ec2.Vpc;
  public readonly publicSubnets: ec2.SubnetSelection = { subnetGroupName: 'Public' };
  public readonly applicationSubnets: ec2.SubnetSelection = { subnetGroupName: 'Application' };
  public readonly dataSubnets: ec2.SubnetSelection = { subnetGroupName: 'Data' };
  public readonly assignPublicIpToTasks: boolean = false;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Application', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    this.vpc.addFlowLog('FlowLog');
  }
}

export class DataDouble extends Construct implements IMoodleData {
  public readonly databaseHost = 'moodle.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com';
  public readonly databasePort = 3306;
  public readonly databaseName = 'moodle';
  public readonly moodleDbType = 'mysqli';
  public readonly databaseSecret: secretsmanager.Secret;
  public readonly databaseAdminSecret?: secretsmanager.Secret;
  public readonly databaseConnections: ec2.Connections;
  public readonly fileSystem: efs.FileSystem;
  public readonly accessPoint: efs.AccessPoint;
  public readonly autoPauseAfter?: Duration;
  public readonly rotatesSecrets = false;
  /** The steps the service said create Moodle's database user. */
  public readonly databaseUserSteps: IConstruct[] = [];

  constructor(scope: Construct, id: string, network: IMoodleNetwork, withAdminSecret = true) {
    super(scope, id);
    this.databaseSecret = new secretsmanager.Secret(this, 'DatabaseSecret', {
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'moodle_app' }), generateStringKey: 'password' },
    });
    Validations.of(this.databaseSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: DOUBLE });
    if (withAdminSecret) {
      this.databaseAdminSecret = new secretsmanager.Secret(this, 'DatabaseAdminSecret', {
        generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'moodle' }), generateStringKey: 'password' },
      });
      Validations.of(this.databaseAdminSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: DOUBLE });
    }
    const databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', { vpc: network.vpc, allowAllOutbound: false });
    this.databaseConnections = new ec2.Connections({ securityGroups: [databaseSecurityGroup] });
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
      encrypted: true,
    });
    this.accessPoint = this.fileSystem.addAccessPoint('AccessPoint', {
      path: '/moodledata',
      posixUser: { uid: String(imageContract.posixUid), gid: String(imageContract.posixGid) },
      createAcl: { ownerUid: String(imageContract.posixUid), ownerGid: String(imageContract.posixGid), permissions: '750' },
    });
  }

  public afterDatabaseUserCreated(step: IConstruct): void {
    this.databaseUserSteps.push(step);
  }

  public metricDatabase(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap: { DBInstanceIdentifier: 'moodle' }, ...props });
  }

  public metricFileSystemIoLimit(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return new cloudwatch.Metric({ namespace: 'AWS/EFS', metricName: 'PercentIOLimit', dimensionsMap: { FileSystemId: this.fileSystem.fileSystemId }, ...props });
  }
}

export class CacheDouble extends Construct implements IMoodleCache {
  public readonly endpointAddress = 'master.moodle-cache.abcdef.euw1.cache.amazonaws.com';
  public readonly port = 6379;
  public readonly transitEncryption = true;
  public readonly authSecret?: secretsmanager.Secret;
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, network: IMoodleNetwork, withAuth = true) {
    super(scope, id);
    if (withAuth) {
      this.authSecret = new secretsmanager.Secret(this, 'AuthSecret', { generateSecretString: { excludePunctuation: true } });
      Validations.of(this.authSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: DOUBLE });
    }
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: network.vpc, allowAllOutbound: false });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup] });
  }

  public metricEvictions(): cloudwatch.IMetric | undefined {
    return undefined;
  }

  public addAlarmAction(): void {}
}

/** An edge of a given target group, such as an imported one. */
export class EdgeStub extends Construct implements IMoodleEdge {
  constructor(
    scope: Construct, id: string,
    public readonly siteUrl: string,
    public readonly targetGroup: elbv2.IApplicationTargetGroup,
    public readonly forwardingProxies?: number,
  ) {
    super(scope, id);
  }

  public metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, props);
  }

  public metricUnhealthyTargets(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.targetGroup.metrics.unhealthyHostCount(props);
  }
}

export class EdgeDouble extends Construct implements IMoodleEdge {
  public readonly siteUrl: string;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;

  constructor(scope: Construct, id: string, network: IMoodleNetwork, siteUrl = 'https://moodle.example.edu') {
    super(scope, id);
    this.siteUrl = siteUrl;
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: network.vpc,
      vpcSubnets: network.applicationSubnets,
      internetFacing: false,
    });
    Validations.of(this.loadBalancer).acknowledge({ id: 'AwsSolutions-ELB2', reason: DOUBLE });
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: network.vpc,
      port: imageContract.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      healthCheck: { path: imageContract.healthCheckPath },
    });
    this.loadBalancer.addListener('Listener', { port: 80, open: false, defaultTargetGroups: [this.targetGroup] });
  }

  public metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, props);
  }

  public metricUnhealthyTargets(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.targetGroup.metrics.unhealthyHostCount(props);
  }
}

export interface TierOptions {
  readonly siteUrl?: string;
  readonly cacheAuth?: boolean;
  /** Whether the data tier has master credentials for the install task (false: an existing database). */
  readonly databaseAdminSecret?: boolean;
}

/** The four tiers in one stack, and the required props of MoodleService for them. */
export function tiers(stack: Stack, options: TierOptions = {}) {
  const network = new NetworkDouble(stack, 'Network');
  const data = new DataDouble(stack, 'Data', network, options.databaseAdminSecret ?? true);
  const cache = new CacheDouble(stack, 'Cache', network, options.cacheAuth ?? true);
  const edge = new EdgeDouble(stack, 'Edge', network, options.siteUrl);
  const props = { network, data, cache, edge, adminEmail: 'moodle-admin@example.edu' };
  return { network, data, cache, edge, props };
}

/** The same double with some of its fields replaced (its methods kept). */
export function withFields<T extends object>(double: T, overrides: { [K in keyof T]?: unknown }): T {
  return Object.assign(Object.create(Object.getPrototypeOf(double)), double, overrides);
}
