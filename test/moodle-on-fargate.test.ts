import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { MoodleOnFargate, MoodlePreset, NatLayout } from '../src';
import { checkStack, testStack } from './util/checks';

function site(props: ConstructorParameters<typeof MoodleOnFargate>[2] = {}, region = 'us-east-1') {
  const stack = testStack(region);
  const moodle = new MoodleOnFargate(stack, 'Moodle', props);
  return { stack, moodle };
}

describe('MoodleOnFargate with no props (production preset, CloudFront domain)', () => {
  const { stack, moodle } = site();
  const template = checkStack(stack, 'site-production-default');

  test('is the production preset', () => {
    expect(moodle.preset).toBe(MoodlePreset.PRODUCTION);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: true, DBInstanceClass: 'db.t4g.small', DeletionProtection: true });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheNodeType: 'cache.t4g.micro', NumCacheClusters: 2, MultiAZEnabled: true, AutomaticFailoverEnabled: true,
    });
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
  });

  test('runs web tasks in both AZs: an on-demand base and Spot above it, at least two', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [
        { CapacityProvider: 'FARGATE', Base: 1, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
  });

  test('has alarms that notify the alarm topic and a dashboard', () => {
    expect(moodle.monitoring).toBeDefined();
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(10);
    for (const alarm of Object.values(alarms)) {
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('AlarmTopic');
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '"Cron run completed correctly"' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ stopCode: ['SpotInterruption'] }) }),
    });
  });

  test('outputs what an operator needs first', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of ['SiteUrl', 'DistributionDomainName', 'LoadBalancerDnsName', 'AdminUserName', 'AdminSecretArn', 'ClusterName', 'WebServiceName', 'CronServiceName']) {
      expect(outputs.some((output) => output.includes(name))).toBe(true);
    }
  });

  test('exposes every part', () => {
    expect(moodle.network.vpc).toBeDefined();
    expect(moodle.data.fileSystem).toBeDefined();
    expect(moodle.cache.endpointAddress).toBeDefined();
    expect(moodle.edge.distribution).toBeDefined();
    expect(moodle.service.webService).toBeDefined();
    expect(moodle.pipeline).toBeUndefined();
    expect(moodle.siteUrl).toBe(moodle.edge.siteUrl);
  });
});

describe('MoodleOnFargate development preset', () => {
  const { stack, moodle } = site({ preset: MoodlePreset.DEVELOPMENT });
  const template = checkStack(stack, 'site-development');

  test('is small and disposable', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-mysql', DeletionProtection: false, ServerlessV2ScalingConfiguration: Match.objectLike({ MinCapacity: 0 }),
    });
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(moodle.monitoring).toBeUndefined();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
  });
});

describe('MoodleOnFargate explicit props win over the preset', () => {
  test('network, data and service options', () => {
    const { stack } = site({
      preset: MoodlePreset.DEVELOPMENT,
      network: { natLayout: NatLayout.ONE_PER_AZ },
      data: { removalPolicy: RemovalPolicy.SNAPSHOT, deletionProtection: true },
      service: { minCapacity: 3, maxCapacity: 6 },
      monitoring: true,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot', Properties: Match.objectLike({ DeletionProtection: true }) });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 6 });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('an explicit false wins too', () => {
    const { stack } = site({ edge: { enableWaf: false }, monitoring: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2); // only the cache's own memory alarms
  });

  test('alarm email subscribes to the topic', () => {
    const { stack } = site({ monitoringOptions: { alarmEmail: 'ops@example.edu' } });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.edu' });
  });
});

describe('MoodleOnFargate with a pipeline', () => {
  const { stack, moodle } = site({ preset: MoodlePreset.DEVELOPMENT, pipeline: true });
  const template = checkStack(stack, 'site-with-pipeline');

  test('the pipeline deploys the site\'s services and owns the image tag', () => {
    expect(moodle.pipeline).toBeDefined();
    expect(moodle.service.deployTarget).toBeDefined();
    template.resourceCountIs('AWS::CodePipeline::Pipeline', 1);
    template.hasResourceProperties('AWS::SSM::Parameter', { Value: 'bootstrap-x86_64' });
  });
});

describe('MoodleOnFargate bad input', () => {
  test('development with deletion protection demanded and data destruction allowed', () => {
    expect(() => site({ preset: MoodlePreset.DEVELOPMENT, data: { deletionProtection: true } })).toThrow(
      /preset DEVELOPMENT destroys the data with the stack \(data\.removalPolicy DESTROY\), but data\.deletionProtection is true\. Set data\.removalPolicy/,
    );
  });

  test('a pipeline with a user-supplied image', () => {
    expect(() => site({ pipeline: true, service: { image: ecs.ContainerImage.fromRegistry('example/moodle:1') } })).toThrow(
      /pipeline: true builds the image from the pipeline's source, but service\.image supplies one\. Remove service\.image/,
    );
  });

  test('a monitoring email that is not an email', () => {
    expect(() => site({ monitoringOptions: { alarmEmail: 'ops at example.edu' } })).toThrow(
      /alarmEmail 'ops at example\.edu' is not an email address/,
    );
  });

  test('pipeline options without a pipeline', () => {
    expect(() => site({ pipelineOptions: { manualApproval: true } })).toThrow(/pipelineOptions is given but pipeline is not true/);
  });

  test('monitoring options with monitoring off', () => {
    expect(() => site({ preset: MoodlePreset.DEVELOPMENT, monitoringOptions: { alarmEmail: 'ops@example.edu' } })).toThrow(
      /monitoringOptions is given but monitoring is off\. Set monitoring: true/,
    );
  });
});
