#!/usr/bin/env bash
# Container entrypoint: writes config.php from the environment, then runs the role in MOODLE_ROLE:
#   web                 Apache + PHP in the foreground (default)
#   cron                admin/cli/cron.php --keep-alive in a loop (one small service, not in web tasks); less
#                       often while no web request comes, if MOODLE_CRON_IDLE_INTERVAL is set
#   install-or-upgrade  one-off task: ensure Moodle's database user, install on an empty database, else
#                       upgrade (refused before anything changes when the site's release cannot be upgraded
#                       from, or is newer, or a plugin is older than the site's); then the plugins of the
#                       image's uninstall list uninstalled; an imported site's old address replaced; then MUC -> Redis
#   import-site         one-off task before the first install/upgrade: a site's dump and moodledata from S3 (site-transfer.sh)
#   export-site         one-off task: the site's dump and moodledata to S3, in maintenance meanwhile (site-transfer.sh)
#   config              only write config.php (used by tests and for debugging)
set -Eeuo pipefail

BIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export MOODLE_DIR="${MOODLE_DIR:-/var/www/html}"
export MOODLE_RUNTIME_DIR="${MOODLE_RUNTIME_DIR:-/run/moodle}"
export MOODLE_CONFIG_PATH="${MOODLE_CONFIG_PATH:-$MOODLE_DIR/config.php}"
export MOODLE_LOCALCACHEDIR="${MOODLE_LOCALCACHEDIR:-/var/cache/moodle-local}"
PHP="${PHP_BIN:-php}"
ROLE="${MOODLE_ROLE:-web}"

log() { echo "entrypoint: $*" >&2; }

# Moodle's mysqli driver has no CA option: TLS verification uses PHP's openssl.capath (a hashed directory, read by
# issuer) or openssl.cafile (a bundle, parsed whole on every connection), which only php.ini can set. An extra ini
# directory (leading ':' keeps the default scan dir) carries them to CLI and Apache.
mkdir -p "$MOODLE_RUNTIME_DIR/php.d" "$MOODLE_LOCALCACHEDIR"
{
  if [[ -n "${MOODLE_DB_CA_PATH:-}" ]]; then printf 'openssl.capath = "%s"\n' "$MOODLE_DB_CA_PATH"; fi
  if [[ -n "${MOODLE_DB_CA_FILE:-}" ]]; then printf 'openssl.cafile = "%s"\n' "$MOODLE_DB_CA_FILE"; fi
} > "$MOODLE_RUNTIME_DIR/php.d/90-db-ca.ini"
export PHP_INI_SCAN_DIR="${PHP_INI_SCAN_DIR:-}:$MOODLE_RUNTIME_DIR/php.d"

"$PHP" "$BIN_DIR/generate-config.php"

CLI_DIR="$MOODLE_DIR/admin/cli"
if [[ -d "$MOODLE_DIR/public/admin/cli" ]]; then CLI_DIR="$MOODLE_DIR/public/admin/cli"; fi
admin_cli() { "$PHP" "$CLI_DIR/$1" "${@:2}"; }
# shellcheck source=site-transfer.sh
source "$BIN_DIR/site-transfer.sh"

# The rule that puts the viewer's address in MOODLE_VIEWER_ADDR for the access log: the entry of X-Forwarded-For that
# many from the end, as viewer-address.php picks it for Moodle (none when the header has fewer entries).
write_viewer_address_rule() {
  local hops="${MOODLE_PROXY_HOPS:-0}" rule
  if [[ $hops -eq 0 ]]; then
    rule='SetEnvIf Remote_Addr "^(.+)$" MOODLE_VIEWER_ADDR=$1'
  else
    rule="SetEnvIf X-Forwarded-For \"^(?:.*,)?\\s*([^,\\s]+)\\s*(?:,[^,]*){$(( hops - 1 ))}\$\" MOODLE_VIEWER_ADDR=\$1"
  fi
  mkdir -p "$MOODLE_RUNTIME_DIR/apache"
  printf '%s\n' "$rule" > "$MOODLE_RUNTIME_DIR/apache/viewer-address.conf"
}

# apache2-foreground (php:apache images) sources /etc/apache2/envvars and runs apache2 -DFOREGROUND. Apache kills its
# children at once on SIGTERM: this shell stays in front and turns SIGTERM (and SIGINT) into SIGWINCH, Apache's
# graceful stop, so requests in flight finish (up to GracefulShutdownTimeout) whichever signal the stop sends.
run_web() {
  local apache status=0
  write_viewer_address_rule
  apache2-foreground &
  apache=$!
  trap 'kill -WINCH "$apache" 2>/dev/null || true' TERM INT WINCH
  # A trapped signal ends wait early (status > 128) while Apache still runs: wait again until it has gone.
  while kill -0 "$apache" 2>/dev/null; do
    status=0
    wait "$apache" || status=$?
  done
  exit "$status"
}

# Seconds since a web request last reached Moodle (request-activity.php touches the marker at most once a
# minute); a large number when none ever did.
seconds_since_request() {
  local mtime
  mtime=$(stat -c %Y "${MOODLE_DATAROOT:-/mnt/moodledata}/moodle-fargate-last-request" 2>/dev/null) || { echo 999999999; return; }
  echo $(( $(date +%s) - mtime ))
}

# Cron. Active: cron.php --keep-alive, which holds a database connection. With MOODLE_CRON_IDLE_INTERVAL set,
# once no web request has come for MOODLE_CRON_IDLE_AFTER seconds the site is idle: one cron.php run (it
# closes its connection when it ends) every MOODLE_CRON_IDLE_INTERVAL seconds, so a database that pauses when
# nobody is connected (Aurora Serverless v2 at 0 ACU) can pause; the next web request makes cron active again
# within MOODLE_CRON_IDLE_POLL seconds. Deciding reads a file's age, never the database.
run_cron() {
  local keepalive="${MOODLE_CRON_KEEPALIVE:-600}" idle_interval="${MOODLE_CRON_IDLE_INTERVAL:-0}"
  # Idle starts once a forum post written just before the last request has been mailed: Moodle mails a post only once
  # it is older than maxeditingtime (MOODLE_MAX_EDITING_TIME, fixed in config.php, Moodle's default 30 minutes), at the end of one more run.
  local idle_after="${MOODLE_CRON_IDLE_AFTER:-$(( ${MOODLE_MAX_EDITING_TIME:-1800} + keepalive ))}" poll="${MOODLE_CRON_IDLE_POLL:-30}"
  local beat="${MOODLE_CRON_HEARTBEAT_INTERVAL:-60}" heartbeat="$MOODLE_RUNTIME_DIR/cron-heartbeat"
  local child=0 stopping=0 status last_run=0 idle beating
  # ECS sends the image STOPSIGNAL (SIGWINCH) or SIGTERM: pass SIGTERM on to cron.php, which Moodle handles.
  trap 'stopping=1; if [[ $child -gt 0 ]]; then kill -TERM "$child" 2>/dev/null || true; fi' TERM INT WINCH
  # PHP itself in the background (not a shell function, which would be a subshell): $! is cron.php.
  # The container health check reads the heartbeat's age: touched at every loop, and every $beat seconds while
  # cron.php runs, so a run that lasts hours (a large course backup) is not mistaken for a hung loop.
  run_cron_php() {
    "$PHP" "$CLI_DIR/cron.php" "$@" &
    child=$!
    ( while kill -0 "$child" 2>/dev/null; do touch "$heartbeat"; sleep "$beat"; done ) &
    beating=$!
    status=0
    wait "$child" || status=$?
    if [[ $stopping -eq 1 ]]; then
      # A trapped signal ends the first wait early (status 128 + signal): wait for cron.php itself.
      status=0
      wait "$child" || status=$?
      log "stopped; cron.php exited with $status"
    elif [[ $status -ne 0 ]]; then
      log "cron.php exited with $status"
    fi
    kill "$beating" 2>/dev/null || true
    wait "$beating" 2>/dev/null || true
    child=0
    last_run=$(date +%s)
  }
  # In the background too, so a stop signal ends the pause at once (the trap stops it).
  pause() {
    if [[ $stopping -eq 1 ]]; then return; fi
    sleep "$1" &
    child=$!
    wait "$child" || true
    child=0
  }
  while [[ $stopping -eq 0 ]]; do
    touch "$heartbeat"
    idle=$(seconds_since_request)
    if [[ $idle_interval -gt 0 && $idle -ge $idle_after ]]; then
      if [[ $(( $(date +%s) - last_run )) -ge $idle_interval ]]; then
        log "idle (no web request for ${idle} s): one cron run, then the next in ${idle_interval} s or at the next request"
        # --keep-alive=0: one pass (without it, Moodle keeps polling for cron_keepalive, 3 minutes by default).
        run_cron_php --keep-alive=0
      fi
      pause "$poll"
    else
      run_cron_php --keep-alive="$keepalive"
      pause 5
    fi
  done
  exit 0
}

require_env() {
  local name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      log "missing required environment variable $name for role $ROLE"
      exit 2
    fi
  done
}

# The plugins of the image's uninstall list that the site still has (plugins.json, MOODLE_PLUGINS_FILE), removed by
# Moodle's own uninstall_plugins.php while their code is in the image, the site in maintenance meanwhile.
uninstall_listed_plugins() {
  local listed
  listed="$("$PHP" "$BIN_DIR/plugins-to-uninstall.php")"
  if [[ -z $listed ]]; then return; fi
  log "uninstalling plugins: $listed"
  admin_cli maintenance.php --enable
  admin_cli uninstall_plugins.php --plugins="$listed" --run
  "$PHP" "$BIN_DIR/plugins-to-uninstall.php" --check
  admin_cli maintenance.php --disable
}

run_install_or_upgrade() {
  local state
  # The site's monitoring alarms on this line (a metric filter on the task log).
  trap 'log "install-or-upgrade failed (exit $?)"' ERR
  # Only this task gets the master credentials (MOODLE_DB_ADMIN_*): create or update Moodle's own database user.
  "$PHP" "$BIN_DIR/ensure-db-user.php"
  unset MOODLE_DB_ADMIN_USER MOODLE_DB_ADMIN_PASSWORD
  state="$("$PHP" "$BIN_DIR/db-state.php")"
  log "database state: $state"
  case "$state" in
    empty)
      require_env MOODLE_ADMIN_USER MOODLE_ADMIN_PASSWORD MOODLE_ADMIN_EMAIL
      admin_cli install_database.php --agree-license \
        --adminuser="$MOODLE_ADMIN_USER" --adminpass="$MOODLE_ADMIN_PASSWORD" \
        --adminemail="$MOODLE_ADMIN_EMAIL" \
        --fullname="${MOODLE_SITE_FULLNAME:-Moodle}" --shortname="${MOODLE_SITE_SHORTNAME:-moodle}"
      ;;
    needs-upgrade)
      # A release this image cannot upgrade from (or a downgrade) fails here: no maintenance, nothing written.
      "$PHP" "$BIN_DIR/check-upgrade-path.php"
      admin_cli maintenance.php --enable
      # Leave maintenance on if the upgrade fails: a half-upgraded site must not serve users.
      admin_cli upgrade.php --non-interactive
      admin_cli maintenance.php --disable
      ;;
    ready) ;;
    *) log "unexpected database state '$state'"; exit 1 ;;
  esac
  uninstall_listed_plugins
  finish_imported_site
  "$PHP" "$BIN_DIR/configure-cache.php"
  log "install-or-upgrade finished"
}

case "$ROLE" in
  web) run_web ;;
  cron) run_cron ;;
  install-or-upgrade) run_install_or_upgrade ;;
  import-site) run_import_site ;;
  export-site) run_export_site ;;
  config) log "config written to $MOODLE_CONFIG_PATH" ;;
  *) log "unknown MOODLE_ROLE '$ROLE' (expected web, cron, install-or-upgrade, import-site, export-site or config)"; exit 64 ;;
esac
