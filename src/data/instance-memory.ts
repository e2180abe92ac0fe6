/**
 * Memory of RDS DB instance classes and the connections RDS for MySQL allows by default, from AWS's RDS User
 * Guide: "Hardware specifications for DB instance classes" (Concepts.DBInstanceClass) and "Maximum number of
 * database connections" (CHAP_Limits: `{DBInstanceClassMemory/12582880}`); and the connections Aurora MySQL
 * Serverless v2 allows by default, from the Aurora User Guide ("Maximum connections for Aurora Serverless v2",
 * aurora-serverless-v2.setting-capacity).
 */

const BURSTABLE_GIB: Record<string, number> = { 'micro': 1, 'small': 2, 'medium': 4, 'large': 8, 'xlarge': 16, '2xlarge': 32 };
/** GiB per vCPU of the current general purpose (m5 and later), memory optimized (r5 and later) and x2g classes. */
const GIB_PER_VCPU: Record<string, number> = { m: 4, r: 8, x: 16 };
const MAX_CONNECTIONS_DIVISOR = 12582880;

/** The memory of a DB instance class such as 't4g.small' or 'r6g.xlarge', in GiB; undefined for a class not covered. */
export function instanceClassMemoryGiB(instanceClass: string): number | undefined {
  const match = /^([mrtx])(\d+)([a-z]*)\.(\w+)$/.exec(instanceClass);
  if (!match) return undefined;
  const [, family, generation, variant, size] = match;
  if (family === 't') return Number(generation) >= 3 ? BURSTABLE_GIB[size] : undefined;
  const current = family === 'x' ? generation === '2' && variant === 'g' : Number(generation) >= 5;
  const vcpus = size === 'large' ? 2 : /^(\d*)xlarge$/.test(size) ? 4 * Number(size.replace('xlarge', '') || 1) : undefined;
  return current && vcpus ? vcpus * GIB_PER_VCPU[family] : undefined;
}

/**
 * RDS for MySQL's default max_connections for a class, computed on its whole memory: an upper bound, since
 * `DBInstanceClassMemory` leaves out what the operating system and RDS keep for themselves.
 */
export function defaultMaxConnections(instanceClass: string): number | undefined {
  const memory = instanceClassMemoryGiB(instanceClass);
  return memory === undefined ? undefined : Math.floor((memory * 1024 ** 3) / MAX_CONNECTIONS_DIVISOR);
}

/**
 * Aurora MySQL's default max_connections of an Aurora Serverless v2 instance, by the cluster's maximum ACU: the Aurora
 * User Guide's table ("Maximum connections for Aurora Serverless v2"). Aurora computes it on the memory of the maximum
 * capacity, not the current one, and holds it while the instance scales (a static parameter: a new maximum takes a reboot).
 */
const AURORA_SERVERLESS_MAX_CONNECTIONS: ReadonlyArray<readonly [maxAcu: number, maxConnections: number]> = [
  [1, 90], [4, 135], [8, 1000], [16, 2000], [32, 3000], [64, 4000], [128, 5000],
];

/**
 * Aurora MySQL Serverless v2's default max_connections for a maximum capacity in ACU. A maximum between two rows of
 * AWS's table gets the lower row's value (the formula grows with memory, so that is a lower bound: 90 for 2 ACU,
 * which is also what the provisioned 4 GiB classes get); undefined below 1 ACU.
 */
export function auroraServerlessMaxConnections(maxCapacity: number): number | undefined {
  const row = [...AURORA_SERVERLESS_MAX_CONNECTIONS].reverse().find(([acu]) => maxCapacity >= acu);
  return row?.[1];
}
