import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * An existing Moodle site to bring in on the first deploy: a `mysqldump` of its database and an archive of its
 * moodledata in S3. A one-off task loads both into the site's empty database and moodledata (checked before anything
 * is written), then the install/upgrade step upgrades the site to the image's release and configures its cache.
 */
export interface MoodleSiteImport {
  /** The bucket holding the dump and the archive. The import task may read only those two objects. */
  readonly bucket: s3.IBucket;

  /**
   * Key of the database dump: one database, utf8mb4, made with `mysqldump --single-transaction --no-tablespaces
   * --skip-triggers --set-gtid-purged=OFF <database>` (or `mariadb-dump` without the last option), plain or gzip.
   * The export task of a site of this library writes one (`<export>/database.sql.gz`).
   */
  readonly databaseDumpKey: string;

  /**
   * Key of the moodledata archive: a tar file (plain or gzip) made inside moodledata, for example
   * `tar -C /var/moodledata -czf moodledata.tar.gz .`. `cache/`, `localcache/`, `muc/`, `sessions/`, `temp/`,
   * `trashdir/` and `lock/` are left out when it is unpacked.
   */
  readonly moodledataArchiveKey: string;

  /**
   * The address the site had (its old `$CFG->wwwroot`, for example `https://moodle.example.edu`): after the upgrade,
   * Moodle's `admin/tool/replace/cli/replace.php` replaces it with the new address in every text of the database,
   * then caches are purged.
   *
   * @default - the site's texts keep the addresses they have
   */
  readonly previousSiteUrl?: string;

  /**
   * Whether the import may delete a site the database or moodledata already holds. Without it, an import onto a
   * database with tables (or a moodledata with files) fails and changes nothing.
   *
   * @default false
   */
  readonly replaceExistingSite?: boolean;
}
