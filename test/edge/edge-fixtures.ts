import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { prefixListContextKey } from '../../scripts/offline-context';
import { MoodleNetwork, NatLayout } from '../../src';

export const ACCOUNT = '123456789012';
/** What the lookup of CloudFront's origin-facing prefix list answers in the tests. */
export const CLOUDFRONT_PREFIX_LIST_ID = 'pl-3b927c52';

/** An app whose context answers the AZ and prefix-list lookups for the given Regions, like cdk.context.json would. */
export function edgeTestApp(regions: string[] = ['eu-west-1', 'us-east-1']): App {
  const context: Record<string, unknown> = {};
  for (const region of regions) {
    context[`availability-zones:account=${ACCOUNT}:region=${region}`] = ['a', 'b', 'c'].map((az) => `${region}${az}`);
    context[prefixListContextKey(ACCOUNT, region)] = [{ PrefixListId: CLOUDFRONT_PREFIX_LIST_ID, Identifier: CLOUDFRONT_PREFIX_LIST_ID }];
  }
  return new App({ context });
}

/** A stack in a fixed account and Region (default us-east-1, where MoodleEdge creates everything itself). */
export function edgeTestStack(region = 'us-east-1', props: StackProps = {}, app = edgeTestApp([region])): Stack {
  return new Stack(app, `Moodle-${region}`, { env: { account: ACCOUNT, region }, ...props });
}

/** The network every edge test puts its load balancer in. */
export function testNetwork(stack: Stack): MoodleNetwork {
  return new MoodleNetwork(stack, 'Network', { natLayout: NatLayout.SINGLE });
}

/** A Route 53 zone imported with its name, as a user with an existing zone would. */
export function testZone(stack: Stack, zoneName = 'example.edu'): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName });
}
