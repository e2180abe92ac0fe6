import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Validator } from '../private/validation';

/** Defaults of MoodleFaultExperiments. */
export const faultDefaults = {
  networkDisruptionDuration: Duration.minutes(5),
  cachePowerInterruptionDuration: Duration.minutes(5),
  logRetention: logs.RetentionDays.ONE_YEAR,
} as const;

/** The tag that marks the replication group for the cache experiment (AWS FIS finds it by tag, not by ARN). */
export const FAULT_TARGET_TAG = 'moodle-on-fargate:fault-target';

const MIN = Duration.minutes(1);
const MAX = Duration.hours(12);

/** AWS FIS takes an action's duration from one minute to 12 hours, in ISO 8601 (whole seconds here). */
export function validateFaultDuration(validator: Validator, name: string, duration: Duration): void {
  if (duration.isUnresolved()) {
    validator.check(true, `${name} is a deploy-time value; give a literal Duration such as Duration.minutes(5).`);
    return;
  }
  const millis = duration.toMilliseconds();
  validator.check(millis % 1000 !== 0 || millis < MIN.toMilliseconds() || millis > MAX.toMilliseconds(),
    `${name} is ${duration.toHumanString()}; AWS FIS takes whole seconds from 1 minute to 12 hours. Give for example Duration.minutes(5).`);
}
