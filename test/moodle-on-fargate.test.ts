import { App, CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MoodleCacheDeployment, MoodleDatabase, MoodleMail, MoodleOnFargate, MoodlePreset, NatLayout } from '../src';
import { checkStack, testStack } from './util/checks';
import { problemsOf } from './util/problems';
import { siteCostLines } from '../scripts/cost/site-cost-lines';
import { totalMonthlyUsd } from '../scripts/cost/template-cost';
import { OFFLINE_ACCOUNT, offlineContext } from '../scripts/offline-context';

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
    template.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: true, DBInstanceClass: 'db.t4g.medium', DeletionProtection: true });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheNodeType: 'cache.t4g.micro', NumCacheClusters: 2, MultiAZEnabled: true, AutomaticFailoverEnabled: true,
    });
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
  });

  test('rotates the database passwords every 30 days, and the web and cron tasks follow the rotation', () => {
    expect(moodle.data.secretRotation).toBeDefined();
    expect(moodle.data.adminSecretRotation).toBeDefined();
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['Secret Label Updated'], 'resources': [stack.resolve(moodle.data.databaseSecret.secretArn)] }),
    });
  });

  test('the rotation of Moodle\'s user is set up after the install task created that user (creating it tests a login)', () => {
    const installId = stack.getLogicalId(moodle.service.installOrUpgrade.node.defaultChild as CfnElement);
    const schedules = template.findResources('AWS::SecretsManager::RotationSchedule');
    const appSchedule = Object.values(schedules).find((schedule) =>
      JSON.stringify(schedule.Properties.SecretId) === JSON.stringify(stack.resolve(moodle.data.databaseSecret.secretArn)))!;
    expect(appSchedule.DependsOn).toContain(installId);
  });

  test('an alarm fires when the tasks could not be replaced after the database secret changed', () => {
    const alarm = moodle.monitoring!.alarms.RestartAfterSecretChangeErrors;
    expect(alarm).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(moodle.service.restartFunction.functionName) }],
      Threshold: 0,
      EvaluationPeriods: 1,
    });
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

  test('a failed secret rotation notifies the alarm topic', () => {
    const rule = moodle.monitoring!.rotationFailureRule!;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        'detail': { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed', 'RotationAbandoned'] },
      },
      Targets: [Match.objectLike({ Arn: stack.resolve(moodle.monitoring!.alarmTopic.topicArn) })],
    });
    expect(rule).toBeDefined();
  });

  test('outputs what an operator needs first', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of ['SiteUrl', 'DistributionDomainName', 'LoadBalancerDnsName', 'AdminUserName', 'AdminSecretArn', 'ClusterName', 'WebServiceName', 'CronServiceName']) {
      expect(outputs.some((output) => output.includes(name))).toBe(true);
    }
  });

  test('outputs the base image the build pinned, read from the build', () => {
    const [, output] = Object.entries(template.findOutputs('*')).find(([id]) => id.includes('BaseImage'))!;
    const [resource, attribute] = output.Value['Fn::GetAtt'];
    expect({ type: template.toJSON().Resources[resource].Type, attribute }).toEqual({ type: 'Custom::MoodleImageBuild', attribute: 'BaseImage' });
    expect(output.Description).toMatch(/PHP base image .* with the digest the build pinned/);
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
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-mysql', DeletionProtection: false, ServerlessV2ScalingConfiguration: Match.objectLike({ MinCapacity: 0 }),
    });
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete' });
    // No route to Secrets Manager for a rotation function without NAT (PUBLIC_TASKS).
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(moodle.monitoring).toBeUndefined();
  });

  test('has no NAT gateway: tasks in the public application subnets with a public address, data tier isolated', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    expect(moodle.network.natLayout).toBe(NatLayout.PUBLIC_TASKS);
    expect(moodle.network.assignPublicIpToTasks).toBe(true);
    const services = Object.values(template.findResources('AWS::ECS::Service'));
    expect(services).toHaveLength(2);
    for (const service of services) {
      expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('ENABLED');
    }
    template.hasResourceProperties('Custom::MoodleInstallOrUpgrade', { AssignPublicIp: 'ENABLED' });
    const dataSubnets = moodle.network.vpc.selectSubnets(moodle.network.dataSubnets).subnets;
    expect(dataSubnets.map((subnet) => subnet.routeTable.routeTableId)).toHaveLength(2);
    for (const route of Object.values(template.findResources('AWS::EC2::Route'))) {
      expect(JSON.stringify(route.Properties.RouteTableId)).not.toMatch(/DataSubnet/);
    }
  });

  test('one on-demand web task of 0.25 vCPU / 1 GB, the cron task on Fargate Spot, a serverless Valkey cache', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 2 });
    const services = Object.entries(template.findResources('AWS::ECS::Service'));
    const web = services.find(([id]) => id.includes('WebService'))![1];
    expect(web.Properties.CapacityProviderStrategy[0]).toEqual({ CapacityProvider: 'FARGATE', Base: 1, Weight: 0 });
    const cron = services.find(([id]) => id.includes('CronService'))![1];
    expect(cron.Properties.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Base: 1, Weight: 1 }]);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '1024' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '512' });
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: 'valkey' });
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
  });

  test('the install/upgrade task has its own size, 1 vCPU / 2 GiB, not the 0.25 vCPU web task\'s', () => {
    const [, install] = Object.entries(template.findResources('AWS::ECS::TaskDefinition')).find(([id]) => id.includes('InstallTaskDefinition'))!;
    expect({ cpu: install.Properties.Cpu, memory: install.Properties.Memory }).toEqual({ cpu: '1024', memory: '2048' });
  });

  test('costs at most $45 a month (fixed, us-east-1 list prices)', () => {
    const total = totalMonthlyUsd(siteCostLines(template.toJSON()));
    expect(total).toBeLessThanOrEqual(45);
  });

  test('prices its database as it really runs: paused but for one cron run per 4 hours, resume and 5 minutes to pause', () => {
    const aurora = siteCostLines(template.toJSON()).find((line) => line.item.startsWith('Aurora'))!;
    expect(aurora.item).toMatch(/at 0 ACU, idle site: awake 0\.5 ACU for 6\.3 min \(resume, one cron run, 5 min to pause\) per 4 h/);
    expect(aurora.monthlyUsd).toBeCloseTo((75 + 300) / 14400 * 0.5 * 0.12 * 730, 2);
  });

  test('a cron that holds its connection would keep the database awake, and is priced so', () => {
    const json = JSON.parse(JSON.stringify(template.toJSON()));
    for (const resource of Object.values(json.Resources as Record<string, any>)) {
      if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
      const environment = resource.Properties.ContainerDefinitions[0].Environment;
      resource.Properties.ContainerDefinitions[0].Environment = environment.filter((e: any) => e.Name !== 'MOODLE_CRON_IDLE_INTERVAL');
    }
    const aurora = siteCostLines(json).find((line) => line.item.startsWith('Aurora'))!;
    expect(aurora.item).toMatch(/never pauses/);
    expect(aurora.monthlyUsd).toBeCloseTo(0.5 * 0.12 * 730, 2);
  });
});

describe('MoodleOnFargate production preset keeps private tasks behind NAT', () => {
  const { stack, moodle } = site({ preset: MoodlePreset.PRODUCTION });
  const template = checkStack(stack, 'site-production-network');

  test('a NAT gateway per AZ, no public task address, at most $275 a month (a db.t4g.medium, for the web tier\'s connections)', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    expect(moodle.network.assignPublicIpToTasks).toBe(false);
    for (const service of Object.values(template.findResources('AWS::ECS::Service'))) {
      expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    }
    expect(totalMonthlyUsd(siteCostLines(template.toJSON()))).toBeLessThanOrEqual(275);
  });
});

describe('MoodleOnFargate development preset, explicit choices that contradict it', () => {
  test('a node-based cache replaces the preset\'s serverless cache', () => {
    const { stack } = site({ preset: MoodlePreset.DEVELOPMENT, cache: { deployment: MoodleCacheDeployment.nodes({ nodeType: 'cache.t4g.small', replicas: 0 }) } });
    const template = checkStack(stack, 'site-development-cache-node');
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { CacheNodeType: 'cache.t4g.small' });
  });

  test('the DEVELOPMENT preset runs its ARM64 cron task on Fargate Spot', () => {
    const { stack } = site({ preset: MoodlePreset.DEVELOPMENT });
    const template = Template.fromStack(stack);
    const cron = Object.entries(template.findResources('AWS::ECS::Service')).find(([id]) => id.includes('CronService'))![1];
    expect(cron.Properties.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Base: 1, Weight: 1 }]);
    for (const definition of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
      expect(definition.Properties.RuntimePlatform.CpuArchitecture).toBe('ARM64');
    }
  });

  test('database secret rotation with public task subnets fails and names the fix', () => {
    expect(() => site({ preset: MoodlePreset.DEVELOPMENT, data: { secretRotation: Duration.days(30) } })).toThrow(
      /secretRotation runs a rotation function in the application subnets.*NAT layout PUBLIC_TASKS.*use a NAT layout with NAT gateways/,
    );
  });

  test('secret rotation works with a NAT layout given explicitly', () => {
    const { stack, moodle } = site({
      preset: MoodlePreset.DEVELOPMENT,
      network: { natLayout: NatLayout.SINGLE },
      data: { secretRotation: Duration.days(30) },
    });
    checkStack(stack, 'site-development-rotation');
    expect(moodle.data.secretRotation).toBeDefined();
    expect(moodle.network.assignPublicIpToTasks).toBe(false);
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

describe('MoodleOnFargate quick start', () => {
  test('a first synth shows only advice the user can act on (adminEmail), none caused by the library', () => {
    const { stack } = site({ preset: MoodlePreset.DEVELOPMENT });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((warning) => String(warning.entry.data));
    expect(warnings).toEqual([expect.stringMatching(/^adminEmail is not set/)]);
  });
});

describe('MoodleOnFargate monitoring follows the site it watches', () => {
  test('the Aurora capacity alarm fires at 90 % of the cluster\'s own maximum (DEVELOPMENT: 2 ACU, not 8)', () => {
    const { stack, moodle } = site({ preset: MoodlePreset.DEVELOPMENT, monitoring: true });
    const template = checkStack(stack, 'site-development-monitored');
    expect(moodle.data.serverlessMaxCapacity).toBe(2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ServerlessDatabaseCapacity', Threshold: 1.8 });
  });

  test('the cron alarm waits out an idle site\'s cron interval (DEVELOPMENT: 4 h + 30 min), and a shorter wait is refused', () => {
    const { stack, moodle } = site({ preset: MoodlePreset.DEVELOPMENT, monitoring: true });
    expect(moodle.service.cronIdleInterval?.toHours()).toBe(4);
    const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
      .find((candidate) => candidate.Properties.MetricName === 'CronRuns')!;
    expect(alarm.Properties.EvaluationPeriods * alarm.Properties.Period).toBe(270 * 60);
    expect(() => site({ preset: MoodlePreset.DEVELOPMENT, monitoring: true, monitoringOptions: { cronStaleAfterMinutes: 60 } })).toThrow(
      /cronStaleAfterMinutes is 60, but the service's cron runs only every 240 minutes while the site is idle/,
    );
  });

  test('two sites in one account and Region count their cron runs apart', () => {
    const app = new App({ context: offlineContext(['us-east-1']) });
    const env = { account: OFFLINE_ACCOUNT, region: 'us-east-1' };
    const sites = ['SiteA', 'SiteB'].map((name) => {
      const stack = new Stack(app, name, { env });
      return { stack, moodle: new MoodleOnFargate(stack, 'Moodle', {}) };
    });
    const namespaces = sites.map(({ stack, moodle }) => {
      const template = Template.fromStack(stack);
      const filters = Object.values(template.findResources('AWS::Logs::MetricFilter'))
        .map((filter) => filter.Properties.MetricTransformations[0].MetricNamespace);
      expect(new Set(filters)).toEqual(new Set([moodle.monitoring!.metricNamespace]));
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CronRuns', Namespace: moodle.monitoring!.metricNamespace });
      return moodle.monitoring!.metricNamespace;
    });
    expect(namespaces[0]).not.toEqual(namespaces[1]);
  });
});

describe('MoodleOnFargate with a pipeline', () => {
  const { stack, moodle } = site({ preset: MoodlePreset.DEVELOPMENT, pipeline: true });
  const template = checkStack(stack, 'site-with-pipeline');

  test('the pipeline deploys the site\'s services and owns the image tag', () => {
    expect(moodle.pipeline).toBeDefined();
    expect(moodle.service.deployTarget).toBeDefined();
    template.resourceCountIs('AWS::CodePipeline::Pipeline', 1);
    template.hasResourceProperties('AWS::SSM::Parameter', { Value: 'bootstrap-arm64' });
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

describe('MoodleOnFargate with outgoing mail through SES', () => {
  const stack = testStack('us-east-1');
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.edu' });
  const moodle = new MoodleOnFargate(stack, 'Moodle', {
    preset: MoodlePreset.DEVELOPMENT,
    mail: { domainName: 'example.edu', hostedZone: zone },
    service: { adminEmail: 'admin@example.edu' },
  });
  const template = checkStack(stack, 'site-with-mail');

  test('Moodle gets the SES SMTP host and no-reply address as settings and the credentials as ECS secrets', () => {
    expect(moodle.mail).toBeDefined();
    const web = Object.values(template.findResources('AWS::ECS::TaskDefinition'))
      .map((definition) => definition.Properties.ContainerDefinitions[0])
      .find((container) => container.Environment.some((entry: { Name: string; Value: string }) => entry.Value === 'web'));
    const environment = Object.fromEntries(web.Environment.map((entry: { Name: string; Value: unknown }) => [entry.Name, entry.Value]));
    expect(environment.MOODLE_SMTP_HOST).toBe('email-smtp.us-east-1.amazonaws.com');
    expect(environment.MOODLE_SMTP_PORT).toBe('587');
    expect(environment.MOODLE_NOREPLY_ADDRESS).toBe('noreply@example.edu');
    const secretNames = web.Secrets.map((secret: { Name: string }) => secret.Name);
    expect(secretNames).toEqual(expect.arrayContaining(['MOODLE_SMTP_USER', 'MOODLE_SMTP_PASSWORD']));
    expect(Object.keys(environment)).not.toContain('MOODLE_SMTP_PASSWORD');
  });

  test('both mail and service.mail fail', () => {
    const other = testStack('us-east-1');
    const otherZone = route53.HostedZone.fromHostedZoneAttributes(other, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.edu' });
    const smtp = new MoodleMail(other, 'Smtp', { domainName: 'example.edu', hostedZone: otherZone });
    expect(() => new MoodleOnFargate(other, 'Moodle', {
      mail: { domainName: 'example.edu', hostedZone: otherZone },
      service: { mail: smtp },
    })).toThrow(/both mail and service\.mail are given/);
  });
});

describe('MoodleOnFargate alarm thresholds', () => {
  test('thresholds given replace the defaults, the others keep theirs', () => {
    const { stack } = site({ monitoringOptions: { thresholds: { databaseConnections: 150, webCpuPercent: 70 } } });
    const template = Template.fromStack(stack);
    const threshold = (name: string) => Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
      .find(([id]) => id.includes(`${name}Alarm`))![1].Properties.Threshold;
    expect(threshold('DatabaseConnections')).toBe(150);
    expect(threshold('WebCpu')).toBe(70);
    expect(threshold('WebMemory')).toBe(85);
    expect(threshold('DatabaseFreeStorage')).toBe(2 * 1024 ** 3);
  });

  test.each([
    [undefined, 85],
    [70, 85],
    [80, 95],
    [90, 99],
  ])('the web CPU alarm follows the service\'s CPU target %p: %p', (targetCpuUtilizationPercent, expected) => {
    const { stack } = site({ service: { targetCpuUtilizationPercent } });
    const alarm = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.includes('WebCpuAlarm'))!;
    expect(alarm[1].Properties.Threshold).toBe(expected);
  });

  test.each([
    [{}, 255],
    [{ data: { database: MoodleDatabase.mysql() } }, 511],
    [{ data: { database: MoodleDatabase.auroraServerless() } }, 750],
    [{ data: { database: MoodleDatabase.auroraServerless({ maxCapacity: 2 }) } }, 67],
  ])('the connections alarm goes off at three quarters of the database\'s max_connections: %p', (props, expected) => {
    const { stack } = site(props);
    const alarm = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.includes('DatabaseConnectionsAlarm'))!;
    expect(alarm[1].Properties.Threshold).toBe(expected);
  });

  test('the cache\'s own alarms notify the alarm topic', () => {
    const { stack, moodle } = site();
    const topic = stack.resolve(moodle.monitoring!.alarmTopic.topicArn);
    const alarms = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.includes('CacheMemoryAlarm'));
    expect(alarms).toHaveLength(2);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
    }
  });

  test('every bad monitoring option is reported in one error', () => {
    const problems = problemsOf(() => site({
      monitoringOptions: { cronStaleAfterMinutes: 2, alarmEmail: 'ops', thresholds: { webCpuPercent: 120, databaseConnections: 0 } },
    }));
    expect(problems).toEqual([
      expect.stringMatching(/^MoodleMonitoring: cronStaleAfterMinutes is 2;/),
      expect.stringMatching(/^MoodleMonitoring: thresholds\.webCpuPercent is 120\./),
      expect.stringMatching(/^MoodleMonitoring: thresholds\.databaseConnections is 0\./),
      expect.stringMatching(/^MoodleMonitoring: alarmEmail 'ops' is not an email address/),
    ]);
  });

  test('props of MoodleOnFargate that contradict each other are reported in one error', () => {
    const problems = problemsOf(() => site({ pipelineOptions: {}, monitoring: false, monitoringOptions: {} }));
    expect(problems).toEqual([
      expect.stringMatching(/^MoodleOnFargate: pipelineOptions is given but pipeline is not true/),
      expect.stringMatching(/^MoodleOnFargate: monitoringOptions is given but monitoring is off/),
    ]);
  });

  test.each([
    [{ webCpuPercent: 120 }, /thresholds\.webCpuPercent is 120\. Give a percentage above 0, at most 100/],
    [{ databaseConnections: 0 }, /thresholds\.databaseConnections is 0\. Give a number above 0/],
  ])('a threshold out of range fails at synth: %p', (thresholds, message) => {
    expect(() => site({ monitoringOptions: { thresholds } })).toThrow(message);
  });
});
