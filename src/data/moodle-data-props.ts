import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DatabaseEngine } from './data-defaults';
// For the documentation's links only.
import type { MoodleData } from './moodle-data';
import { IMoodleNetwork } from '../contracts/network';

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
