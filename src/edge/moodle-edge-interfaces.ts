import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/**
 * What the Moodle web service needs from the edge: the public URL users reach Moodle at
 * (Moodle's `wwwroot`) and the load balancer target group to register its tasks in.
 */
export interface IMoodleEdge {
  /** The public URL of the site, `https://` and no trailing slash: Moodle's `$CFG->wwwroot`. */
  readonly siteUrl: string;
  /**
   * The target group the web tasks register in (HTTP to the container port, health check on the
   * image's health path).
   */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
}
