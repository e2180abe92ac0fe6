import { App, Stack } from 'aws-cdk-lib';
// In your own app: import { MoodleOnFargate, MoodlePreset } from 'moodle-on-fargate';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { failOnNagFindings } from '../nag-check';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out/examples/with-pipeline' });
const stack = new Stack(app, 'MoodleWithPipeline', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// A CodeCommit repository seeded with the image source; each push builds, upgrades and rolls out.
new MoodleOnFargate(stack, 'Moodle', {
  preset: MoodlePreset.DEVELOPMENT,
  pipeline: true,
  pipelineOptions: { manualApproval: true },
  service: { adminEmail: 'moodle-admin@example.edu' },
});

failOnNagFindings(app);
app.synth();
