import { Duration, Size, Token } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { CREATED_DATABASE_PROPS, MoodleDataProps } from './moodle-data-props';

export function validateExistingDatabase(props: MoodleDataProps): void {
  if (props.existingInstance && props.existingCluster) {
    throw new Error('MoodleData: both existingInstance and existingCluster are given. Give one of them (with existingSecret).');
  }
  if (!props.existingSecret) {
    const which = props.existingInstance ? 'existingInstance' : 'existingCluster';
    throw new Error(
      `MoodleData: ${which} is given without existingSecret, so Moodle would have no credentials. Add existingSecret: the database's secret (JSON with username and password).`,
    );
  }
  const given = CREATED_DATABASE_PROPS.filter((name) => props[name] !== undefined);
  if (given.length > 0) {
    throw new Error(
      `MoodleData: ${given.join(', ')} only shape a database that MoodleData creates, but an existing database was given. Remove ${given.join(', ')}, or remove the existing database to let MoodleData create one.`,
    );
  }
}

function versionParts(version: string): number[] {
  return version.split(/[.]/).map((part) => Number.parseInt(part, 10)).filter((part) => !Number.isNaN(part));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function validateMysqlVersion(version: rds.MysqlEngineVersion): void {
  if (Token.isUnresolved(version.mysqlFullVersion)) return;
  if (compareVersions(versionParts(version.mysqlFullVersion), [8, 4]) < 0) {
    throw new Error(
      `MoodleData: MoodleDatabase.mysql({ version }) is ${version.mysqlFullVersion}, but Moodle 5.1 requires MySQL 8.4 or later. Use rds.MysqlEngineVersion.VER_8_4_8 (default) or a later 8.4 release.`,
    );
  }
}

export function validateAuroraVersion(version: rds.AuroraMysqlEngineVersion, minCapacity: number): void {
  const full = version.auroraMysqlFullVersion;
  if (Token.isUnresolved(full)) return;
  const match = /^(\d+)\.(\d+)\.mysql_aurora\.(\d+)\.(\d+)\.(\d+)/.exec(full);
  if (!match || Number(match[1]) < 8 || Number(match[3]) < 3) {
    throw new Error(
      `MoodleData: MoodleDatabase.auroraServerless({ version }) is ${full}, but Moodle 5.1 requires Aurora MySQL 3 (MySQL 8.0 compatible) or later. Use rds.AuroraMysqlEngineVersion.VER_3_10_4 (default) or a later 3.x release.`,
    );
  }
  const aurora = [Number(match[3]), Number(match[4]), Number(match[5])];
  if (minCapacity === 0 && compareVersions(aurora, [3, 8, 0]) < 0) {
    throw new Error(
      `MoodleData: minCapacity is 0 (auto-pause) but the Aurora version ${full} is older than 3.08.0, the first to pause at 0 ACU. Use a 3.08.0 or later version, or set minCapacity to 0.5 or more.`,
    );
  }
}

export function validateCapacity(minCapacity: number, maxCapacity: number): void {
  if (Token.isUnresolved(minCapacity) || Token.isUnresolved(maxCapacity)) return;
  const halfSteps = (value: number) => Number.isInteger(value * 2);
  if (!halfSteps(minCapacity) || minCapacity < 0 || minCapacity > 256) {
    throw new Error(`MoodleData: minCapacity is ${minCapacity}. Give 0 to 256 Aurora capacity units in steps of 0.5 (default 0.5; 0 allows auto-pause).`);
  }
  if (!halfSteps(maxCapacity) || maxCapacity < 1 || maxCapacity > 256) {
    throw new Error(`MoodleData: maxCapacity is ${maxCapacity}. Give 1 to 256 Aurora capacity units in steps of 0.5 (default 8).`);
  }
  if (minCapacity > maxCapacity) {
    throw new Error(
      `MoodleData: minCapacity (${minCapacity}) is above maxCapacity (${maxCapacity}). Lower minCapacity or raise maxCapacity so that minCapacity <= maxCapacity.`,
    );
  }
}

export function validateAutoPause(after: Duration): void {
  if (after.isUnresolved()) return;
  const seconds = after.toSeconds();
  if (seconds < 300 || seconds > 86400) {
    throw new Error(`MoodleData: autoPauseAfter is ${after.toHumanString()}. Give 5 minutes to 1 day (default 10 minutes).`);
  }
}

export function validateBackupRetention(retention: Duration): void {
  if (retention.isUnresolved()) return;
  const days = retention.toHours() / 24;
  if (!Number.isInteger(days) || days < 1 || days > 35) {
    throw new Error(
      `MoodleData: backupRetention is ${retention.toHumanString()}, outside what RDS allows for automated backups. Give whole days from Duration.days(1) to Duration.days(35) (default 7); keep longer history with backupPlanRetention.`,
    );
  }
}

export function validateBackupPlanRetention(retention: Duration): void {
  if (retention.isUnresolved()) return;
  const days = retention.toHours() / 24;
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new Error(
      `MoodleData: backupPlanRetention is ${retention.toHumanString()}, outside what AWS Backup allows. Give whole days from Duration.days(1) to Duration.days(36500) (default 35).`,
    );
  }
}

export function validateRotation(after: Duration): void {
  if (after.isUnresolved()) return;
  const days = after.toHours() / 24;
  if (!Number.isInteger(days) || days < 1 || days > 1000) {
    throw new Error(`MoodleData: secretRotation is ${after.toHumanString()}. Give whole days from Duration.days(1) to Duration.days(1000), or omit it to keep rotation off.`);
  }
}

export function validateStorage(allocated: Size, maxAllocated: Size): void {
  if (allocated.isUnresolved() || maxAllocated.isUnresolved()) return;
  const gib = allocated.toGibibytes();
  if (gib < 20 || gib > 65536) {
    throw new Error(`MoodleData: allocatedStorage is ${gib} GiB. gp3 storage for RDS for MySQL needs 20 to 65536 GiB (default 20).`);
  }
  if (maxAllocated.toGibibytes() < gib) {
    throw new Error(
      `MoodleData: maxAllocatedStorage (${maxAllocated.toGibibytes()} GiB) is below allocatedStorage (${gib} GiB). Raise maxAllocatedStorage to at least allocatedStorage.`,
    );
  }
}

export function validateDatabaseName(name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new Error(`MoodleData: databaseName '${name}' is not a valid MySQL schema name here. Use a letter followed by up to 63 letters, digits or underscores (default 'moodle').`);
  }
}

export function validateThroughput(mode: efs.ThroughputMode, provisioned: Size | undefined): void {
  if (mode === efs.ThroughputMode.PROVISIONED && provisioned === undefined) {
    throw new Error('MoodleData: throughputMode is PROVISIONED but provisionedThroughput is missing. Add provisionedThroughput (for example Size.mebibytes(50)), or use ThroughputMode.ELASTIC (default).');
  }
  if (mode !== efs.ThroughputMode.PROVISIONED && provisioned !== undefined) {
    throw new Error(`MoodleData: provisionedThroughput applies only to throughputMode PROVISIONED, but throughputMode is ${mode}. Remove provisionedThroughput, or set throughputMode: efs.ThroughputMode.PROVISIONED.`);
  }
}
