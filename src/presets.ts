import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { MoodleCacheDeployment, MoodleCacheOptions } from './cache';
import { MoodleDatabase, MoodleDataOptions } from './data';
import { CREATED_DATABASE_PROPS } from './data/moodle-data-props';
import { MoodleEdgeOptions } from './edge';
import { MoodleNetworkProps, NatLayout } from './network';
import { check } from './private/validation';
import { withDefaults } from './private/with-defaults';
import { MoodleServiceOptions } from './service';

/**
 * A set of defaults for a whole site. Any prop given explicitly wins over the preset.
 */
export enum MoodlePreset {
  /**
   * A test or development site, cheapest that still runs the real architecture: no NAT gateway (NAT layout
   * `PUBLIC_TASKS`: tasks in public subnets with a public IPv4 address for egress, admitting only the load
   * balancer), Aurora Serverless v2 that pauses when idle, ElastiCache Serverless Valkey, one on-demand web
   * task of 0.25 vCPU / 1 GB, the cron task on Fargate Spot, no WAF, no alarms, data destroyed with the stack,
   * logs kept a week.
   */
  DEVELOPMENT = 'DEVELOPMENT',
  /**
   * A production site that survives the loss of an Availability Zone: a NAT gateway per AZ, a Multi-AZ
   * database, a cache with a replica in the other AZ, web tasks in both AZs (one on demand, the rest on
   * Fargate Spot), WAF, alarms, deletion protection, data retained, database passwords rotated every 30 days.
   */
  PRODUCTION = 'PRODUCTION',
}

/** What a preset sets, part by part. */
export interface PresetValues {
  readonly network: MoodleNetworkProps;
  readonly data: MoodleDataOptions;
  readonly cache: MoodleCacheOptions;
  readonly edge: MoodleEdgeOptions;
  readonly service: MoodleServiceOptions;
  readonly monitoring: boolean;
}

const development: PresetValues = {
  network: { natLayout: NatLayout.PUBLIC_TASKS, flowLogRetention: logs.RetentionDays.ONE_WEEK },
  data: {
    database: MoodleDatabase.auroraServerless({ minCapacity: 0, autoPauseAfter: Duration.minutes(5), maxCapacity: 2, reader: false }),
    backupRetention: Duration.days(1),
    backupPlanRetention: Duration.days(7),
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetention: logs.RetentionDays.ONE_WEEK,
  },
  cache: { deployment: MoodleCacheDeployment.serverless() },
  edge: { enableWaf: false, deletionProtection: false, accessLogRetention: Duration.days(7) },
  service: {
    cpu: 256,
    memory: Size.gibibytes(1),
    cronCpu: 256,
    cronMemory: Size.mebibytes(512),
    cronSpot: true,
    minCapacity: 1,
    maxCapacity: 2,
    logRetention: logs.RetentionDays.ONE_WEEK,
  },
  monitoring: false,
};

const production: PresetValues = {
  network: { natLayout: NatLayout.ONE_PER_AZ },
  data: {
    // db.t4g.medium (4 GiB): about 341 connections, enough for 10 web tasks × 24 Apache workers and the reserve; a small one has 170.
    database: MoodleDatabase.mysql({ instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM), multiAz: true }),
    removalPolicy: RemovalPolicy.SNAPSHOT,
    deletionProtection: true,
    secretRotation: Duration.days(30),
  },
  cache: { deployment: MoodleCacheDeployment.nodes({ nodeType: 'cache.t4g.micro', replicas: 1 }) },
  edge: { enableWaf: true, deletionProtection: true },
  service: { cronCpu: 256, cronMemory: Size.gibibytes(1), minCapacity: 2, maxCapacity: 10 },
  monitoring: true,
};

/** The values of a preset. */
function presetValues(preset: MoodlePreset): PresetValues {
  return preset === MoodlePreset.DEVELOPMENT ? development : production;
}

/** What a user gave for the parts a preset shapes. */
export interface GivenParts {
  readonly network?: MoodleNetworkProps;
  readonly data?: MoodleDataOptions;
  readonly cache?: MoodleCacheOptions;
  readonly edge?: MoodleEdgeOptions;
  readonly service?: MoodleServiceOptions;
  readonly monitoring?: boolean;
}

/**
 * Every part's props, resolved before anything is built: the preset's values overlaid with what the user gave.
 * A database or cache the user chose (`data.database`, `cache.deployment`) replaces the preset's whole choice
 * with its own options; an existing database takes none of the preset's props for a database it would create.
 */
export function resolveParts(preset: MoodlePreset, given: GivenParts): PresetValues {
  const values = presetValues(preset);
  const data = withDefaults(dataPreset(values.data, given.data ?? {}), given.data);
  check('MoodleOnFargate', [[
    values.data.removalPolicy === RemovalPolicy.DESTROY && given.data?.deletionProtection === true && given.data.removalPolicy === undefined,
    `preset ${preset} destroys the data with the stack (data.removalPolicy DESTROY), but data.deletionProtection is true. ` +
    'Set data.removalPolicy to RemovalPolicy.SNAPSHOT or RETAIN as well to keep the data, or remove data.deletionProtection.',
  ]]);
  return {
    network: given.network?.vpc ? given.network : withDefaults(values.network, given.network),
    data,
    cache: withDefaults(values.cache, given.cache),
    edge: withDefaults(values.edge, given.edge),
    service: withDefaults(values.service, given.service),
    monitoring: given.monitoring ?? values.monitoring,
  };
}

function dataPreset(values: MoodleDataOptions, given: MoodleDataOptions): MoodleDataOptions {
  return given.existingInstance ?? given.existingCluster ? withoutProps(values, CREATED_DATABASE_PROPS) : values;
}

/** A copy of a preset part without some of its props. */
function withoutProps<T extends object>(presetPart: T, names: ReadonlyArray<string>): T {
  return Object.fromEntries(Object.entries(presetPart).filter(([name]) => !names.includes(name))) as T;
}
