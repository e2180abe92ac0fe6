import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_SOURCE_DIR } from './image-contract';
import { compareVersions, versionParts } from '../private/validation';

/** One row of the release table (src/image/moodle-releases.json); sources in docs/decisions/releases.md. */
export interface MoodleRelease {
  /** Git tag of github.com/moodle/moodle, e.g. `v5.3.0`: the value of `moodleVersion`. */
  readonly tag: string;
  /** The commit the image is built from (40 hex). */
  readonly commit: string;
  /** `$release` of its version.php. */
  readonly release: string;
  /** `$version` of its version.php. */
  readonly version: string;
  /** Major release, e.g. `5.3`. */
  readonly branch: string;
  readonly lts: boolean;
  /** PHP versions Moodle supports for it; the image is built on `buildPhp`. */
  readonly php: readonly string[];
  readonly buildPhp: string;
  /** Lowest MySQL its admin/environment.xml accepts (dbtype mysqli). */
  readonly mysql: string;
  /** Lowest MySQL-compatible version it accepts for Aurora MySQL (dbtype auroramysql). */
  readonly auroraMysql: string;
  /** Oldest release a site may run for this one to upgrade it (`requires` of its environment.xml). */
  readonly upgradesFrom: string;
  /** ISO dates. */
  readonly generalSupportEnds: string;
  readonly securitySupportEnds: string;
}

export const MOODLE_RELEASES_FILE = path.join(IMAGE_SOURCE_DIR, 'moodle-releases.json');

/** The table, newest first. */
export const MOODLE_RELEASES: readonly MoodleRelease[] = loadReleases(MOODLE_RELEASES_FILE);

export function findRelease(tag: string): MoodleRelease | undefined {
  return MOODLE_RELEASES.find((release) => release.tag === tag);
}

/** The newest release of the newest LTS branch. */
export function newestLtsRelease(releases: readonly MoodleRelease[] = MOODLE_RELEASES): MoodleRelease {
  const lts = releases.filter((release) => release.lts);
  if (lts.length === 0) throw new Error('the Moodle release table has no LTS release');
  return [...lts].sort((a, b) => compareVersions(versionParts(b.tag.slice(1)), versionParts(a.tag.slice(1))))[0];
}

/** The lowest MySQL-compatible version a release runs on: for Aurora MySQL (dbtype auroramysql) or MySQL. */
export function databaseMinimum(release: MoodleRelease, aurora: boolean): string {
  return aurora ? release.auroraMysql : release.mysql;
}

/** Whether a release's security support has ended on `today` (YYYY-MM-DD). */
export function securitySupportEnded(release: MoodleRelease, today: string): boolean {
  return release.securitySupportEnds < today;
}

function loadReleases(file: string): MoodleRelease[] {
  const releases: MoodleRelease[] = JSON.parse(fs.readFileSync(file, 'utf8')).releases;
  for (const release of releases) {
    const problems = [
      !/^v\d+\.\d+\.\d+$/.test(release.tag) && 'tag is not vX.Y.Z',
      !/^[0-9a-f]{40}$/.test(release.commit) && 'commit is not 40 hex digits',
      !/^\d{10}\.\d{2}$/.test(release.version) && 'version is not that of a version.php (e.g. 2026100500.00)',
      !/^\d+\.\d+$/.test(release.branch) && 'branch is not X.Y',
      !new RegExp(`^${release.branch.replace('.', '\\.')}[ .+]`).test(release.release) && `release '${release.release}' is not of branch ${release.branch}`,
      ![release.mysql, release.auroraMysql, release.upgradesFrom, ...release.php].every((v) => /^\d+(\.\d+)*$/.test(v)) &&
        'mysql, auroraMysql, upgradesFrom and php must be version numbers',
      typeof release.lts !== 'boolean' && 'lts must be true or false',
      !release.php.includes(release.buildPhp) && `buildPhp ${release.buildPhp} is not one of its PHP versions`,
      ![release.generalSupportEnds, release.securitySupportEnds].every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)) && 'support dates are not YYYY-MM-DD',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${file}: release ${release.tag}: ${problems.join('; ')}`);
  }
  return releases;
}
