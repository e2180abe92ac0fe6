import { Size } from 'aws-cdk-lib';

/**
 * Where MoodleMonitoring's alarms go off. Each default is what a Moodle site on the presets' sizes should
 * never reach in normal use.
 */
export interface MoodleAlarmThresholds {
  /**
   * 5xx responses (load balancer + Moodle) per five minutes, two periods in a row.
   *
   * @default 10
   */
  readonly serverErrorsPerFiveMinutes?: number;

  /**
   * Average CPU of the web service, percent, three five-minute periods in a row (autoscaling should keep it
   * near the service's `targetCpuUtilizationPercent`).
   *
   * @default - 85, or the service's `targetCpuUtilizationPercent` plus 15 when that is more (at most 99)
   */
  readonly webCpuPercent?: number;

  /**
   * Average memory of the web service, percent, three five-minute periods in a row.
   *
   * @default 85
   */
  readonly webMemoryPercent?: number;

  /**
   * Average database CPU, percent, three five-minute periods in a row.
   *
   * @default 80
   */
  readonly databaseCpuPercent?: number;

  /**
   * Most database connections in a five-minute period, three periods in a row. Set it below the database's
   * `max_connections` (which RDS derives from the instance class's memory).
   *
   * @default - three quarters of the data tier's `databaseMaxConnections` (127 for db.t4g.small, 511 for
   * db.t4g.large, 750 for Aurora Serverless v2 up to 8 ACU, 67 up to 2 ACU); 300 when that is not known (an existing database)
   */
  readonly databaseConnections?: number;

  /**
   * Share of its maximum capacity (`maxCapacity` ACU) an Aurora Serverless v2 database runs at, percent.
   *
   * @default 90
   */
  readonly databaseCapacityPercent?: number;

  /**
   * Free storage of an RDS for MySQL instance below which its alarm goes off.
   *
   * @default Size.gibibytes(2)
   */
  readonly databaseFreeStorage?: Size;

  /**
   * moodledata's share of its file system's I/O limit, percent.
   *
   * @default 90
   */
  readonly fileSystemIoLimitPercent?: number;
}
