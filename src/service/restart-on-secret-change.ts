import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { serviceHandlerFunction } from './deploy-steps';

/** Properties of a {@link RestartOnSecretChange}. */
export interface RestartOnSecretChangeProps {
  /** The secret whose tasks read at start. */
  readonly secret: secretsmanager.ISecret;
  /** The cluster of the services. */
  readonly cluster: ecs.ICluster;
  /** The services whose tasks are replaced when the secret changes. */
  readonly services: ecs.IBaseService[];
  /** Where the function logs. */
  readonly logGroup: logs.ILogGroup;
}

/**
 * Forces a new deployment of ECS services when a secret's current value changes (a rotation): ECS reads
 * secrets only when it starts a task. A value put by hand restarts them too, but only a rotation also changes
 * the database password. Secrets Manager's own `Secret Label Updated` event
 * (label AWSCURRENT) triggers it; it needs no CloudTrail trail. Internal to MoodleService.
 */
export class RestartOnSecretChange extends Construct {
  /** The EventBridge rule on the secret's AWSCURRENT label. */
  public readonly rule: events.Rule;
  /** The function that forces the new deployments. */
  public readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: RestartOnSecretChangeProps) {
    super(scope, id);
    this.function = serviceHandlerFunction(this, 'Function', {
      entry: 'restartServices',
      description: 'Moodle on Fargate: replaces the tasks after the database secret changed',
      logGroup: props.logGroup,
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:UpdateService'],
      resources: props.services.map((service) => service.serviceArn),
    }));
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Replaces the Moodle tasks when the current value of the database secret changes (rotation)',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['Secret Label Updated'],
        resources: secretArnPattern(props.secret),
        detail: { labelUpdated: ['AWSCURRENT'] },
      },
      targets: [new targets.LambdaFunction(this.function, {
        // Naming the services makes CloudFormation create the rule after them, so the secret's new versions while
        // the site is created (its attachment to the database) restart nothing.
        event: events.RuleTargetInput.fromObject({
          cluster: props.cluster.clusterArn,
          services: props.services.map((service) => service.serviceArn),
        }),
        retryAttempts: 4,
      })],
    });
  }
}

/** The event's `resources` hold the secret's full ARN; a secret imported by name or partial ARN lacks its suffix. */
function secretArnPattern(secret: secretsmanager.ISecret): string[] {
  return secret.secretFullArn ? [secret.secretFullArn] : events.Match.prefix(`${secret.secretArn}-`);
}
