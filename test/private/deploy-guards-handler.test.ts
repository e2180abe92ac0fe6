import * as path from 'path';

// The deploy-guard handlers (plain JavaScript shipped in the package), run against fake AWS clients.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const guards = require(path.join(__dirname, '..', '..', 'src', 'private', 'handlers', 'deploy-guards.js')) as {
  ZONE_CHECK: string;
  PROTECTION_GUARD: string;
  EMPTY_BUCKET: string;
  createHandler(clients: Record<string, (input: any) => Promise<any>>): (event: Record<string, unknown>) => Promise<any>;
};

/** us-east-1 of an account where us-east-1a is use1-az3, where CloudFront VPC origins are not available. */
const ACCOUNT_ZONES = [
  { ZoneName: 'us-east-1a', ZoneId: 'use1-az3' },
  { ZoneName: 'us-east-1b', ZoneId: 'use1-az4' },
  { ZoneName: 'us-east-1c', ZoneId: 'use1-az6' },
  { ZoneName: 'us-east-1d', ZoneId: 'use1-az1' },
];
const UNSUPPORTED = ['use1-az3', 'usw1-az2', 'apne1-az3', 'cac1-az3'];

function fakeAws(stackStatus = 'CREATE_IN_PROGRESS') {
  const calls: Array<[string, any]> = [];
  const record = (name: string, answer: (input: any) => any) => async (input: any) => {
    calls.push([name, input]);
    return answer(input);
  };
  const clients = {
    describeAvailabilityZones: record('describeAvailabilityZones', (input) => ({
      AvailabilityZones: input.ZoneNames ? ACCOUNT_ZONES.filter((zone) => input.ZoneNames.includes(zone.ZoneName)) : ACCOUNT_ZONES,
    })),
    describeSubnets: record('describeSubnets', (input) => ({
      Subnets: input.SubnetIds.map((id: string, index: number) => ({
        SubnetId: id, AvailabilityZone: ACCOUNT_ZONES[index].ZoneName, AvailabilityZoneId: ACCOUNT_ZONES[index].ZoneId,
      })),
    })),
    describeStacks: record('describeStacks', () => ({ Stacks: [{ StackStatus: stackStatus }] })),
    modifyDbCluster: record('modifyDbCluster', () => ({})),
    modifyDbInstance: record('modifyDbInstance', () => ({})),
    modifyLoadBalancerAttributes: record('modifyLoadBalancerAttributes', () => ({})),
    listObjectVersions: record('listObjectVersions', (input) => (input.KeyMarker === undefined
      ? { Versions: [{ Key: 'alb/ELBAccessLogTestFile', VersionId: 'v1' }], IsTruncated: true, NextKeyMarker: 'k', NextVersionIdMarker: 'v' }
      : { Versions: [{ Key: 'cf/log.gz', VersionId: 'v2' }], DeleteMarkers: [{ Key: 'old', VersionId: 'v3' }], IsTruncated: false })),
    deleteObjects: record('deleteObjects', () => ({})),
  };
  return { clients, calls, names: () => calls.map(([name]) => name) };
}

const event = (resourceType: string, requestType: string, properties: Record<string, unknown>) => ({
  ResourceType: resourceType,
  RequestType: requestType,
  ResourceProperties: properties,
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Moodle/1',
  LogicalResourceId: 'Guard',
  PhysicalResourceId: 'guard-1',
});

describe('the Availability Zone check', () => {
  test('AZs whose IDs support VPC origins pass, and their IDs come back', async () => {
    const aws = fakeAws();
    const result = await guards.createHandler(aws.clients)(event(guards.ZONE_CHECK, 'Create', { Zones: ['us-east-1b', 'us-east-1c'], UnsupportedZoneIds: UNSUPPORTED }));
    expect(result.Data).toEqual({ ZoneIds: 'use1-az4,use1-az6' });
  });

  test('an AZ whose ID is unsupported fails, naming it, the prop and this account\'s usable AZ names', async () => {
    const aws = fakeAws();
    const run = guards.createHandler(aws.clients)(event(guards.ZONE_CHECK, 'Create', { Zones: ['us-east-1a', 'us-east-1b'], UnsupportedZoneIds: UNSUPPORTED }));
    await expect(run).rejects.toThrow(
      /not available in us-east-1a: AZ ID use1-az3.*Set MoodleNetwork's availabilityZones.*to 2 of this account's AZs where they are: \['us-east-1b', 'us-east-1c'\]/,
    );
  });

  test('an existing VPC\'s subnets are judged by the AZ ID EC2 reports for each', async () => {
    const aws = fakeAws();
    const run = guards.createHandler(aws.clients)(event(guards.ZONE_CHECK, 'Update', { SubnetIds: ['subnet-1', 'subnet-2'], UnsupportedZoneIds: UNSUPPORTED }));
    await expect(run).rejects.toThrow(/subnet-1 \(us-east-1a\): AZ ID use1-az3.*Give MoodleNetwork a vpc whose private subnets.*us-east-1b, us-east-1c, us-east-1d/);
  });

  test('deleting the check calls nothing', async () => {
    const aws = fakeAws();
    await guards.createHandler(aws.clients)(event(guards.ZONE_CHECK, 'Delete', { Zones: ['us-east-1a'], UnsupportedZoneIds: UNSUPPORTED }));
    expect(aws.calls).toEqual([]);
  });
});

describe('the deletion protection guard', () => {
  const targets: Array<[string, Record<string, string>, string, Record<string, unknown>]> = [
    ['database cluster', { DbClusterIdentifier: 'moodle-db' }, 'modifyDbCluster', { DBClusterIdentifier: 'moodle-db', DeletionProtection: false, ApplyImmediately: true }],
    ['database instance', { DbInstanceIdentifier: 'moodle-db' }, 'modifyDbInstance', { DBInstanceIdentifier: 'moodle-db', DeletionProtection: false, ApplyImmediately: true }],
    ['load balancer', { LoadBalancerArn: 'arn:lb' }, 'modifyLoadBalancerAttributes', {
      LoadBalancerArn: 'arn:lb', Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
    }],
  ];
  test.each(targets)('turns off the %s\'s protection when the stack\'s first creation rolls back', async (_name, properties, call, input) => {
    const aws = fakeAws('ROLLBACK_IN_PROGRESS');
    await guards.createHandler(aws.clients)(event(guards.PROTECTION_GUARD, 'Delete', properties));
    expect(aws.calls).toEqual([['describeStacks', { StackName: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Moodle/1' }], [call, input]]);
  });

  test.each(['DELETE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'])(
    'keeps the protection when the stack is in %s', async (status) => {
      const aws = fakeAws(status);
      await guards.createHandler(aws.clients)(event(guards.PROTECTION_GUARD, 'Delete', { DbClusterIdentifier: 'moodle-db' }));
      expect(aws.names()).toEqual(['describeStacks']);
    });

  test('creating it touches nothing', async () => {
    const aws = fakeAws();
    await guards.createHandler(aws.clients)(event(guards.PROTECTION_GUARD, 'Create', { LoadBalancerArn: 'arn:lb' }));
    expect(aws.calls).toEqual([]);
  });
});

describe('the bucket emptied on rollback', () => {
  test('deletes every object version, page by page, when the first creation rolls back', async () => {
    const aws = fakeAws('ROLLBACK_IN_PROGRESS');
    await guards.createHandler(aws.clients)(event(guards.EMPTY_BUCKET, 'Delete', { BucketName: 'logs' }));
    const deletes = aws.calls.filter(([name]) => name === 'deleteObjects').map(([, input]) => input.Delete.Objects.map((o: any) => o.Key));
    expect(deletes).toEqual([['alb/ELBAccessLogTestFile'], ['cf/log.gz', 'old']]);
  });

  test('keeps the objects when the stack is deleted', async () => {
    const aws = fakeAws('DELETE_IN_PROGRESS');
    await guards.createHandler(aws.clients)(event(guards.EMPTY_BUCKET, 'Delete', { BucketName: 'logs' }));
    expect(aws.names()).toEqual(['describeStacks']);
  });
});
