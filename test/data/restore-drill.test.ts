import { Template } from 'aws-cdk-lib/assertions';
import { MoodleData, MoodleDataProps, MoodleNetwork } from '../../src';
import { testStack } from '../util/checks';

function dataStack(props: Partial<MoodleDataProps> = {}) {
  const stack = testStack();
  const network = new MoodleNetwork(stack, 'Network');
  const data = new MoodleData(stack, 'Data', { network, ...props });
  return { stack, data, template: Template.fromStack(stack) };
}

describe('MoodleData restore drill pieces', () => {
  const { stack, data, template } = dataStack();

  test('the backup role is AWS Backup\'s, with AWS\'s managed policies for backups and restores', () => {
    const role = template.toJSON().Resources[stack.resolve((data.backupRole.node.defaultChild as any).logicalId)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'backup.amazonaws.com' } }),
    ]);
    const policies = JSON.stringify(role.Properties.ManagedPolicyArns);
    expect(policies).toContain('service-role/AWSBackupServiceRolePolicyForBackup');
    expect(policies).toContain('service-role/AWSBackupServiceRolePolicyForRestores');
  });

  test('stack outputs name the vault, the restore role and the file system, for the drill\'s commands', () => {
    const outputs = template.toJSON().Outputs;
    const value = (prefix: string) => Object.entries(outputs).find(([id]) => id.startsWith(prefix))?.[1] as any;
    expect(value('DataBackupVaultName').Value).toEqual({ 'Fn::GetAtt': [stack.resolve((data.backupVault.node.defaultChild as any).logicalId), 'BackupVaultName'] });
    expect(value('DataRestoreRoleArn').Value).toEqual({ 'Fn::GetAtt': [stack.resolve((data.backupRole.node.defaultChild as any).logicalId), 'Arn'] });
    expect(value('DataFileSystemId').Value).toEqual({ Ref: expect.stringMatching(/^DataFileSystem/) });
  });

  test('dataDirectory moves the access point to a restored moodledata; the default stays /moodledata', () => {
    template.hasResourceProperties('AWS::EFS::AccessPoint', { RootDirectory: { Path: '/moodledata' } });
    const restored = dataStack({ dataDirectory: '/aws-backup-restore_2026-12-07T03-15-00-000Z/moodledata' });
    restored.template.hasResourceProperties('AWS::EFS::AccessPoint', {
      RootDirectory: { Path: '/aws-backup-restore_2026-12-07T03-15-00-000Z/moodledata', CreationInfo: { OwnerUid: '33', OwnerGid: '33', Permissions: '0770' } },
    });
  });

  test.each([
    ['relative', 'moodledata'],
    ['the root', '/'],
    ['five levels', '/a/b/c/d/e'],
    ['a dot level', '/.hidden/moodledata'],
    ['a shell character', '/moodle$data'],
    ['a trailing slash', '/moodledata/'],
    ['over 100 characters', `/${'x'.repeat(100)}`],
  ])('fails at synth on a dataDirectory that is %s', (_name, dataDirectory) => {
    expect(() => dataStack({ dataDirectory })).toThrow(/MoodleData: dataDirectory '.*' is not a directory EFS can give an access point/);
  });
});
