import * as path from 'path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/**
 * Where the deploy-step Lambda code is, both in this repository (src/service, run by ts-node/jest)
 * and in the npm package (lib/service next to the shipped src/service): `../../src/service/deploy-steps`.
 */
export const DEPLOY_STEPS_CODE_DIR = path.join(__dirname, '..', '..', 'src', 'service', 'deploy-steps');

/** Custom resource type names of the deploy steps. */
export const IMAGE_BUILD_RESOURCE_TYPE = 'Custom::MoodleImageBuild';
export const INSTALL_OR_UPGRADE_RESOURCE_TYPE = 'Custom::MoodleInstallOrUpgrade';
export const SITE_IMPORT_RESOURCE_TYPE = 'Custom::MoodleSiteImport';

/**
 * A custom-resource provider whose completion check waits for long deploy steps (an image build in
 * CodeBuild, the install/upgrade ECS task): onEvent starts the step, isComplete polls it every 30 s,
 * for at most `totalTimeout`. Internal to MoodleService.
 */
export class DeploySteps extends Construct {
  public readonly onEventFunction: lambda.Function;
  public readonly isCompleteFunction: lambda.Function;
  public readonly provider: cr.Provider;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: { readonly totalTimeout: Duration; readonly logRetention: logs.RetentionDays }) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    const handler = (name: string, entry: string, description: string) =>
      serviceHandlerFunction(this, name, { entry, description, logGroup: this.logGroup });
    this.onEventFunction = handler('OnEvent', 'onEvent', 'Moodle on Fargate: starts a deploy step (image build, install/upgrade task)');
    this.isCompleteFunction = handler('IsComplete', 'isComplete', 'Moodle on Fargate: checks whether a deploy step finished');

    // The framework's own functions get a role of ours (logs to our log group only) instead of the
    // AWSLambdaBasicExecutionRole managed policy.
    // Two roles: the waiter state machine invokes the isComplete side and is started by the onEvent side.
    const frameworkRole = (name: string) => {
      const role = new iam.Role(this, name, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      this.logGroup.grantWrite(role);
      return role;
    };
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.onEventFunction,
      isCompleteHandler: this.isCompleteFunction,
      queryInterval: Duration.seconds(30),
      totalTimeout: props.totalTimeout,
      logGroup: this.logGroup,
      frameworkOnEventRole: frameworkRole('FrameworkOnEventRole'),
      frameworkCompleteAndTimeoutRole: frameworkRole('FrameworkWaiterRole'),
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: this.logGroup, level: sfn.LogLevel.ALL },
    });

    // The framework roles and the waiter state machine role (all in this construct) invoke the functions.
    Validations.of(this).acknowledge(
      ...['framework-onEvent', 'framework-isComplete', 'framework-onTimeout', this.onEventFunction, this.isCompleteFunction].map((fn) => ({
        id: invokeVersionsFinding(typeof fn === 'string' ? this.provider.node.findChild(fn) as lambda.Function : fn),
        reason: 'lambda:InvokeFunction on one function of this provider and its versions (ARN:*), which is how the Provider framework calls it.',
      })),
    );
    Validations.of(this.provider).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch Logs delivery actions of the waiter state machine (logs:CreateLogDelivery and friends) have no resource-level permissions.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'The Provider framework picks the runtime of its own functions; our two handlers use the latest Node.js runtime.',
      },
      {
        id: 'AwsSolutions-SF2',
        reason: 'X-Ray tracing of the Provider framework waiter is not offered by the framework; its steps log to CloudWatch Logs.',
      },
    );
  }

  /** Lets the onEvent handler run one-off tasks of `definition` in `cluster`, handing ECS the task's roles. */
  public allowToRun(cluster: ecs.ICluster, definition: ecs.TaskDefinition, taskRole: iam.IRole): void {
    this.onEventFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: [definition.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
    }));
    this.onEventFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [taskRole.roleArn, definition.obtainExecutionRole().roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }));
  }

  /** The role of the isComplete handler (policies that only it needs are added there). */
  public get isCompleteRole(): iam.IRole {
    return this.isCompleteFunction.role!;
  }

  /** The token custom resources give as ServiceToken. */
  public get serviceToken(): string {
    return this.provider.serviceToken;
  }
}

/**
 * A function running one of the handlers in DEPLOY_STEPS_CODE_DIR (`index.<entry>`), with a role of its own
 * that may only write to `logGroup`, instead of the AWSLambdaBasicExecutionRole managed policy.
 */
export function serviceHandlerFunction(
  scope: Construct, id: string, props: { readonly entry: string; readonly description: string; readonly logGroup: logs.ILogGroup },
): lambda.Function {
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  props.logGroup.grantWrite(role);
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: `index.${props.entry}`,
    code: lambda.Code.fromAsset(DEPLOY_STEPS_CODE_DIR),
    role,
    description: props.description,
    timeout: Duration.minutes(1),
    memorySize: 256,
    logGroup: props.logGroup,
  });
}

/** cdk-nag's IAM5 finding for lambda:InvokeFunction on a function and its versions (`<Arn>:*`). */
function invokeVersionsFinding(fn: lambda.Function): string {
  const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`;
}
