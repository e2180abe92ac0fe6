/**
 * us-east-1 on-demand list prices (USD) used by the cost scripts, checked against the AWS pricing
 * pages in November 2026. A month is 730 hours.
 */
export const HOURS_PER_MONTH = 730;

export const usEast1Prices = {
  natGatewayHour: 0.045,
  publicIpv4Hour: 0.005,
  interfaceEndpointAzHour: 0.01,
  applicationLoadBalancerHour: 0.0225,
  wafWebAclMonth: 5,
  wafRuleMonth: 1,
  dashboardMonth: 3,
} as const;
