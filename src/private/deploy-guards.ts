import * as path from 'path';
import { CfnDeletionPolicy, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Where the custom resource handlers are (plain JavaScript), in this repository (src/private, run by
 * ts-node/jest) and in the npm package (lib/private next to the shipped src/private): `../../src/private/handlers`.
 */
export const HANDLERS_DIR = path.join(__dirname, '..', '..', 'src', 'private', 'handlers');
export const AVAILABILITY_ZONE_CHECK_TYPE = 'Custom::MoodleAvailabilityZoneCheck';
export const DELETION_PROTECTION_GUARD_TYPE = 'Custom::MoodleDeletionProtectionGuard';
export const EMPTY_BUCKET_ON_ROLLBACK_TYPE = 'Custom::MoodleEmptyBucketOnRollback';

/**
 * The stack's one function behind the deploy guards (src/private/handlers/deploy-guards.js), with a role of
 * its own that may only write its log group; each guard adds what it needs to that role.
 */
class DeployGuards extends Construct {
  public static of(scope: Construct): DeployGuards {
    const stack = Stack.of(scope);
    const id = 'MoodleDeployGuards';
    return (stack.node.tryFindChild(id) as DeployGuards | undefined) ?? new DeployGuards(stack, id);
  }

  public readonly function: lambda.Function;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(this.role);
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'deploy-guards.handler',
      code: lambda.Code.fromAsset(HANDLERS_DIR),
      role: this.role,
      logGroup,
      timeout: Duration.minutes(1),
      memorySize: 128,
      description: 'Moodle on Fargate: checks the Availability Zones first; lets a failed first deployment roll back',
    });
  }
}

/**
 * A custom resource the deploy-guard function answers, with a policy of its own for what the handler does
 * (not the role's default policy, which every guard's resources would then depend on). It is created after,
 * and in a rollback deleted before, `after`.
 */
function guardResource(scope: Construct, id: string, props: {
  readonly resourceType: string;
  readonly statements: iam.PolicyStatement[];
  readonly properties: Record<string, unknown>;
  readonly after?: Construct[];
}): { readonly resource: CustomResource; readonly policy: iam.Policy } {
  const guards = DeployGuards.of(scope);
  const policy = new iam.Policy(scope, `${id}Policy`, { roles: [guards.role], statements: props.statements });
  const resource = new CustomResource(scope, id, {
    serviceToken: guards.function.functionArn,
    resourceType: props.resourceType,
    properties: props.properties,
  });
  resource.node.addDependency(...(props.after ?? []), policy);
  return { resource, policy };
}

/** Reading the stack's status: the guards act only while the stack's first creation rolls back. */
function describeOwnStack(scope: Construct): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Stack.of(scope).stackId] });
}

/**
 * Fails the deployment within seconds when the load balancer's AZs (`zones`, names of a created VPC, or the AZs
 * of `subnetIds`) include one whose AZ ID is in `unsupportedZoneIds`. Whatever must not start before that
 * depends on the returned resource.
 */
export function availabilityZoneCheck(scope: Construct, id: string, props: {
  readonly zones?: string[];
  readonly subnetIds?: string[];
  readonly unsupportedZoneIds: ReadonlyArray<string>;
}): CustomResource {
  const { resource, policy } = guardResource(scope, id, {
    resourceType: AVAILABILITY_ZONE_CHECK_TYPE,
    statements: [new iam.PolicyStatement({ actions: ['ec2:DescribeAvailabilityZones', 'ec2:DescribeSubnets'], resources: ['*'] })],
    properties: { Zones: props.zones, SubnetIds: props.subnetIds, UnsupportedZoneIds: [...props.unsupportedZoneIds] },
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ec2:DescribeAvailabilityZones and ec2:DescribeSubnets have no resource-level permissions; both only read.',
  });
  return resource;
}

/** What a deletion protection guard watches: one database cluster, database instance or load balancer. */
export interface ProtectedResource {
  readonly dbClusterIdentifier?: string;
  readonly dbInstanceIdentifier?: string;
  readonly loadBalancerArn?: string;
  /** The resource's ARN, for the role's policy. */
  readonly arn: string;
  /** The resource itself: the guard is created after it and deleted before it. */
  readonly resource: Construct;
}

/**
 * Lets CloudFormation delete a resource whose deletion protection is on when the stack's first creation fails:
 * the guard, deleted just before the resource in that rollback, turns the protection off. A stack that was
 * created once keeps the protection in every later operation, stack deletion included.
 */
export function deletionProtectionGuard(scope: Construct, id: string, target: ProtectedResource): CustomResource {
  const action = target.dbClusterIdentifier ? 'rds:ModifyDBCluster'
    : target.dbInstanceIdentifier ? 'rds:ModifyDBInstance' : 'elasticloadbalancing:ModifyLoadBalancerAttributes';
  return guardResource(scope, id, {
    resourceType: DELETION_PROTECTION_GUARD_TYPE,
    statements: [describeOwnStack(scope), new iam.PolicyStatement({ actions: [action], resources: [target.arn] })],
    properties: {
      DbClusterIdentifier: target.dbClusterIdentifier,
      DbInstanceIdentifier: target.dbInstanceIdentifier,
      LoadBalancerArn: target.loadBalancerArn,
    },
    after: [target.resource],
  }).resource;
}

/**
 * Lets CloudFormation delete `bucket` (kept on stack deletion: `RetainExceptOnCreate`) when the stack's first
 * creation fails: the guard, deleted after the `writers` and before the bucket in that rollback, deletes every
 * object version in it. A stack that was created once keeps the bucket and its objects.
 */
export function emptyBucketOnRollback(scope: Construct, id: string, bucket: s3.Bucket, writers: Construct[]): CustomResource {
  const { resource, policy } = guardResource(scope, id, {
    resourceType: EMPTY_BUCKET_ON_ROLLBACK_TYPE,
    statements: [
      describeOwnStack(scope),
      new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:ListBucketVersions'], resources: [bucket.bucketArn] }),
      new iam.PolicyStatement({ actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], resources: [bucket.arnForObjects('*')] }),
    ],
    properties: { BucketName: bucket.bucketName },
    after: [bucket, ...writers],
  });
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
    reason: 'Only in the rollback of the stack\'s failed first creation: every object of this one bucket, so CloudFormation can delete it.',
  });
  (bucket.node.defaultChild as s3.CfnBucket).cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE;
  return resource;
}
