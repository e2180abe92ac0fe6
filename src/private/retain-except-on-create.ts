import { Aspects, CfnDeletionPolicy, CfnResource, IAspect } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { IConstruct } from 'constructs';

/**
 * What a Moodle construct keeps on stack deletion is still deleted when the stack's first creation fails and
 * rolls back (CloudFormation's `RetainExceptOnCreate`): a failed first deployment leaves nothing behind.
 * ECR repositories also get `EmptyOnDelete`, which can then act only in that rollback. S3 buckets keep
 * `Retain` here: CloudFormation cannot delete a bucket with objects, so a bucket that may get objects during
 * the first deployment is emptied by `emptyBucketOnRollback` and marked by its owner.
 */
class RetainExceptOnCreate implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnOptions.deletionPolicy !== CfnDeletionPolicy.RETAIN) return;
    if (node.cfnResourceType === 'AWS::S3::Bucket') return;
    node.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE;
    if (node instanceof ecr.CfnRepository) node.emptyOnDelete = true;
  }
}

/** Applies {@link RetainExceptOnCreate} to every resource under `scope`. */
export function retainExceptOnCreate(scope: IConstruct): void {
  Aspects.of(scope).add(new RetainExceptOnCreate());
}
