import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../src';
import { testStack } from './util/checks';

/**
 * A web task's stop and its session locks agree with the edge: the load balancer drains a task for the longest request
 * the edge lets a viewer wait, Apache's graceful stop lets a request in flight finish that long, the container's stop
 * timeout follows it and stays within Fargate's 120 s (Spot's notice), and a lock left by a killed task frees the session
 * within that time too.
 */
function lifetimeOf(originResponseTimeout?: Duration) {
  const stack = testStack('us-east-1');
  new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.DEVELOPMENT, edge: { originResponseTimeout } });
  const template = Template.fromStack(stack);
  const [targetGroup] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'));
  const [loadBalancer] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
  const attribute = (attributes: any[], key: string) => Number(attributes.find((a) => a.Key === key).Value);
  const web = Object.values(template.findResources('AWS::ECS::TaskDefinition'))
    .map((definition) => definition.Properties.ContainerDefinitions[0])
    .find((container) => container.Environment.some((e: any) => e.Name === 'MOODLE_ROLE' && e.Value === 'web'));
  const env = (name: string) => Number(web.Environment.find((e: any) => e.Name === name).Value);
  return {
    stack,
    longest: (originResponseTimeout ?? Duration.seconds(60)).toSeconds(),
    drain: attribute(targetGroup.Properties.TargetGroupAttributes, 'deregistration_delay.timeout_seconds'),
    idle: attribute(loadBalancer.Properties.LoadBalancerAttributes, 'idle_timeout.timeout_seconds'),
    graceful: env('APACHE_GRACEFUL_SHUTDOWN_TIMEOUT'),
    stopTimeout: web.StopTimeout,
    lockExpiry: env('MOODLE_REDIS_LOCK_EXPIRE'),
    lockWait: env('MOODLE_REDIS_LOCK_TIMEOUT'),
  };
}

const stopWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('originResponseTimeout is'))
  .map((warning) => String(warning.entry.data))
  .filter((message) => message.includes('stopping web task'));

describe.each([undefined, 20, 60, 105])('origin response timeout %p s', (seconds) => {
  const t = lifetimeOf(seconds === undefined ? undefined : Duration.seconds(seconds));

  test('a draining task finishes the longest request; Apache then stops gracefully before the forced stop, within 120 s', () => {
    expect(t.drain).toBeGreaterThanOrEqual(t.longest);
    expect(t.drain).toBeLessThan(120);
    expect(t.graceful).toBeGreaterThanOrEqual(t.longest);
    expect(t.stopTimeout).toBeGreaterThan(t.graceful);
    expect(t.stopTimeout).toBeLessThanOrEqual(120);
    expect(t.idle).toBeGreaterThan(t.longest);
  });

  test('a session lock lives no longer than the longest request, and a request waits for one as long as its viewer does', () => {
    expect(t.lockExpiry).toBe(t.longest);
    expect(t.lockWait).toBe(t.longest);
  });

  test('no warning about requests cut at a stop', () => {
    expect(stopWarnings(t.stack)).toEqual([]);
  });
});

test('above 105 s (a quota increase allows up to 180 s), a stop cuts longer requests: capped at 120 s, with a warning', () => {
  const t = lifetimeOf(Duration.seconds(180));
  expect({ drain: t.drain, graceful: t.graceful, stopTimeout: t.stopTimeout, lockExpiry: t.lockExpiry }).toEqual({
    drain: 110, graceful: 110, stopTimeout: 120, lockExpiry: 180,
  });
  expect(stopWarnings(t.stack)).toEqual([expect.stringContaining('lets requests finish for at most 105 s: longer requests are cut then')]);
});
