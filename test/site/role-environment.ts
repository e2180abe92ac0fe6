import { randomInt } from 'crypto';
import { localBucketName } from './s3-stand-in';
import { CfnTemplate, referenceOf, resolveValue, resourceProperties, ResourceRef, RoleContainer } from './task-definitions';

/**
 * Turns a role's container definition into the environment of a local process, as ECS would hand it to the
 * container: the image's ENV first, then the task definition's Environment, then its Secrets. Only two kinds
 * of value change on the way, and both by rule, never by variable name:
 * - a reference to an AWS resource becomes the local stand-in's address (database, cache, distribution);
 * - a container path becomes the local folder mounted there (code, dataroot, runtime, CA bundle).
 * A reference the rules do not know, or a secret the template does not generate, fails the test.
 */

/** Local stand-ins for the resources a task definition references. */
export interface LocalEndpoints {
  readonly databaseAddress: string;
  readonly cacheAddress: string;
  readonly siteHost: string;
}

export function resourceLookup(endpoints: LocalEndpoints): (ref: ResourceRef) => string {
  return (ref) => {
    if (['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance'].includes(ref.type) && ref.attribute === 'Endpoint.Address') {
      return endpoints.databaseAddress;
    }
    if ((ref.type === 'AWS::ElastiCache::ServerlessCache' && ref.attribute === 'Endpoint.Address') ||
        (ref.type === 'AWS::ElastiCache::ReplicationGroup' && ref.attribute === 'PrimaryEndPoint.Address')) {
      return endpoints.cacheAddress;
    }
    if (ref.type === 'AWS::CloudFront::Distribution' && ref.attribute === 'DomainName') return endpoints.siteHost;
    if (ref.type === 'AWS::S3::Bucket' && ref.attribute === 'Ref') return localBucketName(ref.logicalId);
    throw new Error(`the site test has no local stand-in for ${ref.type} ${ref.logicalId} ${ref.attribute}`);
  };
}

/**
 * Secret values as Secrets Manager would generate them from the template's GenerateSecretString (length,
 * excluded characters, JSON template), so quoting and character rules are exercised as in AWS.
 */
export class LocalSecrets {
  private readonly values = new Map<string, string>();

  constructor(private readonly template: CfnTemplate) {}

  /** The value ECS injects for a secret reference (a whole secret, or one JSON key of it). */
  value(secret: ResourceRef, jsonKey?: string): string {
    const whole = this.secretString(secret);
    if (jsonKey === undefined) return whole;
    const parsed = JSON.parse(whole);
    if (!(jsonKey in parsed)) throw new Error(`secret ${secret.logicalId} has no JSON key '${jsonKey}'`);
    return String(parsed[jsonKey]);
  }

  json(secret: ResourceRef): Record<string, string> {
    return JSON.parse(this.secretString(secret));
  }

  private secretString(ref: ResourceRef): string {
    const target = this.generatedSecret(ref);
    const cached = this.values.get(target);
    if (cached !== undefined) return cached;
    const generated = this.generate(target);
    this.values.set(target, generated);
    return generated;
  }

  /** The logical id of the AWS::SecretsManager::Secret behind a reference (through an attachment), or of a custom resource that makes one. */
  private generatedSecret(ref: ResourceRef): string {
    if (ref.type === 'AWS::SecretsManager::Secret') return ref.logicalId;
    if (ref.type === 'AWS::SecretsManager::SecretTargetAttachment') {
      const target = referenceOf(this.template, resourceProperties(this.template, ref.logicalId).SecretId);
      if (!target) throw new Error(`attachment ${ref.logicalId} names no secret`);
      return this.generatedSecret(target);
    }
    if (ref.type.startsWith('Custom::') || ref.type === 'AWS::CloudFormation::CustomResource') return `${ref.logicalId}.${ref.attribute}`;
    throw new Error(`secret reference to ${ref.type} ${ref.logicalId} is not a secret the site test can stand in for`);
  }

  private generate(id: string): string {
    if (id.includes('.')) {
      // A secret a custom resource derives at deploy time (SES SMTP credentials): any non-empty values will do.
      return JSON.stringify({ username: `LOCALUSER${randomInt(1e6)}`, password: password(40, '') });
    }
    const spec = resourceProperties(this.template, id).GenerateSecretString;
    if (!spec) throw new Error(`secret ${id} has no GenerateSecretString: the site test cannot know its value`);
    const excluded = `${spec.ExcludeCharacters ?? ''}${spec.ExcludePunctuation ? PUNCTUATION : ''}${spec.IncludeSpace ? '' : ' '}`;
    const generated = password(spec.PasswordLength ?? 32, excluded);
    if (!spec.GenerateStringKey) return generated;
    const base = typeof spec.SecretStringTemplate === 'string'
      ? JSON.parse(spec.SecretStringTemplate)
      : JSON.parse(resolveValue(this.template, spec.SecretStringTemplate, (ref) => `arn:local:${ref.logicalId}`));
    return JSON.stringify({ ...base, [spec.GenerateStringKey]: generated });
  }
}

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A password with at least one character of each class that the exclusions leave, like Secrets Manager's. */
function password(length: number, excluded: string): string {
  const classes = ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', '0123456789', PUNCTUATION]
    .map((set) => [...set].filter((c) => !excluded.includes(c)).join(''))
    .filter((set) => set.length > 0);
  const all = classes.join('');
  const chars = classes.map((set) => set[randomInt(set.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/** Container paths and the local folders that stand in for them, longest prefix first. */
export type PathMap = ReadonlyArray<readonly [containerPath: string, localPath: string]>;

export function translatePath(value: string, paths: PathMap): string {
  for (const [containerPath, localPath] of [...paths].sort((a, b) => b[0].length - a[0].length)) {
    if (value === containerPath || value.startsWith(`${containerPath}/`)) return localPath + value.slice(containerPath.length);
  }
  return value;
}

export interface RoleEnvironmentInput {
  readonly template: CfnTemplate;
  readonly container: RoleContainer;
  readonly imageEnvironment: Record<string, string>;
  readonly endpoints: LocalEndpoints;
  readonly secrets: LocalSecrets;
  readonly paths: PathMap;
}

export function roleEnvironment(input: RoleEnvironmentInput): Record<string, string> {
  const lookup = resourceLookup(input.endpoints);
  const env: Record<string, string> = { ...input.imageEnvironment };
  for (const [name, value] of Object.entries(input.container.environment)) {
    env[name] = resolveValue(input.template, value, lookup);
  }
  for (const [name, ref] of Object.entries(input.container.secrets)) {
    env[name] = input.secrets.value(ref.secret, ref.jsonKey);
  }
  for (const name of Object.keys(env)) env[name] = translatePath(env[name], input.paths);
  return env;
}
