import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../src';
import { testStack } from './util/checks';

/** A failed first `cdk deploy` rolls back cleanly and leaves nothing behind, in every kind of site. */
const sites: Array<[string, (stack: Stack) => void]> = [
  ['DEVELOPMENT', (stack) => new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.DEVELOPMENT })],
  ['PRODUCTION', (stack) => new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.PRODUCTION })],
  ['protected Aurora, with a pipeline', (stack) => new MoodleOnFargate(stack, 'Moodle', {
    preset: MoodlePreset.DEVELOPMENT,
    pipeline: true,
    data: { deletionProtection: true, removalPolicy: RemovalPolicy.RETAIN },
    edge: { deletionProtection: true },
  })],
];

describe.each(sites)('a failed first deployment of a %s site', (_name, build) => {
  const stack = testStack('us-east-1');
  build(stack);
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, any>;
  const refersTo = (value: unknown, logicalId: string) => JSON.stringify(value).includes(`"${logicalId}"`);
  const guardsOf = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);

  test('deletes what the stack keeps on deletion (RetainExceptOnCreate, never Retain)', () => {
    const retained = Object.entries(resources).filter(([, resource]) => resource.DeletionPolicy === 'Retain').map(([id]) => id);
    expect(retained).toEqual([]);
  });

  test('empties every kept bucket and ECR repository first', () => {
    for (const [id, resource] of Object.entries(resources)) {
      if (resource.DeletionPolicy !== 'RetainExceptOnCreate') continue;
      if (resource.Type === 'AWS::S3::Bucket') {
        expect({ id, emptied: guardsOf('Custom::MoodleEmptyBucketOnRollback').some((guard) => refersTo(guard.Properties, id)) }).toEqual({ id, emptied: true });
      }
      if (resource.Type === 'AWS::ECR::Repository') expect({ id, empty: resource.Properties.EmptyOnDelete }).toEqual({ id, empty: true });
    }
  });

  test('can delete what has deletion protection: a guard turns it off in that rollback only', () => {
    const guards = guardsOf('Custom::MoodleDeletionProtectionGuard');
    const protectedIds = Object.entries(resources).filter(([, resource]) => resource.Properties?.DeletionProtection === true ||
      (resource.Properties?.LoadBalancerAttributes ?? []).some((a: any) => a.Key === 'deletion_protection.enabled' && a.Value === 'true'))
      .map(([id]) => id);
    for (const id of protectedIds) {
      const guard = guards.find((candidate) => refersTo(candidate.Properties, id) || (candidate.DependsOn ?? []).includes(id));
      expect({ id, guarded: guard !== undefined }).toEqual({ id, guarded: true });
      expect(guard.DependsOn).toContain(id); // deleted before the resource it guards
    }
  });
});

test('the PRODUCTION preset protects its database and load balancer', () => {
  const stack = testStack('us-east-1');
  const site = new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.PRODUCTION });
  expect(site.data.deletionProtectionGuard).toBeDefined();
  expect(site.edge.deletionProtectionGuard).toBeDefined();
  Template.fromStack(stack).resourceCountIs('Custom::MoodleDeletionProtectionGuard', 2);
});

test('the DEVELOPMENT preset has no deletion protection and so no guard', () => {
  const stack = testStack('us-east-1');
  const site = new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.DEVELOPMENT });
  expect(site.data.deletionProtectionGuard).toBeUndefined();
  Template.fromStack(stack).resourceCountIs('Custom::MoodleDeletionProtectionGuard', 0);
});
