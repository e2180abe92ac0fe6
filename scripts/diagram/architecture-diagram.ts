import { CfnTemplate } from '../cost/template-cost';

type Resource = { readonly Type: string; readonly Properties?: unknown; readonly Metadata?: Record<string, unknown> };

/** The construct path below the stack of a resource, e.g. ['Site', 'Network', 'Vpc', 'Resource']. */
function constructPath(resource: Resource): string[] {
  const path = resource.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path.split('/').slice(1) : [];
}

/** Logical IDs a value refers to through Ref or Fn::GetAtt. */
function references(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((item) => references(item, found));
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt' && Array.isArray(inner)) found.add(String(inner[0]));
      else references(inner, found);
    }
  }
  return found;
}

/**
 * The parts of the architecture: the constructs just below the construct path that all of the
 * template's resources share (the Moodle constructs of a site), each with its resources.
 */
function partsOf(template: CfnTemplate): Map<string, Map<string, Resource>> {
  const resources = Object.entries(template.Resources ?? {}) as Array<[string, Resource]>;
  const paths = resources.map(([, resource]) => constructPath(resource)).filter((path) => path.length > 0);
  let depth = 0;
  while (paths.every((path) => path.length > depth + 1 && path[depth] === paths[0][depth])) depth++;
  const parts = new Map<string, Map<string, Resource>>();
  for (const [logicalId, resource] of resources) {
    const path = constructPath(resource);
    const part = path.length > depth ? path[depth] : 'Stack';
    if (!parts.has(part)) parts.set(part, new Map());
    parts.get(part)!.set(logicalId, resource);
  }
  return parts;
}

const IGNORED_TYPES = new Set(['AWS::CDK::Metadata']);

/** A Mermaid flowchart of a synthesized site: one box per part listing its AWS resource types, an arrow where a part refers to another. */
export function architectureDiagram(template: CfnTemplate): string {
  const parts = partsOf(template);
  const partOfResource = new Map<string, string>();
  parts.forEach((resources, part) => resources.forEach((_, logicalId) => partOfResource.set(logicalId, part)));
  const lines = ['flowchart LR', '  Users((Users)) --> Edge'];
  for (const [part, resources] of [...parts].sort(([a], [b]) => a.localeCompare(b))) {
    const counts = new Map<string, number>();
    resources.forEach((resource) => {
      if (IGNORED_TYPES.has(resource.Type)) return;
      const type = resource.Type.replace(/^AWS::/, '').replace(/^Custom::/, 'Custom ');
      counts.set(type, (counts.get(type) ?? 0) + 1);
    });
    const label = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => (n > 1 ? `${n} × ${type}` : type));
    lines.push(`  ${part}["<b>${part}</b><br/>${label.join('<br/>')}"]`);
  }
  const arrows = new Set<string>();
  for (const [part, resources] of parts) {
    resources.forEach((resource) => {
      references(resource.Properties).forEach((target) => {
        const targetPart = partOfResource.get(target);
        if (targetPart && targetPart !== part) arrows.add(`  ${part} --> ${targetPart}`);
      });
    });
  }
  lines.push(...[...arrows].sort());
  if (!parts.has('Edge')) lines.splice(1, 1);
  return lines.join('\n');
}
