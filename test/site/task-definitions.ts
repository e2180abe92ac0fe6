import * as fs from 'fs';

/**
 * What the local site test reads from a synthesized template: each role's container (environment, secrets,
 * port), the load balancer's health check, and the edge's cached paths. Nothing here is written by hand: a
 * renamed variable, a missing secret key or a changed port in src/ reaches the running site through this file.
 */

type CfnValue = unknown;
interface CfnResource { readonly Type: string; readonly Properties?: Record<string, any> }
export interface CfnTemplate { readonly Resources: Record<string, CfnResource> }

/** A reference the template makes to a resource attribute, or to the resource itself (`Ref`). */
export interface ResourceRef {
  readonly logicalId: string;
  readonly type: string;
  /** `Ref` when the value is the resource's reference; else the attribute name (`Endpoint.Address`). */
  readonly attribute: string;
}

/** An ECS secret: which secret resource, and which JSON key of its value (undefined: the whole string). */
export interface SecretRef {
  readonly secret: ResourceRef;
  readonly jsonKey?: string;
}

export interface RoleContainer {
  readonly role: string;
  readonly taskDefinitionId: string;
  readonly environment: Record<string, CfnValue>;
  readonly secrets: Record<string, SecretRef>;
  readonly containerPort?: number;
  /** Container paths of the task's EFS volume mounts (moodledata). */
  readonly mountPaths: string[];
  /** Container paths of the task-local volumes (Fargate ephemeral storage): all the task may write besides EFS. */
  readonly localVolumePaths: string[];
  readonly readonlyRootFilesystem: boolean;
  /** The container's `User` (uid:gid). */
  readonly user?: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Seconds between the container's stop signal and SIGKILL. */
  readonly stopTimeout?: number;
  /** The container health check's command (`CMD-SHELL`, then the shell line). */
  readonly healthCheckCommand?: string[];
}

export function readTemplate(file: string): CfnTemplate {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function resource(template: CfnTemplate, logicalId: string): CfnResource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`template has no resource ${logicalId}`);
  return found;
}

/** Every task definition's `moodle` container, keyed by its MOODLE_ROLE. */
export function roleContainers(template: CfnTemplate): Record<string, RoleContainer> {
  const roles: Record<string, RoleContainer> = {};
  for (const [logicalId, res] of Object.entries(template.Resources)) {
    if (res.Type !== 'AWS::ECS::TaskDefinition') continue;
    const containers: any[] = res.Properties!.ContainerDefinitions;
    const moodle = containers.find((c) => c.Name === 'moodle');
    if (!moodle) throw new Error(`task definition ${logicalId} has no container named moodle`);
    const environment: Record<string, CfnValue> = {};
    for (const variable of moodle.Environment ?? []) environment[variable.Name] = variable.Value;
    const secrets: Record<string, SecretRef> = {};
    for (const secret of moodle.Secrets ?? []) secrets[secret.Name] = secretRef(template, secret.ValueFrom);
    const role = environment.MOODLE_ROLE;
    if (typeof role !== 'string') throw new Error(`task definition ${logicalId} sets no literal MOODLE_ROLE`);
    if (roles[role]) throw new Error(`two task definitions have MOODLE_ROLE ${role}`);
    roles[role] = {
      role,
      taskDefinitionId: logicalId,
      environment,
      secrets,
      containerPort: moodle.PortMappings?.[0]?.ContainerPort,
      ...mountsByKind(res.Properties!.Volumes ?? [], moodle.MountPoints ?? []),
      readonlyRootFilesystem: moodle.ReadonlyRootFilesystem === true,
      user: moodle.User,
      cpu: Number(res.Properties!.Cpu),
      memoryMiB: Number(res.Properties!.Memory),
      stopTimeout: moodle.StopTimeout,
      healthCheckCommand: moodle.HealthCheck?.Command,
    };
  }
  return roles;
}

/** The container's mount points, split into EFS volumes and task-local volumes (a volume without configuration). */
function mountsByKind(volumes: any[], mountPoints: any[]): { mountPaths: string[]; localVolumePaths: string[] } {
  const kindOf = (name: string) => {
    const volume = volumes.find((v) => v.Name === name);
    if (!volume) throw new Error(`mount point names volume ${name}, which the task definition does not have`);
    if (volume.EFSVolumeConfiguration) return 'efs';
    if (Object.keys(volume).length === 1) return 'local';
    throw new Error(`volume ${name} is neither EFS nor task-local: ${JSON.stringify(volume)}`);
  };
  return {
    mountPaths: mountPoints.filter((m) => kindOf(m.SourceVolume) === 'efs').map((m) => m.ContainerPath),
    localVolumePaths: mountPoints.filter((m) => kindOf(m.SourceVolume) === 'local').map((m) => m.ContainerPath),
  };
}

/** `{Ref: X}` or `{Fn::Join: ['', [{Ref: X}, ':key::']]}` (how ECS names a JSON key of a secret). */
function secretRef(template: CfnTemplate, valueFrom: CfnValue): SecretRef {
  const asRef = (value: CfnValue): ResourceRef => {
    const ref = referenceOf(template, value);
    if (!ref) throw new Error(`secret ValueFrom ${JSON.stringify(value)} names no resource`);
    return ref;
  };
  const join = (valueFrom as any)?.['Fn::Join'];
  if (join) {
    const [separator, parts] = join;
    if (separator !== '' || parts.length !== 2 || typeof parts[1] !== 'string') {
      throw new Error(`unexpected secret ValueFrom ${JSON.stringify(valueFrom)}`);
    }
    const match = /^:([^:]+)::$/.exec(parts[1]);
    if (!match) throw new Error(`secret ValueFrom suffix '${parts[1]}' is not ':<json key>::'`);
    return { secret: asRef(parts[0]), jsonKey: match[1] };
  }
  return { secret: asRef(valueFrom) };
}

export function referenceOf(template: CfnTemplate, value: CfnValue): ResourceRef | undefined {
  const v = value as any;
  if (v && typeof v === 'object' && typeof v.Ref === 'string') {
    return { logicalId: v.Ref, type: resource(template, v.Ref).Type, attribute: 'Ref' };
  }
  if (v && typeof v === 'object' && Array.isArray(v['Fn::GetAtt'])) {
    const [logicalId, attribute] = v['Fn::GetAtt'];
    return { logicalId, type: resource(template, logicalId).Type, attribute };
  }
  return undefined;
}

/**
 * Resolves a template value with the intrinsic functions task environments use (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Select, Fn::Split). `lookup` answers each resource reference; an unknown one fails the test.
 */
export function resolveValue(template: CfnTemplate, value: CfnValue, lookup: (ref: ResourceRef) => string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const ref = referenceOf(template, value);
  if (ref) return lookup(ref);
  const v = value as any;
  if (v?.['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'];
    return parts.map((part: CfnValue) => resolveValue(template, part, lookup)).join(separator);
  }
  if (v?.['Fn::Select']) {
    const [index, list] = v['Fn::Select'];
    return resolveList(template, list, lookup)[Number(index)];
  }
  throw new Error(`cannot resolve template value ${JSON.stringify(value)}`);
}

function resolveList(template: CfnTemplate, value: CfnValue, lookup: (ref: ResourceRef) => string): string[] {
  const split = (value as any)?.['Fn::Split'];
  if (split) return resolveValue(template, split[1], lookup).split(split[0]);
  if (Array.isArray(value)) return value.map((item) => resolveValue(template, item, lookup));
  throw new Error(`cannot resolve template list ${JSON.stringify(value)}`);
}

/** The web target group's health check, as the load balancer runs it. */
export interface HealthCheck { readonly path: string; readonly port: number; readonly matcher: string }

/** The template's one resource of this type (the site test runs one site per template). */
function onlyResource(template: CfnTemplate, type: string): CfnResource {
  const found = Object.values(template.Resources).filter((r) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

function attributesOf(list: Array<{ Key: string; Value: unknown }> | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { Key, Value } of list ?? []) {
    if (typeof Value === 'string') attributes[Key] = Value;
  }
  return attributes;
}

export function webHealthCheck(template: CfnTemplate): HealthCheck {
  const p = onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties!;
  return { path: p.HealthCheckPath, port: Number(p.Port), matcher: p.Matcher?.HttpCode ?? '200' };
}

/** What the distribution's cache behaviors send to the origin: cached path patterns and their policies. */
export interface EdgeBehaviors {
  readonly cachedPathPatterns: string[];
  /** CloudFront's origin response timeout (its default is 30 s). */
  readonly originReadTimeoutSeconds: number;
}

export function edgeBehaviors(template: CfnTemplate): EdgeBehaviors {
  const config = onlyResource(template, 'AWS::CloudFront::Distribution').Properties!.DistributionConfig;
  const origin = config.Origins[0];
  const originConfig = origin.VpcOriginConfig ?? origin.CustomOriginConfig;
  return {
    cachedPathPatterns: (config.CacheBehaviors ?? []).map((b: any) => b.PathPattern),
    originReadTimeoutSeconds: Number(originConfig?.OriginReadTimeout ?? 30),
  };
}

/** Load balancer attributes (for example how it treats X-Forwarded-For). */
export function loadBalancerAttributes(template: CfnTemplate): Record<string, string> {
  return attributesOf(onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties!.LoadBalancerAttributes);
}

/** The web target group's attributes (for example its deregistration delay). */
export function targetGroupAttributes(template: CfnTemplate): Record<string, string> {
  return attributesOf(onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties!.TargetGroupAttributes);
}

/** The properties of a resource, for the generated secrets' templates and the database's name. */
export function resourceProperties(template: CfnTemplate, logicalId: string): Record<string, any> {
  return resource(template, logicalId).Properties ?? {};
}
