import { Annotations, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { apacheMaxRequestWorkers } from './service-defaults';
import { databaseMinimum, findRelease, MOODLE_RELEASES, MoodleRelease, newestLtsRelease, securitySupportEnded } from '../contracts/moodle-releases';
import { CRON_IDLE_INTERVAL_MAX_MINUTES, cronIdleIntervalProblem } from '../monitoring/cron-alarm-window';
import { compareVersions, isLiteral, Validator, versionParts } from '../private/validation';

// Checks of MoodleService props. Each records a problem naming the prop, the value and the fix.
// Unresolved tokens are never judged.

/** Fargate's task sizes: CPU units -> allowed memory in MiB (from, to, step). */
const FARGATE_SIZES: Record<number, [number, number, number] | number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};

function allowedMemory(cpu: number): number[] {
  const sizes = FARGATE_SIZES[cpu];
  if (!sizes) return [];
  if (cpu <= 1024) return sizes as number[];
  const [from, to, step] = sizes as [number, number, number];
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/** Task CPU and memory must be one of Fargate's combinations. */
export function validateTaskSize(validator: Validator, cpuProp: string, memoryProp: string, cpu: number, memoryMiB: number): void {
  if (!isLiteral(cpu, memoryMiB)) return;
  const cpus = Object.keys(FARGATE_SIZES).join(', ');
  if (!validator.check(!FARGATE_SIZES[cpu], `${cpuProp} is ${cpu}, which Fargate does not offer. Use one of ${cpus} CPU units (1024 = 1 vCPU).`)) return;
  const allowed = allowedMemory(cpu);
  const range = cpu <= 1024 ? allowed.join(', ') : `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}`;
  validator.check(!allowed.includes(memoryMiB),
    `${memoryProp} is ${memoryMiB} MiB, which Fargate does not combine with ${cpuProp} ${cpu}. ` +
    `With ${cpu} CPU units use ${range} MiB (for example Size.mebibytes(${allowed[0]})), or change ${cpuProp}.`,
  );
}

/** Capacity provider strategy: FARGATE base >= 1, weights >= 0 and not all zero. */
export function validateCapacity(validator: Validator, onDemandBase: number, onDemandWeight: number, spotWeight: number): void {
  validator.check(!Number.isInteger(onDemandBase) || onDemandBase < 1,
    `onDemandBase is ${onDemandBase}, but at least one web task must run on on-demand FARGATE so a Spot ` +
    'reclaim can never take the whole site down. Set onDemandBase to 1 (default) or more.',
  );
  for (const [name, weight] of [['onDemandWeight', onDemandWeight], ['spotWeight', spotWeight]] as const) {
    validator.check(!Number.isInteger(weight) || weight < 0,
      `${name} is ${weight}; capacity provider weights are whole numbers of 0 or more. Set ${name} to 0 or a positive integer.`);
  }
  validator.check(onDemandWeight === 0 && spotWeight === 0,
    'onDemandWeight and spotWeight are both 0, so ECS cannot place any task above onDemandBase. ' +
    'Give spotWeight or onDemandWeight a value of 1 or more.',
  );
}

/** The cron task's capacity provider. */
export function validateCronSpot(validator: Validator, cronSpot: boolean): void {
  validator.requireLiteral(cronSpot, 'cronSpot must be a literal true or false (it decides the cron service\'s capacity provider).');
}

/** Autoscaling bounds. */
export function validateCapacityRange(validator: Validator, minCapacity: number, maxCapacity: number, onDemandBase: number): void {
  validator.checkAll([
    [!Number.isInteger(minCapacity) || minCapacity < 1,
      `minCapacity is ${minCapacity}; the web service needs at least 1 task. Set minCapacity to 1 or more (default 2, one per AZ).`],
    [!Number.isInteger(maxCapacity) || maxCapacity < minCapacity,
      `minCapacity ${minCapacity} is above maxCapacity ${maxCapacity}. Lower minCapacity or raise maxCapacity so that minCapacity <= maxCapacity.`],
    [minCapacity < onDemandBase,
      `minCapacity ${minCapacity} is below onDemandBase ${onDemandBase}, so the on-demand base would never be filled. ` +
      'Raise minCapacity to at least onDemandBase, or lower onDemandBase.'],
  ]);
}

export function validatePercent(validator: Validator, prop: string, value: number): void {
  validator.check(isLiteral(value) && !(value > 0 && value <= 100),
    `${prop} is ${value}; a utilization target is a percentage above 0 and at most 100. Set ${prop} to, for example, 60.`);
}

export function validatePositive(validator: Validator, prop: string, value: number, example: number): void {
  validator.check(isLiteral(value) && !(value > 0), `${prop} is ${value}; it must be above 0. Set ${prop} to, for example, ${example}.`);
}

/** Health-check grace: minutes, not the half hour a racing in-task install once needed. */
export function validateHealthCheckGrace(validator: Validator, grace: Duration): void {
  if (grace.isUnresolved()) return;
  const seconds = grace.toSeconds();
  validator.check(seconds < 0 || seconds > 3600,
    `healthCheckGracePeriod is ${grace.toHumanString()}, but at most 1 hour is allowed: install and upgrade run in a ` +
    'separate task before the web tasks start, so a web task answers its health check within a minute or two. ' +
    'Set healthCheckGracePeriod to Duration.minutes(2) (default) or up to Duration.hours(1).',
  );
}

/**
 * Cron's interval on an idle site: 15 minutes to 23 hours 30 minutes (what MoodleMonitoring's cron alarm can wait for,
 * the rule of monitoring/cron-alarm-window.ts), and longer than the database's pause delay.
 */
export function validateCronIdleInterval(validator: Validator, interval: Duration, autoPauseAfter: Duration | undefined): void {
  if (interval.isUnresolved()) return;
  const seconds = interval.toSeconds();
  const problem = cronIdleIntervalProblem(interval);
  validator.check(problem !== undefined, () => problem!);
  validator.check(autoPauseAfter !== undefined && !autoPauseAfter.isUnresolved() && seconds <= autoPauseAfter.toSeconds(),
    () => `cronIdleInterval (${interval.toHumanString()}) is not longer than the database's autoPauseAfter ` +
    `(${autoPauseAfter!.toHumanString()}), so cron would wake the database before it ever pauses. ` +
    'Raise cronIdleInterval (default Duration.hours(4); at most ' +
    `${Duration.minutes(CRON_IDLE_INTERVAL_MAX_MINUTES).toHumanString()}) or lower autoPauseAfter.`,
  );
}

/**
 * Database connections that are not the web tier's, the most that can be open at one time, each with where it comes
 * from: they are subtracted from the database's max_connections before the web tier's share is judged.
 */
export const DATABASE_CONNECTION_RESERVE = {
  /**
   * The cron task: one cron.php at a time (the entrypoint's run_cron waits for each run), one task that a deployment
   * stops before it starts the next (desiredCount 1, maxHealthyPercent 100); Moodle runs every task and takes its
   * MySQL locks (GET_LOCK) on that process's one connection.
   */
  cron: 1,
  /** The install/upgrade step: its PHP scripts run one after another, each closing its connection when it ends. */
  installOrUpgrade: 1,
  /** The import task (importSite): the mariadb client loading the dump, its other queries before or after. */
  importSite: 1,
  /** The export task (ExportSiteCommand, run while the site serves): mariadb-dump --single-transaction. */
  exportSite: 1,
  /** Secrets Manager's rotation functions (secretRotation): the master's and Moodle's user's, one session each. */
  secretRotation: 2,
  /** RDS's own sessions (rdsadmin, which count against max_connections): AWS documents no number; an allowance. */
  rds: 2,
  /** An operator's session (a mysql client through ECS Exec, or a bastion). */
  operator: 1,
} as const;

/** The id of the warning when the web tier can open more database connections than the database has for it. */
export const DATABASE_CONNECTIONS_WARNING = 'moodle-on-fargate:databaseConnections';

/** What the connection budget is judged on. */
export interface ConnectionBudgetInputs {
  /** The database's max_connections, if the data tier knows it. */
  readonly databaseMaxConnections?: number;
  /** `mysqli` or `auroramysql`: which fix of the database to name. */
  readonly moodleDbType: string;
  /** The web task's memory, which sets its Apache workers. */
  readonly memoryMiB: number;
  readonly maxCapacity: number;
  readonly scheduledScaling: ReadonlyArray<{ readonly minCapacity?: number; readonly maxCapacity?: number }>;
}

/**
 * A warning (not an error: the site deploys and runs; only a load that keeps every worker busy at the maximum task
 * count fails, and a database with a max_connections of the user's own may allow it) when the web tier at its most
 * tasks can open more database connections than the database has for it. Each Apache prefork worker runs one PHP
 * request at a time, and a Moodle request holds one database connection (dbpersist off: opened for the request,
 * closed at its end).
 */
export function warnDatabaseConnections(scope: Construct, inputs: ConnectionBudgetInputs): void {
  const { databaseMaxConnections: maxConnections, moodleDbType, memoryMiB, maxCapacity } = inputs;
  const scheduledCounts = inputs.scheduledScaling.flatMap((s) => [s.minCapacity, s.maxCapacity]).filter((n): n is number => n !== undefined);
  if (maxConnections === undefined || !isLiteral(maxConnections, memoryMiB, maxCapacity, ...scheduledCounts)) return;
  const maxTasks = Math.max(maxCapacity, ...scheduledCounts);
  const workers = apacheMaxRequestWorkers(memoryMiB);
  const web = maxTasks * workers;
  const reserve = Object.values(DATABASE_CONNECTION_RESERVE).reduce((sum, n) => sum + n, 0);
  const available = maxConnections - reserve;
  if (web <= available) return;
  const needed = web + reserve;
  const fromSchedule = maxTasks > maxCapacity ? ` (scheduledScaling raises the task count to ${maxTasks})` : '';
  const database = moodleDbType === 'auroramysql'
    ? 'a higher Aurora maxCapacity (Aurora Serverless v2 derives max_connections from the maximum ACU: 135 from 4 ACU, 1000 from 8, 2000 from 16)'
    : `a larger instance class (RDS for MySQL allows one connection per 12 MiB of the class's memory: ${needed} need at least ` +
      `${Math.ceil(needed * 12582880 / 2 ** 30)} GiB)`;
  const fixes = [`give the database more memory: ${database}`];
  const fitTasks = Math.floor(available / workers);
  if (fitTasks >= 1) {
    fixes.push(`lower maxCapacity${fromSchedule ? ' and the task counts of scheduledScaling' : ''} to at most ${fitTasks} ` +
      `(${fitTasks} × ${workers} = ${fitTasks * workers} connections)`);
  }
  const fitWorkers = Math.floor(available / maxTasks);
  if (fitWorkers >= apacheMaxRequestWorkers(0)) {
    fixes.push(`run smaller web tasks with at most ${fitWorkers} Apache workers each (memory below ${512 + 64 * (fitWorkers + 1)} MiB: ` +
      'Apache gets one worker per 64 MiB above 512 MiB)');
  }
  Annotations.of(scope).addWarningV2(DATABASE_CONNECTIONS_WARNING,
    `At its most tasks the web tier can open ${web} database connections (${maxTasks} tasks${fromSchedule} × ${workers} Apache workers ` +
    `for ${memoryMiB} MiB, one connection per request), but the database accepts ${maxConnections} (the data tier's ` +
    `databaseMaxConnections), of which ${reserve} are kept for cron, the install/upgrade step, the import and export tasks, ` +
    `secret rotation, RDS itself and an operator: ${available} for the web tier. Under a load that keeps the workers busy, requests ` +
    `past that fail with "Too many connections". ${capitalize(fixes.join('; or '))}. If the database allows more (a max_connections ` +
    'of your own in its parameter group, or RDS Proxy in front), acknowledge this warning with its id.');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Moodle's wwwroot: https, no trailing slash (sslproxy requires https). */
export function validateSiteUrl(validator: Validator, siteUrl: string): void {
  if (!isLiteral(siteUrl)) {
    // A URL built around a token (for example 'https://' + a distribution's domain): judge its literal start.
    const literalStart = siteUrl.split('${Token[')[0];
    if (literalStart === '' || literalStart.startsWith('https://') || 'https://'.startsWith(literalStart)) return;
    validateSiteUrl(validator, `${literalStart}…`);
    return;
  }
  validator.check(!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(siteUrl) || siteUrl.endsWith('/'),
    `edge.siteUrl is '${siteUrl}', but Moodle's wwwroot must be an https:// URL without a trailing slash ` +
    '(TLS ends before the task and Moodle runs with sslproxy, which refuses http). Give the edge an https site URL such as https://moodle.example.edu.',
  );
}

export function validateAdminEmail(validator: Validator, email: string): void {
  validator.check(isLiteral(email) && !/^[^\s@"'<>(),;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(email),
    `adminEmail '${email}' is not an email address; Moodle's installer rejects it. Set adminEmail to an address such as moodle-admin@example.edu.`);
}

export function validateAdminUser(validator: Validator, user: string): void {
  // Moodle user names: lower case letters, digits and _ - @ . (core_user::clean_field / PARAM_USERNAME).
  validator.check(isLiteral(user) && !/^[a-z0-9_.@-]{1,100}$/.test(user),
    `adminUser '${user}' is not a Moodle user name. Use lower-case letters, digits and _ - . @ only, for example 'admin' (default).`);
}

export function validateMoodleVersion(validator: Validator, version: string): MoodleRelease | undefined {
  if (!isLiteral(version)) return undefined;
  const release = findRelease(version);
  validator.check(release === undefined,
    `moodleVersion '${version}' is not a release the shipped image builds. It builds the releases of its release table ` +
    `(src/image/moodle-releases.json: ${MOODLE_RELEASES.map((r) => `'${r.tag}'`).join(', ')}), each pinned to its commit. ` +
    'Set moodleVersion to one of them, or build your own image and pass it as \'image\'.');
  return release;
}

/** A warning (not an error: a site may have to run it while it moves) for a release past its security support. */
export function warnUnsupportedRelease(scope: Construct, release: MoodleRelease, today: string): void {
  if (!securitySupportEnded(release, today)) return;
  const lts = newestLtsRelease();
  Annotations.of(scope).addWarningV2('moodle-on-fargate:moodleVersionUnsupported',
    `moodleVersion '${release.tag}': Moodle ${release.branch}'s security support ended on ${release.securitySupportEnds}; ` +
    `it gets no more security fixes. Move to Moodle ${lts.branch} LTS (moodleVersion '${lts.tag}', supported until ${lts.securitySupportEnds}).`);
}

/**
 * The database engine against the release's own minimum (its admin/environment.xml, through the release table):
 * `mysql` for dbtype mysqli, `auroramysql` for Aurora MySQL (which Moodle 4.5's driver reports as mysql).
 */
export function validateDatabaseForRelease(
  validator: Validator, release: MoodleRelease, dbType: string, serverVersion: string | undefined,
): void {
  if (serverVersion === undefined || !isLiteral(serverVersion)) return;
  const aurora = dbType === 'auroramysql';
  const minimum = databaseMinimum(release, aurora);
  if (compareVersions(versionParts(serverVersion), versionParts(minimum)) >= 0) return;
  const engine = aurora ? `Aurora MySQL compatible with MySQL ${serverVersion}` : `MySQL ${serverVersion}`;
  const runsOn = MOODLE_RELEASES.filter((r) =>
    compareVersions(versionParts(serverVersion), versionParts(databaseMinimum(r, aurora))) >= 0).map((r) => `'${r.tag}'`);
  validator.check(true,
    `moodleVersion '${release.tag}' (Moodle ${release.branch}) needs ${aurora ? 'Aurora MySQL compatible with MySQL' : 'MySQL'} ${minimum} or later ` +
    `(its admin/environment.xml), but the data tier's database (data.database) is ${engine}. ` +
    (aurora
      ? 'Give data.database a newer Aurora MySQL version (MoodleDatabase.auroraServerless({ version }))'
      : 'Give data.database MySQL 8.4 (MoodleDatabase.mysql() defaults to rds.MysqlEngineVersion.VER_8_4_8)') +
    (runsOn.length > 0 ? `, or set moodleVersion to a release that runs on it (${runsOn.join(', ')}).` : '.'));
}

export function validateSiteName(validator: Validator, prop: string, value: string): void {
  validator.check(isLiteral(value) && (value.trim() === '' || value.length > 254),
    `${prop} is '${value}'; Moodle needs a non-empty site name of at most 254 characters. Set ${prop}, or omit it for the default.`);
}

// ---- Schedules (Application Auto Scaling: cron(6 fields), rate(...), at(...)) --------------------------------

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField { readonly name: string; readonly min: number; readonly max: number; readonly names?: string[] }
const CRON_FIELDS: CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS },
  { name: 'year', min: 1970, max: 2199 },
];

function cronValueValid(field: CronField, value: string): boolean {
  if (field.names && field.names.includes(value.toUpperCase())) return true;
  if (!/^\d+$/.test(value)) return false;
  const number = Number(value);
  return number >= field.min && number <= field.max;
}

function cronItemValid(field: CronField, item: string): boolean {
  if (item === '*') return true;
  if (field.name === 'day-of-month' && /^(L|LW|\d{1,2}W)$/.test(item)) return true;
  if (field.name === 'day-of-week' && /^([1-7]|[A-Za-z]{3})(L|#[1-5])$/.test(item)) {
    return cronValueValid(field, item.replace(/(L|#[1-5])$/, ''));
  }
  const [range, step, ...rest] = item.split('/');
  if (rest.length > 0 || (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0))) return false;
  if (range === '*') return step !== undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return false;
  return bounds.every((bound) => cronValueValid(field, bound));
}

/** Why an Application Auto Scaling schedule expression is malformed, or undefined when it is fine. */
export function scheduleProblem(expression: string): string | undefined {
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return `it has ${fields.length} fields; Application Auto Scaling cron expressions have 6 (minutes hours day-of-month month day-of-week year)`;
    }
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      return 'exactly one of day-of-month and day-of-week must be ? (for example cron(0 7 ? * MON-FRI *))';
    }
    for (let index = 0; index < 6; index++) {
      const field = CRON_FIELDS[index];
      const value = fields[index];
      if (value === '?' && (field.name === 'day-of-month' || field.name === 'day-of-week')) continue;
      if (!value.split(',').every((item) => cronItemValid(field, item))) {
        return `its ${field.name} field '${value}' is not valid (allowed: ${field.min}-${field.max}${field.names ? ' or names' : ''}, with , - * /)`;
      }
    }
    return undefined;
  }
  if (/^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(expression)) return undefined;
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(expression)) return undefined;
  return 'it is neither cron(...), rate(...) nor at(...)';
}

export function validateSchedule(validator: Validator, index: number, expression: string): void {
  const problem = isLiteral(expression) ? scheduleProblem(expression) : undefined;
  validator.check(problem !== undefined,
    `scheduledScaling[${index}].schedule '${expression}' is malformed: ${problem}. ` +
    "Build it with appscaling.Schedule.cron({ minute: '0', hour: '7', weekDay: 'MON-FRI' }) or write a 6-field cron(...) expression.",
  );
}

/** The edge's proxy count becomes MOODLE_PROXY_HOPS, which the image accepts from 0 to 5. */
export function validateForwardingProxies(validator: Validator, proxies: number): void {
  if (!validator.requireLiteral(proxies,
    'edge.forwardingProxies must be a literal number: the image reads the viewer\'s address that many X-Forwarded-For entries from the end.',
  )) return;
  validator.check(!Number.isInteger(proxies) || proxies < 0 || proxies > 5,
    `edge.forwardingProxies is ${proxies}; it must be a whole number from 0 to 5 (the proxies in front of the web tasks that append to X-Forwarded-For; MoodleEdge has 2).`);
}
