import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
// For the documentation's links only.
import type { MoodleData } from './moodle-data';
import { MoodleDatabase } from './moodle-database';
import { IMoodleNetwork } from '../contracts/network';

/**
 * Options of a {@link MoodleData}: everything but the parts it is wired to.
 */
export interface MoodleDataOptions {
  /**
   * The database to create: `MoodleDatabase.mysql({...})` (RDS for MySQL) or
   * `MoodleDatabase.auroraServerless({...})` (Aurora MySQL Serverless v2), each with its engine's options.
   * Rejected with `existingInstance`/`existingCluster`.
   *
   * @default MoodleDatabase.mysql()
   */
  readonly database?: MoodleDatabase;

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
   * The directory of the file system that holds moodledata (the root of the access point every task mounts). Change it
   * to bring in moodledata that an AWS Backup restore put into this file system, under `/aws-backup-restore_<time>/`:
   * see the README's restore drill.
   *
   * @default '/moodledata'
   */
  readonly dataDirectory?: string;

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

/** Props that only shape a database MoodleData creates. */
export const CREATED_DATABASE_PROPS = ['database', 'backupRetention', 'deletionProtection', 'secretRotation', 'logRetention'] as const;
