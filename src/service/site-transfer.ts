import { CfnOutput, CustomResource, Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DeploySteps, SITE_IMPORT_RESOURCE_TYPE } from './deploy-steps';
import { MoodleSiteImport } from './moodle-site-import';
import { CONTAINER_NAME, RoleTaskFactory } from './task-definitions';
import { IMoodleData } from '../contracts/data';
import { acknowledge, wildcardResourceFinding } from '../private/acknowledge';
import { emptyBucketOnRollback } from '../private/deploy-guards';
import { isLiteral, Validator } from '../private/validation';

/** Where the export task writes, under the export bucket: `exports/<UTC time>/`. */
export const EXPORT_PREFIX = 'exports';

/** What the import and export tasks share with the service's other tasks. */
export interface SiteTransferPieces {
  readonly define: RoleTaskFactory;
  readonly size: { cpu: number; memoryMiB: number };
  readonly data: IMoodleData;
  readonly cluster: ecs.ICluster;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly subnets: string[];
  readonly assignPublicIp: boolean;
  readonly logGroup: logs.ILogGroup;
  /** The one-off tasks' container health check (config.php written). */
  readonly healthCheck: ecs.HealthCheck;
}

/** IAM authorization of the EFS mount (read and write), limited to Moodle's access point. */
export function moodledataMountStatement(data: IMoodleData): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
    resources: [data.fileSystem.fileSystemArn],
    conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': data.accessPoint.accessPointArn } },
  });
}

function oneOffTaskRole(scope: Construct, id: string, data: IMoodleData, description: string): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), description });
  role.addToPolicy(moodledataMountStatement(data));
  return role;
}

/** Checks `importSite` at synth: what only the task can check (the objects, the dump) fails it before anything is written. */
export function validateSiteImport(validator: Validator, site: MoodleSiteImport | undefined, data: IMoodleData): void {
  if (!site) return;
  validator.check(!data.databaseAdminSecret,
    'importSite loads the dump as the database\'s master user, but the data tier gives no master credentials (an existing ' +
    'database: existingInstance or existingCluster). Load the dump into that database yourself and copy moodledata in, then deploy ' +
    'without importSite: the install/upgrade step upgrades the site it finds.');
  for (const name of ['databaseDumpKey', 'moodledataArchiveKey'] as const) {
    const key = site[name];
    if (!isLiteral(key)) continue;
    validator.check(key.trim() === '' || key.startsWith('/') || key.startsWith('s3://'),
      `importSite.${name} '${key}' is not an object key: give the key inside the bucket, without s3:// or a leading /, for example 'exports/20261207T101500Z/database.sql.gz'.`);
  }
  validator.check(isLiteral(site.databaseDumpKey, site.moodledataArchiveKey) && site.databaseDumpKey === site.moodledataArchiveKey,
    'importSite.databaseDumpKey and importSite.moodledataArchiveKey name the same object: the dump and the moodledata archive are two files.');
  const url = site.previousSiteUrl;
  if (url !== undefined && isLiteral(url)) {
    validator.check(!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/.test(url),
      `importSite.previousSiteUrl '${url}' is not a site address as Moodle's wwwroot has it: http:// or https://, a host, an optional path, ` +
      'no trailing slash, query or fragment (for example \'https://moodle.example.edu\').');
  }
}

/** `s3://bucket/key` of an object, for the tasks' environment. */
function s3Url(bucket: s3.IBucket, key: string): string {
  return `s3://${bucket.bucketName}/${key}`;
}

/** The export task: its bucket, role and task definition, and the stack output with the command that runs it. */
export function createSiteExport(scope: Construct, pieces: SiteTransferPieces, bucket?: s3.IBucket) {
  const exportBucket = bucket ?? new s3.Bucket(scope, 'ExportBucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7), noncurrentVersionExpiration: Duration.days(30) }],
    // An export may be the only copy of a site that left: it outlives the stack.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  if (!bucket) {
    // An export run while the first deployment is still going would otherwise keep a failed stack's bucket.
    emptyBucketOnRollback(scope, 'ExportsRollbackCleanup', exportBucket as s3.Bucket, []);
    Validations.of(exportBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The bucket holds only site exports, written by the export task\'s own role; access logs would need a second bucket. Record reads with CloudTrail data events where the site\'s policy asks for it.',
    });
  }
  const role = oneOffTaskRole(scope, 'ExportTaskRole', pieces.data, 'Moodle export task: reads moodledata, writes the export to S3');
  const exportObjects = exportBucket.arnForObjects(`${EXPORT_PREFIX}/*`);
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [exportObjects] }));
  exportBucket.encryptionKey?.grantEncryptDecrypt(role);
  acknowledge(role, [wildcardResourceFinding(role, exportObjects)],
    `Each export writes new keys named after its time, under ${EXPORT_PREFIX}/ only; nothing else of the bucket.`);
  const task = pieces.define('ExportTaskDefinition', 'export-site', pieces.size, {
    taskRole: role,
    healthCheck: pieces.healthCheck,
    environment: { MOODLE_EXPORT_LOCATION: s3Url(exportBucket, EXPORT_PREFIX), AWS_REGION: exportBucket.env.region },
  });
  const command = new CfnOutput(scope, 'ExportSiteCommand', {
    description: 'Runs the export task: the site in maintenance, its database dump and moodledata archive written to S3 (follow its log stream export-site/…)',
    value: Fn.join('', [
      'aws ecs run-task --cluster ', pieces.cluster.clusterArn,
      ' --task-definition ', task.definition.taskDefinitionArn,
      ' --capacity-provider-strategy capacityProvider=FARGATE,weight=1 --started-by moodle-export-site',
      ' --network-configuration "awsvpcConfiguration={subnets=[', Fn.join(',', pieces.subnets),
      '],securityGroups=[', pieces.securityGroup.securityGroupId,
      `],assignPublicIp=${pieces.assignPublicIp ? 'ENABLED' : 'DISABLED'}}"`,
    ]),
  });
  return { bucket: exportBucket, role, taskDefinition: task.definition, command };
}

/**
 * The import task and the deploy step that runs it before the install/upgrade step: on creation, and again only when
 * what is imported changes (a new image alone does not run it).
 */
export function createSiteImport(scope: Construct, pieces: SiteTransferPieces, deploySteps: DeploySteps, site: MoodleSiteImport) {
  const { bucket } = site;
  const role = oneOffTaskRole(scope, 'ImportTaskRole', pieces.data, 'Moodle import task: reads the site\'s dump and moodledata archive, writes moodledata');
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject'],
    resources: [bucket.arnForObjects(site.databaseDumpKey), bucket.arnForObjects(site.moodledataArchiveKey)],
  }));
  bucket.encryptionKey?.grantDecrypt(role);
  const admin = pieces.data.databaseAdminSecret!;
  const task = pieces.define('ImportTaskDefinition', 'import-site', pieces.size, {
    taskRole: role,
    healthCheck: pieces.healthCheck,
    environment: {
      MOODLE_IMPORT_DATABASE_DUMP: s3Url(bucket, site.databaseDumpKey),
      MOODLE_IMPORT_MOODLEDATA: s3Url(bucket, site.moodledataArchiveKey),
      ...(site.previousSiteUrl ? { MOODLE_IMPORT_PREVIOUS_URL: site.previousSiteUrl } : {}),
      ...(site.replaceExistingSite ? { MOODLE_IMPORT_REPLACE_EXISTING: 'true' } : {}),
      AWS_REGION: bucket.env.region,
    },
    secrets: {
      MOODLE_DB_ADMIN_USER: ecs.Secret.fromSecretsManager(admin, 'username'),
      MOODLE_DB_ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(admin, 'password'),
    },
  });
  deploySteps.allowToRun(pieces.cluster, task.definition, role);
  const resource = new CustomResource(scope, 'SiteImport', {
    serviceToken: deploySteps.serviceToken,
    resourceType: SITE_IMPORT_RESOURCE_TYPE,
    properties: {
      Step: 'ImportSite',
      Cluster: pieces.cluster.clusterArn,
      TaskDefinitionArn: task.definition.taskDefinitionArn,
      // What is imported: the step runs again only when this changes.
      Source: Fn.join(' ', [s3Url(bucket, site.databaseDumpKey), s3Url(bucket, site.moodledataArchiveKey),
        site.previousSiteUrl ?? '-', site.replaceExistingSite ? 'replace' : 'keep']),
      Subnets: pieces.subnets,
      SecurityGroups: [pieces.securityGroup.securityGroupId],
      ...(pieces.assignPublicIp ? { AssignPublicIp: 'ENABLED' } : {}),
      ContainerName: CONTAINER_NAME,
      LogGroupName: pieces.logGroup.logGroupName,
      LogStreamPrefix: 'import-site',
    },
  });
  resource.node.addDependency(deploySteps.onEventFunction, deploySteps.isCompleteFunction);
  return { role, taskDefinition: task.definition, resource };
}
