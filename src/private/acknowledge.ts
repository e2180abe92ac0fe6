import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on a construct and its children, each with the reason.
 *
 * `Validations.of(construct).acknowledge()` rejects ids with more than one `::`, but cdk-nag names
 * findings on ARNs built from pseudo parameters `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:…]`.
 * For those, this records the same acknowledged-rules metadata that `acknowledge()` records (the
 * documented `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`), which cdk-nag reads.
 */
export function acknowledge(construct: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) {
    if (id.split('::').length <= 2) {
      Validations.of(construct).acknowledge({ id, reason });
      continue;
    }
    const key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;
    const previous = construct.node.metadata.filter((entry) => entry.type === key).pop()?.data ?? {};
    construct.node.addMetadata(key, { ...previous, [id]: reason });
  }
}

/**
 * cdk-nag's IAM5 finding id for a wildcard resource, given the very token string the policy uses:
 * the resolved value with references flattened the way cdk-nag flattens them (`<LogicalId.Attr>`, `<Ref>`).
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/** cdk-nag's IAM5 finding id for a wildcard action. */
export function wildcardActionFinding(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\${/g, '<').replace(/}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flatten(value['Fn::ImportValue']);
  if (value.Ref) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}
