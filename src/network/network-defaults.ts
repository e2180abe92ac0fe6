import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * How the application subnets reach the internet.
 */
export enum NatLayout {
  /** One NAT gateway in each Availability Zone: an AZ outage cannot cut the others off (production). */
  ONE_PER_AZ = 'ONE_PER_AZ',
  /** One NAT gateway for all AZs: cheaper, but egress stops if its AZ fails. */
  SINGLE = 'SINGLE',
  /**
   * No NAT gateway: the application subnets are isolated and reach AWS services through VPC
   * endpoints (S3 gateway; ECR API, ECR Docker, CloudWatch Logs, Secrets Manager and SSM Messages
   * interface endpoints). Moodle itself cannot reach the internet (plugin installs from the
   * directory, external feeds, external SMTP).
   */
  NONE = 'NONE',
  /**
   * No NAT gateway, for development and test sites only (never the default): the application subnets are
   * public subnets (their route table sends 0.0.0.0/0 to the internet gateway; `mapPublicIpOnLaunch` is
   * false), and every Moodle task (web, cron, install/upgrade) gets a public IPv4 address, used for egress
   * only: image pulls, logs, secrets and Moodle's own outbound calls. The tasks' security group still admits
   * only the load balancer (internal, in the same subnets), so nothing on the internet can open a connection
   * to a task. The data subnets stay isolated (no route out).
   *
   * The trade-off: no NAT gateway ($32.85 a month plus its address), but one public IPv4 address per running
   * task ($3.65 a month each), tasks that are one security-group mistake away from the internet, and
   * egress from a changing address per task (no fixed address to allow-list at a mail relay or licence
   * server). Lambda functions never get a public address, so VPC-attached functions (database secret
   * rotation) cannot run in these subnets.
   */
  PUBLIC_TASKS = 'PUBLIC_TASKS',
}

/** Defaults of MoodleNetwork, in one place so docs, tests and presets agree. */
export const networkDefaults = {
  maxAzs: 2,
  natLayout: NatLayout.ONE_PER_AZ,
  cidr: '10.0.0.0/16',
  flowLogs: true,
  flowLogRetention: logs.RetentionDays.ONE_YEAR,
} as const;

/**
 * Availability Zone IDs where CloudFront VPC origins are not available: CloudFront Developer Guide, "Restrict
 * access with VPC origins", supported AWS Regions (checked November 2026). AZ names map to different IDs in
 * each account, so MoodleNetwork checks the IDs of the load balancer's AZs at deploy time.
 */
export const VPC_ORIGIN_UNSUPPORTED_ZONE_IDS: ReadonlyArray<string> = ['use1-az3', 'usw1-az2', 'apne1-az3', 'cac1-az3'];
