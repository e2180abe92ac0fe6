import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ACCOUNT, CLOUDFRONT_PREFIX_LIST_ID, edgeTestStack, testNetwork, testZone } from './edge-fixtures';
import { MoodleEdge, MoodleEdgeProps, MoodleNetwork, OriginProtocol } from '../../src';
import { imageContract } from '../../src/contracts/image-contract';
import { cachedPathPatterns, wafCountedCommonRules } from '../../src/edge/edge-defaults';
import { checkStack } from '../util/checks';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

function edgeIn(region: string, props: Partial<MoodleEdgeProps> = {}) {
  const stack = edgeTestStack(region);
  const network = testNetwork(stack);
  const edge = new MoodleEdge(stack, 'Edge', { network, ...props });
  return { stack, network, edge };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } } | undefined): string {
  return stack.getLogicalId(construct!.node.defaultChild as any);
}

/**
 * Every rule that lets traffic into the load balancer's security group, whether written inline on the
 * group or as a separate AWS::EC2::SecurityGroupIngress.
 */
function ingressRulesOf(template: Template, securityGroupId: string): Array<Record<string, any>> {
  const resources = template.toJSON().Resources as Resources;
  const inline = resources[securityGroupId].Properties.SecurityGroupIngress ?? [];
  const separate = Object.values(resources)
    .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress')
    .filter((r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [securityGroupId, 'GroupId'] }))
    .map((r) => r.Properties);
  return [...inline, ...separate];
}

function resourcesOfType(template: Template, type: string): Array<[string, Record<string, any>]> {
  return Object.entries(template.toJSON().Resources as Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties]);
}

function distributionConfig(template: Template): Record<string, any> {
  const [[, props]] = resourcesOfType(template, 'AWS::CloudFront::Distribution');
  return props.DistributionConfig;
}

/**
 * What the issue asks to prove: the only way into the load balancer is CloudFront. The load balancer
 * is internal, in the application subnets; its security group admits exactly one source, the
 * CloudFront origin-facing prefix list, on the one listener port; that listener has no rules besides
 * forwarding to the target group; and the distribution reaches it through a VPC origin.
 */
function expectOnlyCloudFrontReaches(stack: Stack, edge: MoodleEdge, network: MoodleNetwork, template: Template, port: number): void {
  const albId = logicalIdOf(stack, edge.loadBalancer);
  const sgId = logicalIdOf(stack, edge.loadBalancerSecurityGroup);
  const [[, alb]] = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  expect(alb.Scheme).toBe('internal');
  const applicationSubnets = network.vpc.selectSubnets(network.applicationSubnets).subnets.map((s) => stack.resolve(s.subnetId));
  expect(alb.Subnets).toEqual(applicationSubnets);
  const publicSubnets = network.vpc.publicSubnets.map((s) => stack.resolve(s.subnetId));
  expect(alb.Subnets.filter((s: unknown) => publicSubnets.some((p) => JSON.stringify(p) === JSON.stringify(s)))).toEqual([]);
  expect(alb.SecurityGroups).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);

  expect(ingressRulesOf(template, sgId)).toEqual([
    expect.objectContaining({ IpProtocol: 'tcp', FromPort: port, ToPort: port, SourcePrefixListId: CLOUDFRONT_PREFIX_LIST_ID }),
  ]);
  for (const rule of ingressRulesOf(template, sgId)) {
    expect(rule.CidrIp).toBeUndefined();
    expect(rule.CidrIpv6).toBeUndefined();
    expect(rule.SourceSecurityGroupId).toBeUndefined();
  }

  const listeners = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener');
  expect(listeners).toHaveLength(1);
  const [[, listener]] = listeners;
  expect(listener.Port).toBe(port);
  expect(listener.LoadBalancerArn).toEqual({ Ref: albId });
  expect(listener.DefaultActions).toEqual([{ Type: 'forward', TargetGroupArn: { Ref: logicalIdOf(stack, edge.targetGroup as any) } }]);
  expect(resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::ListenerRule')).toEqual([]);

  const vpcOrigins = resourcesOfType(template, 'AWS::CloudFront::VpcOrigin');
  expect(vpcOrigins).toHaveLength(1);
  expect(vpcOrigins[0][1].VpcOriginEndpointConfig.Arn).toEqual({ Ref: albId });
  const origins = distributionConfig(template).Origins;
  expect(origins).toHaveLength(1);
  expect(origins[0].VpcOriginConfig.VpcOriginId).toEqual({ 'Fn::GetAtt': [vpcOrigins[0][0], 'Id'] });
  expect(origins[0].CustomOriginConfig).toBeUndefined();
}

describe('MoodleEdge without a domain, in us-east-1 (defaults)', () => {
  const { stack, network, edge } = edgeIn('us-east-1');
  const template = checkStack(stack, 'edge-default');
  const config = distributionConfig(template);

  test('only CloudFront can reach the load balancer (HTTP 80 inside the VPC)', () => {
    expect(edge.originProtocol).toBe(OriginProtocol.HTTP);
    expectOnlyCloudFrontReaches(stack, edge, network, template, 80);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTP', Port: 80 });
    template.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({ OriginProtocolPolicy: 'http-only' }),
    });
  });

  test('the load balancer drops invalid headers, outlasts the origin timeout, logs, and is protected from deletion', () => {
    const [[, alb]] = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.LoadBalancerAttributes).toEqual(expect.arrayContaining([
      { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      { Key: 'idle_timeout.timeout_seconds', Value: '65' },
      { Key: 'deletion_protection.enabled', Value: 'true' },
      { Key: 'access_logs.s3.enabled', Value: 'true' },
      { Key: 'access_logs.s3.prefix', Value: 'alb' },
    ]));
  });

  test('the load balancer appends to X-Forwarded-For after CloudFront, so the tasks know the viewer is two entries from the end', () => {
    const [[, alb]] = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.LoadBalancerAttributes).toEqual(expect.arrayContaining([{ Key: 'routing.http.xff_header_processing.mode', Value: 'append' }]));
    expect(edge.forwardingProxies).toBe(2);
  });

  test('the target group speaks HTTP to the image port, checks the health path, drains for the longest request (60 s) plus 5 s', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: imageContract.containerPort,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: imageContract.healthCheckPath,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '65' }]),
    });
  });

  test('CloudFront serves viewers over HTTPS only, with HTTP/2 and HTTP/3 and IPv6', () => {
    expect(config.HttpVersion).toBe('http2and3');
    expect(config.IPV6Enabled).toBe(true);
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    for (const behavior of config.CacheBehaviors) expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.ViewerCertificate).toBeUndefined(); // the default *.cloudfront.net certificate
    expect(config.Aliases).toBeUndefined();
  });

  test('the default behavior caches nothing and forwards every viewer header (Host included), cookie and query string', () => {
    expect(config.DefaultCacheBehavior).toMatchObject({
      CachePolicyId: cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId,
      OriginRequestPolicyId: cloudfront.OriginRequestPolicy.ALL_VIEWER.originRequestPolicyId,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      Compress: true,
    });
  });

  test('Moodle\'s revisioned theme, JS, CSS, font and image URLs are cached', () => {
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual([...cachedPathPatterns]);
    expect(cachedPathPatterns).toEqual(expect.arrayContaining([
      '/theme/styles.php*', '/theme/image.php*', '/theme/font.php*', '/theme/yui_combo.php*',
      '/lib/javascript.php*', '/lib/requirejs.php*',
    ]));
    const [[cachePolicyId]] = resourcesOfType(template, 'AWS::CloudFront::CachePolicy');
    const [[originPolicyId]] = resourcesOfType(template, 'AWS::CloudFront::OriginRequestPolicy');
    for (const behavior of config.CacheBehaviors) {
      expect(behavior).toMatchObject({
        AllowedMethods: ['GET', 'HEAD'],
        CachePolicyId: { Ref: cachePolicyId },
        OriginRequestPolicyId: { Ref: originPolicyId },
        Compress: true,
      });
    }
  });

  test('cached behaviors honour Moodle\'s Cache-Control and cache nothing without it', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 365 * 24 * 3600,
        ParametersInCacheKeyAndForwardedToOrigin: {
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        CookiesConfig: { CookieBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Host'] },
        QueryStringsConfig: { QueryStringBehavior: 'all' },
      }),
    });
  });

  test('CloudFront names the origin by the load balancer\'s DNS name (plain HTTP, no certificate to match)', () => {
    expect(config.Origins[0].DomainName).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, edge.loadBalancer), 'DNSName'] });
  });

  test('the origin timeout is 60 s', () => {
    expect(config.Origins[0].VpcOriginConfig).toMatchObject({ OriginReadTimeout: 60, OriginKeepaliveTimeout: 5 });
  });

  test('security headers that do not break Moodle: HSTS, nosniff, no CSP; Moodle\'s own frame and referrer headers win', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: false, Preload: false, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'SAMEORIGIN', Override: false },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: false },
        },
      }),
    });
    const [[policyId, policy]] = resourcesOfType(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(policy.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy).toBeUndefined();
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  test('AWS WAF protects the distribution with managed rules tuned for Moodle and a login rate limit', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const [[aclId, acl]] = resourcesOfType(template, 'AWS::WAFv2::WebACL');
    expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const managed = acl.Rules.filter((r: any) => r.Statement.ManagedRuleGroupStatement).map((r: any) => r.Statement.ManagedRuleGroupStatement);
    expect(managed.map((m: any) => m.Name)).toEqual([
      'AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesPHPRuleSet',
    ]);
    const common = managed.find((m: any) => m.Name === 'AWSManagedRulesCommonRuleSet');
    expect(common.RuleActionOverrides).toEqual(wafCountedCommonRules.map((name) => ({ Name: name, ActionToUse: { Count: {} } })));
    expect(wafCountedCommonRules).toEqual(['SizeRestrictions_BODY', 'CrossSiteScripting_BODY']);
    for (const other of managed.filter((m: any) => m !== common)) expect(other.RuleActionOverrides).toBeUndefined();

    const rate = acl.Rules.find((r: any) => r.Name === 'LoginRateLimit');
    expect(rate.Action).toEqual({ Block: {} });
    expect(rate.Statement.RateBasedStatement).toMatchObject({ Limit: 500, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    const scopeDown = JSON.stringify(rate.Statement.RateBasedStatement.ScopeDownStatement);
    expect(scopeDown).toContain('"SearchString":"/login/index.php"');
    expect(scopeDown).toContain('"SearchString":"POST"');
  });

  test('access logs go to an SSE-S3 bucket with a lifecycle, ALB under alb/ and CloudFront under cloudfront/', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'RetainExceptOnCreate' });
    expect(config.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logicalIdOf(stack, edge.accessLogBucket), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
  });

  test('the site URL is the distribution\'s domain over HTTPS, and the outputs print real values', () => {
    const distributionId = logicalIdOf(stack, edge.distribution);
    expect(stack.resolve(edge.siteUrl)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const byName = (suffix: string) => Object.entries(outputs).find(([id]) => id.startsWith(`Edge${suffix}`))![1].Value;
    expect(byName('SiteUrl')).toEqual(stack.resolve(edge.siteUrl));
    expect(byName('DistributionDomainName')).toEqual({ 'Fn::GetAtt': [distributionId, 'DomainName'] });
    expect(byName('LoadBalancerDnsName')).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, edge.loadBalancer), 'DNSName'] });
  });

  test('creates no certificate and no DNS record', () => {
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(edge.certificate).toBeUndefined();
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('the web service reaches its tasks through the target group', () => {
  test('a security group registered as target is opened from the load balancer on the container port only', () => {
    const { stack, edge, network } = edgeIn('us-east-1');
    const tasks = new ec2.SecurityGroup(stack, 'Tasks', { vpc: network.vpc, allowAllOutbound: false });
    edge.targetGroup.registerConnectable(new ec2.Connections({ securityGroups: [tasks] }));
    const template = checkStack(stack, 'edge-target-sg');
    const albSg = { 'Fn::GetAtt': [logicalIdOf(stack, edge.loadBalancerSecurityGroup), 'GroupId'] };
    const tasksSg = { 'Fn::GetAtt': [logicalIdOf(stack, tasks), 'GroupId'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: tasksSg, SourceSecurityGroupId: albSg, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: albSg, DestinationSecurityGroupId: tasksSg, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080,
    });
    // Still nothing but CloudFront gets in.
    expect(ingressRulesOf(template, logicalIdOf(stack, edge.loadBalancerSecurityGroup))).toHaveLength(1);
  });

  test('a Fargate service attached with attachToApplicationTargetGroup gets the same rules', () => {
    const { stack, edge, network } = edgeIn('us-east-1');
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: network.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    taskDefinition.addContainer('moodle', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/httpd:2.4'),
      portMappings: [{ containerPort: imageContract.containerPort }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'moodle', logRetention: logs.RetentionDays.ONE_WEEK }),
    });
    const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition, vpcSubnets: network.applicationSubnets });
    service.attachToApplicationTargetGroup(edge.targetGroup);
    const template = checkStack(stack, 'edge-target-fargate');
    const serviceSg = { 'Fn::GetAtt': [stack.getLogicalId(service.connections.securityGroups[0].node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] };
    const albSg = { 'Fn::GetAtt': [logicalIdOf(stack, edge.loadBalancerSecurityGroup), 'GroupId'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: serviceSg, SourceSecurityGroupId: albSg, FromPort: 8080, ToPort: 8080,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: albSg, DestinationSecurityGroupId: serviceSg, FromPort: 8080, ToPort: 8080,
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{ ContainerName: 'moodle', ContainerPort: 8080, TargetGroupArn: { Ref: logicalIdOf(stack, edge.targetGroup as any) } }],
    });
  });
});

describe('MoodleEdge with a domain and a hosted zone, in us-east-1', () => {
  const stack = edgeTestStack('us-east-1');
  const network = testNetwork(stack);
  const hostedZone = testZone(stack);
  const edge = new MoodleEdge(stack, 'Edge', { network, domainName: 'moodle.example.edu', hostedZone });
  const template = checkStack(stack, 'edge-domain-us-east-1');
  const config = distributionConfig(template);

  test('one DNS-validated certificate serves both CloudFront and the load balancer', () => {
    template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'moodle.example.edu',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'moodle.example.edu', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    const certificateId = logicalIdOf(stack, edge.certificate as acm.Certificate);
    expect(config.ViewerCertificate).toEqual({ AcmCertificateArn: { Ref: certificateId }, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: { Ref: certificateId } }], SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
  });

  test('only CloudFront can reach the load balancer (HTTPS 443)', () => {
    expect(edge.originProtocol).toBe(OriginProtocol.HTTPS);
    expectOnlyCloudFrontReaches(stack, edge, network, template, 443);
    template.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
    });
  });

  test('CloudFront names the origin by the site domain, which the load balancer certificate covers', () => {
    expect(config.Origins[0].DomainName).toBe('moodle.example.edu');
  });

  test('the domain is the alias, with A and AAAA alias records, and the site URL', () => {
    expect(config.Aliases).toEqual(['moodle.example.edu']);
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'moodle.example.edu.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: Match.objectLike({ DNSName: { 'Fn::GetAtt': [logicalIdOf(stack, edge.distribution), 'DomainName'] } }),
      });
    }
    expect(edge.siteUrl).toBe('https://moodle.example.edu');
    expect(edge.siteDomainName).toBe('moodle.example.edu');
  });
});

describe('MoodleEdge with imported certificates (outside us-east-1)', () => {
  const stack = edgeTestStack('eu-west-1');
  const network = testNetwork(stack);
  const certificate = acm.Certificate.fromCertificateArn(stack, 'CloudFrontCert', `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`);
  const loadBalancerCertificate = acm.Certificate.fromCertificateArn(stack, 'AlbCert', `arn:aws:acm:eu-west-1:${ACCOUNT}:certificate/66666666-7777-8888-9999-000000000000`);
  const webAclArn = `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/webacl/moodle/abcdef01-2345-6789-abcd-ef0123456789`;
  const edge = new MoodleEdge(stack, 'Edge', { network, domainName: 'moodle.example.edu', certificate, loadBalancerCertificate, webAclArn });
  const template = checkStack(stack, 'edge-imported-eu-west-1');
  const config = distributionConfig(template);

  test('uses the given certificates and web ACL and creates none', () => {
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(config.ViewerCertificate.AcmCertificateArn).toBe(certificate.certificateArn);
    expect(config.WebACLId).toBe(webAclArn);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, Certificates: [{ CertificateArn: loadBalancerCertificate.certificateArn }],
    });
    expect(edge.webAclArn).toBe(webAclArn);
  });

  test('creates no DNS record without a hosted zone (the output gives the CNAME target)', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(edge.siteUrl).toBe('https://moodle.example.edu');
  });

  test('the load balancer access logs go to eu-west-1\'s log delivery', () => {
    const policy = JSON.stringify(resourcesOfType(template, 'AWS::S3::BucketPolicy')[0][1]);
    expect(policy).toContain('156460612806'); // Elastic Load Balancing account of eu-west-1
  });
});

describe('MoodleEdge with an imported certificate in us-east-1', () => {
  test('uses the one certificate for CloudFront and the load balancer, and creates the alias records', () => {
    const stack = edgeTestStack('us-east-1');
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`);
    const edge = new MoodleEdge(stack, 'Edge', { network: testNetwork(stack), domainName: 'moodle.example.edu', hostedZone: testZone(stack), certificate });
    const template = checkStack(stack, 'edge-imported-us-east-1');
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Certificates: [{ CertificateArn: certificate.certificateArn }] });
    expect(distributionConfig(template).ViewerCertificate.AcmCertificateArn).toBe(certificate.certificateArn);
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    expect(edge.loadBalancerCertificate).toBe(certificate);
  });
});

describe('MoodleEdge without WAF, outside us-east-1', () => {
  const { stack, network, edge } = edgeIn('eu-west-1', { enableWaf: false });
  const template = checkStack(stack, 'edge-no-waf-eu-west-1');

  test('needs nothing from us-east-1 and has no web ACL', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(distributionConfig(template).WebACLId).toBeUndefined();
    expect(edge.webAclArn).toBeUndefined();
    expectOnlyCloudFrontReaches(stack, edge, network, template, 80);
  });
});

describe('MoodleEdge props', () => {
  test('a longer origin timeout raises the load balancer idle timeout and warns about the quota', () => {
    const { stack } = edgeIn('us-east-1', { originResponseTimeout: Duration.seconds(120) });
    const template = checkStack(stack, 'edge-long-timeout');
    expect(distributionConfig(template).Origins[0].VpcOriginConfig.OriginReadTimeout).toBe(120);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '125' }]),
    });
    Annotations.fromStack(stack).hasWarning('/Moodle-us-east-1/Edge', Match.stringLikeRegexp('Service Quotas increase'));
  });

  test('rate limit, deletion protection, log retention, price class and a given prefix list', () => {
    const { stack } = edgeIn('us-east-1', {
      loginRateLimit: 50,
      deletionProtection: false,
      accessLogRetention: Duration.days(30),
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      cloudFrontPrefixListId: 'pl-0123abcd',
    });
    const template = checkStack(stack, 'edge-props');
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Name: 'LoginRateLimit', Statement: { RateBasedStatement: Match.objectLike({ Limit: 50 }) } })]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'false' }]),
    });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] } });
    expect(distributionConfig(template).PriceClass).toBe('PriceClass_100');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { SourcePrefixListId: 'pl-0123abcd' });
  });
});
