import { Size } from 'aws-cdk-lib';
import { MoodleAlarmThresholds } from './alarm-thresholds';
import { Validator } from '../private/validation';
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

/** What the defaults are derived from. */
export interface WatchedConfiguration {
  /** The CPU utilization the web service scales to keep, percent. */
  readonly webTargetCpuPercent: number;
  /** The most connections the database accepts, if known. */
  readonly databaseMaxConnections?: number;
}

/**
 * The defaults for a site: the web CPU alarm stays 15 points above the CPU the service scales to keep (at least
 * 85, at most 99), so a service scaling as intended never sets it off; the connections alarm goes off at three
 * quarters of the database's max_connections when that is known.
 */
function derivedDefaults(watched: WatchedConfiguration): Required<MoodleAlarmThresholds> {
  const webCpuPercent = Math.min(99, Math.max(alarmThresholdDefaults.webCpuPercent, watched.webTargetCpuPercent + 15));
  const maxConnections = watched.databaseMaxConnections;
  const databaseConnections = maxConnections === undefined ? alarmThresholdDefaults.databaseConnections : Math.floor(maxConnections * 0.75);
  return { ...alarmThresholdDefaults, webCpuPercent, databaseConnections };
}

/** The thresholds with their defaults, each checked: a percentage from 1 to 100, counts and sizes above 0. */
export function resolveThresholds(
  given: MoodleAlarmThresholds | undefined, watched: WatchedConfiguration, validator: Validator,
): Required<MoodleAlarmThresholds> {
  const thresholds = withDefaults<Required<MoodleAlarmThresholds>>(derivedDefaults(watched), given);
  for (const [name, value] of Object.entries(thresholds)) {
    if (value instanceof Size) {
      validator.check(value.toBytes() <= 0, `thresholds.${name} is ${value.toBytes()} bytes. Give more than 0.`);
      continue;
    }
    const percent = name.endsWith('Percent');
    validator.check(!Number.isFinite(value) || value <= 0 || (percent && value > 100),
      `thresholds.${name} is ${value}. Give ${percent ? 'a percentage above 0, at most 100' : 'a number above 0'}.`);
  }
  return thresholds;
}
