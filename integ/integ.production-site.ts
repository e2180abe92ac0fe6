import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { assertNoNagFindings, assertSiteWorks, US_EAST_1_CLOUDFRONT_PREFIX_LIST } from './site-assertions';
import { MoodleOnFargate, MoodlePreset } from '../src';

// A production-like site (Multi-AZ database, HA cache, two web tasks, WAF, alarms) that the test can delete.
const app = new App();
const stack = new Stack(app, 'MoodleIntegProduction', { env: { region: 'us-east-1' } });
const moodle = new MoodleOnFargate(stack, 'Moodle', {
  preset: MoodlePreset.PRODUCTION,
  edge: { cloudFrontPrefixListId: US_EAST_1_CLOUDFRONT_PREFIX_LIST, deletionProtection: false },
  data: { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false },
  service: { adminEmail: 'integ-admin@example.com' },
});
assertNoNagFindings(stack);

// The assertions run in the same environment as the site, so they can read its outputs.
const assertionStack = new Stack(app, 'ProductionSiteAssertions', { env: { region: 'us-east-1' } });
const integ = new IntegTest(app, 'ProductionSite', { testCases: [stack], assertionStack, regions: ['us-east-1'] });
assertSiteWorks(integ, moodle, 2);
