import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import { nagFindings } from '../examples/nag-check';
import { MoodleOnFargate } from '../src';

/** The ID of com.amazonaws.global.cloudfront.origin-facing in us-east-1 (no lookup: snapshots verify offline). */
export const US_EAST_1_CLOUDFRONT_PREFIX_LIST = 'pl-3b927c52';

/** Fails the synth if a test stack has an unacknowledged cdk-nag finding. */
export function assertNoNagFindings(stack: Stack): void {
  const findings = nagFindings(stack);
  if (findings.length > 0) throw new Error(`cdk-nag findings in ${stack.stackName}:\n${findings.join('\n')}`);
}

/** The assertions of assertSiteWorks, for assertions that must come after them (`next`). */
export interface SiteChecks {
  readonly loginPage: IApiCall;
  readonly services: IApiCall;
}

/**
 * What a deployed site must do: answer https://<site>/login/index.php with 200 and Moodle's login form
 * (retried while the first install finishes and the tasks start), and run its web and cron services at their
 * desired counts.
 */
export function assertSiteWorks(integ: IntegTest, moodle: MoodleOnFargate, webTasks: number): SiteChecks {
  const loginPage = integ.assertions
    .httpApiCall(`${moodle.siteUrl}/login/index.php`)
    .expect(ExpectedResult.objectLike({
      status: 200,
      body: Match.stringLikeRegexp('<form[^>]+id="login"[\\s\\S]*name="username"[\\s\\S]*name="password"'),
    }))
    .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) });

  const services = integ.assertions
    .awsApiCall('ECS', 'describeServices', {
      cluster: moodle.service.cluster.clusterName,
      services: [moodle.service.webService.serviceName, moodle.service.cronService.serviceName],
    })
    .expect(ExpectedResult.objectLike({
      services: [
        Match.objectLike({ runningCount: webTasks, desiredCount: webTasks }),
        Match.objectLike({ runningCount: 1, desiredCount: 1 }),
      ],
    }))
    .waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.seconds(30) });
  return { loginPage, services };
}
