import { Annotations, CfnOutput, CustomResource, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { resolveCertificates, resolveWebAcl } from './edge-choices';
import {
  cachedPathPatterns,
  cloudFrontOriginFacingPrefixListName,
  edgeDefaults,
  edgeLimits,
  OriginProtocol,
} from './edge-defaults';
import { validateAccessLogRetention, validateOriginResponseTimeout } from './edge-validation';
import { MoodleEdgeProps } from './moodle-edge-props';
import { MoodleWebAcl } from './moodle-web-acl';
import { IMoodleEdge } from '../contracts/edge';
import { imageContract } from '../contracts/image-contract';
import { LONGEST_GRACEFUL_REQUEST_SECONDS, requestLifetime } from '../contracts/request-lifetime';
import { deletionProtectionGuard, emptyBucketOnRollback } from '../private/deploy-guards';
import { startAfterDeployChecks } from '../private/site-part';
import { fail } from '../private/validation';

/**
 * The edge of a Moodle site: an internal Application Load Balancer in the application subnets,
 * reachable only from CloudFront through a CloudFront VPC origin; a CloudFront distribution that
 * caches what Moodle marks cacheable and forwards everything else; AWS WAF; certificates and DNS
 * records for a custom domain.
 *
 * The web service registers its tasks with `service.attachToApplicationTargetGroup(edge.targetGroup)`;
 * the security groups between the load balancer and the tasks are opened by that call.
 */
export class MoodleEdge extends Construct implements IMoodleEdge {
  /** The public URL of the site, `https://…` without trailing slash: Moodle's `wwwroot`. */
  public readonly siteUrl: string;
  /** The site's host name (the custom domain, or the distribution's CloudFront domain). */
  public readonly siteDomainName: string;
  /** CloudFront and the load balancer each append to `X-Forwarded-For`, and the tasks are reachable only through both. */
  public readonly forwardingProxies?: number = 2;
  /** CloudFront's origin response timeout: the longest a viewer waits for a page. */
  public readonly originResponseTimeout?: Duration;
  /** The target group the web tasks register in. */
  public readonly targetGroup: elbv2.IApplicationTargetGroup;
  private readonly createdTargetGroup: elbv2.ApplicationTargetGroup;
  /** The internal load balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /**
   * Turns the load balancer's deletion protection off only if the stack's first creation fails and rolls back,
   * so the rollback can delete it; undefined without deletion protection.
   */
  public readonly deletionProtectionGuard?: CustomResource;
  /** Empties the access log bucket only if the stack's first creation fails and rolls back, so the rollback can delete it. */
  public readonly accessLogsRollbackCleanup: CustomResource;
  /** The load balancer's security group (admits only CloudFront's origin-facing servers). */
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** The load balancer's only listener (HTTPS 443, or HTTP 80 without a custom domain). */
  public readonly listener: elbv2.ApplicationListener;
  /** How CloudFront reaches the load balancer. */
  public readonly originProtocol: OriginProtocol;
  /** The CloudFront distribution. */
  public readonly distribution: cloudfront.Distribution;
  /** The bucket of the load balancer's (`alb/`) and CloudFront's (`cloudfront/`) access logs. */
  public readonly accessLogBucket: s3.Bucket;
  /** The CloudFront certificate, with a custom domain. */
  public readonly certificate?: acm.ICertificate;
  /** The load balancer certificate, with a custom domain. */
  public readonly loadBalancerCertificate?: acm.ICertificate;
  /** The web ACL MoodleEdge created, if any. */
  public readonly webAcl?: MoodleWebAcl;
  /** The ARN of the web ACL on the distribution, unless WAF is off. */
  public readonly webAclArn?: string;

  constructor(scope: Construct, id: string, props: MoodleEdgeProps) {
    super(scope, id);
    startAfterDeployChecks(this, props.network);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      fail('MoodleEdge', 'the stack\'s Region is not known at synth time (env-agnostic stack), but MoodleEdge needs it: for the load balancer\'s access-log delivery, to know whether CloudFront\'s certificate and web ACL (us-east-1 only) can be created here, and to look up CloudFront\'s prefix list. Give the stack env: { account, region }.',
      );
    }
    const region = stack.region;

    const originResponseTimeout = props.originResponseTimeout ?? edgeDefaults.originResponseTimeout;
    validateOriginResponseTimeout('MoodleEdge', originResponseTimeout);
    this.originResponseTimeout = originResponseTimeout;
    const lifetime = requestLifetime(originResponseTimeout);
    if (originResponseTimeout.toSeconds() > LONGEST_GRACEFUL_REQUEST_SECONDS) {
      Annotations.of(this).addWarningV2('moodle-on-fargate:edge:originResponseTimeoutStop',
        `originResponseTimeout is ${originResponseTimeout.toSeconds()} s, but a stopping web task (a deploy, a Fargate Spot interruption with its two minutes' notice) lets requests finish for at most ${LONGEST_GRACEFUL_REQUEST_SECONDS} s: longer requests are cut then. Give at most Duration.seconds(${LONGEST_GRACEFUL_REQUEST_SECONDS}), or acknowledge this warning.`);
    }
    if (originResponseTimeout.toSeconds() > edgeLimits.originResponseTimeoutQuotaSeconds) {
      Annotations.of(this).addWarningV2('moodle-on-fargate:edge:originResponseTimeoutQuota',
        `originResponseTimeout is ${originResponseTimeout.toSeconds()} s: CloudFront accepts more than 60 s only after a Service Quotas increase of "Response timeout per origin" in this account; request it before deploying.`);
    }
    const accessLogRetention = props.accessLogRetention ?? edgeDefaults.accessLogRetention;
    validateAccessLogRetention(accessLogRetention);

    const certificates = resolveCertificates(this, props, region);
    this.certificate = certificates.cloudFront;
    this.loadBalancerCertificate = certificates.loadBalancer;
    this.originProtocol = certificates.loadBalancer ? OriginProtocol.HTTPS : OriginProtocol.HTTP;
    const webAcl = resolveWebAcl(this, props, region);
    this.webAcl = webAcl.created;
    this.webAclArn = webAcl.arn;

    // Access logs: SSE-S3 because load balancer access logs cannot be written with SSE-KMS.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logging writes through an ACL grant to its log delivery account.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      // Versioned, so a log object cannot be overwritten unnoticed; old versions go with the logs' retention.
      versioned: true,
      lifecycleRules: [{
        expiration: accessLogRetention,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging its own access would write into itself. Access to it is limited to the log delivery services by its policy.',
    });

    // Load balancer: internal, in the application subnets, behind the CloudFront VPC origin only.
    const vpc = props.network.vpc;
    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'Moodle load balancer: CloudFront origin-facing servers only',
      allowAllOutbound: false,
    });
    const idleTimeout = Duration.seconds(Math.max(originResponseTimeout.toSeconds() + 5, 60));
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: false,
      vpcSubnets: props.network.applicationSubnets,
      securityGroup: this.loadBalancerSecurityGroup,
      dropInvalidHeaderFields: true,
      idleTimeout,
      deletionProtection: props.deletionProtection ?? edgeDefaults.deletionProtection,
      http2Enabled: true,
      // The load balancer appends CloudFront's address to X-Forwarded-For, after the viewer's (forwardingProxies).
      xffHeaderProcessingMode: elbv2.XffHeaderProcessingMode.APPEND,
    });
    this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');
    if (props.deletionProtection ?? edgeDefaults.deletionProtection) {
      this.deletionProtectionGuard = deletionProtectionGuard(this, 'DeletionProtectionGuard', {
        loadBalancerArn: this.loadBalancer.loadBalancerArn, arn: this.loadBalancer.loadBalancerArn, resource: this.loadBalancer,
      });
    }

    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc,
      port: imageContract.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: lifetime.deregistrationDelay,
      healthCheck: {
        path: imageContract.healthCheckPath,
        healthyHttpCodes: '200',
        interval: edgeDefaults.healthCheckInterval,
        timeout: edgeDefaults.healthCheckTimeout,
        healthyThresholdCount: edgeDefaults.healthyThresholdCount,
        unhealthyThresholdCount: edgeDefaults.unhealthyThresholdCount,
      },
    });
    this.targetGroup = targetGroup;
    this.createdTargetGroup = targetGroup;

    const https = this.originProtocol === OriginProtocol.HTTPS;
    const listenerPort = https ? 443 : 80;
    this.listener = this.loadBalancer.addListener(https ? 'Https' : 'Http', {
      port: listenerPort,
      protocol: https ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      certificates: https ? [elbv2.ListenerCertificate.fromCertificateManager(certificates.loadBalancer!)] : undefined,
      sslPolicy: https ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      open: false,
      defaultTargetGroups: [targetGroup],
    });

    const prefixListId = props.cloudFrontPrefixListId ?? this.lookUpCloudFrontPrefixList();
    this.loadBalancerSecurityGroup.addIngressRule(
      ec2.Peer.prefixList(prefixListId),
      ec2.Port.tcp(listenerPort),
      `CloudFront origin-facing servers (VPC origin) to ${https ? 'HTTPS' : 'HTTP'}`,
    );

    // CloudFront.
    const origin = origins.VpcOrigin.withApplicationLoadBalancer(this.loadBalancer, {
      // With HTTPS, CloudFront's TLS name (SNI, certificate check) is the site's domain, which the
      // load balancer's certificate covers; the VPC origin reaches the load balancer by ARN, not DNS.
      domainName: https ? props.domainName : undefined,
      protocolPolicy: https ? cloudfront.OriginProtocolPolicy.HTTPS_ONLY : cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      httpPort: 80,
      httpsPort: 443,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      readTimeout: originResponseTimeout,
      keepaliveTimeout: edgeDefaults.originKeepaliveTimeout,
    });
    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Moodle: HSTS, nosniff, frame and referrer defaults (Moodle\'s own frame/referrer headers win)',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: edgeDefaults.hstsMaxAge, includeSubdomains: false, preload: false, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.SAMEORIGIN, override: false },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: false },
      },
    });
    const staticCachePolicy = new cloudfront.CachePolicy(this, 'StaticCachePolicy', {
      comment: 'Moodle revisioned theme/JS/CSS/font/image URLs: honour Moodle\'s Cache-Control, cache nothing without it',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: edgeDefaults.staticMaxTtl,
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const staticOriginRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'StaticOriginRequestPolicy', {
      comment: 'Moodle static scripts: the viewer Host (Moodle compares it with wwwroot) and the query string, no cookies',
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Host'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
    });
    const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
    for (const pattern of cachedPathPatterns) {
      additionalBehaviors[pattern] = {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        cachePolicy: staticCachePolicy,
        originRequestPolicy: staticOriginRequestPolicy,
        responseHeadersPolicy: securityHeaders,
        compress: true,
      };
    }

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Moodle ${props.domainName ?? ''}`.trim().slice(0, 128),
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Every viewer header including Host, all cookies and query strings: Moodle answers a Host
        // other than its wwwroot's with a redirect to wwwroot, so the origin must see the viewer's Host.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
        responseHeadersPolicy: securityHeaders,
        compress: true,
      },
      additionalBehaviors,
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate: certificates.cloudFront,
      // Only with a certificate of the site's own: CloudFront's default certificate has its own fixed policy.
      minimumProtocolVersion: certificates.cloudFront ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? edgeDefaults.priceClass,
      webAclId: webAcl.arn,
      enableLogging: true,
      logBucket: this.accessLogBucket,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Moodle sites serve students and staff wherever they are (travel, exchange, distance learning); geo restrictions are a per-site decision.',
    });
    if (!certificates.cloudFront) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason: 'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose minimum protocol CloudFront fixes; give domainName to get TLSv1.2_2021.',
      });
    }
    if (!webAcl.arn) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason: 'AWS WAF was turned off explicitly with enableWaf: false.',
      });
    }

    this.siteDomainName = props.domainName ?? this.distribution.distributionDomainName;
    this.siteUrl = `https://${this.siteDomainName}`;

    if (props.domainName && props.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
      new route53.ARecord(this, 'AliasRecord', { zone: props.hostedZone, recordName: props.domainName, target });
      new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: props.hostedZone, recordName: props.domainName, target });
    }

    new CfnOutput(this, 'SiteUrl', { value: this.siteUrl, description: 'Moodle site URL (wwwroot)' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: 'CloudFront distribution domain (CNAME target for a domain outside Route 53)',
    });
    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: this.loadBalancer.loadBalancerDnsName,
      description: 'Internal load balancer DNS name (reachable only through CloudFront)',
    });
    // The load balancer writes a test object as soon as its logging is on: empty the bucket if the first deploy fails.
    this.accessLogsRollbackCleanup = emptyBucketOnRollback(this, 'AccessLogsRollbackCleanup', this.accessLogBucket,
      [this.loadBalancer, this.distribution]);
  }

  /** 5xx responses of the load balancer and of Moodle (its targets), summed per five minutes. */
  public metricServerErrors(props: cloudwatch.MetricOptions = {}): cloudwatch.IMetric {
    const options = { ...props, period: props.period ?? Duration.minutes(5) };
    return new cloudwatch.MathExpression({
      expression: 'FILL(elb, 0) + FILL(target, 0)',
      usingMetrics: {
        elb: this.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, options),
        target: this.createdTargetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, options),
      },
      label: props.label ?? '5xx responses (load balancer + Moodle)',
      period: options.period,
    });
  }

  /** Web tasks failing their health check, the most in each minute. */
  public metricUnhealthyTargets(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.createdTargetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum', ...props });
  }

  /** The origin-facing prefix list's ID in this Region, looked up at synth time (cached in cdk.context.json). */
  private lookUpCloudFrontPrefixList(): string {
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.account)) {
      fail('MoodleEdge', `the stack has no concrete account (env without account), so the ID of the managed prefix list '${cloudFrontOriginFacingPrefixListName}' cannot be looked up at synth time. Give the stack env: { account, region }, or pass cloudFrontPrefixListId (the 'pl-…' ID of that prefix list in the stack's Region: aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=${cloudFrontOriginFacingPrefixListName}).`,
      );
    }
    return ec2.PrefixList.fromLookup(this, 'CloudFrontPrefixList', { prefixListName: cloudFrontOriginFacingPrefixListName }).prefixListId;
  }
}
