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
 * The parts of the architecture: the children of the construct that holds most of the template's resources
 * (the Moodle constructs of a site), each with its resources. Stack-level helpers that CDK adds (custom-resource
 * providers) are left out.
 */
function partsOf(template: CfnTemplate): Map<string, Map<string, Resource>> {
  const resources = Object.entries(template.Resources ?? {}) as Array<[string, Resource]>;
  const paths = resources.map(([, resource]) => constructPath(resource)).filter((path) => path.length > 0);
  if (paths.length === 0) throw new Error('The template has no aws:cdk:path metadata: synthesize with path metadata on (the CDK CLI default).');
  const counts = new Map<string, number>();
  paths.forEach((path) => counts.set(path[0], (counts.get(path[0]) ?? 0) + 1));
  const site = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const parts = new Map<string, Map<string, Resource>>();
  for (const [logicalId, resource] of resources) {
    const path = constructPath(resource);
    if (path[0] !== site || path.length < 3) continue;
    if (!parts.has(path[1])) parts.set(path[1], new Map());
    parts.get(path[1])!.set(logicalId, resource);
  }
  return parts;
}

const IGNORED_TYPES = new Set(['AWS::CDK::Metadata']);

/** The logical ID a `Fn::GetAtt` or `Ref` points at. */
function target(value: unknown): string | undefined {
  const refs = [...references(value)];
  return refs.length === 1 ? refs[0] : undefined;
}

/** Network flows allowed between security groups: source logical ID, destination logical ID, port. */
function flows(template: CfnTemplate): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [];
  const port = (rule: Record<string, unknown>) => (rule.FromPort === rule.ToPort ? `${rule.FromPort}` : `${rule.FromPort}-${rule.ToPort}`);
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {}) as Array<[string, Resource]>) {
    const props = (resource.Properties ?? {}) as Record<string, unknown>;
    if (resource.Type === 'AWS::EC2::SecurityGroupIngress') {
      const source = target(props.SourceSecurityGroupId);
      const destination = target(props.GroupId);
      if (source && destination) found.push([source, destination, port(props)]);
    }
    if (resource.Type === 'AWS::EC2::SecurityGroup') {
      for (const rule of (props.SecurityGroupIngress as Array<Record<string, unknown>> | undefined) ?? []) {
        const source = target(rule.SourceSecurityGroupId);
        if (source) found.push([source, logicalId, port(rule)]);
      }
    }
  }
  return found;
}

/**
 * A Mermaid flowchart of a synthesized site: one box per part listing its AWS resource types, and an arrow
 * for each network flow its security groups allow between parts (with the port).
 */
export function architectureDiagram(template: CfnTemplate): string {
  const parts = partsOf(template);
  const partOfResource = new Map<string, string>();
  parts.forEach((resources, part) => resources.forEach((_, logicalId) => partOfResource.set(logicalId, part)));
  const lines = ['flowchart LR'];
  if (parts.has('Edge')) lines.push('  Users((Users)) -- HTTPS --> Edge');
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
  const arrows = new Map<string, Set<string>>();
  for (const [source, destination, port] of flows(template)) {
    const from = partOfResource.get(source);
    const to = partOfResource.get(destination);
    if (!from || !to || from === to) continue;
    const key = `${from} --> ${to}`;
    if (!arrows.has(key)) arrows.set(key, new Set());
    arrows.get(key)!.add(port);
  }
  for (const [key, ports] of [...arrows].sort(([a], [b]) => a.localeCompare(b))) {
    const [from, to] = key.split(' --> ');
    lines.push(`  ${from} -- "${[...ports].sort().join(', ')}" --> ${to}`);
  }
  return lines.join('\n');
}
