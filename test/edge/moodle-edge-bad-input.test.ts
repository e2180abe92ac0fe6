import { App, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ACCOUNT, edgeTestApp, edgeTestStack, testNetwork, testZone } from './edge-fixtures';
import { MoodleEdge, MoodleEdgeGlobal, MoodleEdgeProps, MoodleWebAcl } from '../../src';
import { problemsOf } from '../util/problems';

const US_CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`;
const EU_CERT = `arn:aws:acm:eu-west-1:${ACCOUNT}:certificate/66666666-7777-8888-9999-000000000000`;

/** Builds a MoodleEdge in the given Region with the props the callback returns (it may create imports in the stack). */
function build(region: string, props: (stack: Stack) => Partial<MoodleEdgeProps>) {
  const stack = edgeTestStack(region);
  const network = testNetwork(stack);
  return () => new MoodleEdge(stack, 'Edge', { network, ...props(stack) });
}

describe('MoodleEdge bad input: the cases of the issue', () => {
  test('a CloudFront certificate outside us-east-1', () => {
    expect(build('eu-west-1', (stack) => ({
      domainName: 'moodle.example.edu',
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', EU_CERT),
      loadBalancerCertificate: acm.Certificate.fromCertificateArn(stack, 'AlbCert', EU_CERT),
      enableWaf: false,
    }))).toThrow(/MoodleEdge: certificate is in eu-west-1, but CloudFront only uses ACM certificates from us-east-1\. Request or import the certificate .* in us-east-1/);
  });

  test('a CloudFront certificate created in a stack outside us-east-1', () => {
    expect(build('us-east-1', () => {
      const euStack = new Stack(new App(), 'Eu', { env: { account: ACCOUNT, region: 'eu-west-1' } });
      return { domainName: 'moodle.example.edu', certificate: new acm.Certificate(euStack, 'Cert', { domainName: 'moodle.example.edu' }) };
    })).toThrow(/certificate is in eu-west-1, but CloudFront only uses ACM certificates from us-east-1/);
  });

  test('domainName without hostedZone or certificate', () => {
    expect(build('us-east-1', () => ({ domainName: 'moodle.example.edu' }))).toThrow(
      /domainName 'moodle.example.edu' is set without hostedZone or certificate.*Give hostedZone .* or certificate \(us-east-1\) and loadBalancerCertificate/,
    );
  });

  test('a domain that does not belong to the given zone', () => {
    expect(build('us-east-1', (stack) => ({ domainName: 'moodle.other.org', hostedZone: testZone(stack, 'example.edu') }))).toThrow(
      /domainName 'moodle.other.org' does not belong to hostedZone 'example.edu'.*Use a domainName ending in '.example.edu'/,
    );
  });

  test('a domain that only ends like the zone is not in it', () => {
    expect(build('us-east-1', (stack) => ({ domainName: 'moodleexample.edu', hostedZone: testZone(stack, 'example.edu') }))).toThrow(
      /does not belong to hostedZone 'example.edu'/,
    );
  });

  test.each([0, 181, 2.5, 600])('an origin timeout of %p s, outside what CloudFront accepts', (seconds) => {
    expect(build('us-east-1', () => ({ originResponseTimeout: Duration.millis(seconds * 1000) }))).toThrow(
      new RegExp(`originResponseTimeout is ${seconds} seconds, but CloudFront accepts whole seconds from 1 to 180.*Set originResponseTimeout to Duration.seconds\\(60\\) \\(default\\)`),
    );
  });

  test.each([9, 0, -5, 12.5])('a WAF rate limit of %p, below AWS\'s minimum or not whole', (loginRateLimit) => {
    expect(build('us-east-1', () => ({ loginRateLimit }))).toThrow(
      new RegExp(`MoodleEdge: loginRateLimit is ${loginRateLimit}, but AWS WAF rate limits are whole numbers from 10 \\(AWS's minimum\\).*Set loginRateLimit to at least 10`),
    );
  });
});

describe('MoodleEdge bad input: us-east-1 resources for a stack in another Region', () => {
  test('WAF on (default) outside us-east-1 without webAclArn explains MoodleEdgeGlobal', () => {
    expect(build('eu-west-1', () => ({}))).toThrow(
      /stack is in eu-west-1, but AWS WAF for CloudFront \(scope CLOUDFRONT\) must be created in us-east-1\. Create the web ACL with MoodleEdgeGlobal .* pass webAclArn: global\.webAclArn .* or set enableWaf: false/,
    );
  });

  test('domainName + hostedZone outside us-east-1 without certificate explains MoodleEdgeGlobal', () => {
    expect(build('eu-west-1', (stack) => ({ domainName: 'moodle.example.edu', hostedZone: testZone(stack), enableWaf: false }))).toThrow(
      /stack is in eu-west-1, but CloudFront's certificate for 'moodle.example.edu' must be created in us-east-1\. Create it with MoodleEdgeGlobal .* pass certificate: global\.certificate/,
    );
  });

  test('a certificate without loadBalancerCertificate or hostedZone outside us-east-1', () => {
    expect(build('eu-west-1', (stack) => ({
      domainName: 'moodle.example.edu', certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', US_CERT), enableWaf: false,
    }))).toThrow(/certificate is given but loadBalancerCertificate is not.*Pass loadBalancerCertificate \(an ACM certificate in eu-west-1\), or hostedZone/);
  });

  test('a load balancer certificate from another Region', () => {
    expect(build('eu-west-1', (stack) => ({
      domainName: 'moodle.example.edu',
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', US_CERT),
      loadBalancerCertificate: acm.Certificate.fromCertificateArn(stack, 'AlbCert', US_CERT),
      enableWaf: false,
    }))).toThrow(/loadBalancerCertificate is in us-east-1, but the load balancer is in eu-west-1/);
  });

  test('a regional (not CloudFront) web ACL ARN', () => {
    expect(build('eu-west-1', () => ({ webAclArn: `arn:aws:wafv2:eu-west-1:${ACCOUNT}:regional/webacl/moodle/abcdef01-2345-6789-abcd-ef0123456789` }))).toThrow(
      /webAclArn '.*regional.*' is not the ARN of an AWS WAF web ACL for CloudFront.*scope CLOUDFRONT/,
    );
  });
});

describe('MoodleEdge bad input: contradictory or unusable props', () => {
  test('certificate, hostedZone or loadBalancerCertificate without domainName', () => {
    expect(build('us-east-1', (stack) => ({
      hostedZone: testZone(stack), certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', US_CERT),
    }))).toThrow(/MoodleEdge: hostedZone, certificate are set but domainName is not.*Set domainName, or remove hostedZone, certificate/);
  });

  test('a domain name with capitals or a scheme', () => {
    for (const domainName of ['Moodle.Example.edu', 'https://moodle.example.edu', 'moodle.example.edu.']) {
      expect(build('us-east-1', (stack) => ({ domainName, hostedZone: testZone(stack) }))).toThrow(/is not a lowercase host name/);
    }
  });

  test('a hosted zone imported by ID only', () => {
    expect(build('us-east-1', (stack) => ({
      domainName: 'moodle.example.edu', hostedZone: route53.HostedZone.fromHostedZoneId(stack, 'Zone', 'Z0123456789ABCDEFGHIJ'),
    }))).toThrow(/hostedZone has no zone name \(imported with HostedZone.fromHostedZoneId\).*fromHostedZoneAttributes/);
  });

  test('WAF props with enableWaf: false', () => {
    expect(build('us-east-1', () => ({ enableWaf: false, loginRateLimit: 100 }))).toThrow(/loginRateLimit is set but enableWaf is false/);
  });

  test('loginRateLimit with a given web ACL', () => {
    expect(build('us-east-1', () => ({
      loginRateLimit: 100, webAclArn: `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/webacl/moodle/abcdef01-2345-6789-abcd-ef0123456789`,
    }))).toThrow(/loginRateLimit is set together with webAclArn/);
  });

  test('an access log retention under a day', () => {
    expect(build('us-east-1', () => ({ accessLogRetention: Duration.hours(12) }))).toThrow(/accessLogRetention is 0.5 days.*whole days, at least 1/);
  });

  test('an env-agnostic stack (no Region)', () => {
    const stack = new Stack(new App(), 'NoEnv');
    const network = testNetwork(stack);
    expect(() => new MoodleEdge(stack, 'Edge', { network, enableWaf: false, cloudFrontPrefixListId: 'pl-0123abcd' })).toThrow(
      /stack's Region is not known at synth time .*Give the stack env: \{ account, region \}/,
    );
  });

  test('a stack without account needs cloudFrontPrefixListId', () => {
    const app = edgeTestApp(['eu-west-1']);
    const withoutAccount = () => new Stack(app, `NoAccount${app.node.children.length}`, { env: { region: 'eu-west-1' } });
    const stack = withoutAccount();
    expect(() => new MoodleEdge(stack, 'Edge', { network: testNetwork(stack), enableWaf: false })).toThrow(
      /no concrete account .*pass cloudFrontPrefixListId \(the 'pl-…' ID/,
    );
    const other = withoutAccount();
    expect(() => new MoodleEdge(other, 'Edge', { network: testNetwork(other), enableWaf: false, cloudFrontPrefixListId: 'pl-0123abcd' })).not.toThrow();
  });
});

describe('MoodleEdgeGlobal and MoodleWebAcl bad input', () => {
  test('MoodleEdgeGlobal outside us-east-1', () => {
    const stack = edgeTestStack('eu-west-1');
    expect(() => new MoodleEdgeGlobal(stack, 'Global')).toThrow(/MoodleEdgeGlobal: the stack is in eu-west-1.*must be created in us-east-1/);
  });

  test('MoodleEdgeGlobal with domainName but no hostedZone', () => {
    const stack = edgeTestStack('us-east-1');
    expect(() => new MoodleEdgeGlobal(stack, 'Global', { domainName: 'moodle.example.edu' })).toThrow(
      /domainName is set but hostedZone is not.*Give hostedZone too/,
    );
  });

  test('MoodleEdgeGlobal with a WAF rate limit below the minimum', () => {
    const stack = edgeTestStack('us-east-1');
    expect(() => new MoodleEdgeGlobal(stack, 'Global', { loginRateLimit: 5 })).toThrow(/loginRateLimit is 5.*from 10/);
  });

  test('MoodleWebAcl outside us-east-1', () => {
    const stack = edgeTestStack('ap-southeast-2');
    expect(() => new MoodleWebAcl(stack, 'Acl')).toThrow(/MoodleWebAcl: the stack is in ap-southeast-2.*only be created in us-east-1/);
  });
});

describe('Edge constructs report every problem at once', () => {
  test('MoodleEdge: a custom domain with several problems', () => {
    expect(problemsOf(build('eu-west-1', (stack) => ({ domainName: 'Moodle.example.edu', hostedZone: testZone(stack, 'other.org'), enableWaf: false })))).toEqual([
      expect.stringMatching(/^MoodleEdge: domainName 'Moodle.example.edu' is not a lowercase host name/),
      expect.stringMatching(/^MoodleEdge: domainName 'Moodle.example.edu' does not belong to hostedZone 'other.org'/),
      expect.stringMatching(/^MoodleEdge: the stack is in eu-west-1, but CloudFront's certificate for 'Moodle.example.edu' must be created in us-east-1/),
    ]);
  });

  test('MoodleEdge: a given web ACL with props for a created one', () => {
    expect(problemsOf(build('us-east-1', () => ({ webAclArn: 'not-an-arn', loginRateLimit: 5, wafLogRetention: logs.RetentionDays.ONE_DAY })))).toEqual([
      expect.stringMatching(/^MoodleEdge: loginRateLimit is 5, but AWS WAF rate limits are whole numbers from 10/),
      expect.stringMatching(/^MoodleEdge: loginRateLimit is set together with webAclArn/),
      expect.stringMatching(/^MoodleEdge: wafLogRetention is set together with webAclArn/),
      expect.stringMatching(/^MoodleEdge: webAclArn 'not-an-arn' is not the ARN of an AWS WAF web ACL for CloudFront/),
    ]);
  });

  test('MoodleEdgeGlobal: Region, domain and WAF props', () => {
    const stack = edgeTestStack('eu-west-1');
    expect(problemsOf(() => new MoodleEdgeGlobal(stack, 'Global', { domainName: 'moodle.example.edu', enableWaf: false, loginRateLimit: 100 }))).toEqual([
      expect.stringMatching(/^MoodleEdgeGlobal: the stack is in eu-west-1/),
      expect.stringMatching(/^MoodleEdgeGlobal: domainName is set but hostedZone is not/),
      expect.stringMatching(/^MoodleEdgeGlobal: loginRateLimit is set but enableWaf is false/),
    ]);
  });

  test('MoodleWebAcl: Region and rate limit', () => {
    const stack = edgeTestStack('ap-southeast-2');
    expect(problemsOf(() => new MoodleWebAcl(stack, 'Acl', { loginRateLimit: 5 }))).toEqual([
      expect.stringMatching(/^MoodleWebAcl: loginRateLimit is 5/),
      expect.stringMatching(/^MoodleWebAcl: the stack is in ap-southeast-2/),
    ]);
  });
});
