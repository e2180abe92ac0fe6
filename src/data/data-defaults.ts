import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as rds from 'aws-cdk-lib/aws-rds';

/**
 * Which database engine MoodleData creates.
 */
export enum DatabaseEngine {
  /**
   * Amazon RDS for MySQL (8.4), one instance, Multi-AZ by default. Moodle's `dbtype` is `mysqli`.
   */
  MYSQL = 'MYSQL',
  /**
   * Amazon Aurora MySQL 3 (MySQL 8.0 compatible) with Serverless v2 instances: a writer and, by
   * default, a reader in another Availability Zone. Moodle's `dbtype` is `auroramysql`.
   */
  AURORA_MYSQL_SERVERLESS_V2 = 'AURORA_MYSQL_SERVERLESS_V2',
}

/**
 * Characters never used in a generated database password (and in every password the rotation
 * function generates later).
 *
 * Moodle's mysqli driver passes `$CFG->dbpass` unchanged to `mysqli::real_connect()`, so Moodle
 * itself takes any byte; what broke the reference sample was everything around it: RDS refuses
 * `/`, `@`, `"` and space in a master password, the password travels through shell scripts,
 * `config.php` string literals (quotes, backslash, `$`), DSN/URL forms (`:`, `@`, `/`, `?`, `#`, `%`)
 * and ini/env files (`;`, `#`, `=`, whitespace). Only letters, digits and `-_.` remain: the
 * 30-character generated password still has more than 180 bits.
 */
export const DATABASE_PASSWORD_EXCLUDED_CHARACTERS = ' \t\n"\'`\\/@$%&*()[]{}<>|;:!?#,=^~+';

/** Defaults of MoodleData, in one place so docs, tests and presets agree. */
export const dataDefaults = {
  mysqlVersion: rds.MysqlEngineVersion.VER_8_4_8,
  /** Aurora MySQL 3.10 is a long-term-support release (MySQL 8.0 compatible). */
  auroraMysqlVersion: rds.AuroraMysqlEngineVersion.VER_3_10_4,
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.LARGE),
  multiAz: true,
  allocatedStorage: Size.gibibytes(20),
  maxAllocatedStorage: Size.gibibytes(200),
  minCapacity: 0.5,
  maxCapacity: 8,
  autoPauseAfter: Duration.minutes(10),
  /** Enhanced Monitoring's granularity (OS metrics of the database host). */
  monitoringInterval: Duration.seconds(60),
  reader: true,
  databaseName: 'moodle',
  port: 3306,
  masterUsername: 'moodle',
  /**
   * Moodle's own database user. Multi-user rotation alternates it with `moodle_app_clone`, and AWS's
   * rotation function refuses a clone name longer than 16 characters.
   */
  appUsername: 'moodle_app',
  backupRetention: Duration.days(7),
  backupPlanRetention: Duration.days(35),
  backupVaultLock: false,
  removalPolicy: RemovalPolicy.SNAPSHOT,
  deletionProtection: true,
  throughputMode: efs.ThroughputMode.ELASTIC,
  /** Where the access point roots moodledata on the file system. */
  dataDirectory: '/moodledata',
  /** Owner-and-group only: every Moodle task runs as the image's web server user. */
  dataDirectoryPermissions: '0770',
  slowQuerySeconds: 2,
} as const;
