import * as route53 from 'aws-cdk-lib/aws-route53';
import { isLiteral, Validator } from './validation';

/** A domain name as DNS compares it: lowercase, without the trailing dot (tokens are left alone). */
export function normalizeDomain(domain: string): string {
  return isLiteral(domain) ? domain.toLowerCase().replace(/\.$/, '') : domain;
}

/**
 * The zone's name, normalized; undefined (and a problem recorded) for a zone imported by ID only, which has
 * none at synth time. `consequence` says what cannot be done without it.
 */
export function zoneNameOf(validator: Validator, zone: route53.IHostedZone, consequence: string): string | undefined {
  try {
    return normalizeDomain(zone.zoneName);
  } catch {
    validator.check(true,
      `hostedZone has no zone name (imported with HostedZone.fromHostedZoneId), so ${consequence}. Import it with HostedZone.fromHostedZoneAttributes({ hostedZoneId, zoneName }) or HostedZone.fromLookup.`,
    );
    return undefined;
  }
}

/** How a construct words a domain outside its zone: what then fails, and which names to use instead. */
export interface DomainInZoneWording {
  /** For example 'so its certificate cannot be validated'. */
  readonly consequence: string;
  /** For example 'ending in' or 'equal to or ending in'. */
  readonly use: string;
}

/** Records a problem if a literal domain name is neither the zone's apex nor a name under it. */
export function validateDomainInZone(validator: Validator, domainName: string, zoneName: string, wording: DomainInZoneWording): boolean {
  if (!isLiteral(domainName, zoneName)) return true;
  return validator.check(
    domainName !== zoneName && !domainName.endsWith(`.${zoneName}`),
    () => `domainName '${domainName}' does not belong to hostedZone '${zoneName}', ${wording.consequence}. Use a domainName ${wording.use} '.${zoneName}', or pass the hosted zone of '${domainName}'.`,
  );
}
