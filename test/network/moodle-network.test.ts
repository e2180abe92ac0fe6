import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { MoodleNetwork, MoodleOnFargate, MoodlePreset, NatLayout } from '../../src';
import { checkStack, testStack } from '../util/checks';
import { problemsOf } from '../util/problems';

function site(props: { preset?: MoodlePreset }) {
  const stack = testStack('us-east-1');
  new MoodleOnFargate(stack, 'Moodle', { preset: props.preset ?? MoodlePreset.DEVELOPMENT });
  return { stack };
}

function subnetsWithTag(template: Template, subnetName: string) {
  return template.findResources('AWS::EC2::Subnet', {
    Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: subnetName }]) },
  });
}

describe('MoodleNetwork defaults', () => {
  const stack = testStack();
  const network = new MoodleNetwork(stack, 'Network');
  const template = checkStack(stack, 'network-default');

  test('no subnet gives a public IPv4 address to what is launched in it; flow logs kept a year', () => {
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('spans two Availability Zones with three tiers', () => {
    expect(Object.keys(subnetsWithTag(template, 'Public'))).toHaveLength(2);
    expect(Object.keys(subnetsWithTag(template, 'Application'))).toHaveLength(2);
    expect(Object.keys(subnetsWithTag(template, 'Data'))).toHaveLength(2);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
  });

  test('has one NAT gateway per AZ', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('the data tier has no route to the internet', () => {
    const dataSubnetIds = Object.keys(subnetsWithTag(template, 'Data'));
    const tables = template.findResources('AWS::EC2::SubnetRouteTableAssociation');
    const dataTables = Object.values(tables)
      .filter((association) => dataSubnetIds.includes(association.Properties.SubnetId.Ref))
      .map((association) => association.Properties.RouteTableId.Ref);
    expect(dataTables).toHaveLength(2);
    const routes = Object.values(template.findResources('AWS::EC2::Route'));
    for (const table of dataTables) {
      expect(routes.filter((route) => route.Properties.RouteTableId.Ref === table)).toEqual([]);
    }
  });

  test('the application tier routes through NAT gateways', () => {
    template.resourceCountIs('AWS::EC2::Route', 4); // 2 public to the IGW, 2 application to their NAT
    template.hasResourceProperties('AWS::EC2::Route', { NatGatewayId: Match.anyValue() });
  });

  test('uses 10.0.0.0/16', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
  });

  test('records all traffic in flow logs kept a year', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('closes the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('creates no VPC endpoint when NAT gateways give egress', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expect(network.endpoints).toEqual([]);
  });

  test('exposes the tiers by subnet group', () => {
    expect(network.vpc.selectSubnets(network.applicationSubnets).subnets).toHaveLength(2);
    expect(network.vpc.selectSubnets(network.dataSubnets).subnetIds).not.toEqual(
      network.vpc.selectSubnets(network.applicationSubnets).subnetIds,
    );
    expect(network.natLayout).toBe(NatLayout.ONE_PER_AZ);
    expect(network.flowLog).toBeDefined();
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('MoodleNetwork props', () => {
  test('three AZs', () => {
    const stack = testStack();
    new MoodleNetwork(stack, 'Network', { maxAzs: 3 });
    const template = checkStack(stack, 'network-three-azs');
    template.resourceCountIs('AWS::EC2::Subnet', 9);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  test('a single NAT gateway', () => {
    const stack = testStack();
    new MoodleNetwork(stack, 'Network', { natLayout: NatLayout.SINGLE });
    const template = checkStack(stack, 'network-single-nat');
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('no NAT gateway: isolated application tier with the endpoints Fargate needs', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network', { natLayout: NatLayout.NONE });
    const template = checkStack(stack, 'network-no-nat');
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::Route', 2);
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map(
      (endpoint) => JSON.stringify(endpoint.Properties.ServiceName),
    );
    for (const service of ['.s3', '.ecr.api', '.ecr.dkr', '.logs', '.secretsmanager', '.ssmmessages']) {
      expect(services.some((name) => name.includes(service))).toBe(true);
    }
    expect(services).toHaveLength(6);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    expect(network.endpoints).toHaveLength(6);
  });

  describe('public tasks (no NAT gateway, public application subnets)', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network', { natLayout: NatLayout.PUBLIC_TASKS });
    const template = checkStack(stack, 'network-public-tasks');
    const routeTableOf = (subnetIds: string[]) => Object.values(template.findResources('AWS::EC2::SubnetRouteTableAssociation'))
      .filter((association) => subnetIds.includes(association.Properties.SubnetId.Ref))
      .map((association) => association.Properties.RouteTableId.Ref);
    const routesOf = (table: string) => Object.values(template.findResources('AWS::EC2::Route'))
      .filter((route) => route.Properties.RouteTableId.Ref === table);

    test('has no NAT gateway, no Elastic IP and no VPC endpoint', () => {
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::EIP', 0);
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
      expect(network.endpoints).toEqual([]);
    });

    test('keeps the three subnet groups and their names', () => {
      for (const name of ['Public', 'Application', 'Data']) {
        expect(Object.keys(subnetsWithTag(template, name))).toHaveLength(2);
      }
      template.resourceCountIs('AWS::EC2::Subnet', 6);
    });

    test('the application subnets route to the internet gateway but map no public address at launch', () => {
      const application = subnetsWithTag(template, 'Application');
      for (const subnet of Object.values(application)) {
        expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
        expect(subnet.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'aws-cdk:subnet-type', Value: 'Public' }]));
      }
      const tables = routeTableOf(Object.keys(application));
      expect(tables).toHaveLength(2);
      for (const table of tables) {
        const routes = routesOf(table);
        expect(routes).toHaveLength(1);
        expect(routes[0].Properties).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: { Ref: expect.stringMatching(/IGW/) } });
      }
    });

    test('the data tier stays isolated: no route at all', () => {
      const tables = routeTableOf(Object.keys(subnetsWithTag(template, 'Data')));
      expect(tables).toHaveLength(2);
      for (const table of tables) expect(routesOf(table)).toEqual([]);
      for (const subnet of Object.values(subnetsWithTag(template, 'Data'))) {
        expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
      }
    });

    test('only the public and application tiers route out (4 routes, all to the internet gateway)', () => {
      const routes = Object.values(template.findResources('AWS::EC2::Route'));
      expect(routes).toHaveLength(4);
      for (const route of routes) expect(route.Properties.GatewayId).toBeDefined();
    });

    test('asks for public task addresses; selections stay by group name', () => {
      expect(network.assignPublicIpToTasks).toBe(true);
      expect(network.natLayout).toBe(NatLayout.PUBLIC_TASKS);
      expect(network.applicationSubnets).toEqual({ subnetGroupName: 'Application' });
      expect(network.publicSubnets).toEqual({ subnetGroupName: 'Public' });
      expect(network.dataSubnets).toEqual({ subnetGroupName: 'Data' });
    });
  });

  test.each([NatLayout.ONE_PER_AZ, NatLayout.SINGLE, NatLayout.NONE])('layout %s gives tasks no public address', (natLayout) => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network', { natLayout });
    checkStack(stack, `network-layout-${natLayout.toLowerCase().replace(/_/g, '-')}`);
    expect(network.assignPublicIpToTasks).toBe(false);
  });

  test('custom CIDR and flow-log retention', () => {
    const stack = testStack();
    new MoodleNetwork(stack, 'Network', { cidr: '172.20.0.0/18', flowLogRetention: logs.RetentionDays.ONE_YEAR });
    const template = checkStack(stack, 'network-custom');
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '172.20.0.0/18' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('flow logs off', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network', { flowLogs: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    expect(network.flowLogGroup).toBeUndefined();
  });
});

describe('MoodleNetwork with an existing VPC', () => {
  function existingVpc(stack: Stack, subnetConfiguration: ec2.SubnetConfiguration[]) {
    return new ec2.Vpc(stack, 'Existing', { maxAzs: 2, natGateways: 1, subnetConfiguration });
  }
  const allTiers: ec2.SubnetConfiguration[] = [
    { name: 'Pub', subnetType: ec2.SubnetType.PUBLIC },
    { name: 'Priv', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    { name: 'Iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  ];

  test('is used as it is, with tiers by subnet type', () => {
    const stack = testStack();
    const vpc = existingVpc(stack, allTiers);
    const network = new MoodleNetwork(stack, 'Network', { vpc });
    expect(network.vpc).toBe(vpc);
    expect(network.vpc.selectSubnets(network.dataSubnets).subnets).toEqual(vpc.isolatedSubnets);
    expect(network.vpc.selectSubnets(network.applicationSubnets).subnets).toEqual(vpc.privateSubnets);
    expect(network.natLayout).toBeUndefined();
    expect(network.assignPublicIpToTasks).toBe(false);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 1);
  });

  test('the PUBLIC_TASKS layout with an existing vpc fails and names the fix', () => {
    const stack = testStack();
    const vpc = existingVpc(stack, allTiers);
    expect(() => new MoodleNetwork(stack, 'Network', { vpc, natLayout: NatLayout.PUBLIC_TASKS })).toThrow(
      /natLayout only shape a VPC that MoodleNetwork creates, but an existing vpc was given\. Remove natLayout/,
    );
  });

  test('without isolated subnets fails and names the tier', () => {
    const stack = testStack();
    const vpc = existingVpc(stack, allTiers.slice(0, 2));
    expect(() => new MoodleNetwork(stack, 'Network', { vpc })).toThrow(
      /given vpc has isolated subnets in 0 Availability Zone\(s\).*Add isolated subnets/,
    );
  });

  test('without private subnets fails', () => {
    const stack = testStack();
    const vpc = existingVpc(stack, [allTiers[0], allTiers[2]]);
    expect(() => new MoodleNetwork(stack, 'Network', { vpc })).toThrow(/private with egress subnets in 0/);
  });

  test('in a single AZ fails', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { maxAzs: 1, subnetConfiguration: allTiers });
    expect(() => new MoodleNetwork(stack, 'Network', { vpc })).toThrow(/public subnets in 1 Availability Zone/);
  });

  test('with props that only shape a created VPC fails', () => {
    const stack = testStack();
    const vpc = existingVpc(stack, allTiers);
    expect(() => new MoodleNetwork(stack, 'Network', { vpc, natLayout: NatLayout.NONE, maxAzs: 3 })).toThrow(
      /maxAzs, natLayout only shape a VPC that MoodleNetwork creates.*Remove maxAzs, natLayout/,
    );
  });
});

describe('MoodleNetwork checks its Availability Zones before anything else is created', () => {
  test('the check gets the created VPC\'s AZ names and the AZ IDs where CloudFront VPC origins are not available; the VPC waits for it', () => {
    const stack = testStack('us-east-1');
    const network = new MoodleNetwork(stack, 'Network', { availabilityZones: ['us-east-1b', 'us-east-1c'] });
    const template = checkStack(stack, 'network-availability-zones');
    template.hasResourceProperties('Custom::MoodleAvailabilityZoneCheck', {
      Zones: ['us-east-1b', 'us-east-1c'],
      UnsupportedZoneIds: ['use1-az3', 'usw1-az2', 'apne1-az3', 'cac1-az3'],
    });
    const checkId = stack.getLogicalId(network.availabilityZoneCheck.node.defaultChild as CfnResource);
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::InternetGateway']) {
      for (const resource of Object.values(template.findResources(type))) expect(resource.DependsOn).toContain(checkId);
    }
    expect(Object.values(template.findResources('AWS::EC2::Subnet')).map((subnet) => subnet.Properties.AvailabilityZone).sort())
      .toEqual(['us-east-1b', 'us-east-1b', 'us-east-1b', 'us-east-1c', 'us-east-1c', 'us-east-1c']);
  });

  test('an existing VPC: the check gets the subnets the load balancer uses', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Pub', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Priv', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'Iso', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    new MoodleNetwork(stack, 'Network', { vpc });
    const check = Object.values(Template.fromStack(stack).findResources('Custom::MoodleAvailabilityZoneCheck'))[0];
    const refs = vpc.privateSubnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as CfnResource) }));
    expect(check.Properties.SubnetIds).toEqual(refs);
    expect(check.Properties.Zones).toBeUndefined();
  });

  test('parts built on the network wait for the check', () => {
    const { stack } = site({});
    const template = Template.fromStack(stack);
    const checkId = Object.keys(template.findResources('Custom::MoodleAvailabilityZoneCheck'))[0];
    for (const type of ['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::ReplicationGroup',
      'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::CodeBuild::Project', 'AWS::EFS::FileSystem']) {
      for (const resource of Object.values(template.findResources(type))) expect(resource.DependsOn).toContain(checkId);
    }
  });

  test.each<[string, string[], RegExp]>([
    ['AZ IDs instead of names', ['use1-az1', 'use1-az2'], /'use1-az1', an AZ ID\. Give AZ names \(for example 'us-east-1b'\)/],
    ['an AZ ID where VPC origins are not available', ['us-east-1b', 'use1-az3'], /'use1-az3', an AZ ID, and CloudFront VPC origins are not available in use1-az3 at all/],
    ['one AZ', ['us-east-1b'], /give 2 or 3 different Availability Zone names/],
    ['the same AZ twice', ['us-east-1b', 'us-east-1b'], /give 2 or 3 different Availability Zone names/],
    ['an AZ of another region', ['us-east-1b', 'eu-west-1a'], /'eu-west-1a', which is not an AZ of the stack's region us-east-1/],
  ])('%s fails at synth', (_name, availabilityZones, message) => {
    expect(() => new MoodleNetwork(testStack('us-east-1'), 'Network', { availabilityZones })).toThrow(message);
  });

  test('availabilityZones with maxAzs fails', () => {
    expect(() => new MoodleNetwork(testStack('us-east-1'), 'Network', { availabilityZones: ['us-east-1b', 'us-east-1c'], maxAzs: 2 }))
      .toThrow(/both availabilityZones and maxAzs are given/);
  });
});

describe('MoodleNetwork bad input', () => {
  test.each([1, 4, 2.5])('maxAzs %p fails', (maxAzs) => {
    expect(() => new MoodleNetwork(testStack(), 'Network', { maxAzs })).toThrow(
      new RegExp(`maxAzs is ${maxAzs}.*Set maxAzs to 2 \\(default\\) or 3`),
    );
  });

  test.each(['10.0.0.0/24', '10.0.0.0/8', '300.0.0.0/16', 'ten'])('cidr %p fails', (cidr) => {
    expect(() => new MoodleNetwork(testStack(), 'Network', { cidr })).toThrow(/cidr '.*' is not usable.*\/16 to \/19/);
  });

  test('an app without env still builds (AZs resolved at deploy time)', () => {
    const stack = new Stack(new App(), 'NoEnv');
    new MoodleNetwork(stack, 'Network');
    Template.fromStack(stack).resourceCountIs('AWS::EC2::Subnet', 6);
  });
});


describe('MoodleNetwork reports every problem at once', () => {
  test('a created VPC with a bad AZ count and a bad CIDR block', () => {
    const stack = testStack();
    expect(problemsOf(() => new MoodleNetwork(stack, 'Network', { maxAzs: 4, cidr: '10.0.0.0/8' }))).toEqual([
      expect.stringMatching(/^MoodleNetwork: maxAzs is 4/),
      expect.stringMatching(/^MoodleNetwork: cidr '10.0.0.0\/8' is not usable/),
    ]);
  });

  test('an existing VPC with props for a created one and a missing tier', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { maxAzs: 2, subnetConfiguration: [{ name: 'Pub', subnetType: ec2.SubnetType.PUBLIC }] });
    expect(problemsOf(() => new MoodleNetwork(stack, 'Network', { vpc, cidr: '10.1.0.0/16', flowLogs: false }))).toEqual([
      expect.stringMatching(/^MoodleNetwork: cidr, flowLogs only shape a VPC that MoodleNetwork creates/),
      expect.stringMatching(/^MoodleNetwork: the given vpc has private with egress subnets in 0/),
      expect.stringMatching(/^MoodleNetwork: the given vpc has isolated subnets in 0/),
    ]);
  });
});
