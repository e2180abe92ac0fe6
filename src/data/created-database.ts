import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { DATABASE_PASSWORD_EXCLUDED_CHARACTERS, dataDefaults } from './data-defaults';
import { validateAuroraVersion, validateAutoPause, validateCapacity, validateMysqlVersion, validateStorage } from './data-validation';
import { auroraServerlessMaxConnections, defaultMaxConnections } from './instance-memory';
import { MoodleDataProps } from './moodle-data-props';
import { AuroraServerlessOptions, MysqlInstanceOptions } from './moodle-database';
import { IMoodleNetwork } from '../contracts/network';
import { acknowledge } from '../private/acknowledge';
import { deletionProtectionGuard } from '../private/deploy-guards';
import { fail, isLiteral } from '../private/validation';

// The database MoodleData creates (RDS for MySQL or Aurora MySQL Serverless v2), its constructs' IDs in MoodleData's scope.

function databaseSubnetGroup(scope: Construct, network: IMoodleNetwork, removalPolicy: RemovalPolicy): rds.SubnetGroup {
  return new rds.SubnetGroup(scope, 'SubnetGroup', {
    vpc: network.vpc,
    vpcSubnets: network.dataSubnets,
    description: 'Moodle database: data tier subnets',
    // A subnet group cannot be snapshotted; keep it with a retained database.
    removalPolicy: keepUnlessDestroyed(removalPolicy),
  });
}

function credentials(props: MoodleDataProps): rds.Credentials {
  return rds.Credentials.fromGeneratedSecret(dataDefaults.masterUsername, {
    excludeCharacters: DATABASE_PASSWORD_EXCLUDED_CHARACTERS,
    encryptionKey: props.encryptionKey,
  });
}

export function createMysqlInstance(
  scope: Construct, databaseName: string, props: MoodleDataProps, options: MysqlInstanceOptions,
  removalPolicy: RemovalPolicy, deletionProtection: boolean, backupRetention: Duration,
): CreatedDatabase {
  const version = options.version ?? dataDefaults.mysqlVersion;
  validateMysqlVersion(version);
  const instanceType = options.instanceType ?? dataDefaults.instanceType;
  const allocated = options.allocatedStorage ?? dataDefaults.allocatedStorage;
  const maxAllocated = options.maxAllocatedStorage ?? dataDefaults.maxAllocatedStorage;
  validateStorage(allocated, maxAllocated);
  const engine = rds.DatabaseInstanceEngine.mysql({ version });
  const parameterGroup = new rds.ParameterGroup(scope, 'ParameterGroup', {
    engine,
    description: 'Moodle: utf8mb4, TLS required, slow query log',
    parameters: {
      ...moodleMysqlParameters(),
      innodb_file_per_table: '1',
    },
    removalPolicy: keepUnlessDestroyed(removalPolicy),
  });
  const performanceInsights = supportsPerformanceInsights(instanceType);
  const instance = new rds.DatabaseInstance(scope, 'Database', {
    engine,
    instanceType,
    // Enhanced Monitoring: the host's OS metrics each minute (a role of its own, RDSOSMetrics log group).
    monitoringInterval: dataDefaults.monitoringInterval,
    vpc: props.network.vpc,
    vpcSubnets: props.network.dataSubnets,
    subnetGroup: databaseSubnetGroup(scope, props.network, removalPolicy),
    multiAz: options.multiAz ?? dataDefaults.multiAz,
    port: dataDefaults.port,
    credentials: credentials(props),
    databaseName: databaseName,
    parameterGroup,
    storageType: rds.StorageType.GP3,
    allocatedStorage: allocated.toGibibytes(),
    maxAllocatedStorage: maxAllocated.toGibibytes(),
    storageEncrypted: true,
    storageEncryptionKey: props.encryptionKey,
    caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    backupRetention,
    copyTagsToSnapshot: true,
    deleteAutomatedBackups: false,
    deletionProtection,
    removalPolicy,
    enablePerformanceInsights: performanceInsights,
    performanceInsightEncryptionKey: performanceInsights ? props.encryptionKey : undefined,
    cloudwatchLogsExports: ['error', 'slowquery'],
    cloudwatchLogsRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    autoMinorVersionUpgrade: true,
    publiclyAccessible: false,
  });
  Validations.of(instance).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason: 'MySQL keeps its standard port 3306: the instance is in isolated subnets and its security group admits only the Moodle tasks, so another port adds no protection and would surprise tools.',
  });
  if (!(options.multiAz ?? dataDefaults.multiAz)) {
    Validations.of(instance).acknowledge({
      id: 'AwsSolutions-RDS3',
      reason: 'Single-AZ was chosen explicitly with multiAz: false (development); the default is Multi-AZ.',
    });
  }
  const guard = guardOrAcknowledge(scope, instance, deletionProtection, {
    dbInstanceIdentifier: instance.instanceIdentifier, arn: instance.instanceArn,
  });
  return {
    parameterGroup,
    secret: instance.secret!,
    secretConstruct: instance.node.findChild('Secret'),
    connections: withPort(instance.connections),
    host: instance.dbInstanceEndpointAddress,
    port: dataDefaults.port,
    dbType: 'mysqli',
    instance,
    maxConnections: defaultMaxConnections(instanceType.toString()),
    serverVersion: version.mysqlFullVersion,
    deletionProtectionGuard: guard,
  };
}

export function createAuroraCluster(
  scope: Construct, databaseName: string, props: MoodleDataProps, options: AuroraServerlessOptions,
  removalPolicy: RemovalPolicy, deletionProtection: boolean, backupRetention: Duration,
): CreatedDatabase {
  const version = options.version ?? dataDefaults.auroraMysqlVersion;
  const minCapacity = options.minCapacity ?? dataDefaults.minCapacity;
  const maxCapacity = options.maxCapacity ?? dataDefaults.maxCapacity;
  validateAuroraVersion(version, minCapacity);
  validateCapacity(minCapacity, maxCapacity);
  if (options.autoPauseAfter !== undefined && minCapacity !== 0) {
    fail('MoodleData', `autoPauseAfter is set but minCapacity is ${minCapacity}; Aurora pauses only at 0 ACU. Set minCapacity: 0 to allow pausing, or remove autoPauseAfter.`,
    );
  }
  const autoPauseAfter = minCapacity === 0 ? options.autoPauseAfter ?? dataDefaults.autoPauseAfter : undefined;
  if (autoPauseAfter) validateAutoPause(autoPauseAfter);
  const engine = rds.DatabaseClusterEngine.auroraMysql({ version });
  const parameterGroup = new rds.ParameterGroup(scope, 'ParameterGroup', {
    engine,
    description: 'Moodle: utf8mb4, TLS required, slow query log',
    // Aurora MySQL documents require_secure_transport as ON/OFF (RDS for MySQL as 0/1).
    parameters: { ...moodleMysqlParameters(), require_secure_transport: 'ON' },
    removalPolicy: keepUnlessDestroyed(removalPolicy),
  });
  const reader = options.reader ?? dataDefaults.reader;
  const cluster = new rds.DatabaseCluster(scope, 'Database', {
    engine,
    monitoringInterval: dataDefaults.monitoringInterval,
    vpc: props.network.vpc,
    vpcSubnets: props.network.dataSubnets,
    subnetGroup: databaseSubnetGroup(scope, props.network, removalPolicy),
    credentials: credentials(props),
    defaultDatabaseName: databaseName,
    port: dataDefaults.port,
    parameterGroup,
    writer: rds.ClusterInstance.serverlessV2('Writer', { enablePerformanceInsights: true, performanceInsightEncryptionKey: props.encryptionKey }),
    readers: reader
      ? [rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true, enablePerformanceInsights: true, performanceInsightEncryptionKey: props.encryptionKey })]
      : [],
    serverlessV2MinCapacity: minCapacity,
    serverlessV2MaxCapacity: maxCapacity,
    serverlessV2AutoPauseDuration: autoPauseAfter,
    storageEncrypted: true,
    storageEncryptionKey: props.encryptionKey,
    backup: { retention: backupRetention },
    copyTagsToSnapshot: true,
    deletionProtection,
    removalPolicy,
    cloudwatchLogsExports: ['error', 'slowquery'],
    cloudwatchLogsRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
  });
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason: 'MySQL keeps its standard port 3306: the cluster is in isolated subnets and its security group admits only the Moodle tasks, so another port adds no protection and would surprise tools.',
  });
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-RDS14',
    reason: 'Backtrack is not available for Aurora Serverless v2 writers in every version and is replaced by point-in-time recovery (backupRetention) and daily AWS Backup recovery points.',
  });
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-RDS16',
    reason: 'Error and slow query logs are exported; the general and audit logs record every query of every page view, which for Moodle is costly noise, not a security control we need by default.',
  });
  const guard = guardOrAcknowledge(scope, cluster, deletionProtection, {
    dbClusterIdentifier: cluster.clusterIdentifier, arn: cluster.clusterArn,
  });
  return {
    parameterGroup,
    secret: cluster.secret!,
    secretConstruct: cluster.node.findChild('Secret'),
    connections: withPort(cluster.connections),
    host: cluster.clusterEndpoint.hostname,
    port: dataDefaults.port,
    dbType: 'auroramysql',
    cluster,
    serverlessMaxCapacity: maxCapacity,
    maxConnections: isLiteral(maxCapacity) ? auroraServerlessMaxConnections(maxCapacity) : undefined,
    // Aurora MySQL 3 ('8.0.mysql_aurora.3.10.4', major version 8.0) reports MySQL 8.0.x to Moodle.
    serverVersion: version.auroraMysqlMajorVersion,
    autoPauseAfter,
    deletionProtectionGuard: guard,
  };
}


/**
 * The deletion-protection guard of a protected database (so a failed first deployment can roll back), or the
 * acknowledgment that protection is off; then the acknowledgments every created database shares.
 */
function guardOrAcknowledge(
  scope: Construct, database: rds.DatabaseInstance | rds.DatabaseCluster, deletionProtection: boolean,
  identifiers: { dbInstanceIdentifier?: string; dbClusterIdentifier?: string; arn: string },
): CustomResource | undefined {
  let guard: CustomResource | undefined;
  if (deletionProtection) {
    guard = deletionProtectionGuard(scope, 'DeletionProtectionGuard', { ...identifiers, resource: database });
  } else {
    Validations.of(database).acknowledge({ id: 'AwsSolutions-RDS10', reason: 'Deletion protection turned off explicitly with deletionProtection: false (development).' });
  }
  acknowledgePasswordAuthentication(database);
  acknowledgeLogRetentionFunction(scope);
  return guard;
}

/** The function CDK adds to set the retention of the exported database log groups. */
function acknowledgeLogRetentionFunction(scope: Construct): void {
  const stack = Stack.of(scope);
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('LogRetention')) {
      acknowledgeCdkHelperFunction(child, 'sets the retention of the database log groups');
    }
  }
}

/** What creating the database gives MoodleData. */
export interface CreatedDatabase {
  readonly parameterGroup: rds.ParameterGroup;
  readonly secret: secretsmanager.ISecret;
  /** The secret resource itself (`secret` is its attachment to the database). */
  readonly secretConstruct: IConstruct;
  readonly connections: ec2.Connections;
  readonly host: string;
  readonly port: number;
  readonly dbType: string;
  readonly instance?: rds.DatabaseInstance;
  readonly cluster?: rds.DatabaseCluster;
  readonly serverlessMaxCapacity?: number;
  readonly maxConnections?: number;
  /** The MySQL version Moodle sees (Aurora: the MySQL version it is compatible with). */
  readonly serverVersion: string;
  readonly autoPauseAfter?: Duration;
  readonly deletionProtectionGuard?: CustomResource;
}

/**
 * Rotation every `after`, first one interval after deployment: an immediate rotation could run before the
 * install task has created Moodle's user, which the multi-user rotation clones.
 */
export function rotationOptions(network: IMoodleNetwork, after: Duration): rds.RotationSingleUserOptions {
  return {
    automaticallyAfter: after,
    excludeCharacters: DATABASE_PASSWORD_EXCLUDED_CHARACTERS,
    vpcSubnets: network.applicationSubnets,
    rotateImmediatelyOnUpdate: false,
  };
}

/**
 * Server parameters Moodle's environment check and install rely on: full Unicode (utf8mb4 with
 * Moodle's default collation, `$CFG->dboptions['dbcollation']`), TLS for every connection and a
 * slow query log for the CloudWatch export. Barracuda/large prefix are built into MySQL 8.
 */
function moodleMysqlParameters(): Record<string, string> {
  return {
    character_set_server: 'utf8mb4',
    collation_server: 'utf8mb4_unicode_ci',
    require_secure_transport: '1',
    slow_query_log: '1',
    long_query_time: String(dataDefaults.slowQuerySeconds),
    log_output: 'FILE',
  };
}

/** The database's security groups with a literal default port (the endpoint's port is a deploy-time value). */
function withPort(connections: ec2.Connections): ec2.Connections {
  return new ec2.Connections({ securityGroups: connections.securityGroups, defaultPort: ec2.Port.tcp(dataDefaults.port) });
}

/** What a part that cannot be snapshotted does beside a kept database: kept too, unless everything is destroyed. */
export function keepUnlessDestroyed(removalPolicy: RemovalPolicy): RemovalPolicy {
  return removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

function acknowledgePasswordAuthentication(database: IConstruct): void {
  Validations.of(database).acknowledge({
    id: 'AwsSolutions-RDS6',
    reason: 'Moodle connects with a user name and password (mysqli); it cannot request IAM authentication tokens. The password is generated in Secrets Manager and TLS is required.',
  });
  acknowledge(database, ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]'],
    'The Enhanced Monitoring role that RDS assumes uses the AWS-managed policy RDS documents for it: it writes only to the RDSOSMetrics log group.');
}

function acknowledgeCdkHelperFunction(construct: IConstruct, purpose: string): void {
  acknowledge(
    construct,
    ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'],
    `CDK's own helper function (${purpose}) uses AWSLambdaBasicExecutionRole to write its logs.`,
  );
  Validations.of(construct).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `CDK's own helper function (${purpose}) must change retention of log groups whose names are known only at deploy time.`,
  });
}

/** Performance Insights does not support RDS for MySQL micro and small classes. */
function supportsPerformanceInsights(instanceType: ec2.InstanceType): boolean {
  const size = instanceType.toString().split('.')[1];
  return size !== 'micro' && size !== 'small';
}
