// Prints the fixed monthly cost of the data tier (MoodleData + MoodleCache) for development and
// production settings, computed from synthesized templates.
// Run: npx ts-node --project tsconfig.dev.json scripts/cost/data-cost.ts
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { dataTierCostLines } from './data-cost-lines';
import { totalMonthlyUsd } from './template-cost';
// The tiers' own folders, not the package index: the cost of the data tier does not depend on the others.
import { MoodleCache, MoodleCacheDeployment, MoodleCacheProps } from '../../src/cache';
import { MoodleData, MoodleDatabase, MoodleDataProps } from '../../src/data';
import { MoodleNetwork } from '../../src/network';

interface Setting {
  readonly name: string;
  readonly data: Omit<MoodleDataProps, 'network'>;
  readonly cache: Omit<MoodleCacheProps, 'network'>;
}

const development = { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false };
const settings: Setting[] = [
  {
    name: 'development (RDS db.t4g.micro Single-AZ, Valkey cache.t4g.micro, no replica)',
    data: {
      ...development,
      database: MoodleDatabase.mysql({ instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO), multiAz: false }),
    },
    cache: { deployment: MoodleCacheDeployment.nodes({ nodeType: 'cache.t4g.micro', replicas: 0 }) },
  },
  {
    name: 'development (Aurora Serverless v2 min 0 ACU, no reader; Valkey Serverless)',
    data: { ...development, database: MoodleDatabase.auroraServerless({ minCapacity: 0, maxCapacity: 2, reader: false }) },
    cache: { deployment: MoodleCacheDeployment.serverless() },
  },
  {
    name: 'production, defaults (RDS db.t4g.large Multi-AZ, Valkey cache.t4g.small + replica)',
    data: {},
    cache: {},
  },
  {
    name: 'production (Aurora Serverless v2 0.5-8 ACU writer + reader, Valkey cache.t4g.small + replica)',
    data: { database: MoodleDatabase.auroraServerless() },
    cache: {},
  },
];

console.log('| data tier setting | fixed monthly cost, us-east-1 | made of |');
console.log('| --- | ---: | --- |');
for (const setting of settings) {
  const stack = new Stack(new App(), 'Cost', { env: { region: 'us-east-1' } });
  const network = new MoodleNetwork(stack, 'Network');
  new MoodleData(stack, 'Data', { network, ...setting.data });
  new MoodleCache(stack, 'Cache', { network, ...setting.cache });
  const lines = dataTierCostLines(Template.fromStack(stack).toJSON());
  const madeOf = lines.map((line) => `${line.count} × ${line.item} ($${line.monthlyUsd.toFixed(2)})`).join(', ');
  console.log(`| ${setting.name} | $${totalMonthlyUsd(lines).toFixed(2)} | ${madeOf} |`);
}
console.log('\nUsage is extra: EFS and backup storage, Aurora storage and I/O, ACUs above the minimum, ElastiCache Serverless ECPUs and data above the minimum, data transfer.');
