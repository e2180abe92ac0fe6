import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, wildcardActionFinding, wildcardResourceFinding } from '../private/acknowledge';

/** CodeBuild grants its default log group and report groups even when logs go to the pipeline's log group. */
export function acknowledgeCodeBuildDefaults(scope: Construct, project: codebuild.PipelineProject): void {
  const stack = Stack.of(scope);
  const defaultLogGroup = stack.formatArn({
    service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: `/aws/codebuild/${project.projectName}`,
  });
  acknowledge(project.role!, [wildcardResourceFinding(scope, `${defaultLogGroup}:*`)],
    'CodeBuild\'s own grant on the log streams of its default log group (named after the project); this project logs to the pipeline\'s log group.');
  acknowledge(project.role!, [wildcardResourceFinding(scope, stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${project.projectName}-*` }))],
    'CodeBuild\'s own grant on the test report groups named after this project.');
}

/** Every role of the pipeline reads or writes artifacts: CDK's bucket and key grants use action wildcards. */
export function acknowledgeArtifactGrants(scope: Construct, artifactBucket: s3.IBucket): void {
  const roles = scope.node.findAll().filter((child): child is iam.Role => child instanceof iam.Role);
  const artifactObjects = wildcardResourceFinding(scope, artifactBucket.arnForObjects('*'));
  const actionWildcards = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
  for (const role of roles) {
    acknowledge(role, [artifactObjects, ...actionWildcards.map(wildcardActionFinding)],
      'CDK\'s grants on the pipeline\'s artifact bucket (objects of this bucket only) and its KMS key (this key only); the wildcards cover the S3 and KMS read/write variants an artifact transfer uses.');
  }
}
