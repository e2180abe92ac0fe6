import { Duration } from 'aws-cdk-lib';

// The one rule that ties the service's cronIdleInterval to MoodleMonitoring's cron alarm, in one place: the alarm
// waits cronIdleInterval plus a margin, and a CloudWatch alarm can only wait so long.

/** The cron alarm's period: completed cron runs are counted per five minutes. */
export const CRON_ALARM_PERIOD_MINUTES = 5;

/**
 * The longest an alarm on periods under an hour can look back: PutMetricAlarm refuses Period × EvaluationPeriods above
 * 86,400 s (one day) when Period is under 3,600 s (seven days otherwise).
 */
export const ALARM_MAX_EVALUATION_MINUTES = 24 * 60;

/** What the cron alarm waits beyond cronIdleInterval by default: the idle run itself and the log's delivery. */
export const CRON_STALE_MARGIN_MINUTES = 30;

/** The shortest cronIdleInterval: shorter, a database that pauses would barely pause. */
export const CRON_IDLE_INTERVAL_MIN_MINUTES = 15;

/** The longest cronIdleInterval: what the cron alarm can still wait for, with its margin (23 hours 30 minutes). */
export const CRON_IDLE_INTERVAL_MAX_MINUTES = ALARM_MAX_EVALUATION_MINUTES - CRON_STALE_MARGIN_MINUTES;

/**
 * What is wrong with a (literal) cronIdleInterval, or undefined when it is within 15 minutes and 23 hours 30 minutes.
 */
export function cronIdleIntervalProblem(interval: Duration): string | undefined {
  const minutes = interval.toSeconds() / 60;
  if (minutes >= CRON_IDLE_INTERVAL_MIN_MINUTES && minutes <= CRON_IDLE_INTERVAL_MAX_MINUTES) return undefined;
  return `cronIdleInterval is ${interval.toHumanString()}; give ${CRON_IDLE_INTERVAL_MIN_MINUTES} minutes to ` +
    `${Duration.minutes(CRON_IDLE_INTERVAL_MAX_MINUTES).toHumanString()} (default Duration.hours(4) with a database that pauses). ` +
    'Shorter, the database would barely pause; longer, the cron alarm of MoodleMonitoring could not wait for the next idle run: ' +
    `it waits cronIdleInterval plus ${CRON_STALE_MARGIN_MINUTES} minutes, and a CloudWatch alarm on ${CRON_ALARM_PERIOD_MINUTES}-minute ` +
    `periods looks back at most 1 day. Give at most Duration.minutes(${CRON_IDLE_INTERVAL_MAX_MINUTES}).`;
}

/**
 * Minutes without a completed cron run before the cron alarm goes off by default: 30, or the idle interval plus 30,
 * rounded up to the alarm's period.
 */
export function defaultCronStaleAfterMinutes(idleInterval: Duration | undefined): number {
  const idleMinutes = (idleInterval?.toSeconds() ?? 0) / 60;
  const period = CRON_ALARM_PERIOD_MINUTES;
  return Math.max(CRON_STALE_MARGIN_MINUTES, Math.ceil((idleMinutes + CRON_STALE_MARGIN_MINUTES) / period) * period);
}
