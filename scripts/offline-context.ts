// Prints the context that answers the synth-time lookups of the examples (Availability Zones, CloudFront's
// origin-facing prefix list) for a placeholder account, as `cdk.context.json` would after a real lookup.
// Used for offline synthesis: scripts/synth-examples.sh passes it as CDK_CONTEXT_JSON.
import { App, ContextProvider, Stack } from 'aws-cdk-lib';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';

export const OFFLINE_ACCOUNT = '123456789012';
/** The ID AWS gives com.amazonaws.global.cloudfront.origin-facing in us-east-1. */
const PREFIX_LIST_IDS: Record<string, string> = { 'us-east-1': 'pl-3b927c52', 'eu-west-1': 'pl-4fa04526' };

/** The context key under which `PrefixList.fromLookup` finds CloudFront's origin-facing prefix list. */
export function prefixListContextKey(account: string, region: string): string {
  const probe = new Stack(new App(), 'Probe', { env: { account, region } });
  return ContextProvider.getKey(probe, {
    provider: cxschema.ContextProvider.CC_API_PROVIDER,
    props: {
      typeName: 'AWS::EC2::PrefixList',
      propertyMatch: { PrefixListName: 'com.amazonaws.global.cloudfront.origin-facing' },
      propertiesToReturn: ['PrefixListId'],
      expectedMatchCount: 'exactly-one',
    },
  }).key;
}

export function offlineContext(regions: string[]): Record<string, unknown> {
  // Like the CDK CLI: each resource records its construct path (the architecture diagram reads it).
  const context: Record<string, unknown> = { 'aws:cdk:enable-path-metadata': true };
  for (const region of regions) {
    context[`availability-zones:account=${OFFLINE_ACCOUNT}:region=${region}`] = ['a', 'b', 'c'].map((az) => `${region}${az}`);
    const key = prefixListContextKey(OFFLINE_ACCOUNT, region);
    context[key] = [{ PrefixListId: PREFIX_LIST_IDS[region], Identifier: PREFIX_LIST_IDS[region] }];
  }
  return context;
}

if (require.main === module) {
  console.log(JSON.stringify(offlineContext(Object.keys(PREFIX_LIST_IDS))));
}
