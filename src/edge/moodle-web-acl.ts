import { Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { edgeDefaults, loginPath, wafCountedCommonRules } from './edge-defaults';
import { validateLoginRateLimit } from './edge-validation';
import { Validator } from '../private/validation';

/**
 * Properties of a {@link MoodleWebAcl}.
 */
export interface MoodleWebAclProps {
  /**
   * How many POSTs to Moodle's login form (`/login/index.php`) one client IP address may send in
   * 5 minutes before AWS WAF blocks its further login attempts (AWS's minimum is 10). Keep it
   * generous when many users share one address (campus NAT, exam halls).
   *
   * @default 500
   */
  readonly loginRateLimit?: number;

  /**
   * How long the web ACL's request logs are kept in CloudWatch Logs. Each log record has the request's
   * URI, headers and the rule that matched; AWS WAF never logs request bodies (the login form's password),
   * and the `Cookie` and `Authorization` headers and the query string (web service tokens, `sesskey`) are
   * redacted.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * An AWS WAF web ACL for a Moodle CloudFront distribution (scope CLOUDFRONT, so it must be created
 * in a stack in us-east-1): AWS managed rule groups (IP reputation, common rule set tuned for
 * Moodle, known bad inputs, PHP application) and a rate limit on the login form.
 *
 * MoodleEdge creates one itself when its stack is in us-east-1; for a stack in another Region,
 * create it in a us-east-1 stack (for example through {@link MoodleEdgeGlobal}) and pass its ARN.
 */
export class MoodleWebAcl extends Construct {
  /** The web ACL. */
  public readonly webAcl: wafv2.CfnWebACL;
  /** Its ARN, what CloudFront's `webAclId` takes. */
  public readonly webAclArn: string;
  /** The log group of its request logs (AWS WAF requires the `aws-waf-logs-` name prefix). */
  public readonly logGroup: logs.LogGroup;
  /** The web ACL's logging configuration. */
  public readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;

  constructor(scope: Construct, id: string, props: MoodleWebAclProps = {}) {
    super(scope, id);
    const loginRateLimit = props.loginRateLimit ?? edgeDefaults.loginRateLimit;
    const validator = new Validator('MoodleWebAcl');
    validateLoginRateLimit(validator, loginRateLimit);
    validateUsEast1(validator, this);
    validator.throwIfAny();

    const metricPrefix = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${metricPrefix}-${name}`.slice(0, 128),
      sampledRequestsEnabled: true,
    });
    const managed = (priority: number, name: string, countedRules: readonly string[] = []): wafv2.CfnWebACL.RuleProperty => ({
      name: `AWS-${name}`,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: countedRules.length > 0
            ? countedRules.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
            : undefined,
        },
      },
      visibilityConfig: visibility(name),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: 'Moodle: AWS managed rules tuned for Moodle and a rate limit on the login form',
      visibilityConfig: visibility('WebAcl'),
      rules: [
        managed(0, 'AWSManagedRulesAmazonIpReputationList'),
        {
          name: 'LoginRateLimit',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: loginRateLimit,
              evaluationWindowSec: edgeDefaults.loginRateLimitWindowSeconds,
              scopeDownStatement: {
                andStatement: {
                  statements: [
                    {
                      byteMatchStatement: {
                        fieldToMatch: { uriPath: {} },
                        positionalConstraint: 'STARTS_WITH',
                        searchString: loginPath,
                        textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                      },
                    },
                    {
                      byteMatchStatement: {
                        fieldToMatch: { method: {} },
                        positionalConstraint: 'EXACTLY',
                        searchString: 'POST',
                        textTransformations: [{ priority: 0, type: 'NONE' }],
                      },
                    },
                  ],
                },
              },
            },
          },
          visibilityConfig: visibility('LoginRateLimit'),
        },
        managed(2, 'AWSManagedRulesCommonRuleSet', wafCountedCommonRules),
        managed(3, 'AWSManagedRulesKnownBadInputsRuleSet'),
        managed(4, 'AWSManagedRulesPHPRuleSet'),
      ],
    });
    this.webAclArn = this.webAcl.attrArn;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 450, separator: '-' })}`,
      retention: props.logRetention ?? edgeDefaults.wafLogRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [this.logGroup.logGroupArn],
      redactedFields: [
        { singleHeader: { Name: 'cookie' } },
        { singleHeader: { Name: 'authorization' } },
        { queryString: {} },
      ],
    });
  }
}

/** A problem unless the stack is known to be in us-east-1. */
function validateUsEast1(validator: Validator, scope: Construct): void {
  const region = Stack.of(scope).region;
  if (!validator.requireLiteral(region,
    'the stack\'s Region is not known at synth time, but a web ACL for CloudFront (scope CLOUDFRONT) can only be created in us-east-1. Give the stack env: { region: \'us-east-1\' }.',
  )) return;
  validator.check(region !== 'us-east-1',
    `the stack is in ${region}, but a web ACL for CloudFront (scope CLOUDFRONT) can only be created in us-east-1. Create it in a stack with env: { region: 'us-east-1' } (for example with MoodleEdgeGlobal) and pass its webAclArn to MoodleEdge.`,
  );
}
