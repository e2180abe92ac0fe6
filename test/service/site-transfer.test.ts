import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { tiers, TierOptions } from './doubles';
import { MoodleService, MoodleServiceProps, MoodleSiteImport } from '../../src/service';
import { checkStack, testStack } from '../util/checks';

function build(overrides: (stack: Stack) => Partial<MoodleServiceProps> = () => ({}), options: TierOptions = {}) {
  const stack = testStack();
  const { props } = tiers(stack, options);
  const service = new MoodleService(stack, 'Service', { ...props, ...overrides(stack) });
  return { stack, service, template: Template.fromStack(stack) };
}

const importing = (stack: Stack, site: Partial<MoodleSiteImport> = {}): Partial<MoodleServiceProps> => ({
  importSite: {
    bucket: s3.Bucket.fromBucketName(stack, 'OldSite', 'university-moodle-move'),
    databaseDumpKey: 'moodle/database.sql.gz',
    moodledataArchiveKey: 'moodle/moodledata.tar.gz',
    previousSiteUrl: 'https://moodle.example.edu',
    ...site,
  },
});

function containerEnvironment(template: Template, role: string): Record<string, unknown> {
  const definitions = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as any[];
  const container = definitions.map((d) => d.Properties.ContainerDefinitions[0])
    .find((c) => c.Environment.some((e: any) => e.Name === 'MOODLE_ROLE' && e.Value === role));
  if (!container) throw new Error(`no task definition with MOODLE_ROLE ${role}`);
  return { ...Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value])), secrets: container.Secrets.map((s: any) => s.Name) };
}

/** The statements of the policies attached to a role. */
function roleStatements(template: Template, stack: Stack, role: unknown): any[] {
  const roleId = stack.resolve((role as any).node.defaultChild.logicalId);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: any) => policy.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}

describe('MoodleService export task (every site)', () => {
  const { stack, service, template } = build();
  checkStack(stack, 'service-transfer-default');

  test('an export task definition with its own role, writing only under exports/ of a retained, encrypted, TLS-only bucket', () => {
    expect(containerEnvironment(template, 'export-site')).toMatchObject({
      MOODLE_EXPORT_LOCATION: { 'Fn::Join': ['', ['s3://', { Ref: stack.resolve((service.exportBucket.node.defaultChild as s3.CfnBucket).logicalId) }, '/exports']] },
      AWS_REGION: 'eu-west-1',
      secrets: expect.arrayContaining(['MOODLE_DB_USER', 'MOODLE_DB_PASSWORD']),
    });
    expect(containerEnvironment(template, 'export-site').secrets).not.toContain('MOODLE_DB_ADMIN_PASSWORD');
    template.hasResource('AWS::S3::Bucket', {
      // Kept when the stack is deleted; only the rollback of a failed first creation deletes it (emptied first).
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const s3Statements = roleStatements(template, stack, service.exportTaskRole).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([{
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [stack.resolve((service.exportBucket.node.defaultChild as s3.CfnBucket).logicalId), 'Arn'] }, '/exports/*']] },
    }]);
    // The web and cron tasks' role gets nothing of it.
    expect(JSON.stringify(roleStatements(template, stack, service.taskRole))).not.toMatch(/s3:/);
  });

  test('a stack output holds the one command that runs it, on on-demand Fargate in the tasks\' subnets and security group', () => {
    const outputs = template.findOutputs('*', { Value: Match.anyValue() });
    const command = Object.entries(outputs).find(([id]) => id.startsWith('ServiceExportSiteCommand'))?.[1];
    const text = JSON.stringify(command?.Value);
    expect(text).toContain('aws ecs run-task --cluster ');
    expect(text).toContain('capacityProvider=FARGATE,weight=1');
    expect(text).toContain(stack.resolve((service.exportTaskDefinition.node.defaultChild as any).logicalId));
    expect(text).toContain(stack.resolve((service.securityGroup.node.defaultChild as any).logicalId));
    expect(text).toContain('assignPublicIp=DISABLED');
  });

  test('without importSite there is no import task or step', () => {
    expect(service.importTaskDefinition).toBeUndefined();
    expect(service.siteImport).toBeUndefined();
    template.resourceCountIs('Custom::MoodleSiteImport', 0);
    const install = Object.values(template.findResources('Custom::MoodleInstallOrUpgrade'))[0] as any;
    expect(install.Properties).not.toHaveProperty('ImportRun');
  });

  test('a bucket of the user\'s with a KMS key: the export role may use the key', () => {
    const own = build((s) => ({ exportBucket: new s3.Bucket(s, 'Mine', { encryptionKey: new kms.Key(s, 'Key') }) }));
    const statements = roleStatements(own.template, own.stack, own.service.exportTaskRole);
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({ Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']) })]));
    own.template.resourceCountIs('AWS::S3::Bucket', 1);
  });
});

describe('MoodleService importSite', () => {
  const { stack, service, template } = build((s) => importing(s));
  checkStack(stack, 'service-with-import');

  test('an import task with the master credentials and the two objects\' addresses', () => {
    expect(containerEnvironment(template, 'import-site')).toMatchObject({
      MOODLE_IMPORT_DATABASE_DUMP: 's3://university-moodle-move/moodle/database.sql.gz',
      MOODLE_IMPORT_MOODLEDATA: 's3://university-moodle-move/moodle/moodledata.tar.gz',
      MOODLE_IMPORT_PREVIOUS_URL: 'https://moodle.example.edu',
      secrets: expect.arrayContaining(['MOODLE_DB_ADMIN_USER', 'MOODLE_DB_ADMIN_PASSWORD']),
    });
    expect(containerEnvironment(template, 'import-site')).not.toHaveProperty('MOODLE_IMPORT_REPLACE_EXISTING');
  });

  test('its role reads exactly the two objects and nothing else of S3', () => {
    const s3Statements = roleStatements(template, stack, service.importTaskRole).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([{
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::university-moodle-move/moodle/database.sql.gz']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::university-moodle-move/moodle/moodledata.tar.gz']] },
      ],
    }]);
  });

  test('the import step runs before the install/upgrade step, keyed by what is imported, and the step may start only its task', () => {
    const imports = template.findResources('Custom::MoodleSiteImport');
    expect(Object.keys(imports)).toHaveLength(1);
    const [importId, resource] = Object.entries(imports)[0] as [string, any];
    expect(resource.Properties).toMatchObject({
      Step: 'ImportSite',
      Source: 's3://university-moodle-move/moodle/database.sql.gz s3://university-moodle-move/moodle/moodledata.tar.gz https://moodle.example.edu keep',
      LogStreamPrefix: 'import-site',
    });
    const install = Object.values(template.findResources('Custom::MoodleInstallOrUpgrade'))[0] as any;
    expect(install.DependsOn).toContain(importId);
    // An import that ran (a new task ARN) runs the install/upgrade step after it, even with the same image.
    expect(install.Properties.ImportRun).toEqual({ Ref: importId });
    const importTask = stack.resolve((service.importTaskDefinition!.node.defaultChild as any).logicalId);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ecs:RunTask', Resource: { Ref: importTask } })]) },
    });
  });

  test('replaceExistingSite reaches the task', () => {
    const replacing = build((s) => importing(s, { replaceExistingSite: true }));
    expect(containerEnvironment(replacing.template, 'import-site')).toMatchObject({ MOODLE_IMPORT_REPLACE_EXISTING: 'true' });
  });

  test.each([
    ['an existing database (no master credentials)', {}, { databaseAdminSecret: false }, /importSite loads the dump as the database's master user/],
    ['a key given as an s3:// address', { databaseDumpKey: 's3://bucket/dump.sql' }, {}, /importSite.databaseDumpKey 's3:\/\/bucket\/dump.sql' is not an object key/],
    ['a key with a leading slash', { moodledataArchiveKey: '/moodledata.tar' }, {}, /importSite.moodledataArchiveKey '\/moodledata.tar' is not an object key/],
    ['one object for both', { moodledataArchiveKey: 'moodle/database.sql.gz' }, {}, /name the same object/],
    ['an address with a trailing slash', { previousSiteUrl: 'https://moodle.example.edu/' }, {}, /importSite.previousSiteUrl 'https:\/\/moodle.example.edu\/' is not a site address/],
    ['an address without a scheme', { previousSiteUrl: 'moodle.example.edu' }, {}, /is not a site address/],
  ])('fails at synth on %s', (_name, site, options, message) => {
    expect(() => build((s) => importing(s, site as Partial<MoodleSiteImport>), options as TierOptions)).toThrow(message);
  });

  test('an address with a path passes', () => {
    expect(() => build((s) => importing(s, { previousSiteUrl: 'https://www.example.edu/moodle' }))).not.toThrow();
  });
});
