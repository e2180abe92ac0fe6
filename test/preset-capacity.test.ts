import { Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MoodleOnFargate, MoodlePreset } from '../src';
import { testStack } from './util/checks';
import { MEASURED, presetCapacityTable, webTier } from '../scripts/load/preset-capacity';

describe('the README capacity table', () => {
  test('reads the web task size and task count bounds of a synthesized site', () => {
    const stack = testStack('us-east-1');
    new MoodleOnFargate(stack, 'Moodle', { preset: MoodlePreset.PRODUCTION, service: { cpu: 2048, memory: Size.gibibytes(4), minCapacity: 3, maxCapacity: 7 } });
    expect(webTier(Template.fromStack(stack).toJSON())).toEqual({ vcpu: 2, memoryMiB: 4096, minTasks: 3, maxTasks: 7 });
  });

  test('multiplies each preset\'s own measured task by its task count bounds', () => {
    const table = presetCapacityTable({
      DEVELOPMENT: { ...MEASURED.DEVELOPMENT, requestsPerSecond: 2.5, p95Ms: 610, databaseCores: 0.12, cacheCores: 0.03 },
      PRODUCTION: { ...MEASURED.PRODUCTION, requestsPerSecond: 9.5, p95Ms: 820 },
    });
    expect(table).toContain('| `DEVELOPMENT` | 1 → 2 (0.25 vCPU, 1024 MiB) | 2.5 → 5 | 25 → 50 |');
    expect(table).toContain('| `PRODUCTION` | 2 → 10 (1 vCPU, 2048 MiB) | 19 → 95 | 190 → 950 |');
    expect(table).toContain('at 2.5 requests/s with p95 610 ms; at that load the database (MariaDB) used 0.12 and the cache (Redis) 0.03 CPU cores, so about 0.24 and 0.06 at 2 tasks');
  });

  test('the measurements are of each preset\'s current web task size', () => {
    expect(() => presetCapacityTable()).not.toThrow();
  });

  test('fails when a preset\'s web task is not the size measured', () => {
    expect(() => presetCapacityTable({ ...MEASURED, PRODUCTION: { ...MEASURED.PRODUCTION, memoryMiB: 4096 } }))
      .toThrow(/preset PRODUCTION's web task is 1 vCPU and 2048 MiB, but its capacity was measured at 1 vCPU and 4096 MiB: re-run npx projen benchmark:load/);
  });
});
