import { Annotations, CfnOutput, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../private/acknowledge';
import { Validator } from '../private/validation';

/** A filter on the attributes AWS FIS reads from a target's `Describe` API (attribute path in Pascal case). */
export interface MoodleFaultTargetFilter {
  /** Attribute path, for example `AvailabilityZone`. */
  readonly path: string;
  /** The values, any one of which matches. */
  readonly values: string[];
}

/**
 * The resources an AWS FIS action acts on. AWS FIS refuses resource ARNs together with tags, filters or parameters:
 * give ARNs alone, or tags and/or parameters with optional filters.
 */
export interface MoodleFaultTarget {
  /** The AWS FIS resource type, for example `aws:ecs:task`. */
  readonly resourceType: string;

  /**
   * ARNs of the target resources.
   *
   * @default - none
   */
  readonly resourceArns?: string[];

  /**
   * Tags every target resource carries.
   *
   * @default - none
   */
  readonly resourceTags?: Record<string, string>;

  /**
   * The resource type's target parameters, for example `cluster` and `service` of `aws:ecs:task`.
   *
   * @default - none
   */
  readonly parameters?: Record<string, string>;

  /**
   * Filters on the identified resources.
   *
   * @default - none
   */
  readonly filters?: MoodleFaultTargetFilter[];

  /**
   * Which of the identified resources the action acts on: `ALL`, `COUNT(n)` or `PERCENT(n)`.
   *
   * @default 'ALL'
   */
  readonly selectionMode?: string;
}

/** One AWS FIS action on one target. */
export interface MoodleFaultAction {
  /** The action identifier, for example `aws:ecs:stop-task`. */
  readonly actionId: string;
  /** The name under which the action takes its target, for example `Tasks` (see the action's reference). */
  readonly targetKey: string;

  /**
   * The action's parameters, for example `duration` (ISO 8601).
   *
   * @default - none
   */
  readonly parameters?: Record<string, string>;
}

/** Properties of a {@link MoodleFaultExperiment}. */
export interface MoodleFaultExperimentProps {
  /** What the experiment does, shown in the AWS FIS console and the stack output. */
  readonly description: string;
  /** The action. */
  readonly action: MoodleFaultAction;
  /** The resources it acts on. */
  readonly target: MoodleFaultTarget;

  /**
   * Alarms that stop the experiment when one goes off (at most as many as the account's AWS FIS quota allows).
   *
   * @default - no stop condition (a warning is recorded)
   */
  readonly stopConditionAlarms?: cloudwatch.IAlarm[];

  /**
   * How long the experiment log is kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * An AWS FIS experiment template with one action, a role that AWS FIS assumes for experiments of this account
 * only, and a CloudWatch Logs group for the experiment log (schema version 2). The role may only deliver that
 * log: grant the action's permissions on `role`. Start it with the `aws fis start-experiment` command its stack
 * output prints.
 */
export class MoodleFaultExperiment extends Construct {
  /** The role AWS FIS assumes to run the experiment. */
  public readonly role: iam.Role;
  /** The experiment log. */
  public readonly logGroup: logs.LogGroup;
  /** The experiment template. */
  public readonly template: fis.CfnExperimentTemplate;
  /** The experiment template's ID (`aws fis start-experiment --experiment-template-id`). */
  public readonly templateId: string;

  constructor(scope: Construct, id: string, props: MoodleFaultExperimentProps) {
    super(scope, id);
    validate(props);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: `AWS FIS: ${props.description}`.slice(0, 1000),
      // Only experiments of this account and Region may assume it (confused deputy).
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'fis', resource: 'experiment', resourceName: '*' }) },
        },
      }),
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    this.role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
      resources: ['*'],
    }));
    acknowledge(this.role, ['AwsSolutions-IAM5[Resource::*]'],
      'AWS FIS delivers the experiment log as a CloudWatch Logs vended log, whose delivery and log-group resource policy have no resource-level permissions. ' +
      'The only other actions on * are the read-only Describe, List and tag:GetResources calls AWS FIS resolves an experiment\'s targets with.');

    const alarms = props.stopConditionAlarms ?? [];
    if (alarms.length === 0) {
      Annotations.of(this).addWarningV2('moodle-on-fargate:faultExperimentWithoutStopCondition',
        `The experiment '${props.description}' has no stop condition: AWS FIS runs it to the end whatever happens. Give stopConditionAlarms (MoodleOnFargate uses the monitoring's 5xx alarm when monitoring is on).`);
    }
    const { target, action } = props;
    this.template = new fis.CfnExperimentTemplate(this, 'Template', {
      description: props.description,
      roleArn: this.role.roleArn,
      targets: {
        Target: {
          resourceType: target.resourceType,
          resourceArns: target.resourceArns,
          resourceTags: target.resourceTags,
          parameters: target.parameters,
          filters: target.filters?.map(({ path, values }) => ({ path, values })),
          selectionMode: target.selectionMode ?? 'ALL',
        },
      },
      actions: {
        Fault: {
          actionId: action.actionId,
          parameters: action.parameters,
          targets: { [action.targetKey]: 'Target' },
        },
      },
      stopConditions: alarms.length > 0
        ? alarms.map((alarm) => ({ source: 'aws:cloudwatch:alarm', value: alarm.alarmArn }))
        : [{ source: 'none' }],
      // CloudWatchLogsConfiguration is untyped in CloudFormation's schema: its key is written as CloudFormation spells it.
      logConfiguration: { logSchemaVersion: 2, cloudWatchLogsConfiguration: { LogGroupArn: this.logGroup.logGroupArn } },
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
      tags: { Name: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }) },
    });
    // The role's policy exists before the template (the role itself is referenced).
    this.template.node.addDependency(this.role.node.findChild('DefaultPolicy'));
    this.templateId = this.template.attrId;
    new CfnOutput(this, 'TemplateId', {
      value: this.templateId,
      description: `${props.description}: aws fis start-experiment --experiment-template-id <this value>`.slice(0, 1024),
    });
  }
}

/** AWS FIS refuses resource ARNs combined with tags or filters (targets.html) and with parameters (its API). */
function validate({ description, target }: MoodleFaultExperimentProps): void {
  const validator = new Validator('MoodleFaultExperiment');
  validator.requireLiteral(description, 'description is a deploy-time value, but it is written into a stack output, which CloudFormation takes as a literal only. Give a plain string.');
  const given = (value: object | undefined) => value !== undefined && (Token.isUnresolved(value) || Object.keys(value).length > 0);
  const arns = given(target.resourceArns);
  const others = [['resourceTags', target.resourceTags], ['parameters', target.parameters], ['filters', target.filters]]
    .filter(([, value]) => given(value as object | undefined)).map(([name]) => name as string);
  validator.check(arns && others.length > 0,
    `target has resourceArns and ${others.join(', ')}, which AWS FIS refuses together. Give resourceArns alone, or identify the resources by resourceTags or parameters instead.`);
  validator.check(!arns && !given(target.resourceTags) && !given(target.parameters),
    'target has no resourceArns, resourceTags or parameters, so AWS FIS cannot identify any resource. Give one of them.');
  validator.throwIfAny();
}
