import { Duration, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { DatabaseEngine } from './data-defaults';

/**
 * Options of an RDS for MySQL instance ({@link MoodleDatabase.mysql}).
 */
export interface MysqlInstanceOptions {
  /**
   * RDS for MySQL engine version. Moodle 5.1 requires MySQL 8.4 or later.
   *
   * @default rds.MysqlEngineVersion.VER_8_4_8
   */
  readonly version?: rds.MysqlEngineVersion;

  /**
   * Instance class. Performance Insights is turned on for every class that supports it (not micro and small).
   *
   * @default db.t4g.large (2 vCPU, 8 GiB)
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Whether the instance has a standby in a second Availability Zone.
   *
   * @default true
   */
  readonly multiAz?: boolean;

  /**
   * Initial gp3 storage (at least 20 GiB).
   *
   * @default Size.gibibytes(20)
   */
  readonly allocatedStorage?: Size;

  /**
   * Upper limit of storage autoscaling.
   *
   * @default Size.gibibytes(200)
   */
  readonly maxAllocatedStorage?: Size;
}

/**
 * Options of an Aurora MySQL Serverless v2 cluster ({@link MoodleDatabase.auroraServerless}).
 */
export interface AuroraServerlessOptions {
  /**
   * Aurora MySQL engine version. Moodle 5.1 requires Aurora MySQL 3 (MySQL 8.0 compatible); `minCapacity: 0`
   * needs 3.08.0 or later.
   *
   * @default rds.AuroraMysqlEngineVersion.VER_3_10_4 (long-term support release)
   */
  readonly version?: rds.AuroraMysqlEngineVersion;

  /**
   * Minimum Aurora capacity units of each Serverless v2 instance (0 to 256, in steps of 0.5).
   * 0 lets an idle database pause (it takes about 15 s to resume).
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
   * How long a database with `minCapacity: 0` stays idle before it pauses (5 minutes to 1 day).
   *
   * @default Duration.minutes(10)
   */
  readonly autoPauseAfter?: Duration;

  /**
   * Whether the cluster has a Serverless v2 reader in another Availability Zone, which becomes the writer on
   * failover.
   *
   * @default true
   */
  readonly reader?: boolean;
}

/**
 * The database MoodleData creates: one type per engine, each with that engine's own options.
 */
export class MoodleDatabase {
  /** An RDS for MySQL instance (Multi-AZ by default). */
  public static mysql(options: MysqlInstanceOptions = {}): MoodleDatabase {
    return new MoodleDatabase(DatabaseEngine.MYSQL, options, undefined);
  }

  /** An Aurora MySQL Serverless v2 cluster (with a reader in another AZ by default). */
  public static auroraServerless(options: AuroraServerlessOptions = {}): MoodleDatabase {
    return new MoodleDatabase(DatabaseEngine.AURORA_MYSQL_SERVERLESS_V2, undefined, options);
  }

  /** The engine. */
  public readonly engine: DatabaseEngine;
  /** The instance's options; only for `MoodleDatabase.mysql()`. */
  public readonly mysqlOptions?: MysqlInstanceOptions;
  /** The cluster's options; only for `MoodleDatabase.auroraServerless()`. */
  public readonly auroraOptions?: AuroraServerlessOptions;

  private constructor(engine: DatabaseEngine, mysqlOptions: MysqlInstanceOptions | undefined, auroraOptions: AuroraServerlessOptions | undefined) {
    this.engine = engine;
    this.mysqlOptions = mysqlOptions;
    this.auroraOptions = auroraOptions;
  }
}
