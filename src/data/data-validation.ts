import { Duration, Size, Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { CREATED_DATABASE_PROPS, MoodleDataProps } from './moodle-data-props';
import { databaseMinimum, MOODLE_RELEASES } from '../contracts/moodle-releases';
import { check, compareVersions, isLiteral, Validator, versionParts } from '../private/validation';

export function validateExistingDatabase(props: MoodleDataProps): void {
  const validator = new Validator('MoodleData');
  validator.checkAll([
    [props.existingInstance !== undefined && props.existingCluster !== undefined,
      'both existingInstance and existingCluster are given. Give one of them (with existingSecret).'],
    [!props.existingSecret,
      () => `${props.existingInstance ? 'existingInstance' : 'existingCluster'} is given without existingSecret, so Moodle would have no credentials. Add existingSecret: the database's secret (JSON with username and password).`],
  ]);
  validator.rejectStray(props, CREATED_DATABASE_PROPS, (given) =>
    `${given.join(', ')} only shape a database that MoodleData creates, but an existing database was given. Remove ${given.join(', ')}, or remove the existing database to let MoodleData create one.`,
  );
  validator.throwIfAny();
}

export function validateMysqlVersion(version: rds.MysqlEngineVersion): void {
  if (!isLiteral(version.mysqlFullVersion)) return;
  const lowest = MOODLE_RELEASES.map((release) => databaseMinimum(release, false))
    .sort((a, b) => compareVersions(versionParts(a), versionParts(b)))[0];
  check('MoodleData', [[
    compareVersions(versionParts(version.mysqlFullVersion), versionParts(lowest)) < 0,
    () => `MoodleDatabase.mysql({ version }) is ${version.mysqlFullVersion}, but no Moodle release the image builds runs on MySQL older than ${lowest} ` +
      '(Moodle 5.x needs 8.4). Use rds.MysqlEngineVersion.VER_8_4_8 (default) or a later 8.4 release.',
  ]]);
}

export function validateAuroraVersion(version: rds.AuroraMysqlEngineVersion, minCapacity: number): void {
  const full = version.auroraMysqlFullVersion;
  if (!isLiteral(full)) return;
  const match = /^(\d+)\.(\d+)\.mysql_aurora\.(\d+)\.(\d+)\.(\d+)/.exec(full);
  const aurora = match ? [Number(match[3]), Number(match[4]), Number(match[5])] : [];
  check('MoodleData', [
    [!match || Number(match[1]) < 8 || aurora[0] < 3,
      `MoodleDatabase.auroraServerless({ version }) is ${full}, but Moodle requires Aurora MySQL 3 (MySQL 8.0 compatible) or later. Use rds.AuroraMysqlEngineVersion.VER_3_10_4 (default) or a later 3.x release.`],
    [match !== null && minCapacity === 0 && compareVersions(aurora, [3, 8, 0]) < 0,
      `minCapacity is 0 (auto-pause) but the Aurora version ${full} is older than 3.08.0, the first to pause at 0 ACU. Use a 3.08.0 or later version, or set minCapacity to 0.5 or more.`],
  ]);
}

export function validateCapacity(minCapacity: number, maxCapacity: number): void {
  if (!isLiteral(minCapacity, maxCapacity)) return;
  const halfSteps = (value: number) => Number.isInteger(value * 2);
  check('MoodleData', [
    [!halfSteps(minCapacity) || minCapacity < 0 || minCapacity > 256,
      `minCapacity is ${minCapacity}. Give 0 to 256 Aurora capacity units in steps of 0.5 (default 0.5; 0 allows auto-pause).`],
    [!halfSteps(maxCapacity) || maxCapacity < 1 || maxCapacity > 256,
      `maxCapacity is ${maxCapacity}. Give 1 to 256 Aurora capacity units in steps of 0.5 (default 8).`],
    [minCapacity > maxCapacity,
      `minCapacity (${minCapacity}) is above maxCapacity (${maxCapacity}). Lower minCapacity or raise maxCapacity so that minCapacity <= maxCapacity.`],
  ]);
}

export function validateAutoPause(after: Duration): void {
  if (after.isUnresolved()) return;
  const seconds = after.toSeconds();
  check('MoodleData', [[seconds < 300 || seconds > 86400, () => `autoPauseAfter is ${after.toHumanString()}. Give 5 minutes to 1 day (default 10 minutes).`]]);
}

export function validateBackupRetention(retention: Duration): void {
  if (retention.isUnresolved()) return;
  const days = retention.toHours() / 24;
  check('MoodleData', [[
    !Number.isInteger(days) || days < 1 || days > 35,
    () => `backupRetention is ${retention.toHumanString()}, outside what RDS allows for automated backups. Give whole days from Duration.days(1) to Duration.days(35) (default 7); keep longer history with backupPlanRetention.`,
  ]]);
}

export function validateBackupPlanRetention(retention: Duration): void {
  if (retention.isUnresolved()) return;
  const days = retention.toHours() / 24;
  check('MoodleData', [[
    !Number.isInteger(days) || days < 1 || days > 36500,
    () => `backupPlanRetention is ${retention.toHumanString()}, outside what AWS Backup allows. Give whole days from Duration.days(1) to Duration.days(36500) (default 35).`,
  ]]);
}

export function validateRotation(after: Duration): void {
  if (after.isUnresolved()) return;
  const days = after.toHours() / 24;
  check('MoodleData', [[
    !Number.isInteger(days) || days < 1 || days > 1000,
    () => `secretRotation is ${after.toHumanString()}. Give whole days from Duration.days(1) to Duration.days(1000), or omit it to keep rotation off.`,
  ]]);
}

export function validateStorage(allocated: Size, maxAllocated: Size): void {
  if (allocated.isUnresolved() || maxAllocated.isUnresolved()) return;
  const gib = allocated.toGibibytes();
  check('MoodleData', [
    [gib < 20 || gib > 65536, `allocatedStorage is ${gib} GiB. gp3 storage for RDS for MySQL needs 20 to 65536 GiB (default 20).`],
    [maxAllocated.toGibibytes() < gib,
      `maxAllocatedStorage (${maxAllocated.toGibibytes()} GiB) is below allocatedStorage (${gib} GiB). Raise maxAllocatedStorage to at least allocatedStorage.`],
  ]);
}

export function validateDatabaseName(name: string): void {
  check('MoodleData', [[
    isLiteral(name) && !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name),
    `databaseName '${name}' is not a valid MySQL schema name here. Use a letter followed by up to 63 letters, digits or underscores (default 'moodle').`,
  ]]);
}

export function validateThroughput(mode: efs.ThroughputMode, provisioned: Size | undefined): void {
  const provisionedMode = mode === efs.ThroughputMode.PROVISIONED;
  check('MoodleData', [
    [provisionedMode && provisioned === undefined,
      'throughputMode is PROVISIONED but provisionedThroughput is missing. Add provisionedThroughput (for example Size.mebibytes(50)), or use ThroughputMode.ELASTIC (default).'],
    [!provisionedMode && provisioned !== undefined,
      `provisionedThroughput applies only to throughputMode PROVISIONED, but throughputMode is ${mode}. Remove provisionedThroughput, or set throughputMode: efs.ThroughputMode.PROVISIONED.`],
  ]);
}

/** EFS's own rule for an access point's root directory (RootDirectory.Path: 1 to 100 characters, up to four levels). */
const ACCESS_POINT_PATH = /^(\/(?!\.)[^$#<>;`|&?{}^*/\n]+){1,4}$/;

export function validateDataDirectory(directory: string): void {
  if (Token.isUnresolved(directory)) return;
  check('MoodleData', [[
    directory.length > 100 || !ACCESS_POINT_PATH.test(directory),
    () => `dataDirectory '${directory}' is not a directory EFS can give an access point: an absolute path of one to four levels, at most ` +
      '100 characters, no level starting with a dot and none of $#<>;`|&?{}^* (for example \'/moodledata\', or ' +
      '\'/aws-backup-restore_2026-12-07T03-15-00-000Z/moodledata\' after an AWS Backup restore into this file system).',
  ]]);
}
