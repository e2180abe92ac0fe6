import { Duration, Resource, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { edgeDefaults, edgeLimits } from './edge-defaults';
import { check, fail, isLiteral, Validator } from '../private/validation';
import { validateDomainInZone, zoneNameOf } from '../private/zone-names';

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** A problem unless the domain name is a lowercase fully qualified host name (what Moodle's wwwroot and CloudFront need). */
export function validateDomainName(validator: Validator, domainName: string): void {
  validator.check(isLiteral(domainName) && !HOST_NAME.test(domainName),
    `domainName '${domainName}' is not a lowercase host name. Give the site's fully qualified host name without scheme, port, path or trailing dot, in lowercase (for example 'moodle.example.edu').`,
  );
}

/** A problem if the domain name is not the zone's apex or a name under it (or the zone has no name). */
export function validateEdgeDomainInZone(validator: Validator, domainName: string, zone: route53.IHostedZone): void {
  const zoneName = zoneNameOf(validator, zone, 'DNS records and certificate names cannot be checked');
  if (zoneName === undefined) return;
  validateDomainInZone(validator, domainName, zoneName, {
    consequence: 'so its certificate cannot be validated and its alias record cannot be created there',
    use: 'ending in',
  });
}

/**
 * The Region a certificate lives in, when it is known at synth time: from a literal ARN, or from the
 * stack of a certificate created in this app (an imported one carries its importing stack's Region).
 */
export function certificateRegion(certificate: acm.ICertificate): string | undefined {
  if (!Token.isUnresolved(certificate.certificateArn)) {
    return certificate.certificateArn.split(':')[3];
  }
  if (Resource.isOwnedResource(certificate) && !Token.isUnresolved(certificate.env.region)) {
    return certificate.env.region;
  }
  return undefined;
}

/** A problem if the CloudFront (viewer) certificate is known to be outside us-east-1. */
export function validateCloudFrontCertificate(validator: Validator, certificate: acm.ICertificate): void {
  const region = certificateRegion(certificate);
  validator.check(region !== undefined && region !== 'us-east-1',
    () => `certificate is in ${region}, but CloudFront only uses ACM certificates from us-east-1. Request or import the certificate for the site's domain in us-east-1 (for example with MoodleEdgeGlobal in a stack with env: { region: 'us-east-1' }) and pass that as certificate.`,
  );
}

/** Fails unless the origin response timeout is whole seconds CloudFront accepts. */
export function validateOriginResponseTimeout(construct: string, timeout: Duration): void {
  const seconds = timeout.toSeconds({ integral: false });
  if (Token.isUnresolved(seconds)) {
    fail(construct, 'originResponseTimeout is a token, but the web tasks derive their session-lock expiry and graceful stop from it at synth. Give a literal Duration, for example Duration.seconds(60) (default).');
  }
  const { originResponseTimeoutMinSeconds: min, originResponseTimeoutMaxSeconds: max } = edgeLimits;
  check(construct, [[
    !Number.isInteger(seconds) || seconds < min || seconds > max,
    () => `originResponseTimeout is ${seconds} seconds, but CloudFront accepts whole seconds from ${min} to ${max} (above ${edgeLimits.originResponseTimeoutQuotaSeconds} only after a Service Quotas increase of "Response timeout per origin"). Set originResponseTimeout to Duration.seconds(${edgeDefaults.originResponseTimeout.toSeconds()}) (default) or a value from ${min} to ${max}.`,
  ]]);
}

/** A problem if a literal web ACL ARN is not a CloudFront (global, us-east-1) WAFv2 web ACL. */
export function validateWebAclArn(validator: Validator, webAclArn: string): void {
  validator.check(isLiteral(webAclArn) && !/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[^/]+\/[^/]+$/.test(webAclArn),
    `webAclArn '${webAclArn}' is not the ARN of an AWS WAF web ACL for CloudFront. CloudFront needs a web ACL of scope CLOUDFRONT, which lives in us-east-1: 'arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>'. Create one with MoodleEdgeGlobal in a us-east-1 stack, or set enableWaf: false.`,
  );
}

export function validateAccessLogRetention(retention: Duration): void {
  const days = retention.toDays({ integral: false });
  if (Token.isUnresolved(days)) return;
  check('MoodleEdge', [[
    !Number.isInteger(days) || days < 1,
    () => `accessLogRetention is ${days} days, but S3 lifecycle expiration takes whole days, at least 1. Set accessLogRetention to Duration.days(${edgeDefaults.accessLogRetention.toDays()}) (default) or another whole number of days.`,
  ]]);
}

/** A problem unless `loginRateLimit` is an integer AWS WAF accepts. */
export function validateLoginRateLimit(validator: Validator, limit: number): void {
  validator.check(isLiteral(limit) && (!Number.isInteger(limit) || limit < edgeLimits.rateLimitMin || limit > edgeLimits.rateLimitMax),
    `loginRateLimit is ${limit}, but AWS WAF rate limits are whole numbers from ${edgeLimits.rateLimitMin} (AWS's minimum) to ${edgeLimits.rateLimitMax} requests per 5 minutes. Set loginRateLimit to at least ${edgeLimits.rateLimitMin} (default ${edgeDefaults.loginRateLimit}).`,
  );
}
