import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';

/**
 * What the Moodle web service needs from the edge: the public URL users reach Moodle at
 * (Moodle's `wwwroot`) and the load balancer target group to register its tasks in.
 */
export interface IMoodleEdge extends IConstruct {
  /** The public URL of the site, `https://` and no trailing slash: Moodle's `$CFG->wwwroot`. */
  readonly siteUrl: string;
  /**
   * The target group the web tasks register in (HTTP to the container port, health check on the
   * image's health path).
   */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /**
   * How many proxies stand in front of the web tasks, each appending the address it received a request from to
   * `X-Forwarded-For` (MoodleEdge: 2, CloudFront and then the load balancer). Moodle records the address the
   * outermost proxy saw, and ignores what a viewer puts in the header. Only correct when no request reaches the
   * tasks without passing every one of them.
   *
   * @default - 0: Moodle records the address that connects to the task
   */
  readonly forwardingProxies?: number;

  /**
   * The longest a viewer waits for the site's answer before the edge gives up (CloudFront's origin response timeout):
   * the web tasks derive their session-lock expiry and their graceful stop from it.
   *
   * @default - 60 seconds
   */
  readonly originResponseTimeout?: Duration;

  /** 5xx responses users got, from the edge itself and from Moodle, summed per five minutes. */
  metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /** Web tasks failing their health check, the most in each minute. */
  metricUnhealthyTargets(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
}
