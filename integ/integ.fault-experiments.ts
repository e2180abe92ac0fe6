import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { assertNoNagFindings, assertSiteWorks, US_EAST_1_CLOUDFRONT_PREFIX_LIST } from './site-assertions';
import { MoodleOnFargate, MoodlePreset } from '../src';

// A small site with the fault experiments: stopping one of its two web tasks keeps the site up, and a session
// logged in before is still logged in after (sessions live in Valkey, not in the task).
const app = new App();
const env = { region: 'us-east-1' };
const stack = new Stack(app, 'MoodleIntegFaults', { env });
const moodle = new MoodleOnFargate(stack, 'Moodle', {
  preset: MoodlePreset.DEVELOPMENT,
  edge: { cloudFrontPrefixListId: US_EAST_1_CLOUDFRONT_PREFIX_LIST },
  service: { adminEmail: 'integ-admin@example.com', minCapacity: 2 },
  data: { removalPolicy: RemovalPolicy.DESTROY },
  faultExperiments: true,
});
assertNoNagFindings(stack);

const assertionStack = new Stack(app, 'FaultExperimentsAssertions', { env });
const integ = new IntegTest(app, 'FaultExperiments', { testCases: [stack], assertionStack, regions: ['us-east-1'] });
const site = assertSiteWorks(integ, moodle, 2);

const sessionCheck = new lambda.Function(assertionStack, 'SessionCheck', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'session-check')),
  timeout: Duration.seconds(90),
  logGroup: new logs.LogGroup(assertionStack, 'SessionCheckLogs', { retention: logs.RetentionDays.ONE_DAY, removalPolicy: RemovalPolicy.DESTROY }),
  environment: { SITE_URL: moodle.siteUrl, ADMIN_SECRET_ARN: moodle.service.adminSecret.secretArn },
});
moodle.service.adminSecret.grantRead(sessionCheck);

const login = integ.assertions.invokeFunction({ functionName: sessionCheck.functionName, payload: JSON.stringify({ mode: 'login' }) });
const start = integ.assertions.awsApiCall('FIS', 'startExperiment', {
  experimentTemplateId: moodle.faultExperiments!.stopOneWebTask.templateId,
});
const completed = integ.assertions
  .awsApiCall('FIS', 'getExperiment', { id: start.getAttString('experiment.id') })
  .expect(ExpectedResult.objectLike({ experiment: { state: { status: 'completed' } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) });
const stillLoggedIn = integ.assertions
  .invokeFunction({
    functionName: sessionCheck.functionName,
    payload: assertionStack.toJsonString({ mode: 'check', cookie: login.getAttString('Payload.cookie') }),
  })
  .expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"loginPage":200,"loggedIn":true') }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

site.loginPage.next(login);
site.services.next(login);
login.next(start).next(completed).next(stillLoggedIn);
