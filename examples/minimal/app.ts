import { App, Stack } from 'aws-cdk-lib';
// In your own app: import { MoodleNetwork } from 'moodle-on-fargate';
import { MoodleNetwork } from '../../src';
import { failOnNagFindings } from '../nag-check';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out/examples/minimal' });
const stack = new Stack(app, 'MoodleMinimal', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
});

new MoodleNetwork(stack, 'Network');

failOnNagFindings(app);
app.synth();
