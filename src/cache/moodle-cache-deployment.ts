/**
 * Options of a node-based cache ({@link MoodleCacheDeployment.nodes}).
 */
export interface CacheNodesOptions {
  /**
   * Engine version (`major.minor`). Moodle's session handler needs a server of version 5.0 or later; Valkey
   * starts at 7.2.
   *
   * @default '8.1' for Valkey, '7.1' for Redis OSS
   */
  readonly engineVersion?: string;

  /**
   * Node type, `cache.<family>.<size>`.
   *
   * @default 'cache.t4g.small' (1.37 GiB)
   */
  readonly nodeType?: string;

  /**
   * Number of read replicas (0 to 5), placed in the other Availability Zones. With at least one, Multi-AZ and
   * automatic failover are on; 0 is for development only (a node failure loses every session).
   *
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Whether clients must use TLS. With TLS, the cache also requires an AUTH password, generated in Secrets
   * Manager (`authSecret`). Without TLS, ElastiCache cannot require AUTH either.
   *
   * @default true
   */
  readonly transitEncryption?: boolean;

  /**
   * TCP port.
   *
   * @default 6379
   */
  readonly port?: number;
}

/**
 * How the cache runs: nodes of a chosen type (a replication group) or ElastiCache Serverless.
 */
export class MoodleCacheDeployment {
  /** A replication group of nodes, with a replica in another Availability Zone by default. */
  public static nodes(options: CacheNodesOptions = {}): MoodleCacheDeployment {
    return new MoodleCacheDeployment(false, options);
  }

  /**
   * ElastiCache Serverless: no node type, replicas, engine minor version or port to choose; always TLS; capacity
   * follows load with no upper limit set, so no key is evicted.
   */
  public static serverless(): MoodleCacheDeployment {
    return new MoodleCacheDeployment(true, undefined);
  }

  /** Whether the cache is ElastiCache Serverless. */
  public readonly isServerless: boolean;
  /** The nodes' options; only for `MoodleCacheDeployment.nodes()`. */
  public readonly nodesOptions?: CacheNodesOptions;

  private constructor(isServerless: boolean, nodesOptions: CacheNodesOptions | undefined) {
    this.isServerless = isServerless;
    this.nodesOptions = nodesOptions;
  }
}
