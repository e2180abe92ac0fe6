import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';

/**
 * What Moodle's web, cron and install tasks need from the data tier: how to reach the database,
 * the credentials, and the shared `moodledata` file system.
 */
export interface IMoodleData extends IConstruct {
  /** Host name of the database writer endpoint. */
  readonly databaseHost: string;
  /** TCP port of the database. */
  readonly databasePort: number;
  /** Name of Moodle's schema in the database. */
  readonly databaseName: string;
  /** Moodle's `$CFG->dbtype` for this database: `mysqli`, `mariadb` or `auroramysql`. */
  readonly moodleDbType: string;
  /** Secret holding the credentials Moodle connects with, as JSON with `username` and `password` keys. */
  readonly databaseSecret: secretsmanager.ISecret;
  /**
   * Credentials (JSON with `username` and `password`) allowed to create Moodle's database user. Only the
   * one-off install/upgrade task gets them: it creates the user of `databaseSecret` (or sets its password)
   * before installing or upgrading. Undefined when that user is managed elsewhere (an existing database).
   */
  readonly databaseAdminSecret?: secretsmanager.ISecret;
  /** Network access to the database (allow the Moodle tasks in through it). */
  readonly databaseConnections: ec2.Connections;
  /** The file system that holds `moodledata`. */
  readonly fileSystem: efs.IFileSystem;
  /** The access point Moodle mounts `moodledata` through (POSIX user of the web server). */
  readonly accessPoint: efs.IAccessPoint;
  /**
   * How long the database stays without connections before it pauses (Aurora Serverless v2 at 0 ACU), if it
   * does. A database that pauses needs clients that wait for it to resume and a cron that lets it pause.
   *
   * @default - the database never pauses
   */
  readonly autoPauseAfter?: Duration;

  /**
   * The most Aurora capacity units an Aurora Serverless v2 database scales to, if the database is one whose
   * capacity this construct knows.
   *
   * @default - not a serverless database, or its capacity is not known
   */
  readonly serverlessMaxCapacity?: number;

  /**
   * The most connections the database accepts, as far as this construct knows it (for a created RDS for MySQL
   * instance: the default `max_connections` of its class, computed on the class's whole memory; for a created Aurora
   * MySQL Serverless v2 cluster: the default for its maximum ACU). The service checks that its web tier at its
   * maximum task count cannot open more; the monitoring's connections alarm goes off at three quarters of it.
   *
   * @default - not known (no check, and the alarm's fixed default)
   */
  readonly databaseMaxConnections?: number;

  /**
   * The MySQL version the database reports to Moodle, as far as this construct knows it: the engine version of
   * a created RDS for MySQL instance (e.g. `8.4.8`), the MySQL version a created Aurora MySQL cluster is
   * compatible with (`8.0` for Aurora MySQL 3). The service checks it against its Moodle release's minimum.
   *
   * @default - not known (an existing database: Moodle's own environment check in the install/upgrade step judges it)
   */
  readonly databaseServerVersion?: string;

  /** Whether the data tier rotates its database secrets (MoodleMonitoring then reports failed rotations). */
  readonly rotatesSecrets: boolean;

  /**
   * Called by the service with the step that creates Moodle's database user (the install task). Anything of the
   * data tier that logs in as that user, such as a secret rotation's first test, must wait for it.
   */
  afterDatabaseUserCreated(step: IConstruct): void;

  /**
   * A CloudWatch metric of the database (namespace `AWS/RDS`, dimensioned by its instance or cluster), for
   * example `CPUUtilization`, `DatabaseConnections`, `FreeStorageSpace` or `ServerlessDatabaseCapacity`.
   */
  metricDatabase(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /** moodledata's share of its file system's I/O limit, percent, the highest in each five minutes. */
  metricFileSystemIoLimit(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
}
