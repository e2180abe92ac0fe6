import { MOODLE_RELEASES } from '../../src/contracts/moodle-releases';

/** README's table of the releases the image builds, from the release table (src/image/moodle-releases.json). */
export function releaseTable(): string {
  const rows = MOODLE_RELEASES.map((r) => [
    `\`${r.tag}\`${r.lts ? ' (LTS)' : ''}`,
    `\`${r.commit.slice(0, 12)}\``,
    `${r.php.join(', ')} (image: ${r.buildPhp})`,
    `MySQL ${r.mysql}+ · Aurora MySQL ${r.auroraMysql}-compatible+`,
    `${r.upgradesFrom}+`,
    r.generalSupportEnds,
    r.securitySupportEnds,
  ]);
  return [
    '| `moodleVersion` | commit | PHP | database | upgrades a site from | general support until | security fixes until |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}
