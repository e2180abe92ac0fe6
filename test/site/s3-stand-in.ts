import { spawnSync } from 'child_process';
import * as http from 'http';
import * as path from 'path';
import { requireTool } from './backing-services';
import { Processes, waitFor } from './processes';
import { CfnTemplate } from './task-definitions';

/**
 * S3 for the import and export tasks: moto in server mode over TLS with IAM enforced (signatures checked, every request
 * judged against its user's policy), and an ECS-style container credentials endpoint. Each task's credentials are those
 * of an IAM user whose policy is its task role's S3 statements from the synthesized template, so a task that needs more
 * than its role grants fails here as on AWS.
 */
export interface S3StandInOptions {
  readonly address: string;
  readonly port: number;
  readonly credentialsPort: number;
  readonly certificate: { cert: string; key: string };
  readonly caFile: string;
}

const ADMIN_SCRIPT = path.join(__dirname, 's3_admin.py');

export class S3StandIn {
  private admin?: { key: string; secret: string };
  private readonly credentials = new Map<string, { key: string; secret: string }>();
  private server?: http.Server;

  constructor(private readonly processes: Processes, private readonly options: S3StandInOptions) {}

  get endpoint(): string {
    return `https://${this.options.address}:${this.options.port}`;
  }

  async start(): Promise<void> {
    const { address, port, certificate } = this.options;
    // The first calls create the administrator; every later request is authenticated and authorized.
    this.processes.start('s3', requireTool('moto_server', 'moto[server] (pip)'), ['-H', address, '-p', String(port), '-c', certificate.cert, '-k', certificate.key], {
      env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '3' },
    });
    await waitFor('the S3 stand-in to answer', 30_000, async () => {
      try {
        const result = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', this.options.caFile, `${this.endpoint}/moto-api/`]);
        return result.stdout?.toString() === '200' ? true : undefined;
      } catch {
        return undefined;
      }
    });
    this.admin = this.call({ op: 'bootstrap' });
    this.server = http.createServer((req, res) => {
      const found = this.credentials.get(req.url ?? '');
      res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
      res.end(found ? JSON.stringify({ AccessKeyId: found.key, SecretAccessKey: found.secret, Expiration: new Date(Date.now() + 3_600_000).toISOString() }) : '{}');
    });
    await new Promise<void>((resolve) => this.server!.listen(this.options.credentialsPort, address, resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  bucket(name: string): void {
    this.call({ op: 'bucket', name });
  }

  put(bucket: string, key: string, file: string): void {
    this.call({ op: 'put', bucket, key, file });
  }

  get(bucket: string, key: string, file: string): void {
    this.call({ op: 'get', bucket, key, file });
  }

  keys(bucket: string, prefix = ''): string[] {
    return this.call({ op: 'keys', bucket, prefix });
  }

  /**
   * The environment of a task whose role has these S3 statements: the container credentials endpoint of an IAM user
   * with exactly them, and the stand-in's address (MOODLE_S3_ENDPOINT: the image's S3 client addresses it path-style).
   */
  taskEnvironment(name: string, statements: unknown[]): Record<string, string> {
    const keys = this.call({ op: 'user', name, statements });
    this.credentials.set(`/${name}`, keys);
    return {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://${this.options.address}:${this.options.credentialsPort}/${name}`,
      MOODLE_S3_ENDPOINT: this.endpoint,
    };
  }

  private call(command: Record<string, unknown>): any {
    const result = spawnSync('python3', [ADMIN_SCRIPT, JSON.stringify(command)], {
      encoding: 'utf8',
      env: {
        ...process.env,
        S3_ENDPOINT: this.endpoint,
        S3_CA_FILE: this.options.caFile,
        ...(this.admin ? { S3_ADMIN_KEY: this.admin.key, S3_ADMIN_SECRET: this.admin.secret } : {}),
      },
    });
    if (result.status !== 0) throw new Error(`s3_admin.py ${command.op} failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }
}

/** A stand-in bucket's name for a bucket the template creates (S3 names are lower case). */
export function localBucketName(logicalId: string): string {
  return logicalId.toLowerCase();
}

/**
 * The S3 statements of the policies attached to a role of the template, with bucket ARNs resolved to the stand-in's
 * buckets: what the task may do in S3, as IAM will judge it.
 */
export function roleS3Statements(template: CfnTemplate, roleLogicalId: string): unknown[] {
  const statements: unknown[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles: any[] = resource.Properties!.Roles ?? [];
    if (!roles.some((role) => role?.Ref === roleLogicalId)) continue;
    for (const statement of resource.Properties!.PolicyDocument.Statement) {
      const actions: string[] = [statement.Action].flat();
      if (!actions.some((action) => action.startsWith('s3:'))) continue;
      statements.push({ ...statement, Resource: [statement.Resource].flat().map((value: unknown) => resolveArn(template, value)) });
    }
  }
  return statements;
}

function resolveArn(template: CfnTemplate, value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as any;
  if (v['Fn::Join']) return v['Fn::Join'][1].map((part: unknown) => resolveArn(template, part)).join(v['Fn::Join'][0]);
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v['Fn::GetAtt']?.[1] === 'Arn' && template.Resources[v['Fn::GetAtt'][0]]?.Type === 'AWS::S3::Bucket') {
    return `arn:aws:s3:::${localBucketName(v['Fn::GetAtt'][0])}`;
  }
  throw new Error(`the S3 stand-in cannot resolve ${JSON.stringify(value)}`);
}
