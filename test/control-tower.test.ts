import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { acknowledgmentFor, controlFindings } from '../scripts/control-tower/controls';

describe('the Control Tower gate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  const file = path.join(dir, 'Probe.template.json');
  fs.writeFileSync(file, JSON.stringify({
    Resources: {
      Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: 'vpc-1', CidrBlock: '10.0.0.0/24', MapPublicIpOnLaunch: true } },
    },
  }));
  const findings = controlFindings([file]);

  test('finds a failed control, with its id, resource and template', () => {
    expect(findings).toContainEqual(expect.objectContaining({
      control: 'CT.EC2.PR.11', rule: 'subnet_auto_assign_public_ip_disabled_check', template: 'Probe', logicalId: 'Subnet', resourceType: 'AWS::EC2::Subnet',
    }));
  });

  test('an acknowledgment covers its rule and resource type, everywhere or only in the templates it names', () => {
    const finding = findings.find((candidate) => candidate.control === 'CT.EC2.PR.11')!;
    const ack = { control: 'CT.EC2.PR.11', rule: finding.rule, resourceType: 'AWS::EC2::Subnet', reason: 'test' };
    expect(acknowledgmentFor(finding, [ack])).toBe(ack);
    expect(acknowledgmentFor(finding, [{ ...ack, templates: ['Probe'] }])).toBeDefined();
    expect(acknowledgmentFor(finding, [{ ...ack, templates: ['MoodleProduction'] }])).toBeUndefined();
    expect(acknowledgmentFor(finding, [{ ...ack, resourceType: 'AWS::EC2::VPC' }])).toBeUndefined();
  });
});
