import * as crypto from 'crypto';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { IMoodleMail } from '../../src/contracts';
import { MoodleMail, MoodleMailProps } from '../../src/mail';
import { checkStack, testStack } from '../util/checks';
import { problemsOf } from '../util/problems';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const handlerModule = require(path.join(__dirname, '..', '..', 'src', 'private', 'handlers', 'smtp-password.js')) as {
  smtpPassword(secretAccessKey: string, region: string): string;
  createHandler(clients: Record<string, (input: any) => Promise<any>>): (event: Record<string, unknown>) => Promise<any>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cfnResponse = require(path.join(__dirname, '..', '..', 'src', 'private', 'handlers', 'cfn-response.js')) as {
  createEntryPoint(
    name: string,
    handle: (event: Record<string, unknown>) => Promise<any>,
    send: (event: Record<string, unknown>, status: string, result: any, reason: string) => Promise<void>,
  ): (event: Record<string, unknown>) => Promise<void>;
  responseBody(event: Record<string, unknown>, status: string, result: any, reason: string): string;
};

function zoneIn(stack: Stack, zoneName = 'example.edu'): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName });
}

function mailStack(props: Partial<MoodleMailProps> = {}): { stack: Stack; mail: MoodleMail } {
  const stack = testStack('us-east-1');
  const mail = new MoodleMail(stack, 'Mail', { domainName: 'example.edu', hostedZone: zoneIn(stack), ...props });
  return { stack, mail };
}

/** The single resource of a type, with its logical id. */
function only(template: Template, type: string): [string, any] {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('MoodleMail defaults (zone apex)', () => {
  const { stack, mail } = mailStack();
  const template = checkStack(stack, 'mail-default');
  const json = JSON.stringify(template.toJSON());

  test('a domain identity with Easy DKIM (2048 bit) and its three CNAME records in the zone', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.edu',
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
    });
    template.resourceCountIs('AWS::Route53::RecordSet', 3);
    const [identityId] = only(template, 'AWS::SES::EmailIdentity');
    for (const n of [1, 2, 3]) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        Type: 'CNAME',
        Name: { 'Fn::GetAtt': [identityId, `DkimDNSTokenName${n}`] },
        ResourceRecords: [{ 'Fn::GetAtt': [identityId, `DkimDNSTokenValue${n}`] }],
      });
    }
  });

  test('no MAIL FROM domain by default', () => {
    const [, identity] = only(template, 'AWS::SES::EmailIdentity');
    expect(identity.Properties.MailFromAttributes).toBeUndefined();
    expect(mail.mailFromDomain).toBeUndefined();
  });

  test('SMTP endpoint of the stack Region on 587, noreply@<domain>', () => {
    expect(mail.smtpHost).toBe('email-smtp.us-east-1.amazonaws.com');
    expect(mail.smtpPort).toBe(587);
    expect(mail.noReplyAddress).toBe('noreply@example.edu');
    const asInterface: IMoodleMail = mail;
    expect(asInterface.smtpSecret).toBeDefined();
  });

  test('the SMTP user may only SendRawEmail on this identity, from this domain', () => {
    const [identityId] = only(template, 'AWS::SES::EmailIdentity');
    const [userId] = only(template, 'AWS::IAM::User');
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Users ?? []).includes(userId));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'ses:SendRawEmail',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:us-east-1:123456789012:identity/', { Ref: identityId }]],
      },
      Condition: { StringLike: { 'ses:FromAddress': '*@example.edu' } },
    }]);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    const [, user] = only(template, 'AWS::IAM::User');
    expect(user.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(user.Properties?.LoginProfile).toBeUndefined();
  });

  test('the access key secret comes from the access key by GetAtt; the SMTP secret holds nothing from the template', () => {
    const [keyId] = only(template, 'AWS::IAM::AccessKey');
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets)).toHaveLength(2);
    const fromKey = Object.values(secrets).filter((secret) => secret.Properties.SecretString !== undefined);
    expect(fromKey).toHaveLength(1);
    expect(fromKey[0].Properties.SecretString).toEqual({ 'Fn::GetAtt': [keyId, 'SecretAccessKey'] });
    const smtp = Object.values(secrets).filter((secret) => secret.Properties.SecretString === undefined);
    expect(smtp).toHaveLength(1);
    expect(smtp[0].Properties.GenerateSecretString).toBeDefined();
  });

  test('no password or secret value anywhere in the template', () => {
    expect(json).not.toMatch(/"password"/i);
    expect(json).not.toMatch(/"(SecretString|Password)"\s*:\s*"/);
    // The only reference to the secret access key is the one secret's SecretString.
    expect(json.match(/SecretAccessKey/g)).toHaveLength(1);
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    expect(Object.values(template.toJSON().Outputs ?? {})).toEqual([]);
  });

  test('the custom resource derives the password from the two secrets, with the Region', () => {
    const [keyId] = only(template, 'AWS::IAM::AccessKey');
    const [fnId, fn] = only(template, 'AWS::Lambda::Function');
    const [, resource] = only(template, 'Custom::MoodleSesSmtpPassword');
    const secretIds = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [fnId, 'Arn'] },
      AccessKeyId: { Ref: keyId },
      AccessKeySecretArn: { Ref: expect.stringMatching(/AccessKeySecret/) },
      SmtpSecretArn: { Ref: expect.stringMatching(/SmtpSecret/) },
      Region: 'us-east-1',
    });
    expect(secretIds).toContain(resource.Properties.AccessKeySecretArn.Ref);
    expect(secretIds).toContain(resource.Properties.SmtpSecretArn.Ref);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'smtp-password.handler', Timeout: 30 });
    expect(fn.Properties.Environment).toBeUndefined();
  });

  test('the function role: read one secret, write the other, write its own logs; nothing else', () => {
    const [roleId, role] = only(template, 'AWS::IAM::Role');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const [, custom] = only(template, 'Custom::MoodleSesSmtpPassword');
    const [logGroupId] = only(template, 'AWS::Logs::LogGroup');
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles ?? []).includes(roleId));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: custom.Properties.AccessKeySecretArn.Ref } },
      { Effect: 'Allow', Action: 'secretsmanager:PutSecretValue', Resource: { Ref: custom.Properties.SmtpSecretArn.Ref } },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('smtpSecret is the SMTP secret as answered by the custom resource, so readers wait for the password', () => {
    const [customId] = only(template, 'Custom::MoodleSesSmtpPassword');
    expect(stack.resolve(mail.smtpSecret.secretArn)).toEqual({ 'Fn::GetAtt': [customId, 'SmtpSecretArn'] });
  });
});

describe('MoodleMail in a subdomain, with a MAIL FROM domain and an explicit address', () => {
  const { stack, mail } = mailStack({ domainName: 'learn.example.edu', noReplyAddress: 'moodle@learn.example.edu', mailFromSubdomain: 'bounce' });
  const template = checkStack(stack, 'mail-subdomain');

  test('the identity is the subdomain, its DKIM records in the parent zone', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'learn.example.edu',
      MailFromAttributes: { MailFromDomain: 'bounce.learn.example.edu' },
    });
    template.resourceCountIs('AWS::Route53::RecordSet', 5); // 3 DKIM CNAMEs, MX and SPF of MAIL FROM
  });

  test('MX and SPF records of the MAIL FROM domain', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'bounce.learn.example.edu.',
      Type: 'MX',
      ResourceRecords: ['10 feedback-smtp.us-east-1.amazonses.com'],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'bounce.learn.example.edu.',
      Type: 'TXT',
      ResourceRecords: ['"v=spf1 include:amazonses.com ~all"'],
    });
    expect(mail.mailFromDomain).toBe('bounce.learn.example.edu');
  });

  test('the sending policy and the address follow the subdomain', () => {
    expect(mail.noReplyAddress).toBe('moodle@learn.example.edu');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Condition: { StringLike: { 'ses:FromAddress': '*@learn.example.edu' } } })] },
    });
  });
});

describe('MoodleMail credentials rotation', () => {
  test('credentialsSerial becomes the access key serial (a new key, a new derivation)', () => {
    const { stack } = mailStack({ credentialsSerial: 2 });
    const template = checkStack(stack, 'mail-serial');
    template.hasResourceProperties('AWS::IAM::AccessKey', { Serial: 2 });
  });
});

describe('MoodleMail in another Region', () => {
  test('the SMTP endpoint and the derivation follow the stack Region', () => {
    const stack = testStack('eu-west-1');
    const mail = new MoodleMail(stack, 'Mail', { domainName: 'Example.EDU.', hostedZone: zoneIn(stack) });
    const template = checkStack(stack, 'mail-eu-west-1');
    expect(mail.smtpHost).toBe('email-smtp.eu-west-1.amazonaws.com');
    expect(mail.noReplyAddress).toBe('noreply@example.edu');
    template.hasResourceProperties('Custom::MoodleSesSmtpPassword', { Region: 'eu-west-1' });
  });
});

describe('MoodleMail bad input', () => {
  test('domainName outside the hosted zone names domainName and hostedZone', () => {
    expect(() => mailStack({ domainName: 'example.org' })).toThrow(
      /MoodleMail: domainName 'example.org' does not belong to hostedZone 'example.edu'.*pass the hosted zone of 'example.org'/,
    );
    expect(() => mailStack({ domainName: 'notexample.edu' })).toThrow(/domainName 'notexample.edu' does not belong/);
  });

  test('noReplyAddress outside domainName, or not an address', () => {
    expect(() => mailStack({ noReplyAddress: 'noreply@gmail.com' })).toThrow(
      /MoodleMail: noReplyAddress 'noreply@gmail.com' is not an address in domainName 'example.edu'.*'noreply@example.edu'/,
    );
    expect(() => mailStack({ noReplyAddress: 'noreply@sub.example.edu' })).toThrow(/noReplyAddress 'noreply@sub.example.edu'/);
    expect(() => mailStack({ noReplyAddress: 'example.edu' })).toThrow(/noReplyAddress 'example.edu'/);
    expect(() => mailStack({ noReplyAddress: 'no reply@example.edu' })).toThrow(/noReplyAddress/);
  });

  test('a stack without a Region', () => {
    const stack = new Stack(new App(), 'NoRegion');
    expect(() => new MoodleMail(stack, 'Mail', { domainName: 'example.edu', hostedZone: zoneIn(stack) })).toThrow(
      /MoodleMail: the stack's region is not known at synth time.*env: \{ region \}/,
    );
  });

  test('a zone without a name', () => {
    const stack = testStack('us-east-1');
    const hostedZone = route53.HostedZone.fromHostedZoneId(stack, 'Zone', 'Z0123456789ABCDEFGHIJ');
    expect(() => new MoodleMail(stack, 'Mail', { domainName: 'example.edu', hostedZone })).toThrow(
      /MoodleMail: hostedZone has no zone name.*fromHostedZoneAttributes/,
    );
  });

  test('credentialsSerial that is not a whole number', () => {
    expect(() => mailStack({ credentialsSerial: -1 })).toThrow(/MoodleMail: credentialsSerial is -1.*Increase it by one/);
    expect(() => mailStack({ credentialsSerial: 1.5 })).toThrow(/credentialsSerial is 1.5/);
  });

  test('mailFromSubdomain that is not a label', () => {
    for (const bad of ['', 'bounce.', '-x', 'bounce.example.edu/', 'a b']) {
      expect(() => mailStack({ mailFromSubdomain: bad })).toThrow(/MoodleMail: mailFromSubdomain '.*' is not a subdomain label/);
    }
  });
});

describe('SMTP password derivation (src/private/handlers/smtp-password.js)', () => {
  const { smtpPassword, createHandler } = handlerModule;
  // AWS's documented example secret access key (IAM user guide).
  const exampleKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  test('matches the values of the Python example in the SES developer guide', () => {
    // Computed with the Python code of "Obtaining Amazon SES SMTP credentials" (calculate_key), not with this handler.
    expect(smtpPassword(exampleKey, 'us-east-1')).toBe('BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9');
    expect(smtpPassword(exampleKey, 'eu-west-1')).toBe('BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk');
  });

  test('matches an independent computation of the algorithm for random keys and Regions', () => {
    const reference = (key: string, region: string) => {
      let signature = crypto.createHmac('sha256', `AWS4${key}`).update('11111111').digest();
      for (const message of [region, 'ses', 'aws4_request', 'SendRawEmail']) {
        signature = crypto.createHmac('sha256', signature).update(message).digest();
      }
      return Buffer.from([4, ...signature]).toString('base64');
    };
    for (const region of ['us-east-1', 'eu-central-1', 'ap-southeast-2', 'us-gov-west-1']) {
      const key = crypto.randomBytes(30).toString('base64');
      const password = smtpPassword(key, region);
      expect(password).toBe(reference(key, region));
      expect(Buffer.from(password, 'base64')).toHaveLength(33);
      expect(Buffer.from(password, 'base64')[0]).toBe(4);
    }
  });

  test('rejects an empty key or a bad Region', () => {
    expect(() => smtpPassword('', 'us-east-1')).toThrow(/empty/);
    expect(() => smtpPassword(exampleKey, 'email-smtp.us-east-1.amazonaws.com')).toThrow(/not a Region/);
  });

  const props = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:x',
    AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    AccessKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf',
    SmtpSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:smtp-GhIjKl',
    Region: 'us-east-1',
  };
  function fakes() {
    const calls: Record<string, any[]> = { getSecretValue: [], putSecretValue: [] };
    const handle = createHandler({
      getSecretValue: async (input) => { calls.getSecretValue.push(input); return { SecretString: exampleKey }; },
      putSecretValue: async (input) => { calls.putSecretValue.push(input); return {}; },
    });
    return { calls, handle };
  }

  test.each(['Create', 'Update'])('%s: reads the key secret, writes {username, password}, answers without the password', async (requestType) => {
    const { calls, handle } = fakes();
    const result = await handle({ RequestType: requestType, ResourceProperties: props, PhysicalResourceId: 'old' });
    expect(calls.getSecretValue).toEqual([{ SecretId: props.AccessKeySecretArn }]);
    expect(calls.putSecretValue).toHaveLength(1);
    expect(calls.putSecretValue[0].SecretId).toBe(props.SmtpSecretArn);
    expect(JSON.parse(calls.putSecretValue[0].SecretString)).toEqual({
      username: 'AKIAIOSFODNN7EXAMPLE',
      password: 'BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9',
    });
    expect(result).toEqual({
      PhysicalResourceId: `${props.SmtpSecretArn}/AKIAIOSFODNN7EXAMPLE`,
      Data: { SmtpSecretArn: props.SmtpSecretArn },
    });
    expect(JSON.stringify(result)).not.toContain('BLBM');
  });

  test('Delete touches nothing', async () => {
    const { calls, handle } = fakes();
    const result = await handle({ RequestType: 'Delete', ResourceProperties: props, PhysicalResourceId: 'p' });
    expect(result.PhysicalResourceId).toBe('p');
    expect(calls.getSecretValue).toEqual([]);
    expect(calls.putSecretValue).toEqual([]);
  });

  test('a missing property fails before any AWS call', async () => {
    const { calls, handle } = fakes();
    const { Region: _region, ...withoutRegion } = props;
    await expect(handle({ RequestType: 'Create', ResourceProperties: withoutRegion })).rejects.toThrow(/property Region is missing/);
    expect(calls.getSecretValue).toEqual([]);
  });

  describe('entry point', () => {
    const { responseBody } = cfnResponse;
    const createEntryPoint = (handle: (event: Record<string, unknown>) => Promise<any>, send: Parameters<typeof cfnResponse.createEntryPoint>[2]) =>
      cfnResponse.createEntryPoint('MoodleMail SMTP password', handle, send);
    const event = {
      RequestType: 'Create',
      LogicalResourceId: 'MailSmtpPassword',
      RequestId: 'r-1',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Test/1',
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed',
      ResourceProperties: props,
    };
    let logs: string[];
    beforeEach(() => {
      logs = [];
      jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { logs.push(args.join(' ')); });
    });
    afterEach(() => jest.restoreAllMocks());

    test('answers SUCCESS with the physical id and the ARN only; logs neither the event nor the password', async () => {
      const sent: string[] = [];
      const { handle } = fakes();
      await createEntryPoint(handle, async (e, status, result, reason) => { sent.push(responseBody(e, status, result, reason)); })(event);
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0])).toEqual({
        Status: 'SUCCESS',
        Reason: 'OK',
        PhysicalResourceId: `${props.SmtpSecretArn}/AKIAIOSFODNN7EXAMPLE`,
        StackId: event.StackId,
        RequestId: 'r-1',
        LogicalResourceId: 'MailSmtpPassword',
        Data: { SmtpSecretArn: props.SmtpSecretArn },
      });
      const everything = sent.join() + logs.join();
      expect(everything).not.toContain('BLBM');
      expect(everything).not.toContain(exampleKey);
      expect(logs.join()).not.toContain('signed');
    });

    test('answers FAILED with the error message instead of throwing (the stack never hangs)', async () => {
      const sent: any[] = [];
      const failing = async () => { throw new Error('AccessDeniedException: not allowed'); };
      const send = async (e: Record<string, unknown>, status: string, result: any, reason: string) => {
        sent.push(JSON.parse(responseBody(e, status, result, reason)));
      };
      await createEntryPoint(failing, send)(event);
      expect(sent).toEqual([expect.objectContaining({
        Status: 'FAILED',
        Reason: 'MoodleMail SMTP password: AccessDeniedException: not allowed',
        PhysicalResourceId: 'MailSmtpPassword',
        Data: {},
      })]);
    });
  });
});

describe('MoodleMail reports every problem at once', () => {
  test('an address outside the domain, a negative serial and a bad MAIL FROM label', () => {
    expect(problemsOf(() => mailStack({ noReplyAddress: 'noreply@gmail.com', credentialsSerial: -1, mailFromSubdomain: 'not a label' }))).toEqual([
      expect.stringMatching(/^MoodleMail: noReplyAddress 'noreply@gmail.com' is not an address in domainName 'example.edu'/),
      expect.stringMatching(/^MoodleMail: credentialsSerial is -1/),
      expect.stringMatching(/^MoodleMail: mailFromSubdomain 'not a label' is not a subdomain label/),
    ]);
  });
});
