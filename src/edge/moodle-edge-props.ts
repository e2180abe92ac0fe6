import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
// For the documentation's links only.
import type { MoodleEdge } from './moodle-edge';
import { IMoodleNetwork } from '../contracts/network';

/**
 * Options of a {@link MoodleEdge}: everything but the parts it is wired to.
 */
export interface MoodleEdgeOptions {
  /**
   * The site's host name (lowercase, no scheme), for example `moodle.example.edu`. Moodle's
   * `wwwroot` becomes `https://<domainName>`. Needs `hostedZone` (certificates and DNS records are
   * created) or `certificate` (existing certificates).
   *
   * @default - the site is served on the distribution's CloudFront domain (`https://dxxxx.cloudfront.net`)
   */
  readonly domainName?: string;

  /**
   * The Route 53 public hosted zone `domainName` belongs to. MoodleEdge creates the alias records
   * (A and AAAA) in it and validates the certificates it creates through it.
   *
   * @default - no DNS records; `certificate` must be given with `domainName`
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * The ACM certificate CloudFront shows viewers, valid for `domainName`. It must be in us-east-1.
   *
   * @default - created with `hostedZone` when the stack is in us-east-1; a stack in another Region
   * must pass one (see MoodleEdgeGlobal)
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The ACM certificate of the load balancer's HTTPS listener, valid for `domainName`, in the
   * stack's Region (CloudFront checks it against the Host header it forwards).
   *
   * @default - `certificate` when the stack is in us-east-1, else created with `hostedZone`
   */
  readonly loadBalancerCertificate?: acm.ICertificate;

  /**
   * How long CloudFront waits for Moodle's response (1 to 180 s; above 60 s only after a Service
   * Quotas increase of CloudFront's "Response timeout per origin"). Long admin pages (upgrades,
   * large course restores) need more, or run them from the CLI. The load balancer's idle timeout
   * follows it.
   *
   * @default Duration.seconds(60)
   */
  readonly originResponseTimeout?: Duration;

  /**
   * Whether the distribution is protected by AWS WAF.
   *
   * @default true
   */
  readonly enableWaf?: boolean;

  /**
   * An existing AWS WAF web ACL for CloudFront (scope CLOUDFRONT, in us-east-1) to use instead of
   * creating one, for example `MoodleEdgeGlobal.webAclArn` from a us-east-1 stack.
   *
   * @default - a MoodleWebAcl is created, which requires the stack to be in us-east-1
   */
  readonly webAclArn?: string;

  /**
   * POSTs to the login form (`/login/index.php`) one client IP may send in 5 minutes before AWS
   * WAF blocks its further attempts (AWS's minimum is 10). Only for the web ACL MoodleEdge creates.
   *
   * @default 500
   */
  readonly loginRateLimit?: number;

  /**
   * How long the AWS WAF request logs of the web ACL MoodleEdge creates are kept (CloudWatch Logs; request
   * bodies are never logged, cookies, `Authorization` and query strings are redacted).
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly wafLogRetention?: logs.RetentionDays;

  /**
   * Whether the load balancer has deletion protection (turn it off for short-lived test sites).
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * How long load balancer and CloudFront access logs are kept in their S3 bucket.
   *
   * @default Duration.days(90)
   */
  readonly accessLogRetention?: Duration;

  /**
   * CloudFront's price class (which edge locations serve the site).
   *
   * @default cloudfront.PriceClass.PRICE_CLASS_ALL
   */
  readonly priceClass?: cloudfront.PriceClass;

  /**
   * The ID (`pl-…`) of the managed prefix list `com.amazonaws.global.cloudfront.origin-facing` in
   * the stack's Region, the only source the load balancer admits.
   *
   * @default - looked up by name at synth time (`ec2.PrefixList.fromLookup`, cached in
   * cdk.context.json); needs a stack with a concrete account and Region
   */
  readonly cloudFrontPrefixListId?: string;
}

/**
 * Properties of a {@link MoodleEdge}.
 */
export interface MoodleEdgeProps extends MoodleEdgeOptions {
  /** The network: the load balancer goes into its application subnets (internal, never public). */
  readonly network: IMoodleNetwork;
}
