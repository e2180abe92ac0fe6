import { Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../src';
import { testStack } from './util/checks';
import { MEASURED, presetCapacityTable, webTier } from '../scripts/load/preset-capacity';

describe('the README capacity table', () => {
  test('reads the web task size and task count bounds of a synthesized site', () => {
    const stack = testStack('us-east-1');
    new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.PRODUCTION, service: { cpu: 2048, memory: Size.gibibytes(4), minCapacity: 3, maxCapacity: 7 } });
    expect(webTier(Template.fromStack(stack).toJSON())).toEqual({ vcpu: 2, minTasks: 3, maxTasks: 7 });
  });

  test('scales the measured throughput per vCPU by each preset\'s web tier', () => {
    const perVcpu = MEASURED.requestsPerSecond / MEASURED.vcpu;
    const table = presetCapacityTable();
    expect(table).toContain(`| \`DEVELOPMENT\` | 1 → 2 (0.25) | ${0.25 * perVcpu} → ${2 * 0.25 * perVcpu} |`);
    expect(table).toContain(`| \`PRODUCTION\` | 2 → 10 (1) | ${2 * perVcpu} → ${10 * perVcpu} |`);
  });
});
