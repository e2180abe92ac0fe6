import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';
import { edgeDefaults } from './edge-defaults';
import {
  certificateRegion, validateCloudFrontCertificate, validateDomainName, validateEdgeDomainInZone, validateLoginRateLimit, validateWebAclArn,
} from './edge-validation';
import { MoodleEdgeProps } from './moodle-edge-props';
import { MoodleWebAcl } from './moodle-web-acl';
import { isOrAre, strayProps, Validator } from '../private/validation';

// What MoodleEdge uses for the custom domain's certificates and for WAF: nothing, what was given, or what it creates.

/** The certificates of CloudFront and the load balancer, given or created. */
export interface ResolvedCertificates {
  readonly cloudFront?: acm.ICertificate;
  readonly loadBalancer?: acm.ICertificate;
}

/** The three domain modes: none; domainName + hostedZone (created); domainName + certificate(s) (given). */
export function resolveCertificates(scope: Construct, props: MoodleEdgeProps, region: string): ResolvedCertificates {
  const { domainName, hostedZone } = props;
  const validator = new Validator('MoodleEdge');
  if (domainName === undefined) {
    validator.rejectStray(props, ['hostedZone', 'certificate', 'loadBalancerCertificate'], (stray) =>
      `${stray.join(', ')} ${isOrAre(stray)} set but domainName is not; without domainName the site is served on the CloudFront domain and uses no certificate or DNS record. Set domainName, or remove ${stray.join(', ')}.`,
    );
    validator.throwIfAny();
    return {};
  }
  validateCertificateChoice(validator, props, domainName, region);
  validator.throwIfAny();

  const newCertificate = (id: string) => new acm.Certificate(scope, id, { domainName, validation: acm.CertificateValidation.fromDns(hostedZone) });
  const cloudFront = props.certificate ?? newCertificate('Certificate');
  const loadBalancer = props.loadBalancerCertificate ?? (region === 'us-east-1' ? cloudFront : newCertificate('LoadBalancerCertificate'));
  return { cloudFront, loadBalancer };
}

/** The problems of a custom domain's certificate props, all of them. */
function validateCertificateChoice(validator: Validator, props: MoodleEdgeProps, domainName: string, region: string): void {
  const { hostedZone, certificate, loadBalancerCertificate } = props;
  validateDomainName(validator, domainName);
  const noCertificate = hostedZone === undefined && certificate === undefined;
  validator.check(noCertificate,
    `domainName '${domainName}' is set without hostedZone or certificate, so there is no certificate for it. Give hostedZone (the Route 53 zone of the domain: certificates and alias records are created), or certificate (us-east-1) and loadBalancerCertificate (${region}) for existing certificates.`,
  );
  if (hostedZone) validateEdgeDomainInZone(validator, domainName, hostedZone);
  if (certificate) validateCloudFrontCertificate(validator, certificate);
  const lbRegion = loadBalancerCertificate && certificateRegion(loadBalancerCertificate);
  validator.check(lbRegion !== undefined && lbRegion !== region,
    () => `loadBalancerCertificate is in ${lbRegion}, but the load balancer is in ${region} and can only use ACM certificates from its own Region. Request or import the certificate for '${domainName}' in ${region}, or omit loadBalancerCertificate and give hostedZone to have it created.`,
  );
  if (noCertificate || region === 'us-east-1') return;
  validator.check(certificate === undefined,
    `the stack is in ${region}, but CloudFront's certificate for '${domainName}' must be created in us-east-1. Create it with MoodleEdgeGlobal in a stack with env: { region: 'us-east-1' } and crossRegionReferences: true, and pass certificate: global.certificate (this stack needs crossRegionReferences: true too).`,
  );
  validator.check(certificate !== undefined && loadBalancerCertificate === undefined && hostedZone === undefined,
    `certificate is given but loadBalancerCertificate is not, and without hostedZone MoodleEdge cannot create one; the load balancer in ${region} needs its own certificate for '${domainName}'. Pass loadBalancerCertificate (an ACM certificate in ${region}), or hostedZone to have it created.`,
  );
}

/** The web ACL of the distribution: none, given or created. */
export interface ResolvedWebAcl {
  readonly arn?: string;
  readonly created?: MoodleWebAcl;
}

export function resolveWebAcl(scope: Construct, props: MoodleEdgeProps, region: string): ResolvedWebAcl {
  const enableWaf = props.enableWaf ?? edgeDefaults.enableWaf;
  const validator = new Validator('MoodleEdge');
  if (!enableWaf) {
    validator.rejectStray(props, ['webAclArn', 'loginRateLimit', 'wafLogRetention'], (stray) =>
      `${stray.join(', ')} ${isOrAre(stray)} set but enableWaf is false. Remove ${stray.join(', ')}, or set enableWaf to true.`,
    );
    validator.throwIfAny();
    return {};
  }
  if (props.loginRateLimit !== undefined) validateLoginRateLimit(validator, props.loginRateLimit);
  if (props.webAclArn !== undefined) {
    for (const name of strayProps(props, ['loginRateLimit', 'wafLogRetention'])) {
      validator.check(true,
        `${name} is set together with webAclArn, but it only shapes the web ACL MoodleEdge creates. Set ${name} where the web ACL is created (MoodleEdgeGlobal or MoodleWebAcl), or remove webAclArn.`,
      );
    }
    validateWebAclArn(validator, props.webAclArn);
    validator.throwIfAny();
    return { arn: props.webAclArn };
  }
  validator.check(region !== 'us-east-1',
    `the stack is in ${region}, but AWS WAF for CloudFront (scope CLOUDFRONT) must be created in us-east-1. Create the web ACL with MoodleEdgeGlobal in a stack with env: { region: 'us-east-1' } and crossRegionReferences: true and pass webAclArn: global.webAclArn (this stack needs crossRegionReferences: true too), or set enableWaf: false (not recommended).`,
  );
  validator.throwIfAny();
  const created = new MoodleWebAcl(scope, 'WebAcl', { loginRateLimit: props.loginRateLimit, logRetention: props.wafLogRetention });
  return { arn: created.webAclArn, created };
}
