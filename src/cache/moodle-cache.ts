import { Duration, Fn, Names, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CACHE_MAX_MEMORY_POLICY, CacheEngine, cacheDefaults } from './cache-defaults';
import { CacheNodeChoices, parseVersion, validateCacheNodes, validateCachePort } from './cache-validation';
import { MoodleCacheDeployment } from './moodle-cache-deployment';
import { IMoodleCache } from '../contracts/cache';
import { IMoodleNetwork } from '../contracts/network';
import { startAfterDeployChecks } from '../private/site-part';

/**
 * Options of a {@link MoodleCache}: everything but the parts it is wired to.
 */
export interface MoodleCacheOptions {
  /**
   * The engine.
   *
   * @default CacheEngine.VALKEY
   */
  readonly engine?: CacheEngine;

  /**
   * How the cache runs: `MoodleCacheDeployment.nodes({...})` (a replication group, with its node type,
   * replicas, engine version, TLS and port) or `MoodleCacheDeployment.serverless()`.
   *
   * @default MoodleCacheDeployment.nodes()
   */
  readonly deployment?: MoodleCacheDeployment;

  /**
   * KMS key for encryption at rest.
   *
   * @default - the AWS managed key for ElastiCache
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Properties of a {@link MoodleCache}.
 */
export interface MoodleCacheProps extends MoodleCacheOptions {
  /** The network: the cache goes into its data subnets. */
  readonly network: IMoodleNetwork;
}

/**
 * Valkey or Redis OSS on Amazon ElastiCache for Moodle's sessions and its application cache (MUC):
 * a replication group with a replica in another Availability Zone, Multi-AZ with automatic
 * failover, TLS, an AUTH password from Secrets Manager, encryption at rest and the `noeviction`
 * policy (sessions must never be evicted). ElastiCache Serverless as an option.
 */
export class MoodleCache extends Construct implements IMoodleCache {
  /** Host name of the primary endpoint. */
  public readonly endpointAddress: string;
  /** TCP port of the endpoint. */
  public readonly port: number;
  /** Whether clients must connect with TLS. */
  public readonly transitEncryption: boolean;
  /** The AUTH password (plain string secret), if the cache requires one. */
  public readonly authSecret?: secretsmanager.ISecret;
  /** Network access to the cache. */
  public readonly connections: ec2.Connections;
  /** The security group of the cache. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The engine. */
  public readonly engine: CacheEngine;
  /** The replication group of a node-based cache. */
  public readonly replicationGroup?: elasticache.CfnReplicationGroup;
  /** The parameter group of a node-based cache (`maxmemory-policy noeviction`). */
  public readonly parameterGroup?: elasticache.CfnParameterGroup;
  /** The serverless cache, with `MoodleCacheDeployment.serverless()`. */
  public readonly serverlessCache?: elasticache.CfnServerlessCache;
  /** One alarm per node when the memory that counts for eviction passes 80 %. Add actions to them. */
  public readonly memoryAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MoodleCacheProps) {
    super(scope, id);
    startAfterDeployChecks(this, props.network);
    this.engine = props.engine ?? cacheDefaults.engine;
    const deployment = props.deployment ?? MoodleCacheDeployment.nodes();
    const serverless = deployment.isServerless;
    const nodes = deployment.nodesOptions ?? {};
    // ElastiCache Serverless always uses TLS, on port 6379.
    this.transitEncryption = serverless || (nodes.transitEncryption ?? cacheDefaults.transitEncryption);
    this.port = serverless ? cacheDefaults.port : nodes.port ?? cacheDefaults.port;
    const choices = serverless ? undefined : {
      engine: this.engine,
      engineVersion: nodes.engineVersion ?? cacheDefaults.engineVersion[this.engine],
      transitEncryption: this.transitEncryption,
      nodeType: nodes.nodeType ?? cacheDefaults.nodeType,
      replicas: nodes.replicas ?? cacheDefaults.replicas,
      port: this.port,
    };
    if (choices) validateCacheNodes(choices);
    else validateCachePort(this.port);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.network.vpc,
      description: 'Moodle cache: reachable only from what is allowed in through connections',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(this.port) });
    const subnetIds = props.network.vpc.selectSubnets(props.network.dataSubnets).subnetIds;

    if (this.transitEncryption) {
      const secret = new secretsmanager.Secret(this, 'AuthSecret', {
        description: 'AUTH password of the Moodle cache (Valkey/Redis)',
        encryptionKey: props.encryptionKey,
        // ElastiCache AUTH tokens allow only a few punctuation characters: letters and digits only.
        generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The AUTH password is not rotated automatically: Moodle reads it at task start and keeps it in moodledata/muc/config.php, so a rotation needs a coordinated redeploy (ElastiCache ROTATE/SET strategy) rather than a scheduled Lambda.',
      });
      this.authSecret = secret;
    }

    if (serverless) {
      const cache = this.createServerlessCache(props, subnetIds);
      this.serverlessCache = cache;
      this.endpointAddress = cache.attrEndpointAddress;
    } else {
      const { group, parameterGroup } = this.createReplicationGroup(props, choices!, subnetIds);
      this.replicationGroup = group;
      this.parameterGroup = parameterGroup;
      this.endpointAddress = group.attrPrimaryEndPointAddress;
    }
  }

  private createReplicationGroup(props: MoodleCacheProps, choices: CacheNodeChoices, subnetIds: string[]) {
    const { engineVersion, nodeType, replicas } = choices;
    const highlyAvailable = replicas > 0;

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Moodle cache: data tier subnets',
      subnetIds,
    });
    const parameterGroup = new elasticache.CfnParameterGroup(this, 'ParameterGroup', {
      cacheParameterGroupFamily: parameterGroupFamily(this.engine, engineVersion),
      description: 'Moodle: sessions must never be evicted (maxmemory-policy noeviction)',
      properties: { 'maxmemory-policy': CACHE_MAX_MEMORY_POLICY },
    });

    const azs = props.network.vpc.selectSubnets(props.network.dataSubnets).availabilityZones;
    const nodeCount = 1 + replicas;
    const preferredAzs = azs.length > 0 && !azs.some((az) => Token.isUnresolved(az))
      ? Array.from({ length: nodeCount }, (_, i) => azs[i % azs.length])
      : undefined;

    const group = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Moodle sessions and application cache',
      engine: this.engine,
      engineVersion,
      cacheNodeType: nodeType,
      cacheParameterGroupName: parameterGroup.ref,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      numCacheClusters: nodeCount,
      preferredCacheClusterAZs: preferredAzs,
      automaticFailoverEnabled: highlyAvailable,
      multiAzEnabled: highlyAvailable,
      atRestEncryptionEnabled: true,
      kmsKeyId: props.encryptionKey?.keyArn,
      transitEncryptionEnabled: this.transitEncryption,
      authToken: this.authSecret?.secretValue.unsafeUnwrap(),
      port: this.port,
      autoMinorVersionUpgrade: true,
    });
    Validations.of(group).acknowledge({
      id: 'AwsSolutions-AEC5',
      reason: 'The standard port (prop port) is kept: the cache is in isolated subnets and its security group admits only the Moodle tasks, so another port adds no protection.',
    });
    if (!highlyAvailable) {
      Validations.of(group).acknowledge({ id: 'AwsSolutions-AEC4', reason: 'No replica was chosen explicitly with replicas: 0 (development); the default has one replica in another AZ with Multi-AZ.' });
    }
    if (!this.transitEncryption) {
      Validations.of(group).acknowledge({ id: 'AwsSolutions-AEC3', reason: 'TLS turned off explicitly with transitEncryption: false; encryption at rest stays on.' });
      Validations.of(group).acknowledge({ id: 'AwsSolutions-AEC6', reason: 'ElastiCache requires TLS for AUTH; with transitEncryption: false only the security group (Moodle tasks only) and the isolated subnets protect the cache.' });
    }
    for (let i = 1; i <= nodeCount; i++) {
      this.memoryAlarms.push(new cloudwatch.Alarm(this, `MemoryAlarm${i}`, {
        alarmDescription: 'Moodle cache memory almost full: with noeviction, new sessions and cache writes fail when it is full. Use a larger nodeType.',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/ElastiCache',
          metricName: 'DatabaseMemoryUsageCountedForEvictPercentage',
          dimensionsMap: { CacheClusterId: Fn.join('-', [group.ref, String(i).padStart(3, '0')]) },
          statistic: 'Maximum',
          period: Duration.minutes(5),
        }),
        threshold: cacheDefaults.memoryAlarmPercent,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }
    return { group, parameterGroup };
  }

  /** Keys evicted from the primary node, summed per five minutes; undefined for a serverless cache. */
  public metricEvictions(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined {
    if (!this.replicationGroup) return undefined;
    return new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName: 'Evictions',
      dimensionsMap: { CacheClusterId: Fn.join('-', [this.replicationGroup.ref, '001']) },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Notifies `action` when a memory alarm of the cache goes off and when it is back to OK. */
  public addAlarmAction(action: cloudwatch.IAlarmAction): void {
    for (const alarm of this.memoryAlarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  private createServerlessCache(props: MoodleCacheProps, subnetIds: string[]): elasticache.CfnServerlessCache {
    // Serverless caches take no AUTH token, only RBAC user groups. Moodle sends `AUTH <password>`
    // without a user name, which authenticates the user named `default`: give that user the password.
    const idBase = Names.uniqueResourceName(this, { maxLength: 32, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '');
    const physicalId = (suffix: string) => `m${idBase}-${suffix}`.replace(/--+/g, '-');
    const user = new elasticache.CfnUser(this, 'DefaultUser', {
      engine: this.engine,
      userId: physicalId('default'),
      userName: 'default',
      accessString: 'on ~* +@all',
      authenticationMode: { Type: 'password', Passwords: [this.authSecret!.secretValue.unsafeUnwrap()] },
    });
    const userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine: this.engine,
      userGroupId: physicalId('users'),
      userIds: [user.ref],
    });
    const cache = new elasticache.CfnServerlessCache(this, 'ServerlessCache', {
      engine: this.engine,
      majorEngineVersion: cacheDefaults.serverlessMajorVersion[this.engine],
      serverlessCacheName: physicalId('cache'),
      description: 'Moodle sessions and application cache',
      securityGroupIds: [this.securityGroup.securityGroupId],
      subnetIds,
      kmsKeyId: props.encryptionKey?.keyArn,
      userGroupId: userGroup.ref,
    });
    return cache;
  }
}

function parameterGroupFamily(engine: CacheEngine, engineVersion: string): string {
  const [major, minor] = parseVersion(engineVersion) ?? [0, 0];
  if (engine === CacheEngine.VALKEY) return `valkey${major}`;
  if (major >= 7) return `redis${major}`;
  if (major === 6) return 'redis6.x';
  return `redis${major}.${minor}`;
}

