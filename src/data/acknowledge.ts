import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on a construct and its children, with the reason.
 *
 * `Validations.of(construct).acknowledge()` rejects IDs with more than one `::`, but cdk-nag names
 * managed-policy findings `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/…]`. For
 * those, this records the same acknowledged-rules metadata that `acknowledge()` records (the
 * documented `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`), which cdk-nag reads.
 */
export function acknowledgeFinding(construct: IConstruct, id: string, reason: string): void {
  if (id.split('::').length <= 2) {
    Validations.of(construct).acknowledge({ id, reason });
    return;
  }
  const key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;
  const previous = construct.node.metadata.filter((entry) => entry.type === key).pop()?.data ?? {};
  construct.node.addMetadata(key, { ...previous, [id]: reason });
}
