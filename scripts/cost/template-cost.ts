import { HOURS_PER_MONTH, usEast1Prices } from './prices';

/** A CloudFormation template as JSON. */
export interface CfnTemplate {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, any> }>;
}

/** One fixed monthly cost of a template: what, how many, and the USD per month in total. */
export interface CostLine {
  readonly item: string;
  readonly count: number;
  readonly monthlyUsd: number;
}

function resourcesOfType(template: CfnTemplate, type: string) {
  return Object.values(template.Resources ?? {}).filter((resource) => resource.Type === type);
}

/**
 * The network and edge costs a template incurs every month whether or not anyone uses the site
 * (hourly and monthly charges), at us-east-1 list prices. Usage (data processed, requests, storage) is
 * not included. {@link siteCostLines} adds the data and service tiers.
 */
export function fixedMonthlyCost(template: CfnTemplate): CostLine[] {
  const lines: CostLine[] = [];
  const natGateways = resourcesOfType(template, 'AWS::EC2::NatGateway').length;
  lines.push({ item: 'NAT gateway', count: natGateways, monthlyUsd: natGateways * usEast1Prices.natGatewayHour * HOURS_PER_MONTH });
  const elasticIps = resourcesOfType(template, 'AWS::EC2::EIP').length;
  lines.push({ item: 'Public IPv4 address (NAT)', count: elasticIps, monthlyUsd: elasticIps * usEast1Prices.publicIpv4Hour * HOURS_PER_MONTH });
  const endpointAzs = resourcesOfType(template, 'AWS::EC2::VPCEndpoint')
    .filter((endpoint) => endpoint.Properties?.VpcEndpointType === 'Interface')
    .reduce((sum, endpoint) => sum + (endpoint.Properties?.SubnetIds?.length ?? 0), 0);
  lines.push({
    item: 'Interface VPC endpoint (per AZ)',
    count: endpointAzs,
    monthlyUsd: endpointAzs * usEast1Prices.interfaceEndpointAzHour * HOURS_PER_MONTH,
  });
  const loadBalancers = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').length;
  lines.push({
    item: 'Application Load Balancer (hours; LCUs are usage)',
    count: loadBalancers,
    monthlyUsd: loadBalancers * usEast1Prices.applicationLoadBalancerHour * HOURS_PER_MONTH,
  });
  const webAcls = resourcesOfType(template, 'AWS::WAFv2::WebACL');
  lines.push({ item: 'WAF web ACL', count: webAcls.length, monthlyUsd: webAcls.length * usEast1Prices.wafWebAclMonth });
  const rules = webAcls.reduce((sum, acl) => sum + (acl.Properties?.Rules?.length ?? 0), 0);
  lines.push({ item: 'WAF rule or managed rule group (requests are usage)', count: rules, monthlyUsd: rules * usEast1Prices.wafRuleMonth });
  const dashboards = resourcesOfType(template, 'AWS::CloudWatch::Dashboard').length;
  lines.push({ item: 'CloudWatch dashboard', count: dashboards, monthlyUsd: dashboards * usEast1Prices.dashboardMonth });
  return lines.filter((line) => line.count > 0);
}

/** The total of some cost lines, in USD per month. */
export function totalMonthlyUsd(lines: CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.monthlyUsd, 0);
}
