import { App, Stack } from 'aws-cdk-lib';
// In your own app: import { MoodleOnFargate, MoodlePreset } from 'moodle-on-fargate';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { failOnNagFindings } from '../nag-check';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out/examples/minimal' });
const stack = new Stack(app, 'MoodleMinimal', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// A development site on the CloudFront domain: https://dxxxx.cloudfront.net
new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.DEVELOPMENT });

failOnNagFindings(app);
app.synth();
