import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MoodleData, MoodleDatabase, MoodleDataProps, MoodleNetwork } from '../../src';
import { imageContract } from '../../src/contracts/image-contract';
import { checkStack, testStack } from '../util/checks';
import { problemsOf } from '../util/problems';

function dataStack(props: Partial<MoodleDataProps> = {}) {
  const stack = testStack();
  const network = new MoodleNetwork(stack, 'Network');
  const data = new MoodleData(stack, 'Data', { network, ...props });
  return { stack, network, data };
}

/** Logical IDs of the subnets of one tier of the test network. */
function subnetIds(template: Template, tier: string): string[] {
  return Object.keys(template.findResources('AWS::EC2::Subnet', {
    Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: tier }]) },
  }));
}

/** The one resource of a type whose logical ID starts with a prefix, with that ID. */
function resourceStartingWith(template: Template, type: string, prefix: string): [string, any] {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Logical IDs of the master secret's attachment and of Moodle's user secret and its attachment. */
function secretIds(template: Template) {
  const [appSecret] = resourceStartingWith(template, 'AWS::SecretsManager::Secret', 'DataAppUserSecret');
  const [appAttachment] = resourceStartingWith(template, 'AWS::SecretsManager::SecretTargetAttachment', 'DataAppUserSecretAttachment');
  const [masterAttachment] = resourceStartingWith(template, 'AWS::SecretsManager::SecretTargetAttachment', 'DataDatabaseSecretAttachment');
  return { appSecret, appAttachment, masterAttachment };
}


describe('MoodleData defaults (RDS for MySQL)', () => {
  const { stack, data } = dataStack();
  const template = checkStack(stack, 'data-default');

  test('creates one Multi-AZ RDS for MySQL 8.4 instance of class db.t4g.large on gp3 storage', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      EngineVersion: '8.4.8',
      DBInstanceClass: 'db.t4g.large',
      MultiAZ: true,
      StorageType: 'gp3',
      AllocatedStorage: '20',
      MaxAllocatedStorage: 200,
      PubliclyAccessible: false,
      DBName: 'moodle',
    });
  });

  test('is encrypted, protected from deletion and snapshotted on removal', () => {
    template.hasResource('AWS::RDS::DBInstance', {
      Properties: { StorageEncrypted: true, DeletionProtection: true, BackupRetentionPeriod: 7, DeleteAutomatedBackups: false },
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  test('has Performance Insights and exports error and slow query logs', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      EnablePerformanceInsights: true,
      EnableCloudwatchLogsExports: ['error', 'slowquery'],
    });
    template.hasResourceProperties('Custom::LogRetention', { RetentionInDays: 365 });
  });

  test('has a parameter group for Moodle: utf8mb4, TLS required, file per table, slow query log', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: 'mysql8.4',
      Parameters: {
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_unicode_ci',
        require_secure_transport: '1',
        innodb_file_per_table: '1',
        slow_query_log: '1',
        long_query_time: '2',
        log_output: 'FILE',
      },
    });
  });

  test('lives in the data subnets', () => {
    const dataSubnets = subnetIds(template, 'Data');
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: dataSubnets.map((id) => ({ Ref: id })),
    });
    const subnetGroup = Object.values(template.findResources('AWS::RDS::DBSubnetGroup'))[0];
    expect(subnetGroup.Properties.DBSubnetGroupName).toBeUndefined();
  });

  test('generates credentials without the characters that break Moodle\'s connection', () => {
    const [, secret] = resourceStartingWith(template, 'AWS::SecretsManager::Secret', 'TestDataDatabaseSecret');
    const generate = secret.Properties.GenerateSecretString;
    expect(generate.SecretStringTemplate).toBe('{"username":"moodle"}');
    expect(generate.GenerateStringKey).toBe('password');
    expect(generate.ExcludeCharacters).toBe(MoodleData.PASSWORD_EXCLUDED_CHARACTERS);
    for (const character of ['\'', '"', '\\', '@', '/', ' ', '\t', '\n', '$', '`', ':', '%', '#', ';']) {
      expect(generate.ExcludeCharacters).toContain(character);
    }
    // What Secrets Manager can still pick from the printable ASCII range: letters, digits and -_. only.
    const printable = Array.from({ length: 126 - 33 + 1 }, (_, i) => String.fromCharCode(33 + i));
    const allowed = printable.filter((character) => !generate.ExcludeCharacters.includes(character)).join('');
    expect(allowed).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(allowed.replace(/[A-Za-z0-9]/g, '')).toBe('-._');
  });

  test('Moodle connects as its own user moodle_app, whose secret names the master secret for rotation', () => {
    const { appSecret, appAttachment, masterAttachment } = secretIds(template);
    const generate = template.toJSON().Resources[appSecret].Properties.GenerateSecretString;
    expect(generate.SecretStringTemplate).toEqual({
      'Fn::Join': ['', ['{"username":"moodle_app","dbname":"moodle","masterarn":"', { Ref: masterAttachment }, '"}']],
    });
    expect(generate.ExcludeCharacters).toBe(MoodleData.PASSWORD_EXCLUDED_CHARACTERS);
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      SecretId: { Ref: appSecret },
      TargetId: { Ref: Match.stringLikeRegexp('^DataDatabase') },
      TargetType: 'AWS::RDS::DBInstance',
    });
    expect(stack.resolve(data.databaseSecret.secretArn)).toEqual({ Ref: appAttachment });
    expect(stack.resolve(data.databaseAdminSecret!.secretArn)).toEqual({ Ref: masterAttachment });
    expect(data.appUserSecret).toBeDefined();
  });

  test('the rotation clone of Moodle\'s user fits AWS\'s rotation function (16 characters at most)', () => {
    const { appSecret } = secretIds(template);
    const head = template.toJSON().Resources[appSecret].Properties.GenerateSecretString.SecretStringTemplate['Fn::Join'][1][0];
    const username = /"username":"([^"]+)"/.exec(head)![1];
    expect(`${username}_clone`.length).toBeLessThanOrEqual(16);
  });

  test('keeps both secrets when the database is kept, and does not rotate them', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret.DeletionPolicy).toBe('RetainExceptOnCreate');
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    expect(data.secretRotation).toBeUndefined();
    expect(data.adminSecretRotation).toBeUndefined();
  });

  test('puts moodledata on an encrypted, elastic EFS file system kept on removal', () => {
    template.hasResource('AWS::EFS::FileSystem', {
      Properties: {
        Encrypted: true,
        ThroughputMode: 'elastic',
        PerformanceMode: 'generalPurpose',
        LifecyclePolicies: [{ TransitionToIA: 'AFTER_30_DAYS' }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }],
        // No EFS default backup plan: the AWS Backup plan below covers it.
        BackupPolicy: Match.absent(),
      },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  test('requires TLS and IAM authorization for the file system', () => {
    const fs = Object.values(template.findResources('AWS::EFS::FileSystem'))[0];
    const statements = fs.Properties.FileSystemPolicy.Statement;
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]));
    // No statement grants access to anonymous clients: every client needs IAM permissions.
    expect(statements.filter((statement: { Effect: string }) => statement.Effect === 'Allow')).toEqual([]);
  });

  test('mounts moodledata in the data subnets only', () => {
    const dataSubnets = subnetIds(template, 'Data');
    const targets = Object.values(template.findResources('AWS::EFS::MountTarget'));
    expect(targets).toHaveLength(2);
    expect(targets.map((target) => target.Properties.SubnetId.Ref).sort()).toEqual([...dataSubnets].sort());
  });

  test('roots the access point at /moodledata, owned by the image\'s web server user with 0770', () => {
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      PosixUser: { Uid: String(imageContract.posixUid), Gid: String(imageContract.posixGid) },
      RootDirectory: {
        Path: '/moodledata',
        CreationInfo: { OwnerUid: '33', OwnerGid: '33', Permissions: '0770' },
      },
    });
  });

  test('backs up the database and the file system daily, kept 35 days, in a retained vault', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [Match.objectLike({
          RuleName: 'Daily',
          ScheduleExpression: 'cron(0 3 * * ? *)',
          Lifecycle: { DeleteAfterDays: 35 },
        })],
      },
    });
    template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'RetainExceptOnCreate' });
    const selection = Object.values(template.findResources('AWS::Backup::BackupSelection'))[0];
    const resources = JSON.stringify(selection.Properties.BackupSelection.Resources);
    expect(resources).toContain('elasticfilesystem');
    expect(resources).toContain(':rds:');
    expect(resources).toContain(':db:');
  });

  test('exposes what MoodleService needs', () => {
    expect(data.moodleDbType).toBe('mysqli');
    expect(data.databaseName).toBe('moodle');
    expect(stack.resolve(data.databaseHost)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataDatabase/), 'Endpoint.Address'] });
    expect(data.databasePort).toBe(3306);
    expect(data.databaseInstance).toBeDefined();
    expect(data.databaseCluster).toBeUndefined();
    expect(data.accessPoint.fileSystem).toBe(data.fileSystem);
    expect(data.databaseSecret.secretArn).toBeDefined();
  });

  test('lets a client in through connections, not by CIDR', () => {
    const stack2 = testStack();
    const network = new MoodleNetwork(stack2, 'Network');
    const moodle = new MoodleData(stack2, 'Data', { network });
    const tasks = new ec2.SecurityGroup(stack2, 'Tasks', { vpc: network.vpc });
    moodle.databaseConnections.allowDefaultPortFrom(tasks);
    moodle.fileSystem.connections.allowDefaultPortFrom(tasks);
    const t = Template.fromStack(stack2);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 3306, ToPort: 3306, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Tasks'), 'GroupId'] },
    });
    expect(JSON.stringify(t.findResources('AWS::EC2::SecurityGroupIngress'))).not.toContain('CidrIp');
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: Match.anyValue() });
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('MoodleData with Aurora MySQL Serverless v2', () => {
  const { stack, data } = dataStack({ database: MoodleDatabase.auroraServerless() });
  const template = checkStack(stack, 'data-aurora');

  test('creates an Aurora MySQL 3 cluster with a Serverless v2 writer and reader', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-mysql',
      EngineVersion: '8.0.mysql_aurora.3.10.4',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      StorageEncrypted: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      DatabaseName: 'moodle',
      EnableCloudwatchLogsExports: ['error', 'slowquery'],
    });
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot' });
    const instances = Object.values(template.findResources('AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(2);
    for (const instance of instances) {
      expect(instance.Properties.DBInstanceClass).toBe('db.serverless');
      expect(instance.Properties.EnablePerformanceInsights).toBe(true);
    }
  });

  test('uses a cluster parameter group for Moodle', () => {
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Family: 'aurora-mysql8.0',
      // Aurora MySQL takes ON (Control Tower's CT.RDS.PR.27 accepts ON or true, not 1).
      Parameters: Match.objectLike({ character_set_server: 'utf8mb4', require_secure_transport: 'ON' }),
    });
  });

  test('Enhanced Monitoring every minute, error and slow query logs kept a year', () => {
    for (const instance of Object.values(template.findResources('AWS::RDS::DBInstance'))) {
      expect(instance.Properties).toMatchObject({ MonitoringInterval: 60, MonitoringRoleArn: expect.anything() });
    }
    template.hasResourceProperties('Custom::LogRetention', { LogGroupName: Match.objectLike({}), RetentionInDays: 365 });
  });

  test('tells Moodle to use its auroramysql driver', () => {
    expect(data.moodleDbType).toBe('auroramysql');
    expect(data.databaseCluster).toBeDefined();
    expect(stack.resolve(data.databaseHost)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataDatabase/), 'Endpoint.Address'] });
  });

  test('backs up the cluster', () => {
    const selection = Object.values(template.findResources('AWS::Backup::BackupSelection'))[0];
    expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain(':cluster:');
  });

  test('min ACU 0 pauses after 10 minutes, without a reader for development', () => {
    const dev = dataStack({
      database: MoodleDatabase.auroraServerless({ minCapacity: 0, maxCapacity: 2, reader: false }),
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
    const t = checkStack(dev.stack, 'data-aurora-dev');
    t.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2, SecondsUntilAutoPause: 600 },
      DeletionProtection: false,
    });
    t.resourceCountIs('AWS::RDS::DBInstance', 1);
    t.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::EFS::FileSystem', { DeletionPolicy: 'Delete' });
  });
});

describe('MoodleData props', () => {
  test('development: single-AZ micro instance, destroyed with the stack', () => {
    const { stack } = dataStack({
      database: MoodleDatabase.mysql({ instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO), multiAz: false }),
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      backupRetention: Duration.days(1),
      backupPlanRetention: Duration.days(7),
    });
    const template = checkStack(stack, 'data-mysql-dev');
    template.hasResource('AWS::RDS::DBInstance', {
      Properties: { DBInstanceClass: 'db.t4g.micro', MultiAZ: false, DeletionProtection: false, BackupRetentionPeriod: 1 },
      DeletionPolicy: 'Delete',
    });
    // Performance Insights does not support micro classes.
    const instance = Object.values(template.findResources('AWS::RDS::DBInstance'))[0];
    expect(instance.Properties.EnablePerformanceInsights).toBeFalsy();
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets.map((secret) => secret.DeletionPolicy)).toEqual(['Delete', 'Delete']);
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: 7 } })] },
    });
  });

  test('RETAIN keeps the database, its security group and its secret', () => {
    const { stack } = dataStack({ removalPolicy: RemovalPolicy.RETAIN });
    const template = checkStack(stack, 'data-retain');
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'RetainExceptOnCreate' });
    template.hasResource('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('Database') },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'RetainExceptOnCreate' });
  });

  test('storage, log retention and a larger class', () => {
    const { stack } = dataStack({
      database: MoodleDatabase.mysql({
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE),
        allocatedStorage: Size.gibibytes(100),
        maxAllocatedStorage: Size.gibibytes(1000),
      }),
      databaseName: 'lms',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.m7g.large', AllocatedStorage: '100', MaxAllocatedStorage: 1000, DBName: 'lms', EnablePerformanceInsights: true,
    });
  });

  test('rotation: Moodle\'s user alternates with a clone (multi-user), the master rotates in place, both one interval after deployment', () => {
    const { stack, data } = dataStack({ secretRotation: Duration.days(30) });
    const template = checkStack(stack, 'data-rotation');
    const { appAttachment, masterAttachment } = secretIds(template);
    const schedules = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule'));
    expect(schedules.map((schedule) => schedule.Properties.SecretId).sort((a, b) => a.Ref.localeCompare(b.Ref)))
      .toEqual([{ Ref: appAttachment }, { Ref: masterAttachment }].sort((a, b) => a.Ref.localeCompare(b.Ref)));
    for (const schedule of schedules) {
      expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
      expect(schedule.Properties.RotateImmediatelyOnUpdate).toBe(false);
    }
    const [, multiUser] = resourceStartingWith(template, 'AWS::Serverless::Application', 'DataDatabaseAppUserRotation');
    const [, singleUser] = resourceStartingWith(template, 'AWS::Serverless::Application', 'DataDatabaseRotationSingleUser');
    const applicationId = (app: any) => template.toJSON().Mappings[app.Properties.Location.ApplicationId['Fn::FindInMap'][0]].aws.applicationId;
    expect(applicationId(multiUser)).toMatch(/SecretsManagerRDSMySQLRotationMultiUser$/);
    expect(applicationId(singleUser)).toMatch(/SecretsManagerRDSMySQLRotationSingleUser$/);
    expect(multiUser.Properties.Parameters.masterSecretArn).toEqual({ Ref: masterAttachment });
    const appSubnets = subnetIds(template, 'Application');
    for (const app of [multiUser, singleUser]) {
      expect(app.Properties.Parameters.excludeCharacters).toBe(MoodleData.PASSWORD_EXCLUDED_CHARACTERS);
      const functionSubnets = JSON.stringify(app.Properties.Parameters.vpcSubnetIds);
      for (const subnet of appSubnets) expect(functionSubnets).toContain(subnet);
    }
    expect(data.secretRotation).toBeDefined();
    expect(data.adminSecretRotation).toBeDefined();
  });

  test('Aurora: Moodle\'s user is attached to the cluster and rotated the same way', () => {
    const { stack } = dataStack({ database: MoodleDatabase.auroraServerless(), secretRotation: Duration.days(7) });
    const template = checkStack(stack, 'data-aurora-rotation');
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      SecretId: { Ref: secretIds(template).appSecret },
      TargetType: 'AWS::RDS::DBCluster',
    });
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    resourceStartingWith(template, 'AWS::Serverless::Application', 'DataDatabaseAppUserRotation');
  });

  test('a customer managed key encrypts the database, its secret and moodledata', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new MoodleData(stack, 'Data', { network, encryptionKey });
    const template = checkStack(stack, 'data-kms');
    const keyRef = { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] };
    const instance = Object.values(template.findResources('AWS::RDS::DBInstance'))[0];
    expect(instance.Properties.KmsKeyId).toEqual(keyRef);
    template.hasResourceProperties('AWS::EFS::FileSystem', { KmsKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.anyValue() });
  });

  test('backup copy to another Region and vault lock', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const backupCopyVault = backup.BackupVault.fromBackupVaultArn(stack, 'Dr', 'arn:aws:backup:eu-central-1:123456789012:backup-vault:moodle-dr');
    new MoodleData(stack, 'Data', { network, backupCopyVault, backupVaultLock: true });
    const template = checkStack(stack, 'data-backup-copy');
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [Match.objectLike({
          CopyActions: [{ DestinationBackupVaultArn: 'arn:aws:backup:eu-central-1:123456789012:backup-vault:moodle-dr', Lifecycle: { DeleteAfterDays: 35 } }],
        })],
      },
    });
    template.hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 35 } });
  });

  test('provisioned throughput for moodledata', () => {
    const { stack } = dataStack({ throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughput: Size.mebibytes(64) });
    Template.fromStack(stack).hasResourceProperties('AWS::EFS::FileSystem', { ThroughputMode: 'provisioned', ProvisionedThroughputInMibps: 64 });
  });
});

describe('MoodleData with an existing database', () => {
  function existing(stack: Stack, network: MoodleNetwork) {
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'moodle/db');
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', 'sg-12345678');
    const instance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'moodle', instanceEndpointAddress: 'moodle.abc.eu-west-1.rds.amazonaws.com', port: 3306, securityGroups: [securityGroup],
    });
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', {
      clusterIdentifier: 'moodle', clusterEndpointAddress: 'moodle.cluster-abc.eu-west-1.rds.amazonaws.com', port: 3306, securityGroups: [securityGroup],
    });
    void network;
    return { secret, instance, cluster };
  }

  test('an instance is used with its secret, and only moodledata and backups are created', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const { secret, instance } = existing(stack, network);
    const data = new MoodleData(stack, 'Data', { network, existingInstance: instance, existingSecret: secret });
    const template = checkStack(stack, 'data-existing-instance');
    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::EFS::FileSystem', 1);
    expect(data.databaseHost).toBe('moodle.abc.eu-west-1.rds.amazonaws.com');
    expect(data.databasePort).toBe(3306);
    expect(data.databaseSecret).toBe(secret);
    expect(data.databaseAdminSecret).toBeUndefined();
    expect(data.moodleDbType).toBe('mysqli');
    const selection = Object.values(template.findResources('AWS::Backup::BackupSelection'))[0];
    expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain(':db:moodle');
  });

  test('a cluster gets the auroramysql driver', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const { secret, cluster } = existing(stack, network);
    const data = new MoodleData(stack, 'Data', { network, existingCluster: cluster, existingSecret: secret });
    checkStack(stack, 'data-existing-cluster');
    expect(data.moodleDbType).toBe('auroramysql');
    expect(data.databaseHost).toBe('moodle.cluster-abc.eu-west-1.rds.amazonaws.com');
  });
});

describe('MoodleData bad input', () => {
  test('min ACU above max', () => {
    expect(() => dataStack({ database: MoodleDatabase.auroraServerless({ minCapacity: 16, maxCapacity: 8 }) })).toThrow(
      /minCapacity \(16\) is above maxCapacity \(8\).*Lower minCapacity or raise maxCapacity/,
    );
  });

  test.each([0.3, -1, 300])('minCapacity %p outside Aurora limits', (minCapacity) => {
    expect(() => dataStack({ database: MoodleDatabase.auroraServerless({ minCapacity }) })).toThrow(/minCapacity is .*Give 0 to 256 Aurora capacity units in steps of 0.5/);
  });

  test.each([0, 36, 0.5])('backup retention of %p days outside AWS limits', (days) => {
    expect(() => dataStack({ backupRetention: Duration.hours(days * 24) })).toThrow(
      /backupRetention is .*outside what RDS allows.*Duration.days\(1\) to Duration.days\(35\)/,
    );
  });

  test('backup plan retention of 0 days', () => {
    expect(() => dataStack({ backupPlanRetention: Duration.hours(12) })).toThrow(/backupPlanRetention is .*outside what AWS Backup allows/);
  });

  test('a MySQL version no release of the table runs on', () => {
    expect(() => dataStack({ database: MoodleDatabase.mysql({ version: rds.MysqlEngineVersion.VER_5_7_44 }) })).toThrow(
      /MoodleDatabase\.mysql\(\{ version \}\) is 5\.7\.44, but no Moodle release the image builds runs on MySQL older than 8\.0 \(Moodle 5\.x needs 8\.4\)\. Use rds\.MysqlEngineVersion\.VER_8_4_8/,
    );
  });

  test('the server version Moodle sees: the MySQL engine version, or the MySQL version Aurora is compatible with', () => {
    expect(dataStack({}).data.databaseServerVersion).toBe('8.4.8');
    expect(dataStack({ database: MoodleDatabase.mysql({ version: rds.MysqlEngineVersion.VER_8_0_40 }) }).data.databaseServerVersion).toBe('8.0.40');
    expect(dataStack({ database: MoodleDatabase.auroraServerless() }).data.databaseServerVersion).toBe('8.0');
  });

  test('an Aurora version Moodle does not support', () => {
    expect(() => dataStack({ database: MoodleDatabase.auroraServerless({ version: rds.AuroraMysqlEngineVersion.VER_2_12_2 }) })).toThrow(
      /MoodleDatabase\.auroraServerless\(\{ version \}\) is 5\.7\.mysql_aurora\.2\.12\.2, but Moodle requires Aurora MySQL 3/,
    );
  });

  test('auto-pause on an Aurora version that cannot pause', () => {
    const database = MoodleDatabase.auroraServerless({ minCapacity: 0, version: rds.AuroraMysqlEngineVersion.VER_3_07_1 });
    expect(() => dataStack({ database })).toThrow(
      /minCapacity is 0 \(auto-pause\) but the Aurora version .* is older than 3\.08\.0/,
    );
  });

  test('autoPauseAfter without minCapacity 0', () => {
    expect(() => dataStack({ database: MoodleDatabase.auroraServerless({ autoPauseAfter: Duration.minutes(30) }) })).toThrow(/autoPauseAfter is set but minCapacity is 0.5.*Set minCapacity: 0/);
  });

  test('an existing database without its secret', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const existingInstance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'moodle', instanceEndpointAddress: 'moodle.example', port: 3306, securityGroups: [],
    });
    expect(() => new MoodleData(stack, 'Data', { network, existingInstance })).toThrow(
      /existingInstance is given without existingSecret.*Add existingSecret/,
    );
  });

  test('an existing database with props that only shape a created one', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const existingInstance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'moodle', instanceEndpointAddress: 'moodle.example', port: 3306, securityGroups: [],
    });
    const existingSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'moodle/db');
    expect(() => new MoodleData(stack, 'Data', { network, existingInstance, existingSecret, database: MoodleDatabase.mysql({ multiAz: true }) })).toThrow(
      /database only shape a database that MoodleData creates.*Remove database/,
    );
  });

  test('DESTROY with deletion protection', () => {
    expect(() => dataStack({ removalPolicy: RemovalPolicy.DESTROY })).toThrow(/removalPolicy is DESTROY but deletionProtection is true.*set deletionProtection: false/);
  });

  test('storage limits', () => {
    expect(() => dataStack({ database: MoodleDatabase.mysql({ allocatedStorage: Size.gibibytes(10) }) })).toThrow(/allocatedStorage is 10 GiB.*20 to 65536/);
    const database = MoodleDatabase.mysql({ allocatedStorage: Size.gibibytes(100), maxAllocatedStorage: Size.gibibytes(50) });
    expect(() => dataStack({ database })).toThrow(
      /maxAllocatedStorage \(50 GiB\) is below allocatedStorage \(100 GiB\)/,
    );
  });

  test('provisioned throughput mode without throughput, and throughput without the mode', () => {
    expect(() => dataStack({ throughputMode: efs.ThroughputMode.PROVISIONED })).toThrow(/throughputMode is PROVISIONED but provisionedThroughput is missing/);
    expect(() => dataStack({ provisionedThroughput: Size.mebibytes(10) })).toThrow(/provisionedThroughput applies only to throughputMode PROVISIONED/);
  });

  test('an invalid database name and rotation interval', () => {
    expect(() => dataStack({ databaseName: 'moodle-db' })).toThrow(/databaseName 'moodle-db' is not a valid MySQL schema name/);
    expect(() => dataStack({ secretRotation: Duration.hours(1) })).toThrow(/secretRotation is 1 hour.*Duration.days\(1\) to Duration.days\(1000\)/);
  });
});

describe('MoodleData reports every problem at once', () => {
  test('an existing instance and cluster, without a secret, with props for a created database', () => {
    const stack = testStack();
    const network = new MoodleNetwork(stack, 'Network');
    const existingInstance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'moodle', instanceEndpointAddress: 'moodle.example', port: 3306, securityGroups: [],
    });
    const existingCluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', { clusterIdentifier: 'moodle' });
    expect(problemsOf(() => new MoodleData(stack, 'Data', { network, existingInstance, existingCluster, deletionProtection: true }))).toEqual([
      expect.stringMatching(/^MoodleData: both existingInstance and existingCluster are given/),
      expect.stringMatching(/^MoodleData: existingInstance is given without existingSecret/),
      expect.stringMatching(/^MoodleData: deletionProtection only shape a database that MoodleData creates/),
    ]);
  });
});
