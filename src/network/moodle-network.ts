import { CustomResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IDependable } from 'constructs';
import { NatLayout, networkDefaults, VPC_ORIGIN_UNSUPPORTED_ZONE_IDS } from './network-defaults';
import { IMoodleNetwork } from '../contracts/network';
import { availabilityZoneCheck } from '../private/deploy-guards';
import { retainExceptOnCreate } from '../private/retain-except-on-create';
import { isLiteral, Validator } from '../private/validation';

/**
 * Properties of a {@link MoodleNetwork}.
 */
export interface MoodleNetworkProps {
  /**
   * An existing VPC to use instead of creating one. It must have public, private-with-egress
   * and isolated subnets in at least two Availability Zones.
   *
   * @default - a new VPC is created
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Number of Availability Zones of a new VPC (2 or 3).
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * The Availability Zones of a new VPC, by name (2 or 3, for example `['us-east-1b', 'us-east-1c']`), instead
   * of the region's first `maxAzs`. CloudFront VPC origins are not available in some AZs (the AZ IDs
   * `use1-az3`, `usw1-az2`, `apne1-az3`, `cac1-az3`), and each account maps names to IDs in its own way: a
   * deployment whose AZs include one of them fails in its first seconds with a message that lists this
   * account's names to use here.
   *
   * @default - the first `maxAzs` AZs of the region
   */
  readonly availabilityZones?: string[];

  /**
   * How a new VPC reaches the internet from its private subnets.
   *
   * @default NatLayout.ONE_PER_AZ
   */
  readonly natLayout?: NatLayout;

  /**
   * IPv4 CIDR block of a new VPC (a /16 to /24 block).
   *
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;

  /**
   * Whether a new VPC records VPC flow logs (all traffic) to CloudWatch Logs.
   *
   * @default true
   */
  readonly flowLogs?: boolean;

  /**
   * How long VPC flow logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The network for Moodle: a VPC over two or more Availability Zones with three subnet tiers:
 * public (load balancer, NAT gateways), application (Moodle tasks) and data (database, cache,
 * EFS mount targets, never routable from the internet).
 */
export class MoodleNetwork extends Construct implements IMoodleNetwork {
  /** The VPC, created or given. */
  public readonly vpc: ec2.IVpc;
  /** Subnets of the public tier. */
  public readonly publicSubnets: ec2.SubnetSelection;
  /** Subnets of the application tier. */
  public readonly applicationSubnets: ec2.SubnetSelection;
  /** Subnets of the data tier. */
  public readonly dataSubnets: ec2.SubnetSelection;
  /** Whether Moodle tasks get a public IPv4 address (only with the NAT layout `PUBLIC_TASKS`). */
  public readonly assignPublicIpToTasks: boolean;
  /** The NAT layout of a created VPC; undefined for a given VPC. */
  public readonly natLayout?: NatLayout;
  /** The flow log of a created VPC, if flow logs are on. */
  public readonly flowLog?: ec2.FlowLog;
  /** The log group the flow log writes to, if flow logs are on. */
  public readonly flowLogGroup?: logs.LogGroup;
  /** The VPC endpoints created for the `NONE` NAT layout, by service name. */
  public readonly endpoints: ec2.IVpcEndpoint[] = [];
  /**
   * The deploy-time check that the load balancer's AZs support CloudFront VPC origins; a created VPC is
   * built only after it passed.
   */
  public readonly availabilityZoneCheck: CustomResource;
  /** What parts built on this network wait for: the Availability Zone check. */
  public readonly deployChecks?: IDependable;

  constructor(scope: Construct, id: string, props: MoodleNetworkProps = {}) {
    super(scope, id);
    retainExceptOnCreate(this);

    const validator = new Validator('MoodleNetwork');
    if (props.vpc) {
      validator.rejectStray(props, ['maxAzs', 'availabilityZones', 'natLayout', 'cidr', 'flowLogs', 'flowLogRetention'], (given) =>
        `${given.join(', ')} only shape a VPC that MoodleNetwork creates, but an existing vpc was given. Remove ${given.join(', ')}, or remove vpc to let MoodleNetwork create one.`,
      );
      validateExistingVpc(validator, props.vpc);
      validator.throwIfAny();
      this.vpc = props.vpc;
      this.publicSubnets = { subnetType: ec2.SubnetType.PUBLIC };
      this.applicationSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.dataSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      this.assignPublicIpToTasks = false;
      this.availabilityZoneCheck = availabilityZoneCheck(this, 'AvailabilityZoneCheck', {
        subnetIds: props.vpc.selectSubnets(this.applicationSubnets).subnetIds,
        unsupportedZoneIds: VPC_ORIGIN_UNSUPPORTED_ZONE_IDS,
      });
      this.deployChecks = this.availabilityZoneCheck;
      return;
    }

    const maxAzs = props.maxAzs ?? networkDefaults.maxAzs;
    validateMaxAzs(validator, maxAzs);
    if (props.availabilityZones) validateAvailabilityZones(validator, props.availabilityZones, props.maxAzs, Stack.of(this).region);
    const natLayout = props.natLayout ?? networkDefaults.natLayout;
    const cidr = props.cidr ?? networkDefaults.cidr;
    validateCidr(validator, cidr);
    validator.throwIfAny();
    this.natLayout = natLayout;
    this.assignPublicIpToTasks = natLayout === NatLayout.PUBLIC_TASKS;

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      ...(props.availabilityZones ? { availabilityZones: props.availabilityZones } : { maxAzs }),
      natGateways: natGatewayCount(natLayout, maxAzs),
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        // Only NAT gateways (Elastic IPs of their own) live here: nothing launched in them gets a public address.
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        applicationSubnetConfiguration(natLayout),
        { name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    this.vpc = vpc;
    this.availabilityZoneCheck = availabilityZoneCheck(this, 'AvailabilityZoneCheck', {
      zones: vpc.availabilityZones,
      unsupportedZoneIds: VPC_ORIGIN_UNSUPPORTED_ZONE_IDS,
    });
    // Nothing of the VPC (and so nothing that runs in it) is created before the check passed.
    vpc.node.addDependency(this.availabilityZoneCheck);
    this.deployChecks = this.availabilityZoneCheck;
    this.publicSubnets = { subnetGroupName: 'Public' };
    this.applicationSubnets = { subnetGroupName: 'Application' };
    this.dataSubnets = { subnetGroupName: 'Data' };

    if (props.flowLogs ?? networkDefaults.flowLogs) {
      this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
        retention: props.flowLogRetention ?? networkDefaults.flowLogRetention,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.flowLog = vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
    }

    if (natLayout === NatLayout.NONE) {
      this.endpoints.push(...this.addEndpointsForPrivateTasks(vpc));
    }
  }

  /** Endpoints a Fargate task without internet access needs: image pulls, logs, secrets, ECS Exec. */
  private addEndpointsForPrivateTasks(vpc: ec2.Vpc): ec2.IVpcEndpoint[] {
    const subnets = this.applicationSubnets;
    const endpoints: ec2.IVpcEndpoint[] = [
      vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [subnets] }),
    ];
    const interfaceServices: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      EcrApiEndpoint: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDockerEndpoint: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      LogsEndpoint: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManagerEndpoint: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      SsmMessagesEndpoint: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    };
    for (const [id, service] of Object.entries(interfaceServices)) {
      const endpoint = vpc.addInterfaceEndpoint(id, { service, subnets, privateDnsEnabled: true });
      Validations.of(endpoint).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'The endpoint accepts HTTPS only from the VPC CIDR block (a Fn::GetAtt the rule cannot evaluate), never from the internet.',
      });
      endpoints.push(endpoint);
    }
    return endpoints;
  }
}

function natGatewayCount(layout: NatLayout, maxAzs: number): number {
  switch (layout) {
    case NatLayout.ONE_PER_AZ: return maxAzs;
    case NatLayout.SINGLE: return 1;
    case NatLayout.NONE: return 0;
    case NatLayout.PUBLIC_TASKS: return 0;
  }
}

/** The application tier: private with egress behind NAT, isolated without it, public for `PUBLIC_TASKS`. */
function applicationSubnetConfiguration(layout: NatLayout): ec2.SubnetConfiguration {
  switch (layout) {
    case NatLayout.ONE_PER_AZ:
    case NatLayout.SINGLE:
      return { name: 'Application', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 };
    case NatLayout.NONE:
      return { name: 'Application', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 };
    case NatLayout.PUBLIC_TASKS:
      // A route to the internet gateway, but no address for whatever launches here: only the tasks ECS starts
      // with assignPublicIp get one.
      return { name: 'Application', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 22, mapPublicIpOnLaunch: false };
  }
}

function validateMaxAzs(validator: Validator, maxAzs: number): void {
  validator.check(isLiteral(maxAzs) && (!Number.isInteger(maxAzs) || maxAzs < 2 || maxAzs > 3),
    `maxAzs is ${maxAzs}, but Moodle needs 2 or 3 Availability Zones to survive the loss of one. Set maxAzs to 2 (default) or 3.`,
  );
}

function validateCidr(validator: Validator, cidr: string): void {
  if (!isLiteral(cidr)) return;
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octetsValid = match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255);
  const mask = match ? Number(match[5]) : NaN;
  validator.check(!octetsValid || mask < 16 || mask > 19,
    `cidr '${cidr}' is not usable. Give an IPv4 block from /16 to /19 (for example '10.0.0.0/16'): the three subnet tiers need room for /22 application subnets.`,
  );
}

/** Explicit AZ names: 2 or 3 distinct names of the stack's region, and never AZ IDs. */
function validateAvailabilityZones(validator: Validator, zones: string[], maxAzs: number | undefined, region: string): void {
  validator.check(maxAzs !== undefined,
    'both availabilityZones and maxAzs are given. Give availabilityZones alone (its length is the number of AZs), or maxAzs alone.',
  );
  if (!isLiteral(...zones)) return;
  validator.check(zones.length < 2 || zones.length > 3 || new Set(zones).size !== zones.length,
    `availabilityZones is [${zones.join(', ')}]; give 2 or 3 different Availability Zone names, for example ['us-east-1b', 'us-east-1c'].`,
  );
  for (const zone of zones) {
    const unsupported = VPC_ORIGIN_UNSUPPORTED_ZONE_IDS.includes(zone) ? `, and CloudFront VPC origins are not available in ${zone} at all` : '';
    const isZoneId = /^[a-z]{2,5}\d+-az\d+$/.test(zone);
    validator.check(isZoneId,
      `availabilityZones has '${zone}', an AZ ID${unsupported}. Give AZ names (for example 'us-east-1b'): the EC2 console lists each name with its ID for your account.`,
    );
    validator.check(!isZoneId && isLiteral(region) && !zone.startsWith(region),
      `availabilityZones has '${zone}', which is not an AZ of the stack's region ${region}. Give AZ names such as '${region}b'.`,
    );
  }
}

function validateExistingVpc(validator: Validator, vpc: ec2.IVpc): void {
  const tiers: Array<[string, ec2.ISubnet[], string]> = [
    ['public', vpc.publicSubnets, 'the load balancer and NAT gateways'],
    ['private with egress', vpc.privateSubnets, 'the Moodle tasks'],
    ['isolated', vpc.isolatedSubnets, 'the database, cache and EFS mount targets'],
  ];
  for (const [tier, subnets, purpose] of tiers) {
    const azs = new Set(subnets.map((subnet) => subnet.availabilityZone));
    validator.check(azs.size < 2,
      `the given vpc has ${tier} subnets in ${azs.size} Availability Zone(s); Moodle needs them in at least 2 for ${purpose}. Add ${tier} subnets in a second AZ to the VPC, or omit vpc to let MoodleNetwork create one.`,
    );
  }
}
