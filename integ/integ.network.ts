import { App, Stack } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { MoodleNetwork, NatLayout } from '../src';

const app = new App();
const stack = new Stack(app, 'MoodleIntegNetwork');
const network = new MoodleNetwork(stack, 'Network', { natLayout: NatLayout.SINGLE });

const integ = new IntegTest(app, 'Network', { testCases: [stack], regions: ['us-east-1'] });
integ.assertions
  .awsApiCall('EC2', 'describeVpcs', { VpcIds: [network.vpc.vpcId] })
  .assertAtPath('Vpcs.0.CidrBlock', ExpectedResult.stringLikeRegexp('^10\\.0\\.0\\.0/16$'));
