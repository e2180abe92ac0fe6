# Site import and export, sourced by entrypoint.sh (which defines PHP, BIN_DIR, log, admin_cli, require_env).
#   import-site  one-off task before the first install/upgrade step: a mysqldump and a moodledata archive from S3 into
#                the site's empty database and moodledata, checked before anything is written
#   export-site  one-off task: the database (a consistent dump) and moodledata to S3, the site in maintenance meanwhile

DATAROOT="${MOODLE_DATAROOT:-/mnt/moodledata}"
# What a moodledata copy leaves out: caches, the cache configuration (muc/, the old site's stores) and sessions the new site rebuilds, temporary files, the trash, the old
# site's maintenance page, and this image's own markers.
TRANSFER_EXCLUDES=(cache localcache muc sessions temp trashdir climaintenance.html lock moodle-fargate-last-request moodle-fargate)
# Written by the import when the site moves to a new address; the install/upgrade step replaces the old one after upgrading.
IMPORT_URL_MARKER="$DATAROOT/moodle-fargate/import-previous-url"
# Written when an import replaces a site whose tasks may be running: they show Moodle's maintenance page (the file
# Moodle's CLI maintenance mode writes) until the install/upgrade step after the import takes it away.
IMPORT_MAINTENANCE_MARKER="$DATAROOT/moodle-fargate/import-maintenance"

# One part of an upload in memory at a time (up to 256 MiB, and curl's copy of it), above php.ini's limit for Moodle.
s3() { "$PHP" -d memory_limit=1G "$BIN_DIR/s3-object.php" "$@"; }

# A [client] option file for the mariadb tools (no password on a command line), verifying the server's certificate.
db_client_config() {
  local user="$1" password="$2" file="$MOODLE_RUNTIME_DIR/db-client-$3.cnf"
  quote() { local v="${1//\\/\\\\}"; printf '"%s"' "${v//\"/\\\"}"; }
  (umask 077; {
    echo '[client]'
    echo "user=$(quote "$user")"
    echo "password=$(quote "$password")"
    echo "host=$MOODLE_DB_HOST"
    echo "port=${MOODLE_DB_PORT:-3306}"
    echo "default-character-set=utf8mb4"
    if [[ -n "${MOODLE_DB_CA_FILE:-}" ]]; then echo "ssl-ca=$MOODLE_DB_CA_FILE"; else echo "ssl-capath=${MOODLE_DB_CA_PATH:-/etc/ssl/certs}"; fi
    echo "ssl-verify-server-cert"
  } > "$file")
  echo "$file"
}

site_tables() {
  mariadb --defaults-extra-file="$1" --batch --skip-column-names \
    -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$MOODLE_DB_NAME'"
}

drop_site_tables() {
  local config="$1" tables
  tables="$(site_tables "$config" | sed 's/.*/`&`/' | paste -sd, -)"
  if [[ -n $tables ]]; then
    mariadb --defaults-extra-file="$config" --database="$MOODLE_DB_NAME" -e "SET FOREIGN_KEY_CHECKS=0; DROP TABLE $tables"
  fi
}

# moodledata entries besides the ones every file system or this image has.
moodledata_entries() {
  find "$DATAROOT" -mindepth 1 -maxdepth 1 ! -name lost+found ! -name moodle-fargate ! -name moodle-fargate-last-request \
    ! -name climaintenance.html -printf '%f\n'
}

# Everything of moodledata but the maintenance page and this image's markers.
empty_moodledata() {
  find "$DATAROOT" -mindepth 1 -maxdepth 1 ! -name lost+found ! -name moodle-fargate ! -name climaintenance.html -exec rm -rf {} +
}

run_import_site() {
  require_env MOODLE_IMPORT_DATABASE_DUMP MOODLE_IMPORT_MOODLEDATA MOODLE_DB_ADMIN_USER MOODLE_DB_ADMIN_PASSWORD MOODLE_DB_NAME
  local dump="$MOODLE_IMPORT_DATABASE_DUMP" archive="$MOODLE_IMPORT_MOODLEDATA" replace="${MOODLE_IMPORT_REPLACE_EXISTING:-false}"
  local master tables entries facts release version loaded=0
  trap 'log "import-site failed (exit $?)"' ERR

  log "checking the import before anything is written: $dump and $archive"
  s3 head "$dump" >/dev/null || { log "importSite.databaseDumpKey: $dump cannot be read (above). Nothing was imported."; exit 4; }
  s3 head "$archive" >/dev/null || { log "importSite.moodledataArchiveKey: $archive cannot be read (above). Nothing was imported."; exit 4; }
  master="$(db_client_config "$MOODLE_DB_ADMIN_USER" "$MOODLE_DB_ADMIN_PASSWORD" master)"
  tables="$(site_tables "$master" | wc -l)"
  entries="$(moodledata_entries | head -n 5 | paste -sd' ' -)"
  if [[ $replace != true && ( $tables -gt 0 || -n $entries ) ]]; then
    log "the site already holds data (database $MOODLE_DB_NAME: $tables tables; moodledata: ${entries:-empty}). The import replaces" \
      "a site only when asked: set importSite.replaceExistingSite to true to delete it and import. Nothing was imported."
    exit 5
  fi
  facts="$(s3 get "$dump" | gzip -dcf | "$PHP" "$BIN_DIR/check-site-dump.php")" \
    || { log "importSite.databaseDumpKey: $dump is not a dump this site can load (above). Nothing was imported."; exit 3; }
  release="$("$PHP" -r 'echo json_decode($argv[1], true)["release"];' "$facts")"
  version="$("$PHP" -r 'echo json_decode($argv[1], true)["version"];' "$facts")"
  log "the dump holds Moodle $release (version $version): $facts"
  # Moodle's own database user, which the release check connects as (config.php).
  "$PHP" "$BIN_DIR/ensure-db-user.php"
  "$PHP" "$BIN_DIR/check-upgrade-path.php" --release="$release" --version="$version"

  # From here on a failure removes what was written, so a retry (or the stack's rollback) starts from an empty site.
  # (set +e: a failing cleanup command must not end the trap before the rest of the cleanup and the exit.)
  trap 'status=$?; set +e; trap - ERR; log "import-site failed (exit $status): removing what was imported"
    drop_site_tables "$master" || log "could not drop the loaded tables: drop them before importing again"
    empty_moodledata || log "could not empty moodledata"; exit $status' ERR
  if [[ $replace == true && ( $tables -gt 0 || -n $entries ) ]]; then
    log "importSite.replaceExistingSite: the site in maintenance, then its $tables tables and its moodledata deleted"
    mkdir -p "$(dirname "$IMPORT_MAINTENANCE_MARKER")"
    touch "$IMPORT_MAINTENANCE_MARKER"
    printf '<h1>This site is being replaced</h1><p>It will be back in a few minutes.</p>\n' > "$DATAROOT/climaintenance.html"
    drop_site_tables "$master"
    empty_moodledata
  fi
  log "loading the database dump into $MOODLE_DB_NAME"
  s3 get "$dump" | gzip -dcf | mariadb --defaults-extra-file="$master" --database="$MOODLE_DB_NAME" --binary-mode
  loaded="$(site_tables "$master" | wc -l)"
  log "loaded $loaded tables"
  log "copying moodledata (leaving out ${TRANSFER_EXCLUDES[*]})"
  local excludes=()
  for name in "${TRANSFER_EXCLUDES[@]}"; do excludes+=("--exclude=./$name" "--exclude=$name"); done
  # Every file belongs to the task's user (the access point's), whatever owned it in the archive.
  s3 get "$archive" | gzip -dcf | tar -x -f - -C "$DATAROOT" --no-same-owner --no-same-permissions --anchored "${excludes[@]}"
  if [[ ! -d $DATAROOT/filedir ]]; then
    log "importSite.moodledataArchiveKey: the archive has no filedir/ at its top (found: $(moodledata_entries | head -n 5 | paste -sd' ' - || true));" \
      "make it inside moodledata: tar -C <moodledata> -czf moodledata.tar.gz ."
    false
  fi
  if [[ -n ${MOODLE_IMPORT_PREVIOUS_URL:-} ]]; then
    mkdir -p "$(dirname "$IMPORT_URL_MARKER")"
    printf '%s\n' "$MOODLE_IMPORT_PREVIOUS_URL" > "$IMPORT_URL_MARKER"
  fi
  rm -f "$master"
  trap - ERR
  log "import-site finished: Moodle $release; the install/upgrade step upgrades it and configures its cache"
}

# After an imported site's upgrade: its old address replaced by MOODLE_WWWROOT in every text, caches purged; the
# maintenance page of a replacing import taken away.
finish_imported_site() {
  if [[ -s $IMPORT_URL_MARKER ]]; then
    local previous replace="$CLI_DIR/../tool/replace/cli/replace.php"
    previous="$(head -n 1 "$IMPORT_URL_MARKER")"
    if [[ $previous != "$MOODLE_WWWROOT" ]]; then
      log "replacing the imported site's address $previous with $MOODLE_WWWROOT"
      admin_cli maintenance.php --enable
      "$PHP" "$replace" --search="$previous" --replace="$MOODLE_WWWROOT" --shorten --non-interactive
      admin_cli purge_caches.php
      admin_cli maintenance.php --disable
    fi
    rm -f "$IMPORT_URL_MARKER"
  fi
  if [[ -e $IMPORT_MAINTENANCE_MARKER ]]; then
    log "the imported site replaced the one before: maintenance mode off"
    rm -f "$DATAROOT/climaintenance.html" "$IMPORT_MAINTENANCE_MARKER"
  fi
}

# moodledata as a tar on stdout. A cron run already under way when maintenance began (its keep-alive lasts up to
# 10 minutes) may still change files: tar's exit 1 ("file changed as we read it") keeps the archive, error 2 does not.
archive_moodledata() {
  local status=0
  tar -c -f - -C "$DATAROOT" --anchored --warning=no-file-changed "$@" . || status=$?
  [[ $status -le 1 ]]
}

run_export_site() {
  require_env MOODLE_EXPORT_LOCATION MOODLE_DB_USER MOODLE_DB_PASSWORD MOODLE_DB_NAME
  local location stamp client dump_facts data_facts release version
  location="${MOODLE_EXPORT_LOCATION%/}/$(date -u +%Y%m%dT%H%M%SZ)"
  client="$(db_client_config "$MOODLE_DB_USER" "$MOODLE_DB_PASSWORD" export)"
  trap 'log "export-site failed (exit $?)"' ERR
  release="$(mariadb --defaults-extra-file="$client" --database="$MOODLE_DB_NAME" --batch --skip-column-names \
    -e "SELECT value FROM ${MOODLE_DB_PREFIX:-mdl_}config WHERE name = 'release'")"
  version="$(mariadb --defaults-extra-file="$client" --database="$MOODLE_DB_NAME" --batch --skip-column-names \
    -e "SELECT value FROM ${MOODLE_DB_PREFIX:-mdl_}config WHERE name = 'version'")"
  log "exporting Moodle $release to $location/, the site in maintenance meanwhile"
  if [[ -e $DATAROOT/climaintenance.html ]]; then
    # Left on on purpose (a failed upgrade keeps its site in maintenance): it stays on.
    log "the site is in maintenance mode already: it stays so after the export"
  else
    admin_cli maintenance.php --enable
    # Whatever happens, the site comes back.
    trap 'admin_cli maintenance.php --disable >&2 || true' EXIT
  fi
  dump_facts="$(mariadb-dump --defaults-extra-file="$client" --single-transaction --no-tablespaces --skip-triggers \
    --hex-blob "$MOODLE_DB_NAME" | gzip -c | s3 put "$location/database.sql.gz")"
  local excludes=()
  for name in "${TRANSFER_EXCLUDES[@]}"; do excludes+=("--exclude=./$name"); done
  data_facts="$(archive_moodledata "${excludes[@]}" | gzip -1 -c | s3 put "$location/moodledata.tar.gz")"
  printf '{"release": "%s", "version": "%s", "database": {"key": "database.sql.gz", "bytes": %s, "sha256": "%s"}, "moodledata": {"key": "moodledata.tar.gz", "bytes": %s, "sha256": "%s"}}\n' \
    "$release" "$version" ${dump_facts% *} ${dump_facts#* } ${data_facts% *} ${data_facts#* } | s3 put "$location/manifest.json" >/dev/null
  rm -f "$client"
  log "export-site finished: $location/database.sql.gz ($dump_facts), $location/moodledata.tar.gz ($data_facts)"
}
