/**
 * Memory of RDS DB instance classes and the connections RDS for MySQL allows by default, from AWS's RDS User
 * Guide: "Hardware specifications for DB instance classes" (Concepts.DBInstanceClass) and "Maximum number of
 * database connections" (CHAP_Limits: `{DBInstanceClassMemory/12582880}`).
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
