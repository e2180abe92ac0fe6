import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { assertNoNagFindings, assertSiteWorks, US_EAST_1_CLOUDFRONT_PREFIX_LIST } from './site-assertions';
import { MoodleOnFargate, MoodlePreset } from '../src';

// The minimal site: development preset on the CloudFront domain.
const app = new App();
const stack = new Stack(app, 'MoodleIntegMinimal', { env: { region: 'us-east-1' } });
const moodle = new MoodleOnFargate(stack, 'Moodle', {
  preset: MoodlePreset.DEVELOPMENT,
  edge: { cloudFrontPrefixListId: US_EAST_1_CLOUDFRONT_PREFIX_LIST },
  service: { adminEmail: 'integ-admin@example.com' },
  data: { removalPolicy: RemovalPolicy.DESTROY },
});
assertNoNagFindings(stack);

// The assertions run in the same environment as the site, so they can read its outputs.
const assertionStack = new Stack(app, 'MinimalSiteAssertions', { env: { region: 'us-east-1' } });
const integ = new IntegTest(app, 'MinimalSite', { testCases: [stack], assertionStack, regions: ['us-east-1'] });
assertSiteWorks(integ, moodle, 1);
