import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
// In your own app: import { MoodleOnFargate, MoodlePreset } from 'moodle-on-fargate';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { failOnNagFindings } from '../nag-check';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out/examples/existing-vpc-database' });
const stack = new Stack(app, 'MoodleExistingVpcDatabase', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// Your VPC: public, private (with NAT) and isolated subnets in two AZs.
const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidrBlock: '10.20.0.0/16',
  availabilityZones: [`${stack.region}a`, `${stack.region}b`],
  publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
  privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
  isolatedSubnetIds: ['subnet-0ccccccccccccccc1', 'subnet-0ccccccccccccccc2'],
});

// Your MySQL 8.4 database and its secret (JSON with username and password).
const database = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Database', {
  instanceIdentifier: 'moodle',
  instanceEndpointAddress: 'moodle.abcdefghijkl.us-east-1.rds.amazonaws.com',
  port: 3306,
  securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'DatabaseSecurityGroup', 'sg-0123456789abcdef0')],
});
const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'DatabaseSecret',
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:moodle-db-AbCdEf');

new MoodleOnFargate(stack, 'Moodle', {
  preset: MoodlePreset.PRODUCTION,
  network: { vpc },
  data: { existingInstance: database, existingSecret: secret },
  service: { adminEmail: 'moodle-admin@example.edu' },
});

failOnNagFindings(app);
app.synth();
