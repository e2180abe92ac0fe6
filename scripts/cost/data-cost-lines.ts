import { HOURS_PER_MONTH } from './prices';
import { CfnTemplate, CostLine } from './template-cost';

/**
 * us-east-1 on-demand list prices (USD) of the data tier. Source: the AWS pricing pages for
 * Amazon RDS for MySQL, Amazon Aurora, Amazon ElastiCache, AWS Secrets Manager, Amazon CloudWatch
 * and AWS KMS, as published in 2025 (Valkey node-based prices are 20 % below Redis OSS; Valkey
 * Serverless bills at least 100 MB of data, Redis OSS Serverless at least 1 GB). Not re-checked
 * online when this file was written (November 2026): check them before quoting.
 */
export const dataTierPrices = {
  /** RDS for MySQL, Single-AZ instance-hour by class; Multi-AZ (one standby) is twice this. */
  rdsMysqlInstanceHour: {
    'db.t4g.micro': 0.016,
    'db.t4g.small': 0.032,
    'db.t4g.medium': 0.065,
    'db.t4g.large': 0.129,
    'db.t4g.xlarge': 0.258,
    'db.t4g.2xlarge': 0.517,
    'db.m7g.large': 0.168,
    'db.m7g.xlarge': 0.337,
    'db.m7g.2xlarge': 0.673,
    'db.m6g.large': 0.152,
    'db.m6g.xlarge': 0.304,
    'db.r7g.large': 0.239,
    'db.r7g.xlarge': 0.478,
    'db.r6g.large': 0.215,
    'db.r6g.xlarge': 0.43,
    'db.m5.large': 0.171,
    'db.r5.large': 0.25,
  } as Record<string, number>,
  /** RDS gp3 storage per GB-month, Single-AZ (Multi-AZ twice). */
  rdsGp3GbMonth: 0.115,
  /** Aurora Serverless v2 (Aurora Standard) per ACU-hour. */
  auroraAcuHour: 0.12,
  /** ElastiCache Redis OSS node-hour by node type; Valkey nodes cost `valkeyNodeDiscount` less. */
  elastiCacheRedisNodeHour: {
    'cache.t4g.micro': 0.016,
    'cache.t4g.small': 0.032,
    'cache.t4g.medium': 0.065,
    'cache.t3.micro': 0.017,
    'cache.t3.small': 0.034,
    'cache.t3.medium': 0.068,
    'cache.m7g.large': 0.158,
    'cache.m7g.xlarge': 0.315,
    'cache.m6g.large': 0.149,
    'cache.m6g.xlarge': 0.297,
    'cache.r7g.large': 0.219,
    'cache.r7g.xlarge': 0.437,
    'cache.r6g.large': 0.206,
    'cache.r6g.xlarge': 0.411,
  } as Record<string, number>,
  valkeyNodeDiscount: 0.2,
  /** ElastiCache Serverless minimum data storage billed, in GB-hours per hour, and its price per GB-hour. */
  serverlessMinimum: {
    valkey: { gb: 0.1, gbHour: 0.084 },
    redis: { gb: 1, gbHour: 0.125 },
  } as Record<string, { gb: number; gbHour: number }>,
  secretMonth: 0.4,
  alarmMonth: 0.1,
  kmsKeyMonth: 1,
} as const;

type Resource = NonNullable<CfnTemplate['Resources']>[string];

/** Aurora's SecondsUntilAutoPause when the template leaves it out. */
const AURORA_DEFAULT_PAUSE_SECONDS = 300;
/** The least an awake Aurora Serverless v2 instance bills, in ACU. */
const AURORA_AWAKE_ACU = 0.5;
/** Aurora's resume from 0 ACU (the Aurora guide: about 15 s) and one cron.php run of an idle site (about a minute). */
const AURORA_RESUME_SECONDS = 15;
const IDLE_CRON_RUN_SECONDS = 60;

/**
 * An Aurora Serverless v2 instance at 0 ACU on a site nobody uses. It pauses only while no connection is open:
 * with a cron that idles (MOODLE_CRON_IDLE_INTERVAL on the cron task), it is awake for a resume, one cron run
 * and the pause delay once per interval; with a cron that holds its connection, it never pauses.
 */
function idleAuroraInstance(template: CfnTemplate, pauseSeconds: number): { item: string; awakeShare: number } {
  const cronEnvironment = Object.values(template.Resources ?? {})
    .filter((resource) => resource.Type === 'AWS::ECS::TaskDefinition')
    .map((resource) => (resource.Properties?.ContainerDefinitions?.[0]?.Environment ?? []) as Array<{ Name: string; Value: unknown }>)
    .find((environment) => environment.some((entry) => entry.Name === 'MOODLE_ROLE' && entry.Value === 'cron'));
  const interval = Number(cronEnvironment?.find((entry) => entry.Name === 'MOODLE_CRON_IDLE_INTERVAL')?.Value ?? 0);
  if (!(interval > 0)) {
    return { item: `Aurora Serverless v2 instance at 0 ACU that never pauses (cron keeps a connection open): ${AURORA_AWAKE_ACU} ACU`, awakeShare: 1 };
  }
  const awakeSeconds = AURORA_RESUME_SECONDS + IDLE_CRON_RUN_SECONDS + pauseSeconds;
  return {
    item: `Aurora Serverless v2 instance at 0 ACU, idle site: awake ${AURORA_AWAKE_ACU} ACU for ${(awakeSeconds / 60).toFixed(1)} min ` +
      `(resume, one cron run, ${pauseSeconds / 60} min to pause) per ${interval / 3600} h`,
    awakeShare: Math.min(1, awakeSeconds / interval),
  };
}

function resources(template: CfnTemplate, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}

function priceOf(table: Record<string, number>, key: string, what: string): number {
  const price = table[key];
  if (price === undefined) {
    throw new Error(`data-cost-lines: no us-east-1 price for ${what} '${key}'; add it to dataTierPrices in scripts/cost/data-cost-lines.ts`);
  }
  return price;
}

/** Adds `count` of `item` at `unitMonthlyUsd` each, merging lines with the same item. */
function add(lines: CostLine[], item: string, count: number, unitMonthlyUsd: number): void {
  const index = lines.findIndex((line) => line.item === item);
  const monthlyUsd = count * unitMonthlyUsd;
  if (index >= 0) {
    const line = lines[index];
    lines[index] = { item, count: line.count + count, monthlyUsd: line.monthlyUsd + monthlyUsd };
  } else {
    lines.push({ item, count, monthlyUsd });
  }
}

/**
 * The fixed monthly costs of the data tier in a template (MoodleData and MoodleCache resources),
 * at us-east-1 list prices: what is billed every hour whether or not anyone uses the site. Usage
 * (EFS and backup storage, Aurora storage and I/O, ECPUs, data transfer, ACUs above the minimum)
 * is not included. An Aurora minimum of 0 ACU is priced for an idle site: awake only when cron runs (idleAuroraInstance).
 */
export function dataTierCostLines(template: CfnTemplate): CostLine[] {
  const lines: CostLine[] = [];
  const p = dataTierPrices;

  const clusters = new Map(resources(template, 'AWS::RDS::DBCluster'));
  for (const [, instance] of resources(template, 'AWS::RDS::DBInstance')) {
    const props = instance.Properties ?? {};
    const instanceClass: string = props.DBInstanceClass;
    if (instanceClass === 'db.serverless') {
      const scaling = clusters.get(props.DBClusterIdentifier?.Ref)?.Properties?.ServerlessV2ScalingConfiguration ?? {};
      const minAcu: number = scaling.MinCapacity ?? 0;
      if (minAcu > 0) {
        add(lines, `Aurora Serverless v2 instance at its minimum of ${minAcu} ACU`, 1, minAcu * p.auroraAcuHour * HOURS_PER_MONTH);
      } else {
        const { item, awakeShare } = idleAuroraInstance(template, scaling.SecondsUntilAutoPause ?? AURORA_DEFAULT_PAUSE_SECONDS);
        add(lines, item, 1, awakeShare * AURORA_AWAKE_ACU * p.auroraAcuHour * HOURS_PER_MONTH);
      }
      continue;
    }
    const multiAz = props.MultiAZ === true;
    const copies = multiAz ? 2 : 1;
    const hour = priceOf(p.rdsMysqlInstanceHour, instanceClass, 'RDS instance class');
    add(lines, `RDS for MySQL ${instanceClass}${multiAz ? ' Multi-AZ' : ''}`, 1, copies * hour * HOURS_PER_MONTH);
    const storageGb = Number(props.AllocatedStorage ?? 0);
    if (storageGb > 0) {
      add(lines, `RDS gp3 storage GB${multiAz ? ' (Multi-AZ)' : ''}`, storageGb, copies * p.rdsGp3GbMonth);
    }
  }

  for (const [, group] of resources(template, 'AWS::ElastiCache::ReplicationGroup')) {
    const props = group.Properties ?? {};
    const engine: string = props.Engine ?? 'redis';
    const nodeType: string = props.CacheNodeType;
    const nodes: number = props.NumCacheClusters ?? 1;
    const discount = engine === 'valkey' ? 1 - p.valkeyNodeDiscount : 1;
    const hour = priceOf(p.elastiCacheRedisNodeHour, nodeType, 'ElastiCache node type') * discount;
    add(lines, `ElastiCache ${engine === 'valkey' ? 'Valkey' : 'Redis OSS'} ${nodeType} node`, nodes, hour * HOURS_PER_MONTH);
  }

  for (const [, cache] of resources(template, 'AWS::ElastiCache::ServerlessCache')) {
    const engine: string = cache.Properties?.Engine;
    const minimum = p.serverlessMinimum[engine];
    if (!minimum) throw new Error(`data-cost-lines: no serverless minimum for engine '${engine}'`);
    add(lines, `ElastiCache Serverless ${engine === 'valkey' ? 'Valkey' : 'Redis OSS'} minimum (${minimum.gb * 1000} MB)`, 1, minimum.gb * minimum.gbHour * HOURS_PER_MONTH);
  }

  add(lines, 'Secrets Manager secret', resources(template, 'AWS::SecretsManager::Secret').length, p.secretMonth);
  add(lines, 'CloudWatch alarm', resources(template, 'AWS::CloudWatch::Alarm').length, p.alarmMonth);
  add(lines, 'KMS customer managed key', resources(template, 'AWS::KMS::Key').length, p.kmsKeyMonth);
  return lines.filter((line) => line.count > 0);
}
