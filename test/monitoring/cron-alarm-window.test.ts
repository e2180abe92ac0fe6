import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { MoodleMonitoring } from '../../src/monitoring';
import { CRON_IDLE_INTERVAL_MAX_MINUTES, defaultCronStaleAfterMinutes } from '../../src/monitoring/cron-alarm-window';
import { MoodleService } from '../../src/service';
import { tiers, withFields } from '../service/doubles';
import { testStack } from '../util/checks';

// One rule for the service's cronIdleInterval and the monitoring's cron alarm: the alarm waits cronIdleInterval plus
// 30 minutes on 5-minute periods, and CloudWatch lets an alarm on periods under an hour look back at most one day.

/** The cron alarm of a site whose cron idles every cronIdleInterval (DEVELOPMENT: its database pauses), or never (PRODUCTION). */
function site(cronIdleInterval: Duration | undefined, cronStaleAfterMinutes?: number) {
  const stack = testStack('us-east-1');
  new MoodleOnFargate(stack, 'Moodle', {
    preset: cronIdleInterval ? MoodlePreset.DEVELOPMENT : MoodlePreset.PRODUCTION,
    monitoring: true,
    service: { cronIdleInterval },
    monitoringOptions: { cronStaleAfterMinutes },
  });
  const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
    .find((candidate) => candidate.Properties.MetricName === 'CronRuns')!;
  return alarm.Properties;
}

describe('cronIdleInterval and the cron alarm, with monitoring on', () => {
  test('the longest interval is 23 hours 30 minutes: the alarm then looks back exactly one day', () => {
    expect(CRON_IDLE_INTERVAL_MAX_MINUTES).toBe(1410);
    const alarm = site(Duration.minutes(1410));
    expect(alarm).toMatchObject({ Period: 300, EvaluationPeriods: 288 });
    expect(alarm.Period * alarm.EvaluationPeriods).toBe(86400);
  });

  test.each([Duration.minutes(1411), Duration.days(1)])('a longer one (%s) is refused by the service, naming the limit and the fix', (interval) => {
    expect(() => site(interval)).toThrow(
      /MoodleService: cronIdleInterval is .*; give 15 minutes to 23 hours 30 minutes.*waits cronIdleInterval plus 30 minutes.*looks back at most 1 day\. Give at most Duration\.minutes\(1410\)/,
    );
  });

  test('an interval of seconds that are not whole minutes rounds the alarm up to its period (1000 s -> 50 minutes)', () => {
    expect(site(Duration.seconds(1000))).toMatchObject({ Period: 300, EvaluationPeriods: 10 });
    expect(defaultCronStaleAfterMinutes(Duration.seconds(1000))).toBe(50);
    expect(defaultCronStaleAfterMinutes(undefined)).toBe(30);
  });

  test('a service of the user\'s own that idles longer than the alarm can wait is refused by the monitoring in cronIdleInterval\'s terms', () => {
    const stack = testStack();
    const { props, data, cache, edge } = tiers(stack);
    const service = withFields(new MoodleService(stack, 'Service', props), { cronIdleInterval: Duration.days(1) });
    expect(() => new MoodleMonitoring(stack, 'Monitoring', { service, data, cache, edge })).toThrow(
      /MoodleMonitoring: the service's cronIdleInterval is 1 day; give 15 minutes to 23 hours 30 minutes/,
    );
  });
});

describe('cronStaleAfterMinutes given: a multiple of 5 minutes up to one day', () => {
  test.each([5, 1440])('%p is taken', (minutes) => {
    expect(site(undefined, minutes)).toMatchObject({ Period: 300, EvaluationPeriods: minutes / 5 });
  });

  test.each([7, 1445, 2, 0])('%p is refused (not a whole number of 5-minute periods, or past one day)', (minutes) => {
    expect(() => site(undefined, minutes)).toThrow(
      new RegExp(`cronStaleAfterMinutes is ${minutes}; give a multiple of 5 minutes from 5 to 1440`),
    );
  });
});
