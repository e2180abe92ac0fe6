#!/usr/bin/env bash
# Usage: with-mariadb.sh COMMAND [ARG...]
# Runs COMMAND against a throwaway MariaDB server (own temp data directory, unix socket and a free port on
# 127.0.0.1, TLS with a certificate from a throwaway CA) with an admin account holding every privilege, like
# the RDS master user. COMMAND gets MOODLE_TEST_DB_HOST, _PORT, _SOCKET, _ADMIN_USER, _ADMIN_PASSWORD and
# _CA_FILE (the CA that signed the server certificate). The server stops and the directory goes on any exit.
set -euo pipefail

fail() { echo "with-mariadb: $*" >&2; exit 1; }
[[ $# -gt 0 ]] || fail "usage: with-mariadb.sh COMMAND [ARG...]"
PATH="$PATH:/usr/sbin:/sbin"
declare -A package=([mariadb-install-db]=mariadb-server-core [mariadbd]=mariadb-server-core
  [mariadb-admin]=mariadb-client [openssl]=openssl [python3]=python3)
for tool in "${!package[@]}"; do
  command -v "$tool" >/dev/null || fail "$tool not found: install the Debian package ${package[$tool]} (scripts/setup.sh installs the MariaDB ones)"
done

dir="$(mktemp -d "${TMPDIR:-/tmp}/with-mariadb.XXXXXX")"
pid=0
cleanup() {
  if [[ $pid -gt 0 ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mariadbd refuses to run as root unless told to.
asuser=()
if [[ "$(id -u)" -eq 0 ]]; then asuser=(--user=root); fi

{
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=with-mariadb-test-ca \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" &&
    openssl req -new -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$dir/server.key" |
    openssl x509 -req -days 2 -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -out "$dir/server.pem" \
      -extfile <(printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n')
} 2> "$dir/openssl.log" || fail "cannot make the test certificates: $(cat "$dir/openssl.log")"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="admin-$(openssl rand -hex 12)"
cat > "$dir/init.sql" <<SQL
CREATE USER 'admin'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION;
SQL

mariadb-install-db --no-defaults "${asuser[@]}" --datadir="$dir/data" --skip-test-db \
  --auth-root-authentication-method=socket > "$dir/install.log" 2>&1 ||
  fail "mariadb-install-db failed: $(cat "$dir/install.log")"

mariadbd --no-defaults "${asuser[@]}" --datadir="$dir/data" --socket="$dir/mariadb.sock" \
  --pid-file="$dir/mariadb.pid" --tmpdir="$dir" --log-error="$dir/error.log" \
  --bind-address=127.0.0.1 --port="$port" --skip-name-resolve --init-file="$dir/init.sql" \
  --ssl-ca="$dir/ca.pem" --ssl-cert="$dir/server.pem" --ssl-key="$dir/server.key" >> "$dir/error.log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || fail "mariadbd exited during start-up: $(cat "$dir/error.log")"
  if mariadb-admin --no-defaults --socket="$dir/mariadb.sock" --user=admin --password="$password" \
      status >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done
mariadb-admin --no-defaults --socket="$dir/mariadb.sock" --user=admin --password="$password" status >/dev/null ||
  fail "mariadbd did not accept connections within 20 s: $(cat "$dir/error.log")"

export MOODLE_TEST_DB_HOST=127.0.0.1 MOODLE_TEST_DB_PORT="$port" MOODLE_TEST_DB_SOCKET="$dir/mariadb.sock" \
  MOODLE_TEST_DB_ADMIN_USER=admin MOODLE_TEST_DB_ADMIN_PASSWORD="$password" MOODLE_TEST_DB_CA_FILE="$dir/ca.pem"
"$@"
