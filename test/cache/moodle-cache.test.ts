import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CacheEngine, MoodleCache, MoodleCacheDeployment, MoodleCacheProps, MoodleNetwork } from '../../src';
import { checkStack, testStack } from '../util/checks';
import { problemsOf } from '../util/problems';

function cacheStack(props: Partial<MoodleCacheProps> = {}) {
  const stack = testStack();
  const network = new MoodleNetwork(stack, 'Network');
  const cache = new MoodleCache(stack, 'Cache', { network, ...props });
  return { stack, network, cache };
}

describe('MoodleCache defaults', () => {
  const { stack, cache, network } = cacheStack();
  const template = checkStack(stack, 'data-cache-default');

  test('creates a Valkey 8.1 replication group of two cache.t4g.small nodes', () => {
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1);
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      EngineVersion: '8.1',
      CacheNodeType: 'cache.t4g.small',
      NumCacheClusters: 2,
      Port: 6379,
    });
  });

  test('puts the replica in the second AZ with Multi-AZ and automatic failover', () => {
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      PreferredCacheClusterAZs: ['eu-west-1a', 'eu-west-1b'],
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
    });
  });

  test('encrypts in transit and at rest, with an AUTH password from Secrets Manager', () => {
    const group = Object.values(template.findResources('AWS::ElastiCache::ReplicationGroup'))[0];
    expect(group.Properties.TransitEncryptionEnabled).toBe(true);
    expect(group.Properties.AtRestEncryptionEnabled).toBe(true);
    // A dynamic reference resolved by CloudFormation: the password never appears in the template.
    expect(JSON.stringify(group.Properties.AuthToken)).toMatch(/\{\{resolve:secretsmanager:.*:SecretString:::\}\}/);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
    expect(cache.transitEncryption).toBe(true);
    expect(cache.authSecret).toBeDefined();
  });

  test('never evicts: maxmemory-policy noeviction in its own parameter group', () => {
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey8',
      Properties: { 'maxmemory-policy': 'noeviction' },
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheParameterGroupName: { Ref: Match.stringLikeRegexp('^CacheParameterGroup') },
    });
  });

  test('alarms on each node before memory is full', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DatabaseMemoryUsageCountedForEvictPercentage',
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(cache.memoryAlarms).toHaveLength(2);
  });

  test('hard-codes no physical name', () => {
    const group = Object.values(template.findResources('AWS::ElastiCache::ReplicationGroup'))[0];
    expect(group.Properties.ReplicationGroupId).toBeUndefined();
    const subnetGroup = Object.values(template.findResources('AWS::ElastiCache::SubnetGroup'))[0];
    expect(subnetGroup.Properties.CacheSubnetGroupName).toBeUndefined();
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheSubnetGroupName: { Ref: Match.stringLikeRegexp('^CacheSubnetGroup') },
    });
  });

  test('lives in the data subnets', () => {
    const dataSubnets = network.vpc.selectSubnets(network.dataSubnets).subnetIds.map((id) => stack.resolve(id));
    template.hasResourceProperties('AWS::ElastiCache::SubnetGroup', { SubnetIds: dataSubnets });
  });

  test('admits nobody until allowed in through connections', () => {
    const sg = Object.values(template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('Moodle cache') },
    }))[0];
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(sg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
  });

  test('exposes a plain host name, port and TLS flag for MoodleService', () => {
    expect(stack.resolve(cache.endpointAddress)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CacheReplicationGroup/), 'PrimaryEndPoint.Address'] });
    expect(cache.port).toBe(6379);
    expect(cache.engine).toBe(CacheEngine.VALKEY);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('MoodleCache props', () => {
  test('the tasks are let in through connections', () => {
    const { stack, cache, network } = cacheStack();
    const tasks = new ec2.SecurityGroup(stack, 'Tasks', { vpc: network.vpc });
    cache.connections.allowDefaultPortFrom(tasks);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6379, ToPort: 6379, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Tasks'), 'GroupId'] },
    });
  });

  test('Redis OSS 7.1 with three nodes on a larger type', () => {
    const { stack } = cacheStack({ engine: CacheEngine.REDIS_OSS, deployment: MoodleCacheDeployment.nodes({ replicas: 2, nodeType: 'cache.r7g.large', port: 6380 }) });
    const template = checkStack(stack, 'data-cache-redis');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheNodeType: 'cache.r7g.large',
      NumCacheClusters: 3,
      Port: 6380,
      PreferredCacheClusterAZs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1a'],
    });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: 'redis7' });
  });

  test('Redis OSS 6.2 uses the redis6.x parameter group family', () => {
    const { stack } = cacheStack({ engine: CacheEngine.REDIS_OSS, deployment: MoodleCacheDeployment.nodes({ engineVersion: '6.2' }) });
    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: 'redis6.x' });
  });

  test('development: no replica, so no Multi-AZ', () => {
    const { stack } = cacheStack({ deployment: MoodleCacheDeployment.nodes({ replicas: 0, nodeType: 'cache.t4g.micro' }) });
    const template = checkStack(stack, 'data-cache-dev');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      NumCacheClusters: 1, MultiAZEnabled: false, AutomaticFailoverEnabled: false, CacheNodeType: 'cache.t4g.micro',
    });
  });

  test('without TLS there is no AUTH password either', () => {
    const { stack, cache } = cacheStack({ deployment: MoodleCacheDeployment.nodes({ transitEncryption: false }) });
    const template = checkStack(stack, 'data-cache-no-tls');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { TransitEncryptionEnabled: false, AuthToken: Match.absent() });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(cache.authSecret).toBeUndefined();
    expect(cache.transitEncryption).toBe(false);
  });

  test('a customer managed key encrypts the cache at rest', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new MoodleCache(stack, 'Cache', { network, encryptionKey });
    const template = checkStack(stack, 'data-cache-kms');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
  });

  test('two caches in one account do not collide', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    new MoodleCache(stack, 'CacheA', { network });
    new MoodleCache(stack, 'CacheB', { network });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElastiCache::SubnetGroup', 2);
    for (const group of Object.values(template.findResources('AWS::ElastiCache::SubnetGroup'))) {
      expect(group.Properties.CacheSubnetGroupName).toBeUndefined();
    }
  });
});

describe('MoodleCache Serverless', () => {
  const { stack, cache } = cacheStack({ deployment: MoodleCacheDeployment.serverless() });
  const template = checkStack(stack, 'data-cache-serverless');

  test('creates a Valkey 8 serverless cache in the data subnets, and no nodes', () => {
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    template.resourceCountIs('AWS::ElastiCache::ParameterGroup', 0);
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      MajorEngineVersion: '8',
      SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('DataSubnet1') }]),
      CacheUsageLimits: Match.absent(),
    });
    expect(stack.resolve(cache.endpointAddress)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CacheServerlessCache/), 'Endpoint.Address'] });
    expect(cache.port).toBe(6379);
    expect(cache.transitEncryption).toBe(true);
  });

  test('authenticates Moodle\'s AUTH <password> as the RBAC default user', () => {
    template.hasResourceProperties('AWS::ElastiCache::User', {
      Engine: 'valkey',
      UserName: 'default',
      AccessString: 'on ~* +@all',
      AuthenticationMode: { Type: 'password', Passwords: [Match.anyValue()] },
    });
    const user = Object.values(template.findResources('AWS::ElastiCache::User'))[0];
    expect(JSON.stringify(user.Properties.AuthenticationMode.Passwords)).toMatch(/\{\{resolve:secretsmanager:.*:SecretString:::\}\}/);
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { UserGroupId: { Ref: Match.stringLikeRegexp('^CacheUserGroup') } });
    expect(cache.authSecret).toBeDefined();
  });

  test('derives its names from the construct path, so two stacks never collide', () => {
    const serverless = Object.values(template.findResources('AWS::ElastiCache::ServerlessCache'))[0];
    const name: string = serverless.Properties.ServerlessCacheName;
    expect(name).toMatch(/^m[a-z0-9-]{1,39}$/);
    expect(name).not.toContain('--');
    const other = testStack();
    new MoodleCache(other, 'Cache2', { network: new MoodleNetwork(other, 'Network'), deployment: MoodleCacheDeployment.serverless() });
    const otherName = Object.values(Template.fromStack(other).findResources('AWS::ElastiCache::ServerlessCache'))[0].Properties.ServerlessCacheName;
    expect(otherName).not.toEqual(name);
  });
});

describe('MoodleCache bad input', () => {
  test.each(['t4g.small', 'cache.t4g', 'cache.t4g.huge', 'CACHE.T4G.SMALL', 'db.t4g.small'])('node type %p', (nodeType) => {
    expect(() => cacheStack({ deployment: MoodleCacheDeployment.nodes({ nodeType }) })).toThrow(/nodeType '.*' is not an ElastiCache node type\. Give 'cache\.<family>\.<size>'/);
  });

  test.each(['cache.t4g.micro', 'cache.r7g.16xlarge', 'cache.r6gd.xlarge', 'cache.m7g.large'])('node type %p is accepted', (nodeType) => {
    expect(() => cacheStack({ deployment: MoodleCacheDeployment.nodes({ nodeType }) })).not.toThrow();
  });

  test('encryption in transit asked for where the engine cannot do it', () => {
    expect(() => cacheStack({ engine: CacheEngine.REDIS_OSS, deployment: MoodleCacheDeployment.nodes({ engineVersion: '3.2.4' }) })).toThrow(
      /transitEncryption is on, but Redis OSS 3\.2\.4 cannot encrypt in transit.*Use engineVersion '7\.1'/,
    );
  });

  test('a Redis version Moodle does not support', () => {
    expect(() => cacheStack({ engine: CacheEngine.REDIS_OSS, deployment: MoodleCacheDeployment.nodes({ engineVersion: '4.0.10' }) })).toThrow(
      /engineVersion '4\.0\.10' is older than Redis 5\.0, the minimum of Moodle's Redis session handler/,
    );
  });

  test('a Valkey version that does not exist', () => {
    expect(() => cacheStack({ deployment: MoodleCacheDeployment.nodes({ engineVersion: '7.0' }) })).toThrow(/engineVersion '7\.0' does not exist for Valkey/);
    expect(() => cacheStack({ deployment: MoodleCacheDeployment.nodes({ engineVersion: 'latest' }) })).toThrow(/engineVersion 'latest' is not a version/);
  });

  test.each([-1, 6, 1.5])('replicas %p', (replicas) => {
    expect(() => cacheStack({ deployment: MoodleCacheDeployment.nodes({ replicas }) })).toThrow(/replicas is .*Give 0 to 5/);
  });

  test('a privileged port', () => {
    expect(() => cacheStack({ deployment: MoodleCacheDeployment.nodes({ port: 80 }) })).toThrow(/port is 80\. Give a port from 1024 to 65535/);
  });
});

describe('MoodleCache metrics for monitoring', () => {
  test('evictions of the primary node of a replication group; none for a serverless cache', () => {
    const nodes = cacheStack();
    const metric = nodes.cache.metricEvictions() as any;
    expect(metric.metricName).toBe('Evictions');
    expect(nodes.stack.resolve(metric.dimensions.CacheClusterId)).toEqual({ 'Fn::Join': ['-', [{ Ref: nodes.stack.resolve(nodes.cache.replicationGroup!.ref).Ref }, '001']] });
    expect(cacheStack({ deployment: MoodleCacheDeployment.serverless() }).cache.metricEvictions()).toBeUndefined();
  });
});

describe('MoodleCache bad input, all at once', () => {
  test('node type, replicas, port and engine version are reported in one error', () => {
    const problems = problemsOf(() => cacheStack({
      deployment: MoodleCacheDeployment.nodes({ nodeType: 'm5.large', replicas: 7, port: 80, engineVersion: '7' }),
    }));
    expect(problems).toEqual([
      expect.stringMatching(/^MoodleCache: port is 80\./),
      expect.stringMatching(/^MoodleCache: nodeType 'm5.large' is not an ElastiCache node type/),
      expect.stringMatching(/^MoodleCache: replicas is 7\./),
      expect.stringMatching(/^MoodleCache: engineVersion '7' is not a version/),
    ]);
  });
});
