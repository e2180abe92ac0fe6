import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { MoodleDatabase, MoodleFaultExperiment, MoodleFaultExperiments, MoodleOnFargate, MoodleOnFargateProps, MoodlePreset } from '../../src';
import { NetworkDouble } from '../service/doubles';
import { checkStack, testStack } from '../util/checks';
import { problemsOf } from '../util/problems';

const REGION = 'us-east-1';
const ZONE = `${REGION}a`;

function site(props: MoodleOnFargateProps) {
  const stack = testStack(REGION);
  const moodle = new MoodleOnFargate(stack, 'Moodle', props);
  return { stack, moodle };
}

/** The one experiment template whose description starts with `start`. */
function templateOf(template: Template, start: string) {
  const found = Object.values(template.findResources('AWS::FIS::ExperimentTemplate'))
    .filter((resource) => String(resource.Properties.Description).startsWith(start));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

/** Every statement of the default policy of the role an experiment template runs with. */
function statementsOf(stack: Stack, template: Template, experiment: MoodleFaultExperiment) {
  const roleId = stack.getLogicalId(experiment.role.node.defaultChild as iam.CfnRole);
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('MoodleOnFargate with fault experiments (production preset)', () => {
  const { stack, moodle } = site({ faultExperiments: true });
  const template = checkStack(stack, 'faults-production');
  const faults = moodle.faultExperiments!;
  const resolve = (value: unknown) => stack.resolve(value);

  test('creates the five experiments, none skipped', () => {
    template.resourceCountIs('AWS::FIS::ExperimentTemplate', 5);
    expect(faults.skippedExperiments).toEqual({});
    expect(faults.availabilityZone).toBe(ZONE);
  });

  test('stops one web task of the web service, chosen at random', () => {
    const properties = templateOf(template, 'Moodle: stop one web task');
    expect(properties.Targets).toEqual({
      Target: {
        ResourceType: 'aws:ecs:task',
        Parameters: { cluster: resolve(moodle.service.cluster.clusterName), service: resolve(moodle.service.webService.serviceName) },
        SelectionMode: 'COUNT(1)',
      },
    });
    expect(properties.Actions).toEqual({ Fault: { ActionId: 'aws:ecs:stop-task', Targets: { Tasks: 'Target' } } });
  });

  test('stops every web task in one Availability Zone (filter AvailabilityZone)', () => {
    const properties = templateOf(template, `Moodle: stop every web task in ${ZONE}`);
    expect(properties.Targets.Target).toMatchObject({
      ResourceType: 'aws:ecs:task',
      Filters: [{ Path: 'AvailabilityZone', Values: [ZONE] }],
      SelectionMode: 'ALL',
    });
    expect(properties.Actions.Fault.ActionId).toBe('aws:ecs:stop-task');
  });

  test('fails the Multi-AZ instance over by a reboot with forceFailover', () => {
    const properties = templateOf(template, 'Moodle: fail the database over');
    expect(properties.Targets.Target).toEqual({
      ResourceType: 'aws:rds:db',
      ResourceArns: [resolve(moodle.data.databaseInstance!.instanceArn)],
      SelectionMode: 'ALL',
    });
    expect(properties.Actions.Fault).toEqual({
      ActionId: 'aws:rds:reboot-db-instances',
      Parameters: { forceFailover: 'true' },
      Targets: { DBInstances: 'Target' },
    });
  });

  test('cuts the power of the cache nodes in the zone, finding the replication group by its tag', () => {
    const properties = templateOf(template, `Moodle: cut the power of the cache nodes in ${ZONE}`);
    const tags = properties.Targets.Target.ResourceTags;
    expect(properties.Targets.Target).toEqual({
      ResourceType: 'aws:elasticache:replicationgroup',
      ResourceTags: { 'moodle-on-fargate:fault-target': expect.any(String) },
      Parameters: { availabilityZoneIdentifier: ZONE },
      SelectionMode: 'ALL',
    });
    expect(properties.Actions.Fault).toEqual({
      ActionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
      Parameters: { duration: 'PT5M' },
      Targets: { ReplicationGroups: 'Target' },
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Tags: Match.arrayWith([{ Key: 'moodle-on-fargate:fault-target', Value: tags['moodle-on-fargate:fault-target'] }]),
    });
  });

  test('cuts the VPC\'s subnets in the zone off, all traffic, for five minutes', () => {
    const properties = templateOf(template, `Moodle: cut the subnets in ${ZONE} off`);
    expect(properties.Targets.Target).toEqual({
      ResourceType: 'aws:ec2:subnet',
      Parameters: { availabilityZoneIdentifier: ZONE, vpc: resolve(moodle.network.vpc.vpcId) },
      SelectionMode: 'ALL',
    });
    expect(properties.Actions.Fault).toEqual({
      ActionId: 'aws:network:disrupt-connectivity',
      Parameters: { scope: 'all', duration: 'PT5M' },
      Targets: { Subnets: 'Target' },
    });
  });

  test('every experiment stops on the monitoring\'s 5xx alarm, logs (schema 2) to a log group of its own, and is named', () => {
    const alarmArn = resolve(moodle.monitoring!.alarms.LoadBalancer5xx.alarmArn);
    const templates = Object.values(template.findResources('AWS::FIS::ExperimentTemplate'));
    const logGroupArns = new Set<string>();
    for (const { Properties: properties } of templates) {
      expect(properties.StopConditions).toEqual([{ Source: 'aws:cloudwatch:alarm', Value: alarmArn }]);
      expect(properties.LogConfiguration).toEqual({
        LogSchemaVersion: 2,
        CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/Logs/), 'Arn'] } },
      });
      logGroupArns.add(JSON.stringify(properties.LogConfiguration.CloudWatchLogsConfiguration.LogGroupArn));
      expect(properties.ExperimentOptions).toEqual({ AccountTargeting: 'single-account', EmptyTargetResolutionMode: 'fail' });
      expect(properties.Tags.Name).toMatch(/FaultExperiments/);
    }
    expect(logGroupArns.size).toBe(5);
    expect(retentionOf(stack, template, faults.stopOneWebTask)).toBe(365);
  });

  test('each role is assumed by AWS FIS for experiments of this account only, and may deliver the experiment log', () => {
    template.resourcePropertiesCountIs('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'fis.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':fis:us-east-1:123456789012:experiment/*']] } },
          },
        }],
      },
    }, 5);
    expect(statementsOf(stack, template, faults.stopOneWebTask)).toContainEqual({
      Action: ['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
      Effect: 'Allow',
      Resource: '*',
    });
  });

  test('stopping tasks is allowed on the site\'s cluster only', () => {
    const statements = statementsOf(stack, template, faults.stopWebTasksInZone);
    expect(statements).toContainEqual({
      Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:us-east-1:123456789012:task/', resolve(moodle.service.cluster.clusterName), '/*']] },
    });
    expect(statements).toContainEqual({
      Action: 'ecs:ListTasks',
      Condition: { ArnEquals: { 'ecs:cluster': resolve(moodle.service.cluster.clusterArn) } },
      Effect: 'Allow',
      Resource: '*',
    });
  });

  test('the failover may reboot the site\'s database only; the cache experiment may cut the power of its replication group only', () => {
    expect(statementsOf(stack, template, faults.databaseFailover!)).toContainEqual({
      Action: 'rds:RebootDBInstance', Effect: 'Allow', Resource: resolve(moodle.data.databaseInstance!.instanceArn),
    });
    const cache = statementsOf(stack, template, faults.cachePowerInterruption!);
    expect(cache).toContainEqual({
      Action: 'elasticache:InterruptClusterAzPower',
      Effect: 'Allow',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:replicationgroup:', resolve(moodle.cache.replicationGroup!.ref)]],
      },
    });
    expect(cache).toContainEqual({ Action: ['elasticache:DescribeReplicationGroups', 'tag:GetResources'], Effect: 'Allow', Resource: '*' });
  });

  test('the network disruption may only handle network ACLs tagged managedByFIS and swap associations in the site\'s VPC', () => {
    const statements = statementsOf(stack, template, faults.zoneNetworkDisruption);
    const vpcArn = resolve(moodle.network.vpc.vpcArn);
    const byAction = (action: string) => statements.filter((statement) => [statement.Action].flat().includes(action));
    expect(byAction('ec2:CreateNetworkAcl').map((s) => s.Condition)).toEqual([
      { StringEquals: { 'aws:RequestTag/managedByFIS': 'true' } },
      undefined,
    ]);
    expect(byAction('ec2:CreateNetworkAcl')[1].Resource).toEqual(vpcArn);
    expect(byAction('ec2:CreateTags')[0].Condition).toEqual({ StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', 'aws:RequestTag/managedByFIS': 'true' } });
    expect(byAction('ec2:DeleteNetworkAcl')[0]).toMatchObject({
      Action: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
      Condition: { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } },
    });
    expect(byAction('ec2:ReplaceNetworkAclAssociation')[0].Condition).toEqual({ ArnEquals: { 'ec2:Vpc': vpcArn } });
    expect(byAction('ec2:DescribeSubnets')[0].Resource).toBe('*');
    expect(statements.flatMap((statement) => [statement.Action].flat())).not.toContain('ec2:GetManagedPrefixListEntries');
  });

  test('prints each experiment template\'s ID with the command that starts it', () => {
    const outputs = Object.values(template.findOutputs('*')).filter((output) => /start-experiment/.test(output.Description));
    expect(outputs).toHaveLength(5);
    expect(outputs).toContainEqual({
      Description: 'Moodle: stop one web task: aws fis start-experiment --experiment-template-id <this value>',
      Value: resolve(faults.stopOneWebTask.templateId),
    });
  });
});

describe('MoodleOnFargate with fault experiments (development preset)', () => {
  const { stack, moodle } = site({ preset: MoodlePreset.DEVELOPMENT, faultExperiments: true });
  const template = checkStack(stack, 'faults-development');
  const faults = moodle.faultExperiments!;

  test('skips the database failover (no Aurora reader) and the cache experiment (ElastiCache Serverless), saying why', () => {
    template.resourceCountIs('AWS::FIS::ExperimentTemplate', 3);
    expect(faults.databaseFailover).toBeUndefined();
    expect(faults.cachePowerInterruption).toBeUndefined();
    expect(faults.skippedExperiments.databaseFailover).toMatch(/no reader/);
    expect(faults.skippedExperiments.cachePowerInterruption).toMatch(/no action for ElastiCache Serverless/);
    Annotations.fromStack(stack).hasInfo('/Test/Moodle/FaultExperiments', Match.stringLikeRegexp('No cachePowerInterruption experiment: .*Serverless'));
  });

  test('without monitoring, the experiments have no stop condition, with a warning each', () => {
    for (const { Properties: properties } of Object.values(template.findResources('AWS::FIS::ExperimentTemplate'))) {
      expect(properties.StopConditions).toEqual([{ Source: 'none' }]);
    }
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has no stop condition'))).toHaveLength(3);
  });

  test('keeps the experiment logs as long as the preset keeps logs (a week)', () => {
    for (const experiment of [faults.stopOneWebTask, faults.stopWebTasksInZone, faults.zoneNetworkDisruption]) {
      expect(retentionOf(stack, template, experiment)).toBe(7);
    }
  });
});

function retentionOf(stack: Stack, template: Template, experiment: MoodleFaultExperiment): number {
  const id = stack.getLogicalId(experiment.logGroup.node.defaultChild as logs.CfnLogGroup);
  return template.toJSON().Resources[id].Properties.RetentionInDays;
}

describe('the database failover experiment follows the database', () => {
  test('Aurora with a reader: aws:rds:failover-db-cluster on the cluster', () => {
    const { stack, moodle } = site({
      preset: MoodlePreset.DEVELOPMENT, faultExperiments: true, data: { database: MoodleDatabase.auroraServerless({ reader: true }) },
    });
    const template = Template.fromStack(stack);
    const properties = templateOf(template, 'Moodle: fail the Aurora cluster over');
    expect(properties.Targets.Target).toEqual({
      ResourceType: 'aws:rds:cluster', ResourceArns: [stack.resolve(moodle.data.databaseCluster!.clusterArn)], SelectionMode: 'ALL',
    });
    expect(properties.Actions.Fault).toEqual({ ActionId: 'aws:rds:failover-db-cluster', Targets: { Clusters: 'Target' } });
    expect(statementsOf(stack, template, moodle.faultExperiments!.databaseFailover!)).toContainEqual({
      Action: 'rds:FailoverDBCluster', Effect: 'Allow', Resource: stack.resolve(moodle.data.databaseCluster!.clusterArn),
    });
  });

  test('a single-AZ RDS for MySQL instance: skipped', () => {
    const { moodle } = site({ faultExperiments: true, data: { database: MoodleDatabase.mysql({ multiAz: false }) } });
    expect(moodle.faultExperiments!.databaseFailover).toBeUndefined();
    expect(moodle.faultExperiments!.skippedExperiments.databaseFailover).toMatch(/single-AZ \(multiAz: false\)/);
  });

  test('an imported instance: created, with a note that its standby is not known', () => {
    const { stack, faults } = standalone({
      databaseInstance: rds.DatabaseInstance.fromDatabaseInstanceAttributes(testStack(REGION), 'Db', {
        instanceIdentifier: 'moodle', instanceEndpointAddress: 'moodle.example', port: 3306, securityGroups: [],
      }),
    });
    expect(faults.databaseFailover).toBeDefined();
    Annotations.fromStack(stack).hasInfo('/Test/Faults', Match.stringLikeRegexp('imported'));
  });
});

/** MoodleFaultExperiments on a plain VPC and Fargate service. */
function standalone(props: Partial<ConstructorParameters<typeof MoodleFaultExperiments>[2]> = {}) {
  const stack = testStack(REGION);
  const network = new NetworkDouble(stack, 'Network');
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('web', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/httpd:2.4') });
  const webService = new ecs.FargateService(stack, 'Web', { cluster: new ecs.Cluster(stack, 'Cluster', { vpc: network.vpc }), taskDefinition });
  const faults = new MoodleFaultExperiments(stack, 'Faults', { network, webService, ...props });
  return { stack, faults };
}

describe('bad input', () => {
  test('durations outside AWS FIS\'s 1 minute to 12 hours, or in fractions of a second', () => {
    const problems = problemsOf(() => standalone({
      networkDisruptionDuration: Duration.seconds(30),
      cachePowerInterruptionDuration: Duration.hours(13),
    }));
    expect(problems).toEqual([
      'MoodleFaultExperiments: networkDisruptionDuration is 30 seconds; AWS FIS takes whole seconds from 1 minute to 12 hours. Give for example Duration.minutes(5).',
      'MoodleFaultExperiments: cachePowerInterruptionDuration is 13 hours; AWS FIS takes whole seconds from 1 minute to 12 hours. Give for example Duration.minutes(5).',
    ]);
    expect(() => standalone({ networkDisruptionDuration: Duration.millis(61_500) })).toThrow(/whole seconds/);
  });

  test('an Availability Zone that is not the network\'s', () => {
    expect(() => standalone({ availabilityZone: 'eu-west-1a' }))
      .toThrow(/availabilityZone 'eu-west-1a' is not one of the network's Availability Zones \(us-east-1a, us-east-1b\)\. Give one of them\./);
  });

  test('both a database instance and a cluster', () => {
    const other = testStack(REGION);
    expect(() => standalone({
      databaseInstance: rds.DatabaseInstance.fromDatabaseInstanceAttributes(other, 'I', {
        instanceIdentifier: 'i', instanceEndpointAddress: 'i.example', port: 3306, securityGroups: [],
      }),
      databaseCluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(other, 'C', { clusterIdentifier: 'c' }),
    })).toThrow(/both databaseInstance and databaseCluster are given/);
  });

  test('options for fault experiments that are off', () => {
    expect(() => site({ faultExperimentsOptions: { availabilityZone: ZONE } }))
      .toThrow(/faultExperimentsOptions is given but faultExperiments is not true/);
  });

  test('a target AWS FIS refuses: resource ARNs with filters, or nothing to identify resources by', () => {
    const stack = testStack(REGION);
    const action = { actionId: 'aws:rds:reboot-db-instances', targetKey: 'DBInstances' };
    expect(() => new MoodleFaultExperiment(stack, 'ArnsAndFilters', {
      description: 'x',
      action,
      target: { resourceType: 'aws:rds:db', resourceArns: ['arn:aws:rds:us-east-1:123456789012:db:x'], filters: [{ path: 'Engine', values: ['mysql'] }] },
    })).toThrow(/target has resourceArns and filters, which AWS FIS refuses together/);
    expect(() => new MoodleFaultExperiment(stack, 'Nothing', { description: 'x', action, target: { resourceType: 'aws:rds:db' } }))
      .toThrow(/no resourceArns, resourceTags or parameters/);
    expect(() => new MoodleFaultExperiment(stack, 'DeployTimeDescription', {
      description: `stop ${stack.urlSuffix}`, action, target: { resourceType: 'aws:rds:db', resourceArns: ['arn:aws:rds:us-east-1:123456789012:db:x'] },
    })).toThrow(/description is a deploy-time value/);
  });
});

describe('off by default', () => {
  test('a site without faultExperiments has no experiment template', () => {
    const { stack, moodle } = site({ preset: MoodlePreset.DEVELOPMENT });
    expect(moodle.faultExperiments).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::FIS::ExperimentTemplate', 0);
  });
});
