import { Match, Template } from 'aws-cdk-lib/assertions';
import { DatabaseEngine, MoodleCacheDeployment, MoodleDatabase, MoodleOnFargate, MoodlePreset } from '../src';
import { testStack } from './util/checks';

// Every preset combines with every database engine and cache mode a user picks explicitly: the site gets the
// engine asked for, with the preset's other choices.
const presets = [MoodlePreset.DEVELOPMENT, MoodlePreset.PRODUCTION];
const engines = [DatabaseEngine.MYSQL, DatabaseEngine.AURORA_MYSQL_SERVERLESS_V2];
const cacheModes = [true, false];
const combinations = presets.flatMap((preset) => engines.flatMap((engine) => cacheModes.map((serverless) => ({ preset, engine, serverless }))));

describe.each(combinations)('preset $preset with engine $engine and serverless cache $serverless given explicitly', ({ preset, engine, serverless }) => {
  const stack = testStack('us-east-1');
  const database = engine === DatabaseEngine.MYSQL ? MoodleDatabase.mysql() : MoodleDatabase.auroraServerless();
  const deployment = serverless ? MoodleCacheDeployment.serverless() : MoodleCacheDeployment.nodes();
  new MoodleOnFargate(stack, 'Moodle', { preset, data: { database }, cache: { deployment } });
  const template = Template.fromStack(stack);
  const development = preset === MoodlePreset.DEVELOPMENT;

  test('has the database engine asked for', () => {
    template.resourceCountIs('AWS::RDS::DBCluster', engine === DatabaseEngine.MYSQL ? 0 : 1);
    if (engine === DatabaseEngine.MYSQL) template.hasResourceProperties('AWS::RDS::DBInstance', { Engine: 'mysql' });
    else template.hasResourceProperties('AWS::RDS::DBCluster', { Engine: 'aurora-mysql', ServerlessV2ScalingConfiguration: Match.anyValue() });
  });

  test('has the cache mode asked for', () => {
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', serverless ? 1 : 0);
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', serverless ? 0 : 1);
  });

  test('keeps the preset\'s other choices', () => {
    const databaseType = engine === DatabaseEngine.MYSQL ? 'AWS::RDS::DBInstance' : 'AWS::RDS::DBCluster';
    template.hasResourceProperties(databaseType, { DeletionProtection: !development });
    template.hasResource(databaseType, { DeletionPolicy: development ? 'Delete' : 'Snapshot' });
    template.resourceCountIs('AWS::WAFv2::WebACL', development ? 0 : 1);
    template.resourceCountIs('AWS::EC2::NatGateway', development ? 0 : 2);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', development ? 0 : 1);
  });
});
