import { Duration, Names, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { resolveThresholds } from './alarm-threshold-defaults';
import { MoodleAlarmThresholds } from './alarm-thresholds';
import {
  ALARM_MAX_EVALUATION_MINUTES, CRON_ALARM_PERIOD_MINUTES, CRON_IDLE_INTERVAL_MAX_MINUTES, cronIdleIntervalProblem, defaultCronStaleAfterMinutes,
} from './cron-alarm-window';
import { IMoodleCache } from '../contracts/cache';
import { IMoodleData } from '../contracts/data';
import { IMoodleEdge } from '../contracts/edge';
import { IMoodleService } from '../contracts/service';
import { retainExceptOnCreate } from '../private/retain-except-on-create';
import { Validator } from '../private/validation';

/**
 * Options of a {@link MoodleMonitoring}.
 */
export interface MoodleMonitoringOptions {
  /**
   * An email address the alarm topic sends every alarm to (the address must confirm the subscription).
   *
   * @default - no subscription: subscribe to `alarmTopic` yourself
   */
  readonly alarmEmail?: string;

  /**
   * Minutes without a completed cron run before the cron alarm goes off: a multiple of 5 from 5 to 1440 (a
   * CloudWatch alarm on 5-minute periods looks back at most one day), more than the service's `cronIdleInterval`
   * if cron idles.
   *
   * @default - 30, or the service's `cronIdleInterval` plus 30 (rounded up to 5 minutes) when cron idles
   */
  readonly cronStaleAfterMinutes?: number;

  /**
   * Where the alarms go off.
   *
   * @default - each threshold's documented default
   */
  readonly thresholds?: MoodleAlarmThresholds;
}

/**
 * Properties of a {@link MoodleMonitoring}.
 */
export interface MoodleMonitoringProps extends MoodleMonitoringOptions {
  /** The edge whose load balancer is watched. */
  readonly edge: IMoodleEdge;
  /** The service whose web and cron tasks are watched. */
  readonly service: IMoodleService;
  /** The database and file system. */
  readonly data: IMoodleData;
  /** The cache. */
  readonly cache: IMoodleCache;
}

/**
 * Alarms on what breaks a Moodle site, an SNS topic they notify, and a CloudWatch dashboard of the same
 * metrics.
 */
export class MoodleMonitoring extends Construct {
  /** The topic every alarm notifies. */
  public readonly alarmTopic: sns.Topic;
  /** The key that encrypts the topic. */
  public readonly topicKey: kms.Key;
  /** The CloudWatch namespace of this site's metrics from its logs (cron runs, install/upgrade failures). */
  public readonly metricNamespace: string;
  /** Every alarm, by name. */
  public readonly alarms: Record<string, cloudwatch.Alarm> = {};
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The rule that notifies the alarm topic of Fargate Spot interruptions of Moodle tasks. */
  public readonly spotInterruptionRule: events.Rule;
  /** The rule that notifies the alarm topic of failed secret rotations (only when the data tier rotates its secrets). */
  public readonly rotationFailureRule?: events.Rule;

  constructor(scope: Construct, id: string, props: MoodleMonitoringProps) {
    super(scope, id);
    retainExceptOnCreate(this);
    const { edge, service, data, cache } = props;
    // An idle site's cron runs once per cronIdleInterval: the alarm waits that long, plus half an hour (cron-alarm-window.ts).
    const idleInterval = service.cronIdleInterval;
    const idleMinutes = (idleInterval?.toSeconds() ?? 0) / 60;
    const cronStaleAfterMinutes = props.cronStaleAfterMinutes ?? defaultCronStaleAfterMinutes(idleInterval);
    const validator = new Validator('MoodleMonitoring');
    const period = CRON_ALARM_PERIOD_MINUTES;
    // A service (of the user's own) that idles longer than the alarm can wait: say so in cronIdleInterval's terms.
    const idleProblem = props.cronStaleAfterMinutes === undefined && idleInterval && idleMinutes > CRON_IDLE_INTERVAL_MAX_MINUTES
      ? cronIdleIntervalProblem(idleInterval) : undefined;
    const wholePeriods = Number.isInteger(cronStaleAfterMinutes / period);
    const inRange = idleProblem === undefined
      ? validator.check(!wholePeriods || cronStaleAfterMinutes < period || cronStaleAfterMinutes > ALARM_MAX_EVALUATION_MINUTES,
        `cronStaleAfterMinutes is ${cronStaleAfterMinutes}; give a multiple of ${period} minutes from ${period} to ${ALARM_MAX_EVALUATION_MINUTES} ` +
        `(the alarm counts cron runs per ${period} minutes, and a CloudWatch alarm on ${period}-minute periods looks back at most 1 day).`)
      : validator.check(true, `the service's ${idleProblem}`);
    validator.check(inRange && cronStaleAfterMinutes <= idleMinutes,
      `cronStaleAfterMinutes is ${cronStaleAfterMinutes}, but the service's cron runs only every ${idleMinutes} minutes ` +
      `while the site is idle (cronIdleInterval), so the alarm would go off on every idle site. Give more than ${idleMinutes}, or omit it.`);
    const watched = { webTargetCpuPercent: service.targetCpuUtilizationPercent, databaseMaxConnections: data.databaseMaxConnections };
    const thresholds = resolveThresholds(props.thresholds, watched, validator);
    validator.check(props.alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.alarmEmail),
      `alarmEmail '${props.alarmEmail}' is not an email address. Give one such as moodle-ops@example.edu.`);
    validator.throwIfAny();

    this.topicKey = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: 'Moodle alarm topic' });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: this.topicKey, enforceSSL: true });
    for (const principal of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.topicKey.grant(new iam.ServicePrincipal(principal), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    // The log-derived metrics live in a namespace of this site's own, so two sites in one account and Region
    // never count each other's cron runs.
    this.metricNamespace = `Moodle/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`;
    const metrics: Record<string, cloudwatch.IMetric> = {
      LoadBalancer5xx: edge.metricServerErrors(),
      UnhealthyTargets: edge.metricUnhealthyTargets(),
      WebCpu: service.metricWebCpuUtilization(),
      WebMemory: service.metricWebMemoryUtilization(),
      DatabaseCpu: data.metricDatabase('CPUUtilization', { statistic: 'Average', period: fiveMinutes }),
      DatabaseConnections: data.metricDatabase('DatabaseConnections', { statistic: 'Maximum', period: fiveMinutes }),
      EfsIoLimit: data.metricFileSystemIoLimit(),
      CronRuns: this.logPatternMetric(service.taskLogGroup, 'CronRuns', 'Cron run completed correctly'),
      InstallOrUpgradeFailures: this.logPatternMetric(service.taskLogGroup, 'InstallOrUpgradeFailures', 'install-or-upgrade failed'),
      RestartAfterSecretChangeErrors: service.metricRestartErrors(),
    };
    if (data.moodleDbType === 'auroramysql') {
      metrics.DatabaseCapacity = data.metricDatabase('ServerlessDatabaseCapacity', { statistic: 'Maximum', period: fiveMinutes });
    } else {
      metrics.DatabaseFreeStorage = data.metricDatabase('FreeStorageSpace', { statistic: 'Minimum', period: fiveMinutes });
    }
    const evictions = cache.metricEvictions();
    if (evictions) metrics.CacheEvictions = evictions;

    const alarm = (name: string, description: string, threshold: number, comparison: cloudwatch.ComparisonOperator,
      evaluationPeriods = 3, treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING) => {
      this.alarms[name] = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric: metrics[name],
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods,
        treatMissingData,
        alarmDescription: description,
      });
    };
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const below = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;
    alarm('LoadBalancer5xx', 'Users get 5xx errors from the load balancer or Moodle.', thresholds.serverErrorsPerFiveMinutes, above, 2);
    alarm('UnhealthyTargets', 'A web task fails its health check.', 0, above, 5);
    alarm('WebCpu', 'Web tasks run hot: autoscaling is at its maximum or too slow.', thresholds.webCpuPercent, above);
    alarm('WebMemory', 'Web tasks are short of memory.', thresholds.webMemoryPercent, above);
    alarm('DatabaseCpu', 'The database is CPU-bound.', thresholds.databaseCpuPercent, above);
    alarm('DatabaseConnections', 'Many database connections: check for stuck PHP workers.', thresholds.databaseConnections, above);
    alarm('EfsIoLimit', 'moodledata is at its I/O limit.', thresholds.fileSystemIoLimitPercent, above);
    alarm('CronRuns', `Moodle's cron has not completed a run for ${cronStaleAfterMinutes} minutes.`, 1, below,
      cronStaleAfterMinutes / period, cloudwatch.TreatMissingData.BREACHING);
    alarm('InstallOrUpgradeFailures', 'The install/upgrade task failed: see its log stream install-or-upgrade/….', 0, above, 1);
    alarm('RestartAfterSecretChangeErrors',
      'The web and cron tasks could not be replaced after the database secret changed: force a new deployment of both services before the next rotation, which invalidates the password they hold.',
      0, above, 1);
    const maxCapacity = data.serverlessMaxCapacity;
    if (metrics.DatabaseCapacity && maxCapacity !== undefined) {
      const share = thresholds.databaseCapacityPercent;
      alarm('DatabaseCapacity', `Aurora runs at ${share} % or more of its maximum capacity (${maxCapacity} ACU).`, (share / 100) * maxCapacity, above);
    }
    if (metrics.DatabaseFreeStorage) {
      const free = thresholds.databaseFreeStorage;
      alarm('DatabaseFreeStorage', `The database has under ${free.toGibibytes({ rounding: SizeRoundingBehavior.NONE })} GiB free.`, free.toBytes(), below);
    }
    if (metrics.CacheEvictions) alarm('CacheEvictions', 'The cache evicts keys: sessions may be lost.', 0, above, 1);

    const topicAction = new actions.SnsAction(this.alarmTopic);
    for (const each of Object.values(this.alarms)) {
      each.addAlarmAction(topicAction);
      each.addOkAction(topicAction);
    }
    cache.addAlarmAction(topicAction);

    this.spotInterruptionRule = new events.Rule(this, 'SpotInterruptions', {
      description: 'A Moodle web task was stopped by a Fargate Spot interruption',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [service.clusterArn], stopCode: ['SpotInterruption'] },
      },
      targets: [new targets.SnsTopic(this.alarmTopic)],
    });
    if (data.rotatesSecrets) {
      // A failed rotation leaves the current password in place, so Moodle keeps working; someone should still look.
      // Any secret of the account and Region: a rotation failure elsewhere deserves the same attention.
      this.rotationFailureRule = new events.Rule(this, 'SecretRotationFailures', {
        description: 'A Secrets Manager rotation failed in this account and Region (the Moodle database secrets rotate this way)',
        eventPattern: {
          source: ['aws.secretsmanager'],
          detailType: ['AWS Service Event via CloudTrail'],
          detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed', 'RotationAbandoned'] },
        },
        targets: [new targets.SnsTopic(this.alarmTopic)],
      });
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        Object.entries(metrics).map(([name, metric]) => new cloudwatch.GraphWidget({ title: name, left: [metric], width: 8 })),
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 })],
      ],
    });
  }

  /** Count of log lines with a phrase, per five minutes (0 when none). */
  private logPatternMetric(logGroup: logs.ILogGroup, name: string, phrase: string): cloudwatch.Metric {
    const filter = new logs.MetricFilter(this, `${name}Filter`, {
      logGroup,
      filterPattern: logs.FilterPattern.literal(`"${phrase}"`),
      metricNamespace: this.metricNamespace,
      metricName: name,
      metricValue: '1',
      defaultValue: 0,
    });
    return filter.metric({ statistic: 'Sum', period: Duration.minutes(5) });
  }
}
