import { Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { edgeDefaults } from './edge-defaults';
import { validateDomainName, validateEdgeDomainInZone } from './edge-validation';
import { MoodleWebAcl } from './moodle-web-acl';
import { isLiteral, Validator } from '../private/validation';

/**
 * Properties of a {@link MoodleEdgeGlobal}.
 */
export interface MoodleEdgeGlobalProps {
  /**
   * The site's host name, for the CloudFront certificate. Give it with `hostedZone`.
   *
   * @default - no certificate (the site is served on the CloudFront domain)
   */
  readonly domainName?: string;

  /**
   * The Route 53 public hosted zone `domainName` belongs to; the certificate is validated through it.
   *
   * @default - no certificate
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * Whether to create the AWS WAF web ACL for the distribution.
   *
   * @default true
   */
  readonly enableWaf?: boolean;

  /**
   * POSTs to the login form per client IP per 5 minutes before AWS WAF blocks them (minimum 10).
   *
   * @default 500
   */
  readonly loginRateLimit?: number;

  /**
   * How long the web ACL's AWS WAF request logs are kept (CloudWatch Logs, in us-east-1).
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly wafLogRetention?: logs.RetentionDays;
}

/**
 * What CloudFront needs from us-east-1 when the Moodle stack lives in another Region: the viewer
 * certificate (ACM, DNS-validated in the given hosted zone) and the AWS WAF web ACL (scope
 * CLOUDFRONT). Put it in a stack with `env: { region: 'us-east-1' }` and
 * `crossRegionReferences: true`, and pass `certificate` and `webAclArn` to {@link MoodleEdge} in a
 * stack that also has `crossRegionReferences: true`.
 */
export class MoodleEdgeGlobal extends Construct {
  /** The CloudFront certificate, if a domain name was given. */
  public readonly certificate?: acm.ICertificate;
  /** The web ACL, unless WAF is off. */
  public readonly webAcl?: MoodleWebAcl;
  /** The web ACL's ARN, unless WAF is off. */
  public readonly webAclArn?: string;

  constructor(scope: Construct, id: string, props: MoodleEdgeGlobalProps = {}) {
    super(scope, id);
    const validator = new Validator('MoodleEdgeGlobal');
    const region = Stack.of(this).region;
    validator.check(!isLiteral(region) || region !== 'us-east-1',
      `the stack is in ${isLiteral(region) ? region : 'a Region unknown at synth time'}, but CloudFront certificates and web ACLs must be created in us-east-1. Put MoodleEdgeGlobal in a stack with env: { account, region: 'us-east-1' } and crossRegionReferences: true.`,
    );
    const [given, missing] = props.domainName !== undefined ? ['domainName', 'hostedZone'] : ['hostedZone', 'domainName'];
    validator.check((props.domainName === undefined) !== (props.hostedZone === undefined),
      `${given} is set but ${missing} is not; the certificate needs both. Give ${missing} too, or remove ${given} to create no certificate.`,
    );
    if (props.domainName !== undefined) validateDomainName(validator, props.domainName);
    if (props.domainName !== undefined && props.hostedZone !== undefined) validateEdgeDomainInZone(validator, props.domainName, props.hostedZone);
    const enableWaf = props.enableWaf ?? edgeDefaults.enableWaf;
    validator.checkAll([
      [!enableWaf && props.wafLogRetention !== undefined,
        'wafLogRetention is set but enableWaf is false; it is the web ACL\'s log retention. Remove wafLogRetention, or set enableWaf to true.'],
      [!enableWaf && props.loginRateLimit !== undefined,
        'loginRateLimit is set but enableWaf is false; the rate limit is a WAF rule. Remove loginRateLimit, or set enableWaf to true.'],
    ]);
    validator.throwIfAny();

    if (props.domainName !== undefined && props.hostedZone !== undefined) {
      this.certificate = new acm.Certificate(this, 'Certificate', {
        domainName: props.domainName,
        validation: acm.CertificateValidation.fromDns(props.hostedZone),
      });
    }
    if (enableWaf) {
      this.webAcl = new MoodleWebAcl(this, 'WebAcl', { loginRateLimit: props.loginRateLimit, logRetention: props.wafLogRetention });
      this.webAclArn = this.webAcl.webAclArn;
    }
  }
}
