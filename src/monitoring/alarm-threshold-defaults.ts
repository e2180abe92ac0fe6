import { Size } from 'aws-cdk-lib';
import { MoodleAlarmThresholds } from './alarm-thresholds';
import { withDefaults } from '../private/with-defaults';

/** The defaults of MoodleAlarmThresholds. */
export const alarmThresholdDefaults = {
  serverErrorsPerFiveMinutes: 10,
  webCpuPercent: 85,
  webMemoryPercent: 85,
  databaseCpuPercent: 80,
  databaseConnections: 300,
  databaseCapacityPercent: 90,
  databaseFreeStorage: Size.gibibytes(2),
  fileSystemIoLimitPercent: 90,
};

/** The thresholds with their defaults, each checked: a percentage from 1 to 100, counts and sizes above 0. */
export function resolveThresholds(given: MoodleAlarmThresholds | undefined): Required<MoodleAlarmThresholds> {
  const thresholds = withDefaults<Required<MoodleAlarmThresholds>>(alarmThresholdDefaults, given);
  for (const [name, value] of Object.entries(thresholds)) {
    if (value instanceof Size) {
      if (value.toBytes() <= 0) throw new Error(`MoodleMonitoring: thresholds.${name} is ${value.toBytes()} bytes. Give more than 0.`);
      continue;
    }
    const percent = name.endsWith('Percent');
    if (!Number.isFinite(value) || value <= 0 || (percent && value > 100)) {
      throw new Error(`MoodleMonitoring: thresholds.${name} is ${value}. Give ${percent ? 'a percentage above 0, at most 100' : 'a number above 0'}.`);
    }
  }
  return thresholds;
}
