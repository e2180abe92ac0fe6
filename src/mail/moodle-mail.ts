import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { IMoodleMail } from '../contracts/mail';
import { HANDLERS_DIR } from '../private/deploy-guards';
import { retainExceptOnCreate } from '../private/retain-except-on-create';
import { isLiteral, Validator } from '../private/validation';
import { normalizeDomain, validateDomainInZone, zoneNameOf } from '../private/zone-names';


/** Custom resource type of the SMTP password derivation. */
const SMTP_PASSWORD_RESOURCE_TYPE = 'Custom::MoodleSesSmtpPassword';

/** The port of the SES SMTP endpoint with STARTTLS. */
const SES_SMTP_STARTTLS_PORT = 587;

/**
 * Properties of a {@link MoodleMail}.
 */
export interface MoodleMailProps {
  /**
   * The domain Moodle sends mail from, verified as an Amazon SES domain identity with Easy DKIM. It must be
   * the name of `hostedZone` or a subdomain of it.
   */
  readonly domainName: string;

  /**
   * The public Route 53 hosted zone of `domainName`, where the DKIM records (and the MAIL FROM records) are
   * created. Import it with `HostedZone.fromHostedZoneAttributes` or `HostedZone.fromLookup`, not
   * `fromHostedZoneId` (its name is needed).
   */
  readonly hostedZone: route53.IHostedZone;

  /**
   * The address Moodle sends from. It must be an address in `domainName` (the SMTP user may only send
   * from that domain).
   *
   * @default 'noreply@<domainName>'
   */
  readonly noReplyAddress?: string;

  /**
   * A custom MAIL FROM domain, given as the subdomain label(s) put in front of `domainName` (for example
   * `'bounce'` for `bounce.<domainName>`): its MX and SPF records are created in `hostedZone`, so bounces go
   * to a domain of yours and SPF aligns with the From domain for DMARC.
   *
   * @default - no custom MAIL FROM domain: SES uses a subdomain of amazonses.com (DKIM still aligns)
   */
  readonly mailFromSubdomain?: string;

  /**
   * Serial of the SMTP user's access key: increase it to rotate the SMTP credentials (CloudFormation replaces
   * the access key and the SMTP password is derived again). It can only be increased.
   *
   * @default - no serial (the first access key)
   */
  readonly credentialsSerial?: number;

  /**
   * How long the logs of the SMTP password function are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Outgoing mail for Moodle through Amazon SES: a domain identity verified with Easy DKIM records in a Route 53
 * zone (and optionally a custom MAIL FROM domain), and SMTP credentials in Secrets Manager.
 *
 * The SMTP credentials belong to an IAM user that may only `ses:SendRawEmail` from addresses of the domain
 * identity. Its SMTP password is derived from the user's secret access key at deploy time, by a small
 * custom resource function, with the algorithm AWS documents; neither the key nor the password appears in
 * the template.
 *
 * New SES accounts are in the SES sandbox (mail only to verified addresses) until production access is
 * requested in the SES console: the one manual step.
 */
export class MoodleMail extends Construct implements IMoodleMail {
  /** `email-smtp.<region>.amazonaws.com`. */
  public readonly smtpHost: string;
  /** 587 (STARTTLS). */
  public readonly smtpPort: number;
  /**
   * The SMTP credentials `{"username": "<access key id>", "password": "<SES SMTP password>"}`. Referencing it
   * makes a resource wait until the password has been written.
   */
  public readonly smtpSecret: secretsmanager.ISecret;
  /** The address Moodle sends from. */
  public readonly noReplyAddress: string;
  /** The SES domain identity. */
  public readonly emailIdentity: ses.EmailIdentity;
  /** The custom MAIL FROM domain, if one was asked for. */
  public readonly mailFromDomain?: string;
  /** The IAM user whose access key the SMTP credentials are. */
  public readonly smtpUser: iam.User;

  constructor(scope: Construct, id: string, props: MoodleMailProps) {
    super(scope, id);
    retainExceptOnCreate(this);
    const region = Stack.of(this).region;
    const domainName = normalizeDomain(props.domainName);
    this.noReplyAddress = props.noReplyAddress ?? `noreply@${domainName}`;
    const zoneName = validateMailProps(props, region, domainName, this.noReplyAddress);
    if (props.mailFromSubdomain !== undefined) {
      this.mailFromDomain = `${props.mailFromSubdomain.toLowerCase()}.${domainName}`;
    }

    // SES reads DKIM (and MAIL FROM) records from public DNS: the zone is used as the public zone of the domain.
    const zone = props.hostedZone as route53.IPublicHostedZone;
    this.emailIdentity = new ses.EmailIdentity(this, 'Identity', {
      identity: domainName === zoneName ? ses.Identity.publicHostedZone(zone) : new DomainInZone(domainName, zone),
      dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
      mailFromDomain: this.mailFromDomain,
    });

    // SMTP credentials: an IAM user that can only send raw mail (what the SMTP interface uses) from this domain.
    this.smtpUser = new iam.User(this, 'SmtpUser');
    this.smtpUser.addToPolicy(new iam.PolicyStatement({
      actions: ['ses:SendRawEmail'],
      resources: [this.emailIdentity.emailIdentityArn],
      conditions: { StringLike: { 'ses:FromAddress': `*@${domainName}` } },
    }));
    const accessKey = new iam.AccessKey(this, 'SmtpAccessKey', { user: this.smtpUser, serial: props.credentialsSerial });
    const accessKeySecret = new secretsmanager.Secret(this, 'AccessKeySecret', {
      description: 'Secret access key of the Moodle SMTP user (input of the SES SMTP password derivation)',
      secretStringValue: accessKey.secretAccessKey,
    });
    const smtpSecret = new secretsmanager.Secret(this, 'SmtpSecret', {
      description: 'Moodle SES SMTP credentials {username, password}, written at deploy time by the MoodleMail custom resource',
      // A throwaway value until the custom resource writes the credentials (it runs before anything can read them).
      generateSecretString: { excludePunctuation: true, passwordLength: 32 },
    });
    const rotationReason =
      'The secret is derived from the IAM access key of the SMTP user; it is rotated by replacing that access key (a new AccessKey resource), which rewrites this secret, not by a rotation Lambda.';
    for (const secret of [accessKeySecret, smtpSecret]) {
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });
    }

    // The function that derives the SMTP password: reads one secret, writes the other, logs to its own group.
    const logGroup = new logs.LogGroup(this, 'SmtpPasswordLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'SmtpPasswordRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'MoodleMail: derives the SES SMTP password (read the access key secret, write the SMTP secret, own logs)',
    });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [accessKeySecret.secretArn],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:PutSecretValue'],
      resources: [smtpSecret.secretArn],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    const fn = new lambda.Function(this, 'SmtpPasswordFunction', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'smtp-password.handler',
      code: lambda.Code.fromAsset(HANDLERS_DIR),
      role,
      logGroup,
      timeout: Duration.seconds(30),
      memorySize: 128,
      description: 'Moodle on Fargate: derives the Amazon SES SMTP password of the Moodle SMTP user',
    });

    const derivation = new CustomResource(this, 'SmtpPassword', {
      serviceToken: fn.functionArn,
      resourceType: SMTP_PASSWORD_RESOURCE_TYPE,
      properties: {
        // A new access key (replacement) changes its id, so the password is derived again.
        AccessKeyId: accessKey.accessKeyId,
        AccessKeySecretArn: accessKeySecret.secretArn,
        SmtpSecretArn: smtpSecret.secretArn,
        Region: region,
      },
    });

    // Consumers get the secret through the custom resource's answer, so they wait for the password.
    this.smtpSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'SmtpSecretWithPassword',
      derivation.getAttString('SmtpSecretArn'));
    this.smtpHost = `email-smtp.${region}.amazonaws.com`;
    this.smtpPort = SES_SMTP_STARTTLS_PORT;
  }
}

/** A domain identity that is a subdomain of a zone: its DKIM and MAIL FROM records go in that zone. */
class DomainInZone extends ses.Identity {
  constructor(public readonly value: string, public readonly hostedZone: route53.IPublicHostedZone) {
    super();
  }
}

/** Checks every prop (throwing with all problems found) and returns the zone's name. */
function validateMailProps(props: MoodleMailProps, region: string, domainName: string, noReplyAddress: string): string {
  const validator = new Validator('MoodleMail');
  validator.requireLiteral(region,
    'the stack\'s region is not known at synth time, but the SES SMTP endpoint (email-smtp.<region>.amazonaws.com) and the SMTP password are specific to a Region. Give the stack an explicit env: { region } (for example new Stack(app, \'Moodle\', { env: { account, region: \'eu-west-1\' } })).',
  );
  const zoneName = zoneNameOf(validator, props.hostedZone, 'it cannot be checked that domainName belongs to it');
  if (zoneName !== undefined && validator.check(!isLiteral(domainName, zoneName),
    'domainName and the hostedZone\'s name must be known at synth time (plain strings, not tokens): the identity, its DKIM records and the sending policy are built from them. Give domainName as a string and import the zone with its zoneName.',
  )) {
    validateDomainInZone(validator, domainName, zoneName, {
      consequence: 'so its DKIM records cannot be created there and SES could never verify it',
      use: 'equal to or ending in',
    });
  }
  validateNoReplyAddress(validator, noReplyAddress, domainName);
  const serial = props.credentialsSerial;
  validator.check(serial !== undefined && isLiteral(serial) && (!Number.isInteger(serial) || serial < 0),
    `credentialsSerial is ${serial}, but it must be a whole number of 0 or more. Increase it by one to rotate the SMTP credentials, or omit it.`,
  );
  const subdomain = props.mailFromSubdomain;
  const label = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
  validator.check(subdomain !== undefined && (!isLiteral(subdomain) || !new RegExp(`^${label}(\\.${label})*$`, 'i').test(subdomain)),
    `mailFromSubdomain '${subdomain}' is not a subdomain label. Give the label(s) put in front of domainName, for example 'bounce' for bounce.<domainName>, or omit mailFromSubdomain to use SES's default MAIL FROM domain.`,
  );
  validator.throwIfAny();
  return zoneName!; // a zone without a name was a problem, thrown above
}

function validateNoReplyAddress(validator: Validator, address: string, domainName: string): void {
  if (!validator.requireLiteral(address,
    'noReplyAddress must be a plain string (not a token), so it can be checked against domainName. Give it as a string, or omit it for noreply@<domainName>.',
  )) return;
  const match = /^([^@\s"(),:;<>[\\\]]+)@([^@\s]+)$/.exec(address);
  validator.check(!match || match[2].toLowerCase() !== domainName,
    `noReplyAddress '${address}' is not an address in domainName '${domainName}', and the SMTP user may only send from that domain (SES rejects anything else). Use an address like 'noreply@${domainName}', or omit noReplyAddress for that default.`,
  );
}
