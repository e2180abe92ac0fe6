import { Duration, Resource, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { edgeDefaults, edgeLimits } from './edge-defaults';

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** Fails unless the domain name is a lowercase fully qualified host name (what Moodle's wwwroot and CloudFront need). */
export function validateDomainName(construct: string, domainName: string): void {
  if (Token.isUnresolved(domainName)) return;
  if (!HOST_NAME.test(domainName)) {
    throw new Error(
      `${construct}: domainName '${domainName}' is not a lowercase host name. Give the site's fully qualified host name without scheme, port, path or trailing dot, in lowercase (for example 'moodle.example.edu').`,
    );
  }
}

/** The zone's name, or a clear error for zones imported by ID only (they have none at synth time). */
export function zoneNameOf(construct: string, zone: route53.IHostedZone): string {
  try {
    return zone.zoneName;
  } catch {
    throw new Error(
      `${construct}: hostedZone has no zone name (imported with HostedZone.fromHostedZoneId), so DNS records and certificate names cannot be checked. Import it with HostedZone.fromHostedZoneAttributes({ hostedZoneId, zoneName }) or HostedZone.fromLookup.`,
    );
  }
}

/** Fails if the domain name is not the zone's apex or a name under it. */
export function validateDomainInZone(construct: string, domainName: string, zone: route53.IHostedZone): void {
  const zoneName = zoneNameOf(construct, zone).replace(/\.$/, '').toLowerCase();
  if (Token.isUnresolved(domainName) || Token.isUnresolved(zoneName)) return;
  if (domainName !== zoneName && !domainName.endsWith(`.${zoneName}`)) {
    throw new Error(
      `${construct}: domainName '${domainName}' does not belong to hostedZone '${zoneName}', so its certificate cannot be validated and its alias record cannot be created there. Use a domainName ending in '.${zoneName}', or pass the hosted zone of '${domainName}'.`,
    );
  }
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

/** Fails if the CloudFront (viewer) certificate is known to be outside us-east-1. */
export function validateCloudFrontCertificate(construct: string, certificate: acm.ICertificate): void {
  const region = certificateRegion(certificate);
  if (region !== undefined && region !== 'us-east-1') {
    throw new Error(
      `${construct}: certificate is in ${region}, but CloudFront only uses ACM certificates from us-east-1. Request or import the certificate for the site's domain in us-east-1 (for example with MoodleEdgeGlobal in a stack with env: { region: 'us-east-1' }) and pass that as certificate.`,
    );
  }
}

/** Fails unless the origin response timeout is whole seconds CloudFront accepts. */
export function validateOriginResponseTimeout(construct: string, timeout: Duration): void {
  const seconds = timeout.toSeconds({ integral: false });
  if (Token.isUnresolved(seconds)) return;
  const { originResponseTimeoutMinSeconds: min, originResponseTimeoutMaxSeconds: max } = edgeLimits;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new Error(
      `${construct}: originResponseTimeout is ${seconds} seconds, but CloudFront accepts whole seconds from ${min} to ${max} (above ${edgeLimits.originResponseTimeoutQuotaSeconds} only after a Service Quotas increase of "Response timeout per origin"). Set originResponseTimeout to Duration.seconds(${edgeDefaults.originResponseTimeout.toSeconds()}) (default) or a value from ${min} to ${max}.`,
    );
  }
}

/** Fails if a literal web ACL ARN is not a CloudFront (global, us-east-1) WAFv2 web ACL. */
export function validateWebAclArn(construct: string, webAclArn: string): void {
  if (Token.isUnresolved(webAclArn)) return;
  if (!/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[^/]+\/[^/]+$/.test(webAclArn)) {
    throw new Error(
      `${construct}: webAclArn '${webAclArn}' is not the ARN of an AWS WAF web ACL for CloudFront. CloudFront needs a web ACL of scope CLOUDFRONT, which lives in us-east-1: 'arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>'. Create one with MoodleEdgeGlobal in a us-east-1 stack, or set enableWaf: false.`,
    );
  }
}

export function validateAccessLogRetention(retention: Duration): void {
  const days = retention.toDays({ integral: false });
  if (Token.isUnresolved(days)) return;
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(
      `MoodleEdge: accessLogRetention is ${days} days, but S3 lifecycle expiration takes whole days, at least 1. Set accessLogRetention to Duration.days(${edgeDefaults.accessLogRetention.toDays()}) (default) or another whole number of days.`,
    );
  }
}
