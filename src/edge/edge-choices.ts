import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';
import { edgeDefaults } from './edge-defaults';
import { certificateRegion, validateCloudFrontCertificate, validateDomainInZone, validateDomainName, validateWebAclArn } from './edge-validation';
import { MoodleEdgeProps } from './moodle-edge-props';
import { MoodleWebAcl, validateLoginRateLimit } from './moodle-web-acl';

// What MoodleEdge uses for the custom domain's certificates and for WAF: nothing, what was given, or what it creates.

/** The certificates of CloudFront and the load balancer, given or created. */
export interface ResolvedCertificates {
  readonly cloudFront?: acm.ICertificate;
  readonly loadBalancer?: acm.ICertificate;
}

/** The three domain modes: none; domainName + hostedZone (created); domainName + certificate(s) (given). */
export function resolveCertificates(scope: Construct, props: MoodleEdgeProps, region: string): ResolvedCertificates {
  const { domainName, hostedZone } = props;
  if (domainName === undefined) {
    const stray = (['hostedZone', 'certificate', 'loadBalancerCertificate'] as const).filter((name) => props[name] !== undefined);
    if (stray.length > 0) {
      throw new Error(
        `MoodleEdge: ${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but domainName is not; without domainName the site is served on the CloudFront domain and uses no certificate or DNS record. Set domainName, or remove ${stray.join(', ')}.`,
      );
    }
    return {};
  }
  validateDomainName('MoodleEdge', domainName);
  if (hostedZone === undefined && props.certificate === undefined) {
    throw new Error(
      `MoodleEdge: domainName '${domainName}' is set without hostedZone or certificate, so there is no certificate for it. Give hostedZone (the Route 53 zone of the domain: certificates and alias records are created), or certificate (us-east-1) and loadBalancerCertificate (${region}) for existing certificates.`,
    );
  }
  if (hostedZone) validateDomainInZone('MoodleEdge', domainName, hostedZone);

  let cloudFront = props.certificate;
  let loadBalancer = props.loadBalancerCertificate;
  if (cloudFront) validateCloudFrontCertificate('MoodleEdge', cloudFront);
  if (loadBalancer) {
    const lbRegion = certificateRegion(loadBalancer);
    if (lbRegion !== undefined && lbRegion !== region) {
      throw new Error(
        `MoodleEdge: loadBalancerCertificate is in ${lbRegion}, but the load balancer is in ${region} and can only use ACM certificates from its own Region. Request or import the certificate for '${domainName}' in ${region}, or omit loadBalancerCertificate and give hostedZone to have it created.`,
      );
    }
  }

  const inUsEast1 = region === 'us-east-1';
  if (!cloudFront) {
    if (!inUsEast1) {
      throw new Error(
        `MoodleEdge: the stack is in ${region}, but CloudFront's certificate for '${domainName}' must be created in us-east-1. Create it with MoodleEdgeGlobal in a stack with env: { region: 'us-east-1' } and crossRegionReferences: true, and pass certificate: global.certificate (this stack needs crossRegionReferences: true too).`,
      );
    }
    cloudFront = new acm.Certificate(scope, 'Certificate', {
      domainName,
      validation: acm.CertificateValidation.fromDns(hostedZone),
    });
  }
  if (!loadBalancer) {
    if (inUsEast1) {
      loadBalancer = cloudFront;
    } else if (hostedZone) {
      loadBalancer = new acm.Certificate(scope, 'LoadBalancerCertificate', {
        domainName,
        validation: acm.CertificateValidation.fromDns(hostedZone),
      });
    } else {
      throw new Error(
        `MoodleEdge: certificate is given but loadBalancerCertificate is not, and without hostedZone MoodleEdge cannot create one; the load balancer in ${region} needs its own certificate for '${domainName}'. Pass loadBalancerCertificate (an ACM certificate in ${region}), or hostedZone to have it created.`,
      );
    }
  }
  return { cloudFront, loadBalancer };
}

/** The web ACL of the distribution: none, given or created. */
export interface ResolvedWebAcl {
  readonly arn?: string;
  readonly created?: MoodleWebAcl;
}

export function resolveWebAcl(scope: Construct, props: MoodleEdgeProps, region: string): ResolvedWebAcl {
  const enableWaf = props.enableWaf ?? edgeDefaults.enableWaf;
  if (!enableWaf) {
    const stray = (['webAclArn', 'loginRateLimit', 'wafLogRetention'] as const).filter((name) => props[name] !== undefined);
    if (stray.length > 0) {
      throw new Error(
        `MoodleEdge: ${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but enableWaf is false. Remove ${stray.join(', ')}, or set enableWaf to true.`,
      );
    }
    return {};
  }
  if (props.loginRateLimit !== undefined) validateLoginRateLimit(props.loginRateLimit, 'MoodleEdge');
  if (props.webAclArn !== undefined) {
    for (const name of ['loginRateLimit', 'wafLogRetention'] as const) {
      if (props[name] !== undefined) {
        throw new Error(
          `MoodleEdge: ${name} is set together with webAclArn, but it only shapes the web ACL MoodleEdge creates. Set ${name} where the web ACL is created (MoodleEdgeGlobal or MoodleWebAcl), or remove webAclArn.`,
        );
      }
    }
    validateWebAclArn('MoodleEdge', props.webAclArn);
    return { arn: props.webAclArn };
  }
  if (region !== 'us-east-1') {
    throw new Error(
      `MoodleEdge: the stack is in ${region}, but AWS WAF for CloudFront (scope CLOUDFRONT) must be created in us-east-1. Create the web ACL with MoodleEdgeGlobal in a stack with env: { region: 'us-east-1' } and crossRegionReferences: true and pass webAclArn: global.webAclArn (this stack needs crossRegionReferences: true too), or set enableWaf: false (not recommended).`,
    );
  }
  const created = new MoodleWebAcl(scope, 'WebAcl', { loginRateLimit: props.loginRateLimit, logRetention: props.wafLogRetention });
  return { arn: created.webAclArn, created };
}
