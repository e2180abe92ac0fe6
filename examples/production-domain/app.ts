import { App, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
// In your own app: import { MoodleOnFargate, MoodlePreset } from 'moodle-on-fargate';
import { MoodleOnFargate, MoodlePreset } from '../../src';
import { failOnNagFindings } from '../nag-check';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out/examples/production-domain' });
// us-east-1: CloudFront's certificate and web ACL are created in the same stack.
const stack = new Stack(app, 'MoodleProduction', { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' } });

// Your Route 53 zone; both certificates and the alias records are created in it.
const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
  hostedZoneId: 'Z0123456789EXAMPLE',
  zoneName: 'example.edu',
});

new MoodleOnFargate(stack, 'Moodle', {
  preset: MoodlePreset.PRODUCTION,
  edge: { domainName: 'moodle.example.edu', hostedZone: zone },
  mail: { domainName: 'moodle.example.edu', hostedZone: zone }, // Moodle's mail through Amazon SES
  service: { adminEmail: 'moodle-admin@example.edu', siteFullName: 'Example University Moodle', siteShortName: 'exu' },
  monitoringOptions: { alarmEmail: 'moodle-ops@example.edu' },
});

failOnNagFindings(app);
app.synth();
