import { Duration } from 'aws-cdk-lib';

/**
 * How long a web request may live, and what follows from it. CloudFront answers the viewer once the origin has not
 * answered for the edge's origin response timeout, so no viewer waits longer for a page; every other bound of the
 * web tier is derived from that one figure here, so the edge and the service agree.
 */
export interface RequestLifetime {
  /** The longest request the edge lets a viewer wait for (the origin response timeout). */
  readonly longestRequest: Duration;
  /**
   * Moodle's Redis session lock expiry (`session_redis_lock_expire`): a lock left by a task that was killed
   * frees the session no later than the longest request, so that user's next page succeeds.
   */
  readonly sessionLockExpiry: Duration;
  /** How long a request waits for its session's lock (`session_redis_acquire_lock_timeout`): as long as its viewer waits. */
  readonly sessionLockWait: Duration;
  /** The target group's deregistration delay: a draining task finishes the longest request (below Spot's two minutes). */
  readonly deregistrationDelay: Duration;
  /** Apache's GracefulShutdownTimeout on the stop signal: requests in flight finish, up to this long. */
  readonly gracefulStop: Duration;
  /** The web container's stopTimeout: after Apache's graceful stop, at most Fargate's 120 s. */
  readonly stopTimeout: Duration;
}

/** CloudFront's default origin response timeout, and the edge's. */
export const DEFAULT_ORIGIN_RESPONSE_TIMEOUT = Duration.seconds(60);

/** Fargate's ceiling for a container's stopTimeout, and the notice Fargate Spot gives. */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;
/** Time between Apache's graceful stop running out and the container's forced stop (SIGKILL). */
const STOP_MARGIN_SECONDS = 10;
/** Time a draining task gets beyond the longest request: the request's own transfer to the load balancer. */
const DRAIN_MARGIN_SECONDS = 5;
/** The longest request a task stop can let finish: Fargate's ceiling less the forced-stop margin. */
export const LONGEST_GRACEFUL_REQUEST_SECONDS = FARGATE_MAX_STOP_TIMEOUT_SECONDS - STOP_MARGIN_SECONDS - DRAIN_MARGIN_SECONDS;

/** The web tier's bounds for an origin response timeout (a literal Duration of whole seconds). */
export function requestLifetime(originResponseTimeout: Duration): RequestLifetime {
  const longest = originResponseTimeout.toSeconds();
  const graceful = Math.min(longest, LONGEST_GRACEFUL_REQUEST_SECONDS) + DRAIN_MARGIN_SECONDS;
  return {
    longestRequest: originResponseTimeout,
    sessionLockExpiry: originResponseTimeout,
    sessionLockWait: originResponseTimeout,
    deregistrationDelay: Duration.seconds(graceful),
    gracefulStop: Duration.seconds(graceful),
    stopTimeout: Duration.seconds(graceful + STOP_MARGIN_SECONDS),
  };
}
