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
}

/** Defaults of MoodleNetwork, in one place so docs, tests and presets agree. */
export const networkDefaults = {
  maxAzs: 2,
  natLayout: NatLayout.ONE_PER_AZ,
  cidr: '10.0.0.0/16',
  flowLogs: true,
  flowLogRetention: logs.RetentionDays.THREE_MONTHS,
} as const;
