import { CacheEngine, cacheDefaults } from './cache-defaults';
import { Rule, check, compareVersions, isLiteral } from '../private/validation';

const NODE_TYPE = /^cache\.[a-z][a-z0-9]*\.(micro|small|medium|large|\d*xlarge)$/;

/** major.minor[.patch] as numbers, or undefined when it is not a version. */
export function parseVersion(version: string): number[] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function atLeast(version: number[], minimum: number[]): boolean {
  return compareVersions(version, minimum) >= 0;
}

/** What a replication group is built from. */
export interface CacheNodeChoices {
  readonly engine: CacheEngine;
  readonly engineVersion: string;
  readonly transitEncryption: boolean;
  readonly nodeType: string;
  readonly replicas: number;
  readonly port: number;
}

/** Every problem of the port, node type, replicas and engine version, in one error. */
export function validateCacheNodes(choices: CacheNodeChoices): void {
  const { engine, engineVersion, transitEncryption, nodeType, replicas, port } = choices;
  check('MoodleCache', [
    portRule(port),
    [isLiteral(nodeType) && !NODE_TYPE.test(nodeType),
      `nodeType '${nodeType}' is not an ElastiCache node type. Give 'cache.<family>.<size>', for example 'cache.t4g.small' (default) or 'cache.r7g.large'.`],
    [isLiteral(replicas) && (!Number.isInteger(replicas) || replicas < 0 || replicas > 5),
      `replicas is ${replicas}. Give 0 to 5 (default 1: a replica in another AZ with Multi-AZ failover).`],
    ...(isLiteral(engineVersion) ? engineVersionRules(engine, engineVersion, transitEncryption) : []),
  ]);
}

/** The port alone (a serverless cache has no other choice to check). */
export function validateCachePort(port: number): void {
  check('MoodleCache', [portRule(port)]);
}

function portRule(port: number): Rule {
  return [isLiteral(port) && (!Number.isInteger(port) || port < 1024 || port > 65535), `port is ${port}. Give a port from 1024 to 65535 (default 6379).`];
}

function engineVersionRules(engine: CacheEngine, engineVersion: string, transitEncryption: boolean): Rule[] {
  const version = parseVersion(engineVersion);
  if (!version) {
    return [[true, `engineVersion '${engineVersion}' is not a version. Give major.minor, for example '${cacheDefaults.engineVersion[engine]}' (default).`]];
  }
  if (engine === CacheEngine.VALKEY) {
    return [[!atLeast(version, [7, 2]),
      `engineVersion '${engineVersion}' does not exist for Valkey, whose first ElastiCache version is 7.2. Give '7.2' or later ('8.1' is the default).`]];
  }
  // ElastiCache supports in-transit encryption for Redis OSS 3.2.6, 4.0.10 and later.
  const tlsCapable = version[0] >= 5 || (version[0] === 4 && atLeast(version, [4, 0, 10])) || (version[0] === 3 && atLeast(version, [3, 2, 6]));
  return [
    [transitEncryption && !tlsCapable,
      `transitEncryption is on, but Redis OSS ${engineVersion} cannot encrypt in transit (ElastiCache needs 3.2.6, 4.0.10 or later). Use engineVersion '7.1' (default for Redis OSS) or later; do not turn transitEncryption off.`],
    [!atLeast(version, [5, 0]),
      `engineVersion '${engineVersion}' is older than Redis 5.0, the minimum of Moodle's Redis session handler. Use '7.1' (default for Redis OSS) or later, or the Valkey engine.`],
  ];
}
