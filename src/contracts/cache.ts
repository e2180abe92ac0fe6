import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * What Moodle needs to use a Valkey/Redis cache for its sessions and its application cache (MUC).
 */
export interface IMoodleCache {
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
  /** Network access to the cache (allow the Moodle tasks in through it). */
  readonly connections: ec2.Connections;
}
