import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { ACCOUNT, edgeTestApp, edgeTestStack, testNetwork, testZone } from './edge-fixtures';
import { MoodleEdge, MoodleEdgeGlobal, MoodleWebAcl } from '../../src';
import { checkStack } from '../util/checks';

/**
 * A Moodle stack in eu-west-1 with a custom domain and WAF: what only us-east-1 can hold (the
 * CloudFront certificate and the CLOUDFRONT-scope web ACL) comes from MoodleEdgeGlobal in a
 * us-east-1 stack, through CDK's cross-Region references.
 */
describe('MoodleEdge in eu-west-1 with MoodleEdgeGlobal in us-east-1', () => {
  const app = edgeTestApp(['eu-west-1', 'us-east-1']);
  const globalStack = new Stack(app, 'MoodleGlobal', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
  const global = new MoodleEdgeGlobal(globalStack, 'EdgeGlobal', { domainName: 'moodle.example.edu', hostedZone: testZone(globalStack), loginRateLimit: 200 });
  const stack = new Stack(app, 'Moodle', { env: { account: ACCOUNT, region: 'eu-west-1' }, crossRegionReferences: true });
  const edge = new MoodleEdge(stack, 'Edge', {
    network: testNetwork(stack),
    domainName: 'moodle.example.edu',
    hostedZone: testZone(stack),
    certificate: global.certificate,
    webAclArn: global.webAclArn,
  });
  const globalTemplate = checkStack(globalStack, 'edge-global-us-east-1');
  const template = checkStack(stack, 'edge-regional-eu-west-1');

  test('us-east-1 holds the CloudFront certificate and the web ACL', () => {
    globalTemplate.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    globalTemplate.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'moodle.example.edu', ValidationMethod: 'DNS' });
    globalTemplate.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Rules: Match.arrayWith([Match.objectLike({ Name: 'LoginRateLimit', Statement: { RateBasedStatement: Match.objectLike({ Limit: 200 }) } })]),
    });
  });

  test('the web ACL logs every request to CloudWatch Logs for a year, cookies, Authorization and query strings redacted', () => {
    const [logGroupId, logGroup] = Object.entries(globalTemplate.findResources('AWS::Logs::LogGroup'))
      .find(([, candidate]) => String(candidate.Properties.LogGroupName).startsWith('aws-waf-logs-'))!;
    expect(logGroup.Properties.RetentionInDays).toBe(365);
    globalTemplate.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
      LogDestinationConfigs: [{ 'Fn::GetAtt': [logGroupId, 'Arn'] }],
      RedactedFields: [{ SingleHeader: { Name: 'cookie' } }, { SingleHeader: { Name: 'authorization' } }, { QueryString: {} }],
    });
  });

  test('eu-west-1 holds the load balancer certificate and everything else, and creates no web ACL', () => {
    template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    const [listener] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener'));
    const certificateId = stack.getLogicalId(edge.loadBalancerCertificate!.node.defaultChild as any);
    expect(listener.Properties.Certificates).toEqual([{ CertificateArn: { Ref: certificateId } }]);
  });

  test('the distribution takes the certificate and web ACL ARNs from us-east-1 (cross-Region references)', () => {
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const config = distribution.Properties.DistributionConfig;
    expect(JSON.stringify(config.ViewerCertificate.AcmCertificateArn)).toContain('ExportsReader');
    expect(JSON.stringify(config.WebACLId)).toContain('ExportsReader');
    expect(config.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
    expect(edge.siteUrl).toBe('https://moodle.example.edu');
  });
});

describe('MoodleEdgeGlobal', () => {
  test('with WAF only (no domain) creates just the web ACL', () => {
    const stack = edgeTestStack('us-east-1');
    const global = new MoodleEdgeGlobal(stack, 'EdgeGlobal');
    const template = checkStack(stack, 'edge-global-waf-only');
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    expect(global.certificate).toBeUndefined();
    expect(global.webAclArn).toBeDefined();
  });

  test('without WAF creates just the certificate', () => {
    const stack = edgeTestStack('us-east-1');
    const global = new MoodleEdgeGlobal(stack, 'EdgeGlobal', { domainName: 'moodle.example.edu', hostedZone: testZone(stack), enableWaf: false });
    const template = checkStack(stack, 'edge-global-cert-only');
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    expect(global.webAcl).toBeUndefined();
  });

  test('MoodleWebAcl can be used alone in us-east-1', () => {
    const stack = edgeTestStack('us-east-1');
    const acl = new MoodleWebAcl(stack, 'Acl', { loginRateLimit: 10 });
    const template = checkStack(stack, 'edge-web-acl');
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    expect(stack.resolve(acl.webAclArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(acl.webAcl), 'Arn'] });
  });
});
