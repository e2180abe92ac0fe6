import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';

/**
 * What watching a running Moodle site needs from its service: where its tasks run and log, how often its cron
 * runs, and the metrics of its web tier.
 */
export interface IMoodleService extends IConstruct, ec2.IConnectable {
  /** ARN of the ECS cluster the web and cron tasks run in. */
  readonly clusterArn: string;
  /** The log group of the web, cron and install/upgrade tasks. */
  readonly taskLogGroup: logs.ILogGroup;
  /**
   * How often cron runs while the site is idle, if it idles.
   *
   * @default - cron runs every minute
   */
  readonly cronIdleInterval?: Duration;
  /** The CPU utilization the web service scales to keep, percent. */
  readonly targetCpuUtilizationPercent: number;

  /** Average CPU utilization of the web service, percent. */
  metricWebCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /** Average memory utilization of the web service, percent. */
  metricWebMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /** Failed attempts to replace the tasks after the database secret changed, summed per five minutes. */
  metricRestartErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
}
