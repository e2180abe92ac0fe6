import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';

/**
 * What Moodle needs to use a Valkey/Redis cache for its sessions and its application cache (MUC).
 * Its `connections` let the Moodle tasks in.
 */
export interface IMoodleCache extends IConstruct, ec2.IConnectable {
  /** Host name of the primary (read/write) endpoint: a plain host name, no scheme, no port. */
  readonly endpointAddress: string;
  /** TCP port of the endpoint. */
  readonly port: number;
  /** Whether clients must connect with TLS. */
  readonly transitEncryption: boolean;
  /**
   * Secret holding the AUTH password as a plain string, if the cache requires one.
   *
   * @default - no AUTH password
   */
  readonly authSecret?: secretsmanager.ISecret;

  /**
   * Keys the cache evicted, summed per five minutes (Moodle's sessions are lost when they are evicted).
   *
   * @returns undefined when the cache reports no per-node evictions to watch (ElastiCache Serverless)
   */
  metricEvictions(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined;

  /**
   * Notifies `action` when any of the cache's own alarms (for example, memory almost full) goes off and when it
   * is back to OK.
   */
  addAlarmAction(action: cloudwatch.IAlarmAction): void;
}
