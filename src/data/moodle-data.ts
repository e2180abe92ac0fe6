import { Annotations, CfnOutput, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { createAuroraCluster, createMysqlInstance, keepUnlessDestroyed, rotationOptions } from './created-database';
import { DATABASE_PASSWORD_EXCLUDED_CHARACTERS, dataDefaults } from './data-defaults';
import {
  validateBackupPlanRetention, validateBackupRetention, validateDatabaseName, validateExistingDatabase,
  validateDataDirectory, validateRotation, validateThroughput,
} from './data-validation';
import { MoodleDataProps } from './moodle-data-props';
import { MoodleDatabase } from './moodle-database';
import { IMoodleData } from '../contracts/data';
import { imageContract } from '../contracts/image-contract';
import { acknowledge } from '../private/acknowledge';
import { startAfterDeployChecks } from '../private/site-part';
import { fail } from '../private/validation';

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
  /**
   * The created database's default `max_connections`: for RDS for MySQL, its class's, computed on the class's whole
   * memory (`{DBInstanceClassMemory/12582880}`, an upper bound: 170 for db.t4g.small); for Aurora MySQL Serverless v2,
   * the Aurora User Guide's value for the cluster's maximum ACU (a maximum between two rows of its table gets the lower
   * row's: 90 for 2 ACU, 1000 for 8). Undefined for an existing database or a class whose memory this construct does not know.
   */
  public readonly databaseMaxConnections?: number;
  public readonly databaseServerVersion?: string;
  /** The file system holding moodledata. */
  public readonly fileSystem: efs.IFileSystem;
  /** The access point Moodle mounts moodledata through. */
  public readonly accessPoint: efs.IAccessPoint;
  /** The daily backup plan of the database and moodledata. */
  public readonly backupPlan: backup.BackupPlan;
  /** The vault the backup plan writes to. */
  public readonly backupVault: backup.BackupVault;
  /**
   * The role AWS Backup backs up and restores this data tier with (AWS's managed policies for backups and restores):
   * give it as `--iam-role-arn` to `aws backup start-restore-job` (the README's restore drill).
   */
  public readonly backupRole: iam.IRole;

  constructor(scope: Construct, id: string, props: MoodleDataProps) {
    super(scope, id);
    startAfterDeployChecks(this, props.network);
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
        fail('MoodleData', 'removalPolicy is DESTROY but deletionProtection is true, so deleting the stack would fail on the database. For a development stack set deletionProtection: false as well; otherwise keep removalPolicy SNAPSHOT (default) or RETAIN.',
        );
      }
      const backupRetention = props.backupRetention ?? dataDefaults.backupRetention;
      validateBackupRetention(backupRetention);
      const chosen = props.database ?? MoodleDatabase.mysql();
      const created = chosen.auroraOptions
        ? createAuroraCluster(this, this.databaseName, props, chosen.auroraOptions, removalPolicy, deletionProtection, backupRetention)
        : createMysqlInstance(this, this.databaseName, props, chosen.mysqlOptions ?? {}, removalPolicy, deletionProtection, backupRetention);
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
      this.databaseMaxConnections = created.maxConnections;
      this.databaseServerVersion = created.serverVersion;
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
          fail('MoodleData', 'secretRotation runs a rotation function in the application subnets, but the network puts tasks in public subnets ' +
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
    this.backupRole = plan.role;
    new CfnOutput(this, 'BackupVaultName', { value: this.backupVault.backupVaultName, description: 'AWS Backup vault of the database\'s and moodledata\'s daily recovery points' });
    new CfnOutput(this, 'RestoreRoleArn', { value: this.backupRole.roleArn, description: 'Role for aws backup start-restore-job --iam-role-arn (restore drill)' });
    new CfnOutput(this, 'FileSystemId', { value: this.fileSystem.fileSystemId, description: 'moodledata\'s EFS file system (file-system-id of an EFS restore into this site)' });
  }

  /** Whether the created database's secrets rotate (`secretRotation`). */
  public get rotatesSecrets(): boolean {
    return this.secretRotation !== undefined;
  }

  /**
   * Makes the rotation of Moodle's database secret wait for `step`, the install task that creates Moodle's
   * database user: creating a rotation schedule tests the rotation at once, logging in as that user. Across
   * stacks that would be a dependency cycle, so there it only warns.
   */
  public afterDatabaseUserCreated(step: IConstruct): void {
    const schedules = this.databaseSecret.node.findAll().filter((child) => child instanceof secretsmanager.RotationSchedule);
    for (const schedule of schedules) {
      if (Stack.of(schedule) === Stack.of(step)) {
        schedule.node.addDependency(step);
      } else {
        Annotations.of(this).addWarningV2('moodle-on-fargate:rotationInOtherStack',
          'The database secret rotates from another stack, so its first test may run before the install task has created ' +
          'Moodle\'s database user, and fail. Deploy that rotation after this stack, or keep the data tier in this stack.');
      }
    }
  }

  /** A CloudWatch metric of the database instance or cluster (namespace `AWS/RDS`). */
  public metricDatabase(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const database: rds.IDatabaseCluster | rds.IDatabaseInstance = this.databaseCluster ?? this.databaseInstance!;
    return database.metric(metricName, props);
  }

  /** moodledata's share of its file system's I/O limit, percent, the highest in each five minutes. */
  public metricFileSystemIoLimit(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return new cloudwatch.Metric({
      namespace: 'AWS/EFS',
      metricName: 'PercentIOLimit',
      dimensionsMap: { FileSystemId: this.fileSystem.fileSystemId },
      statistic: 'Maximum',
      period: Duration.minutes(5),
      ...props,
    });
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
    const dataDirectory = props.dataDirectory ?? dataDefaults.dataDirectory;
    validateDataDirectory(dataDirectory);
    const accessPoint = fileSystem.addAccessPoint('AccessPoint', {
      path: dataDirectory,
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
    return { plan, vault, role: selection.node.findChild('Role') as iam.Role };
  }
}
