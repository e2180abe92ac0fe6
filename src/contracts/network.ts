import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct, IDependable } from 'constructs';

/**
 * What the other Moodle constructs need from a network.
 */
export interface IMoodleNetwork extends IConstruct {
  /** The VPC everything runs in. */
  readonly vpc: ec2.IVpc;
  /** Subnets for internet-facing load balancers. */
  readonly publicSubnets: ec2.SubnetSelection;
  /**
   * Subnets for the Moodle tasks (private with egress; isolated with the NAT layout `NONE`; public with
   * `PUBLIC_TASKS`).
   */
  readonly applicationSubnets: ec2.SubnetSelection;
  /** Subnets for the database, cache and EFS mount targets (isolated). */
  readonly dataSubnets: ec2.SubnetSelection;
  /**
   * Whether Moodle tasks get a public IPv4 address in the application subnets, their only way out to the
   * internet (egress only: their security group admits only the load balancer). True only for the NAT layout
   * `PUBLIC_TASKS`; false for an existing VPC and every other layout.
   */
  readonly assignPublicIpToTasks: boolean;
  /**
   * Completes once the network's deploy-time checks passed (the load balancer's Availability Zones support
   * CloudFront VPC origins). Parts that create slow resources depend on it, so a deployment into an unsupported
   * AZ fails in its first seconds instead of when the distribution is created.
   *
   * @default - no checks
   */
  readonly deployChecks?: IDependable;
}
