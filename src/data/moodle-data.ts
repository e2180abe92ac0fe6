import { CustomResource, Duration, RemovalPolicy, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { DATABASE_PASSWORD_EXCLUDED_CHARACTERS, DatabaseEngine, dataDefaults } from './data-defaults';
import { IMoodleData } from './moodle-data-interfaces';
import { imageContract } from '../image-contract';
import { IMoodleNetwork } from '../network';
import { acknowledge } from '../private/acknowledge';
import { deletionProtectionGuard } from '../private/deploy-guards';
import { retainExceptOnCreate } from '../private/retain-except-on-create';

/**
 * Options of a {@link MoodleData}: everything but the parts it is wired to.
 */
export interface MoodleDataOptions {
  /**
   * The database engine to create. Ignored (and rejected) with `existingInstance`/`existingCluster`.
   *
   * @default DatabaseEngine.MYSQL
   */
  readonly engine?: DatabaseEngine;

  /**
   * RDS for MySQL engine version (`DatabaseEngine.MYSQL`). Moodle 5.1 requires MySQL 8.4 or later.
   *
   * @default rds.MysqlEngineVersion.VER_8_4_8
   */
  readonly mysqlVersion?: rds.MysqlEngineVersion;

  /**
   * Aurora MySQL engine version (`DatabaseEngine.AURORA_MYSQL_SERVERLESS_V2`). Moodle 5.1 requires
   * Aurora MySQL 3 (MySQL 8.0 compatible); `minCapacity: 0` needs 3.08.0 or later.
   *
   * @default rds.AuroraMysqlEngineVersion.VER_3_10_4 (long-term support release)
   */
  readonly auroraMysqlVersion?: rds.AuroraMysqlEngineVersion;

  /**
   * Instance class of the RDS for MySQL instance. Performance Insights is turned on for every class
   * that supports it (not micro and small).
   *
   * @default db.t4g.large (2 vCPU, 8 GiB)
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Whether the RDS for MySQL instance has a standby in a second Availability Zone.
   *
   * @default true
   */
  readonly multiAz?: boolean;

  /**
   * Initial gp3 storage of the RDS for MySQL instance (at least 20 GiB).
   *
   * @default Size.gibibytes(20)
   */
  readonly allocatedStorage?: Size;

  /**
   * Upper limit of storage autoscaling of the RDS for MySQL instance.
   *
   * @default Size.gibibytes(200)
   */
  readonly maxAllocatedStorage?: Size;

  /**
   * Minimum Aurora capacity units of each Serverless v2 instance (0 to 256, in steps of 0.5).
   * 0 lets an idle development database pause (it takes about 15 s to resume).
   *
   * @default 0.5
   */
  readonly minCapacity?: number;

  /**
   * Maximum Aurora capacity units of each Serverless v2 instance (1 to 256, in steps of 0.5).
   *
   * @default 8
   */
  readonly maxCapacity?: number;

  /**
   * How long an Aurora database with `minCapacity: 0` stays idle before it pauses (5 minutes to 1 day).
   *
   * @default Duration.minutes(10)
   */
  readonly autoPauseAfter?: Duration;

  /**
   * Whether the Aurora cluster has a Serverless v2 reader in another Availability Zone, which
   * becomes the writer on failover.
   *
   * @default true
   */
  readonly reader?: boolean;

  /**
   * Name of Moodle's schema.
   *
   * @default 'moodle'
   */
  readonly databaseName?: string;

  /**
   * How long the database's automated backups are kept (1 to 35 days; point-in-time recovery).
   *
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;

  /**
   * How long the daily AWS Backup recovery points of the database and of moodledata are kept
   * (1 day to 100 years).
   *
   * @default Duration.days(35)
   */
  readonly backupPlanRetention?: Duration;

  /**
   * A backup vault (usually in another Region) each daily recovery point is copied to, kept as
   * long as `backupPlanRetention`.
   *
   * @default - no copy
   */
  readonly backupCopyVault?: backup.IBackupVault;

  /**
   * Whether the backup vault gets an AWS Backup Vault Lock (governance mode) that keeps every
   * recovery point at least `backupPlanRetention`.
   *
   * @default false
   */
  readonly backupVaultLock?: boolean;

  /**
   * What happens to the database and moodledata when they leave the stack. `SNAPSHOT` keeps a
   * final database snapshot and retains the file system; `RETAIN` keeps both; `DESTROY` deletes
   * both (development only; needs `deletionProtection: false`). The backup vault is always retained.
   *
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether the database has deletion protection.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Rotate the database passwords at this interval (1 to 1000 days), without breaking running tasks.
   *
   * Moodle connects as its own user (`moodle_app`, {@link MoodleData.databaseSecret}), which the rotation
   * alternates with a clone (`moodle_app_clone`): each rotation sets a new password on the user that is not
   * current, then makes it current. Tasks still holding the previous user's password keep connecting until
   * the next rotation, and `MoodleService` replaces them as soon as the secret changes. The master user
   * (only used by the install task and the rotation itself) is rotated in place. The first rotation happens
   * one interval after deployment. The rotation functions run in the application subnets and need a route to
   * Secrets Manager, so the NAT layout `PUBLIC_TASKS` cannot have it. An Aurora database paused at 0 ACU takes
   * longer to resume than the rotation function waits for a connection: such a rotation can fail before it
   * changes anything (the current passwords stay valid).
   *
   * @default - no rotation (the `PRODUCTION` preset of `MoodleOnFargate` rotates every 30 days)
   */
  readonly secretRotation?: Duration;

  /**
   * KMS key for the database storage, the database secret and moodledata.
   *
   * @default - the AWS managed keys (aws/rds, aws/secretsmanager, aws/elasticfilesystem)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long the exported database logs (error, slow query) are kept in CloudWatch Logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Throughput mode of the moodledata file system.
   *
   * @default efs.ThroughputMode.ELASTIC
   */
  readonly throughputMode?: efs.ThroughputMode;

  /**
   * Provisioned throughput of moodledata; only with `throughputMode: efs.ThroughputMode.PROVISIONED`.
   *
   * @default - none (required for PROVISIONED)
   */
  readonly provisionedThroughput?: Size;

  /**
   * An existing RDS for MySQL (or MariaDB) instance to use instead of creating a database. Needs
   * `existingSecret`. Moodle's `dbtype` is `mysqli`.
   *
   * @default - a database is created
   */
  readonly existingInstance?: rds.IDatabaseInstance;

  /**
   * An existing Aurora MySQL cluster to use instead of creating a database. Needs `existingSecret`.
   * Moodle's `dbtype` is `auroramysql`.
   *
   * @default - a database is created
   */
  readonly existingCluster?: rds.IDatabaseCluster;

  /**
   * The secret (JSON with `username` and `password`) of `existingInstance` or `existingCluster`.
   *
   * @default - none; required with an existing database
   */
  readonly existingSecret?: secretsmanager.ISecret;
}

/**
 * Properties of a {@link MoodleData}.
 */
export interface MoodleDataProps extends MoodleDataOptions {
  /** The network: the database and the EFS mount targets go into its data subnets. */
  readonly network: IMoodleNetwork;
}

/** Props that only shape an RDS for MySQL instance. */
export const MYSQL_ONLY_PROPS = ['mysqlVersion', 'instanceType', 'multiAz', 'allocatedStorage', 'maxAllocatedStorage'] as const;
/** Props that only shape an Aurora MySQL Serverless v2 cluster. */
export const AURORA_ONLY_PROPS = ['auroraMysqlVersion', 'minCapacity', 'maxCapacity', 'autoPauseAfter', 'reader'] as const;
/** Props that only shape a database MoodleData creates. */
export const CREATED_DATABASE_PROPS = [
  'engine', ...MYSQL_ONLY_PROPS, ...AURORA_ONLY_PROPS, 'backupRetention', 'deletionProtection', 'secretRotation', 'logRetention',
] as const;

/**
 * Moodle's state outside the cache: a MySQL database (RDS for MySQL Multi-AZ, or Aurora MySQL
 * Serverless v2) with its credentials in Secrets Manager, `moodledata` on an encrypted EFS file
 * system reached through an access point owned by the image's web server user, and an AWS Backup
 * plan for both. Everything is encrypted, kept on stack deletion and protected from deletion by default.
 */
export class MoodleData extends Construct implements IMoodleData {
  /**
   * Characters never used in generated database passwords (at creation and by the rotation
   * function): quotes, backslash, `@`, `/`, whitespace and the other punctuation that shells,
   * `config.php` literals, connection URLs or ini files treat specially.
   */
  public static readonly PASSWORD_EXCLUDED_CHARACTERS: string = DATABASE_PASSWORD_EXCLUDED_CHARACTERS;

  /** Host name of the database writer endpoint. */
  public readonly databaseHost: string;
  /** TCP port of the database. */
  public readonly databasePort: number;
  /** Name of Moodle's schema. */
  public readonly databaseName: string;
  /** `mysqli` (RDS for MySQL) or `auroramysql` (Aurora MySQL). */
  public readonly moodleDbType: string;
  /**
   * Credentials Moodle connects with, JSON with `username` and `password`: the least-privilege user
   * `moodle_app` of a created database (attached to it), or `existingSecret`.
   */
  public readonly databaseSecret: secretsmanager.ISecret;
  /** Master credentials of a created database, used only by the install task and the rotation functions. */
  public readonly databaseAdminSecret?: secretsmanager.ISecret;
  /** The secret of Moodle's own database user of a created database (before its attachment to the database). */
  public readonly appUserSecret?: rds.DatabaseSecret;
  /** Network access to the database. */
  public readonly databaseConnections: ec2.Connections;
  /** The RDS for MySQL instance, created or given. */
  public readonly databaseInstance?: rds.IDatabaseInstance;
  /** The Aurora MySQL cluster, created or given. */
  public readonly databaseCluster?: rds.IDatabaseCluster;
  /** The most Aurora capacity units the created Serverless v2 cluster scales to; undefined for an instance or an existing database. */
  public readonly serverlessMaxCapacity?: number;
  /**
   * How long the created Aurora Serverless v2 database stays without connections before it pauses (minimum
   * capacity 0 ACU); undefined for a database that never pauses, and for an existing database.
   */
  public readonly autoPauseAfter?: Duration;
  /**
   * Turns the created database's deletion protection off only if the stack's first creation fails and rolls
   * back, so the rollback can delete it; undefined without deletion protection or with an existing database.
   */
  public readonly deletionProtectionGuard?: CustomResource;
  /** The parameter group of a created database (instance or cluster parameter group). */
  public readonly parameterGroup?: rds.ParameterGroup;
  /** The multi-user rotation of Moodle's database secret, if `secretRotation` is set. */
  public readonly secretRotation?: secretsmanager.SecretRotation;
  /** The single-user rotation of the master secret, if `secretRotation` is set. */
  public readonly adminSecretRotation?: secretsmanager.SecretRotation;
  /** The file system holding moodledata. */
  public readonly fileSystem: efs.IFileSystem;
  /** The access point Moodle mounts moodledata through. */
  public readonly accessPoint: efs.IAccessPoint;
  /** The daily backup plan of the database and moodledata. */
  public readonly backupPlan: backup.BackupPlan;
  /** The vault the backup plan writes to. */
  public readonly backupVault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: MoodleDataProps) {
    super(scope, id);
    retainExceptOnCreate(this);
    // Nothing slow starts before the network's deploy-time checks (its Availability Zones) passed.
    if (props.network.deployChecks) this.node.addDependency(props.network.deployChecks);
    const removalPolicy = props.removalPolicy ?? dataDefaults.removalPolicy;
    const backupPlanRetention = props.backupPlanRetention ?? dataDefaults.backupPlanRetention;
    validateBackupPlanRetention(backupPlanRetention);
    this.databaseName = props.databaseName ?? dataDefaults.databaseName;
    validateDatabaseName(this.databaseName);

    if (props.existingInstance || props.existingCluster) {
      validateExistingDatabase(props);
      const existing = props.existingInstance;
      this.databaseSecret = props.existingSecret!;
      if (existing) {
        this.databaseInstance = existing;
        this.databaseHost = existing.dbInstanceEndpointAddress;
        this.databasePort = existing.instanceEndpoint.port;
        this.databaseConnections = existing.connections;
        this.moodleDbType = 'mysqli';
      } else {
        const cluster = props.existingCluster!;
        this.databaseCluster = cluster;
        this.databaseHost = cluster.clusterEndpoint.hostname;
        this.databasePort = cluster.clusterEndpoint.port;
        this.databaseConnections = cluster.connections;
        this.moodleDbType = 'auroramysql';
      }
    } else {
      const deletionProtection = props.deletionProtection ?? dataDefaults.deletionProtection;
      if (removalPolicy === RemovalPolicy.DESTROY && deletionProtection) {
        throw new Error(
          'MoodleData: removalPolicy is DESTROY but deletionProtection is true, so deleting the stack would fail on the database. For a development stack set deletionProtection: false as well; otherwise keep removalPolicy SNAPSHOT (default) or RETAIN.',
        );
      }
      const backupRetention = props.backupRetention ?? dataDefaults.backupRetention;
      validateBackupRetention(backupRetention);
      const created = (props.engine ?? dataDefaults.engine) === DatabaseEngine.MYSQL
        ? this.createMysqlInstance(props, removalPolicy, deletionProtection, backupRetention)
        : this.createAuroraCluster(props, removalPolicy, deletionProtection, backupRetention);
      this.parameterGroup = created.parameterGroup;
      this.databaseAdminSecret = created.secret;
      this.appUserSecret = new rds.DatabaseSecret(this, 'AppUserSecret', {
        username: dataDefaults.appUsername,
        dbname: this.databaseName,
        masterSecret: created.secret,
        excludeCharacters: DATABASE_PASSWORD_EXCLUDED_CHARACTERS,
        encryptionKey: props.encryptionKey,
      });
      const database = created.instance ?? created.cluster!;
      this.databaseSecret = this.appUserSecret.attach(database);
      this.databaseConnections = created.connections;
      this.databaseHost = created.host;
      this.databasePort = created.port;
      this.moodleDbType = created.dbType;
      this.databaseInstance = created.instance;
      this.serverlessMaxCapacity = created.serverlessMaxCapacity;
      this.autoPauseAfter = created.autoPauseAfter;
      this.deletionProtectionGuard = created.deletionProtectionGuard;
      this.databaseCluster = created.cluster;
      const secrets = [created.secretConstruct as secretsmanager.Secret, this.appUserSecret];
      if (removalPolicy !== RemovalPolicy.DESTROY) {
        // A kept database (or its snapshot) is useless without its passwords.
        secrets.forEach((secret) => secret.applyRemovalPolicy(RemovalPolicy.RETAIN));
      }
      if (removalPolicy === RemovalPolicy.RETAIN) {
        // A retained database keeps using its security group, which CloudFormation then cannot delete.
        created.connections.securityGroups.forEach((group) => group.applyRemovalPolicy(RemovalPolicy.RETAIN));
      }
      if (props.secretRotation) {
        validateRotation(props.secretRotation);
        if (props.network.assignPublicIpToTasks) {
          throw new Error(
            'MoodleData: secretRotation runs a rotation function in the application subnets, but the network puts tasks in public subnets ' +
            'without NAT (assignPublicIpToTasks, NAT layout PUBLIC_TASKS), where a Lambda function gets no public address and cannot reach ' +
            'Secrets Manager. Remove secretRotation, or use a NAT layout with NAT gateways (SINGLE or ONE_PER_AZ).',
          );
        }
        const options = rotationOptions(props.network, props.secretRotation);
        this.secretRotation = database.addRotationMultiUser('AppUserRotation', { ...options, secret: this.databaseSecret });
        this.adminSecretRotation = database.addRotationSingleUser(options);
      } else {
        secrets.forEach((secret) => Validations.of(secret).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason: 'Rotation is opt-in (secretRotation) because its functions need a route to Secrets Manager that the PUBLIC_TASKS layout lacks; the PRODUCTION preset of MoodleOnFargate rotates every 30 days.',
        }));
      }
    }

    const fs = this.createFileSystem(props, removalPolicy);
    this.fileSystem = fs.fileSystem;
    this.accessPoint = fs.accessPoint;

    const plan = this.createBackupPlan(props, backupPlanRetention);
    this.backupPlan = plan.plan;
    this.backupVault = plan.vault;
  }

  private databaseSubnetGroup(network: IMoodleNetwork, removalPolicy: RemovalPolicy): rds.SubnetGroup {
    return new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
      description: 'Moodle database: data tier subnets',
      // A subnet group cannot be snapshotted; keep it with a retained database.
      removalPolicy: keepUnlessDestroyed(removalPolicy),
    });
  }

  private credentials(props: MoodleDataProps): rds.Credentials {
    return rds.Credentials.fromGeneratedSecret(dataDefaults.masterUsername, {
      excludeCharacters: DATABASE_PASSWORD_EXCLUDED_CHARACTERS,
      encryptionKey: props.encryptionKey,
    });
  }

  private createMysqlInstance(
    props: MoodleDataProps, removalPolicy: RemovalPolicy, deletionProtection: boolean, backupRetention: Duration,
  ): CreatedDatabase {
    rejectProps(props, AURORA_ONLY_PROPS, 'DatabaseEngine.MYSQL');
    const version = props.mysqlVersion ?? dataDefaults.mysqlVersion;
    validateMysqlVersion(version);
    const instanceType = props.instanceType ?? dataDefaults.instanceType;
    const allocated = props.allocatedStorage ?? dataDefaults.allocatedStorage;
    const maxAllocated = props.maxAllocatedStorage ?? dataDefaults.maxAllocatedStorage;
    validateStorage(allocated, maxAllocated);
    const engine = rds.DatabaseInstanceEngine.mysql({ version });
    const parameterGroup = new rds.ParameterGroup(this, 'ParameterGroup', {
      engine,
      description: 'Moodle: utf8mb4, TLS required, slow query log',
      parameters: {
        ...moodleMysqlParameters(),
        innodb_file_per_table: '1',
      },
      removalPolicy: keepUnlessDestroyed(removalPolicy),
    });
    const performanceInsights = supportsPerformanceInsights(instanceType);
    const instance = new rds.DatabaseInstance(this, 'Database', {
      engine,
      instanceType,
      // Enhanced Monitoring: the host's OS metrics each minute (a role of its own, RDSOSMetrics log group).
      monitoringInterval: dataDefaults.monitoringInterval,
      vpc: props.network.vpc,
      vpcSubnets: props.network.dataSubnets,
      subnetGroup: this.databaseSubnetGroup(props.network, removalPolicy),
      multiAz: props.multiAz ?? dataDefaults.multiAz,
      port: dataDefaults.port,
      credentials: this.credentials(props),
      databaseName: this.databaseName,
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
    if (!(props.multiAz ?? dataDefaults.multiAz)) {
      Validations.of(instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: 'Single-AZ was chosen explicitly with multiAz: false (development); the default is Multi-AZ.',
      });
    }
    let guard: CustomResource | undefined;
    if (deletionProtection) {
      guard = deletionProtectionGuard(this, 'DeletionProtectionGuard', {
        dbInstanceIdentifier: instance.instanceIdentifier, arn: instance.instanceArn, resource: instance,
      });
    } else {
      Validations.of(instance).acknowledge({ id: 'AwsSolutions-RDS10', reason: 'Deletion protection turned off explicitly with deletionProtection: false (development).' });
    }
    acknowledgePasswordAuthentication(instance);
    this.acknowledgeLogRetentionFunction();
    return {
      parameterGroup,
      secret: instance.secret!,
      secretConstruct: instance.node.findChild('Secret'),
      connections: withPort(instance.connections),
      host: instance.dbInstanceEndpointAddress,
      port: dataDefaults.port,
      dbType: 'mysqli',
      instance,
      deletionProtectionGuard: guard,
    };
  }

  private createAuroraCluster(
    props: MoodleDataProps, removalPolicy: RemovalPolicy, deletionProtection: boolean, backupRetention: Duration,
  ): CreatedDatabase {
    rejectProps(props, MYSQL_ONLY_PROPS, 'DatabaseEngine.AURORA_MYSQL_SERVERLESS_V2');
    const version = props.auroraMysqlVersion ?? dataDefaults.auroraMysqlVersion;
    const minCapacity = props.minCapacity ?? dataDefaults.minCapacity;
    const maxCapacity = props.maxCapacity ?? dataDefaults.maxCapacity;
    validateAuroraVersion(version, minCapacity);
    validateCapacity(minCapacity, maxCapacity);
    if (props.autoPauseAfter !== undefined && minCapacity !== 0) {
      throw new Error(
        `MoodleData: autoPauseAfter is set but minCapacity is ${minCapacity}; Aurora pauses only at 0 ACU. Set minCapacity: 0 to allow pausing, or remove autoPauseAfter.`,
      );
    }
    const autoPauseAfter = minCapacity === 0 ? props.autoPauseAfter ?? dataDefaults.autoPauseAfter : undefined;
    if (autoPauseAfter) validateAutoPause(autoPauseAfter);
    const engine = rds.DatabaseClusterEngine.auroraMysql({ version });
    const parameterGroup = new rds.ParameterGroup(this, 'ParameterGroup', {
      engine,
      description: 'Moodle: utf8mb4, TLS required, slow query log',
      // Aurora MySQL documents require_secure_transport as ON/OFF (RDS for MySQL as 0/1).
      parameters: { ...moodleMysqlParameters(), require_secure_transport: 'ON' },
      removalPolicy: keepUnlessDestroyed(removalPolicy),
    });
    const reader = props.reader ?? dataDefaults.reader;
    const cluster = new rds.DatabaseCluster(this, 'Database', {
      engine,
      monitoringInterval: dataDefaults.monitoringInterval,
      vpc: props.network.vpc,
      vpcSubnets: props.network.dataSubnets,
      subnetGroup: this.databaseSubnetGroup(props.network, removalPolicy),
      credentials: this.credentials(props),
      defaultDatabaseName: this.databaseName,
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
    let guard: CustomResource | undefined;
    if (deletionProtection) {
      guard = deletionProtectionGuard(this, 'DeletionProtectionGuard', {
        dbClusterIdentifier: cluster.clusterIdentifier, arn: cluster.clusterArn, resource: cluster,
      });
    } else {
      Validations.of(cluster).acknowledge({ id: 'AwsSolutions-RDS10', reason: 'Deletion protection turned off explicitly with deletionProtection: false (development).' });
    }
    acknowledgePasswordAuthentication(cluster);
    this.acknowledgeLogRetentionFunction();
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
      autoPauseAfter,
      deletionProtectionGuard: guard,
    };
  }

  /** The function CDK adds to set the retention of the exported database log groups. */
  private acknowledgeLogRetentionFunction(): void {
    const stack = Stack.of(this);
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('LogRetention')) {
        acknowledgeCdkHelperFunction(child, 'sets the retention of the database log groups');
      }
    }
  }

  private createFileSystem(props: MoodleDataProps, removalPolicy: RemovalPolicy) {
    const throughputMode = props.throughputMode ?? dataDefaults.throughputMode;
    validateThroughput(throughputMode, props.provisionedThroughput);
    const fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.network.vpc,
      vpcSubnets: props.network.dataSubnets,
      encrypted: true,
      kmsKey: props.encryptionKey,
      throughputMode,
      provisionedThroughputPerSecond: props.provisionedThroughput,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      outOfInfrequentAccessPolicy: efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS,
      // The AWS Backup plan below covers it; EFS's own default plan would back it up twice.
      enableAutomaticBackups: false,
      // CDK's "deny anonymous access" default adds a statement allowing write and root access to any
      // IAM principal through a mount target. Instead, the policy below only denies non-TLS access:
      // with a file system policy present, clients without IAM are refused, and only principals
      // granted through IAM (fileSystem.grantReadWrite(taskRole)) can mount.
      allowAnonymousAccess: true,
      removalPolicy: keepUnlessDestroyed(removalPolicy),
    });
    fileSystem.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyWithoutTls',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['*'],
      resources: ['*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    const accessPoint = fileSystem.addAccessPoint('AccessPoint', {
      path: dataDefaults.dataDirectory,
      posixUser: { uid: String(imageContract.posixUid), gid: String(imageContract.posixGid) },
      createAcl: {
        ownerUid: String(imageContract.posixUid),
        ownerGid: String(imageContract.posixGid),
        permissions: dataDefaults.dataDirectoryPermissions,
      },
    });
    return { fileSystem, accessPoint };
  }

  private createBackupPlan(props: MoodleDataProps, retention: Duration) {
    const vault = new backup.BackupVault(this, 'BackupVault', {
      encryptionKey: props.encryptionKey,
      // A vault that holds recovery points cannot be deleted; keep it (and its backups) always.
      removalPolicy: RemovalPolicy.RETAIN,
      lockConfiguration: props.backupVaultLock ?? dataDefaults.backupVaultLock
        ? { minRetention: retention }
        : undefined,
    });
    const plan = new backup.BackupPlan(this, 'BackupPlan', { backupVault: vault });
    plan.addRule(new backup.BackupPlanRule({
      ruleName: 'Daily',
      scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
      startWindow: Duration.hours(1),
      completionWindow: Duration.hours(8),
      deleteAfter: retention,
      copyActions: props.backupCopyVault ? [{ destinationBackupVault: props.backupCopyVault, deleteAfter: retention }] : undefined,
    }));
    const resources = [backup.BackupResource.fromEfsFileSystem(this.fileSystem)];
    if (this.databaseInstance) {
      resources.push(backup.BackupResource.fromRdsDatabaseInstance(this.databaseInstance));
    } else if (this.databaseCluster) {
      resources.push(backup.BackupResource.fromRdsDatabaseCluster(this.databaseCluster));
    }
    const selection = plan.addSelection('Selection', { resources, allowRestores: true });
    for (const policy of ['AWSBackupServiceRolePolicyForBackup', 'AWSBackupServiceRolePolicyForRestores']) {
      acknowledge(
        selection,
        [`AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`],
        `AWS Backup needs its managed policy ${policy} to back up and restore RDS and EFS; AWS keeps it current as the services change.`,
      );
    }
    return { plan, vault };
  }
}

interface CreatedDatabase {
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
  readonly autoPauseAfter?: Duration;
  readonly deletionProtectionGuard?: CustomResource;
}

/**
 * Rotation every `after`, first one interval after deployment: an immediate rotation could run before the
 * install task has created Moodle's user, which the multi-user rotation clones.
 */
function rotationOptions(network: IMoodleNetwork, after: Duration): rds.RotationSingleUserOptions {
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
function keepUnlessDestroyed(removalPolicy: RemovalPolicy): RemovalPolicy {
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

function rejectProps(props: MoodleDataProps, names: ReadonlyArray<keyof MoodleDataProps>, engine: string): void {
  const given = names.filter((name) => props[name] !== undefined);
  if (given.length > 0) {
    throw new Error(
      `MoodleData: ${given.join(', ')} do not apply to ${engine}. Remove ${given.join(', ')}, or choose the engine they belong to with engine.`,
    );
  }
}

function validateExistingDatabase(props: MoodleDataProps): void {
  if (props.existingInstance && props.existingCluster) {
    throw new Error('MoodleData: both existingInstance and existingCluster are given. Give one of them (with existingSecret).');
  }
  if (!props.existingSecret) {
    const which = props.existingInstance ? 'existingInstance' : 'existingCluster';
    throw new Error(
      `MoodleData: ${which} is given without existingSecret, so Moodle would have no credentials. Add existingSecret: the database's secret (JSON with username and password).`,
    );
  }
  const given = CREATED_DATABASE_PROPS.filter((name) => props[name] !== undefined);
  if (given.length > 0) {
    throw new Error(
      `MoodleData: ${given.join(', ')} only shape a database that MoodleData creates, but an existing database was given. Remove ${given.join(', ')}, or remove the existing database to let MoodleData create one.`,
    );
  }
}

function versionParts(version: string): number[] {
  return version.split(/[.]/).map((part) => Number.parseInt(part, 10)).filter((part) => !Number.isNaN(part));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function validateMysqlVersion(version: rds.MysqlEngineVersion): void {
  if (Token.isUnresolved(version.mysqlFullVersion)) return;
  if (compareVersions(versionParts(version.mysqlFullVersion), [8, 4]) < 0) {
    throw new Error(
      `MoodleData: mysqlVersion is ${version.mysqlFullVersion}, but Moodle 5.1 requires MySQL 8.4 or later. Use rds.MysqlEngineVersion.VER_8_4_8 (default) or a later 8.4 release.`,
    );
  }
}

function validateAuroraVersion(version: rds.AuroraMysqlEngineVersion, minCapacity: number): void {
  const full = version.auroraMysqlFullVersion;
  if (Token.isUnresolved(full)) return;
  const match = /^(\d+)\.(\d+)\.mysql_aurora\.(\d+)\.(\d+)\.(\d+)/.exec(full);
  if (!match || Number(match[1]) < 8 || Number(match[3]) < 3) {
    throw new Error(
      `MoodleData: auroraMysqlVersion is ${full}, but Moodle 5.1 requires Aurora MySQL 3 (MySQL 8.0 compatible) or later. Use rds.AuroraMysqlEngineVersion.VER_3_10_4 (default) or a later 3.x release.`,
    );
  }
  const aurora = [Number(match[3]), Number(match[4]), Number(match[5])];
  if (minCapacity === 0 && compareVersions(aurora, [3, 8, 0]) < 0) {
    throw new Error(
      `MoodleData: minCapacity is 0 (auto-pause) but auroraMysqlVersion ${full} is older than 3.08.0, the first to pause at 0 ACU. Use a 3.08.0 or later version, or set minCapacity to 0.5 or more.`,
    );
  }
}

function validateCapacity(minCapacity: number, maxCapacity: number): void {
  if (Token.isUnresolved(minCapacity) || Token.isUnresolved(maxCapacity)) return;
  const halfSteps = (value: number) => Number.isInteger(value * 2);
  if (!halfSteps(minCapacity) || minCapacity < 0 || minCapacity > 256) {
    throw new Error(`MoodleData: minCapacity is ${minCapacity}. Give 0 to 256 Aurora capacity units in steps of 0.5 (default 0.5; 0 allows auto-pause).`);
  }
  if (!halfSteps(maxCapacity) || maxCapacity < 1 || maxCapacity > 256) {
    throw new Error(`MoodleData: maxCapacity is ${maxCapacity}. Give 1 to 256 Aurora capacity units in steps of 0.5 (default 8).`);
  }
  if (minCapacity > maxCapacity) {
    throw new Error(
      `MoodleData: minCapacity (${minCapacity}) is above maxCapacity (${maxCapacity}). Lower minCapacity or raise maxCapacity so that minCapacity <= maxCapacity.`,
    );
  }
}

function validateAutoPause(after: Duration): void {
  if (after.isUnresolved()) return;
  const seconds = after.toSeconds();
  if (seconds < 300 || seconds > 86400) {
    throw new Error(`MoodleData: autoPauseAfter is ${after.toHumanString()}. Give 5 minutes to 1 day (default 10 minutes).`);
  }
}

function validateBackupRetention(retention: Duration): void {
  if (retention.isUnresolved()) return;
  const days = retention.toHours() / 24;
  if (!Number.isInteger(days) || days < 1 || days > 35) {
    throw new Error(
      `MoodleData: backupRetention is ${retention.toHumanString()}, outside what RDS allows for automated backups. Give whole days from Duration.days(1) to Duration.days(35) (default 7); keep longer history with backupPlanRetention.`,
    );
  }
}

function validateBackupPlanRetention(retention: Duration): void {
  if (retention.isUnresolved()) return;
  const days = retention.toHours() / 24;
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new Error(
      `MoodleData: backupPlanRetention is ${retention.toHumanString()}, outside what AWS Backup allows. Give whole days from Duration.days(1) to Duration.days(36500) (default 35).`,
    );
  }
}

function validateRotation(after: Duration): void {
  if (after.isUnresolved()) return;
  const days = after.toHours() / 24;
  if (!Number.isInteger(days) || days < 1 || days > 1000) {
    throw new Error(`MoodleData: secretRotation is ${after.toHumanString()}. Give whole days from Duration.days(1) to Duration.days(1000), or omit it to keep rotation off.`);
  }
}

function validateStorage(allocated: Size, maxAllocated: Size): void {
  if (allocated.isUnresolved() || maxAllocated.isUnresolved()) return;
  const gib = allocated.toGibibytes();
  if (gib < 20 || gib > 65536) {
    throw new Error(`MoodleData: allocatedStorage is ${gib} GiB. gp3 storage for RDS for MySQL needs 20 to 65536 GiB (default 20).`);
  }
  if (maxAllocated.toGibibytes() < gib) {
    throw new Error(
      `MoodleData: maxAllocatedStorage (${maxAllocated.toGibibytes()} GiB) is below allocatedStorage (${gib} GiB). Raise maxAllocatedStorage to at least allocatedStorage.`,
    );
  }
}

function validateDatabaseName(name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new Error(`MoodleData: databaseName '${name}' is not a valid MySQL schema name here. Use a letter followed by up to 63 letters, digits or underscores (default 'moodle').`);
  }
}

function validateThroughput(mode: efs.ThroughputMode, provisioned: Size | undefined): void {
  if (mode === efs.ThroughputMode.PROVISIONED && provisioned === undefined) {
    throw new Error('MoodleData: throughputMode is PROVISIONED but provisionedThroughput is missing. Add provisionedThroughput (for example Size.mebibytes(50)), or use ThroughputMode.ELASTIC (default).');
  }
  if (mode !== efs.ThroughputMode.PROVISIONED && provisioned !== undefined) {
    throw new Error(`MoodleData: provisionedThroughput applies only to throughputMode PROVISIONED, but throughputMode is ${mode}. Remove provisionedThroughput, or set throughputMode: efs.ThroughputMode.PROVISIONED.`);
  }
}

/** Performance Insights does not support RDS for MySQL micro and small classes. */
function supportsPerformanceInsights(instanceType: ec2.InstanceType): boolean {
  const size = instanceType.toString().split('.')[1];
  return size !== 'micro' && size !== 'small';
}
