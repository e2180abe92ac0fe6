import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_ORIGIN_RESPONSE_TIMEOUT } from '../contracts/request-lifetime';

/**
 * How CloudFront talks to the load balancer through its VPC origin.
 */
export enum OriginProtocol {
  /**
   * HTTPS to an HTTPS listener (port 443) with an ACM certificate for the site's domain name.
   * Used whenever the site has its own domain name.
   */
  HTTPS = 'HTTPS',
  /**
   * HTTP to an HTTP listener (port 80) of the internal load balancer, inside the VPC. Used when the
   * site is served on the CloudFront domain (`*.cloudfront.net`): no certificate a load balancer
   * can hold is valid for that name. Viewers still only ever use HTTPS.
   */
  HTTP = 'HTTP',
}

/**
 * URL path patterns Moodle serves with `Cache-Control: public, max-age=…` for a known revision
 * (and without caching headers for revision -1 or an unknown one), each cached at the edge in its
 * own CloudFront behavior. The trailing `*` covers both URL forms Moodle generates: slash arguments
 * (`/theme/image.php/boost/core/1700000000/logo`) and query strings
 * (`/theme/yui_combo.php?rollup/…`, and every script when `slasharguments` is off).
 * Moodle 5.1 moves the web root to `public/`, but these URLs are unchanged.
 */
export const cachedPathPatterns: readonly string[] = [
  '/theme/styles.php*', // lib/csslib.php css_send_cached_css: public, max-age=90 days, immutable
  '/theme/image.php*', // theme/image.php send_cached_image: public, max-age=90 days, no-transform, immutable
  '/theme/font.php*', // theme/font.php send_cached_font: public, max-age=90 days, immutable
  '/theme/javascript.php*', // theme/javascript.php -> lib/jslib.php js_send_cached: public, max-age=90 days, immutable
  '/theme/jquery.php*', // theme/jquery.php: public, max-age=90 days, immutable
  '/theme/yui_combo.php*', // theme/yui_combo.php combo_send_cached: public, max-age=360 days (not for /-1/)
  '/theme/yui_image.php*', // theme/yui_image.php yui_image_cached: public, max-age=360 days, immutable
  '/lib/javascript.php*', // lib/javascript.php -> js_send_cached (rev > 0 only)
  '/lib/requirejs.php*', // lib/requirejs.php -> js_send_cached (0 < rev < now + 1 h only)
  '/lib/editor/tiny/loader.php*', // lib/editor/tiny/loader.php send_cached: public, max-age=90 days, immutable
];

/**
 * Rules of AWS's common rule set (`AWSManagedRulesCommonRuleSet`) that MoodleEdge sets to count
 * instead of block, because Moodle's legitimate traffic trips them:
 * - `SizeRestrictions_BODY` blocks request bodies over 8 KB: file uploads, quiz attempts with many
 *   questions, forum posts and pages from the HTML editor, admin settings pages, gradebook forms.
 * - `CrossSiteScripting_BODY` matches the HTML that Moodle's editor (TinyMCE) posts in forum posts,
 *   pages, labels, quiz essays and question text, which Moodle itself sanitises on output.
 */
export const wafCountedCommonRules: readonly string[] = ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'];

/** The path of Moodle's login form (POSTs here are what the login rate limit counts). */
export const loginPath = '/login/index.php';

/** The AWS-managed prefix list of CloudFront's origin-facing servers (one per Region, same name). */
export const cloudFrontOriginFacingPrefixListName = 'com.amazonaws.global.cloudfront.origin-facing';

/** Limits AWS enforces, used by the validations. */
export const edgeLimits = {
  /** CloudFront origin response timeout (values above 60 s need a quota increase). */
  originResponseTimeoutMinSeconds: 1,
  originResponseTimeoutMaxSeconds: 180,
  originResponseTimeoutQuotaSeconds: 60,
  /** AWS WAF rate-based rule limit (requests per evaluation window). */
  rateLimitMin: 10,
  rateLimitMax: 2_000_000_000,
} as const;

/** Defaults of MoodleEdge, in one place so docs, tests and presets agree. */
export const edgeDefaults = {
  originResponseTimeout: DEFAULT_ORIGIN_RESPONSE_TIMEOUT,
  /** CloudFront's default keep-alive to the origin; the load balancer idle timeout stays above it. */
  originKeepaliveTimeout: Duration.seconds(5),
  enableWaf: true,
  /** POSTs to the login form per client IP per 5 minutes. Generous: campuses put many students behind one NAT address. */
  loginRateLimit: 500,
  loginRateLimitWindowSeconds: 300,
  deletionProtection: true,
  accessLogRetention: Duration.days(90),
  /** AWS WAF request logs: a year, what security teams ask of every workload. */
  wafLogRetention: logs.RetentionDays.ONE_YEAR,
  priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
  /** Target group health check: fast to detect a dead task, fast to admit a new one. */
  healthCheckInterval: Duration.seconds(10),
  healthCheckTimeout: Duration.seconds(5),
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  /** Strict-Transport-Security max-age. */
  hstsMaxAge: Duration.days(730),
  /** Cached behaviors honour Moodle's max-age up to this. */
  staticMaxTtl: Duration.days(365),
} as const;
