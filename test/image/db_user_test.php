<?php
// Tests src/image/bin/ensure-db-user.php against a real MariaDB server:
// run with `test/image/with-mariadb.sh php test/image/db_user_test.php`.
// Last line: "N passed, N failed"; exit code 1 on any failure.

declare(strict_types=1);

$bin = dirname(__DIR__, 2) . '/src/image/bin';
require __DIR__ . '/harness.php';

foreach (['HOST', 'PORT', 'ADMIN_USER', 'ADMIN_PASSWORD', 'CA_FILE'] as $name) {
    if (getenv("MOODLE_TEST_DB_$name") === false) {
        fwrite(STDERR, "MOODLE_TEST_DB_$name is not set: run me with test/image/with-mariadb.sh\n");
        exit(1);
    }
}
$host = getenv('MOODLE_TEST_DB_HOST');
$port = (int) getenv('MOODLE_TEST_DB_PORT');
$adminuser = getenv('MOODLE_TEST_DB_ADMIN_USER');
$adminpassword = getenv('MOODLE_TEST_DB_ADMIN_PASSWORD');
$ca = getenv('MOODLE_TEST_DB_CA_FILE');
$dbname = 'moodle_site';
// Everything the script printed, to prove that no password ever reaches the log.
$output = '';

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);

/** Connects as $user, over verified TLS when $tls; null when the server refuses. */
function login(string $user, string $password, ?string $db = 'moodle_site', bool $tls = false): ?mysqli {
    global $host, $port, $ca;
    $conn = mysqli_init();
    if ($tls) {
        $conn->ssl_set(null, null, $ca, null, null);
    }
    try {
        $conn->real_connect($host, $user, $password, $db, $port, null,
            $tls ? MYSQLI_CLIENT_SSL | MYSQLI_CLIENT_SSL_VERIFY_SERVER_CERT : 0);
        return $conn;
    } catch (mysqli_sql_exception) {
        return null;
    }
}

function admin(): mysqli {
    global $adminuser, $adminpassword;
    static $conn = null;
    return $conn ??= login($adminuser, $adminpassword, null) ?? throw new RuntimeException('admin cannot log in');
}

/** Runs $sql; true if the server accepted it. */
function try_sql(mysqli $conn, string $sql): bool {
    try {
        $conn->query($sql);
        return true;
    } catch (mysqli_sql_exception) {
        return false;
    }
}

function user_exists(string $user): bool {
    return (int) admin()->query("SELECT COUNT(*) FROM mysql.user WHERE User = '$user'")->fetch_row()[0] > 0;
}

/** The account as the server describes it: SHOW CREATE USER (password hash, TLS) and SHOW GRANTS. */
function account(string $user): string {
    $lines = array_merge(admin()->query("SHOW CREATE USER '$user'@'%'")->fetch_row(),
        array_column(admin()->query("SHOW GRANTS FOR '$user'@'%'")->fetch_all(), 0));
    return implode("\n", $lines);
}

/** Privileges per level from SHOW GRANTS, e.g. ['*.*' => ['USAGE'], '`db`.*' => ['ALTER', ...]]. */
function privileges(string $user): array {
    $levels = [];
    foreach (admin()->query("SHOW GRANTS FOR '$user'@'%'")->fetch_all() as [$grant]) {
        if (preg_match('/^GRANT (.+) ON (\S+) TO /', $grant, $m)) {
            $privileges = explode(', ', $m[1]);
            sort($privileges);
            $levels[$m[2]] = $privileges;
        }
    }
    return $levels;
}

/** Runs ensure-db-user.php with the base environment plus $env (null removes a variable). */
function ensure(array $env = [], array $phpflags = []): array {
    global $bin, $host, $port, $adminuser, $adminpassword, $dbname, $output;
    $env += [
        'PATH' => getenv('PATH') ?: '/usr/bin:/bin',
        'MOODLE_DB_HOST' => $host,
        'MOODLE_DB_PORT' => (string) $port,
        'MOODLE_DB_NAME' => $dbname,
        'MOODLE_DB_USER' => 'moodle_app',
        'MOODLE_DB_PASSWORD' => 'app-password-1',
        'MOODLE_DB_TLS' => 'false',
        'MOODLE_DB_ADMIN_USER' => $adminuser,
        'MOODLE_DB_ADMIN_PASSWORD' => $adminpassword,
        'MOODLE_DB_CONNECT_TRIES' => '2',
        'MOODLE_DB_CONNECT_DELAY' => '0',
    ];
    $env = array_filter($env, fn ($value) => $value !== null);
    $cmd = array_merge([PHP_BINARY], $phpflags, ["$bin/ensure-db-user.php"]);
    $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    $output .= $out . $err;
    return [proc_close($proc), $out, $err];
}

foreach ([$dbname, 'moodleXsite', 'other'] as $db) {
    admin()->query("CREATE DATABASE `$db`");
}
admin()->query('CREATE TABLE other.t (id INT)');
// The other half of the rotation pair exists before the run and must come out unchanged.
admin()->query("CREATE USER 'moodle_app_clone'@'%' IDENTIFIED BY 'clone-password'");
admin()->query("GRANT SELECT ON `moodle\\_site`.* TO 'moodle_app_clone'@'%'");
$clone = account('moodle_app_clone');

// 1. Nothing to do, or a half-configured admin.
[$code, $out, $err] = ensure(['MOODLE_DB_ADMIN_USER' => null, 'MOODLE_DB_ADMIN_PASSWORD' => null]);
check('no admin variables: exit 0, says there is nothing to do', $code === 0 && str_contains($out, 'nothing to do'),
    "exit $code: $out$err");
check('no admin variables: no user created', !user_exists('moodle_app'));
foreach (['MOODLE_DB_ADMIN_USER', 'MOODLE_DB_ADMIN_PASSWORD'] as $name) {
    [$code, , $err] = ensure([$name => null]);
    check("only one admin variable ($name missing): exit 2 naming it", $code === 2 && str_contains($err, $name),
        "exit $code: $err");
}
[$code, , $err] = ensure(['MOODLE_DB_ADMIN_PASSWORD' => '']);
check('empty admin password counts as missing: exit 2', $code === 2 && str_contains($err, 'MOODLE_DB_ADMIN_PASSWORD'),
    "exit $code: $err");

// 2. Configuration errors: exit 2 before touching the database.
$invalid = [
    'user with a dash' => ['MOODLE_DB_USER' => 'moodle-app', 'MOODLE_DB_USER'],
    'user with a quote' => ['MOODLE_DB_USER' => "moodle'app", 'MOODLE_DB_USER'],
    'user of 33 characters' => ['MOODLE_DB_USER' => str_repeat('u', 33), 'MOODLE_DB_USER'],
    'database with a backtick' => ['MOODLE_DB_NAME' => 'moodle`x', 'MOODLE_DB_NAME'],
    'database starting with a digit' => ['MOODLE_DB_NAME' => '1moodle', 'MOODLE_DB_NAME'],
    'database with a wildcard' => ['MOODLE_DB_NAME' => 'moodle%', 'MOODLE_DB_NAME'],
    'missing host' => ['MOODLE_DB_HOST' => null, 'MOODLE_DB_HOST'],
    'missing password' => ['MOODLE_DB_PASSWORD' => null, 'MOODLE_DB_PASSWORD'],
    'non-boolean tls' => ['MOODLE_DB_TLS' => 'maybe', 'MOODLE_DB_TLS'],
    'non-numeric port' => ['MOODLE_DB_PORT' => '33o6', 'MOODLE_DB_PORT'],
];
foreach ($invalid as $label => $case) {
    $named = array_pop($case);
    [$code, , $err] = ensure($case);
    check("invalid $label: exit 2 naming $named", $code === 2 && str_contains($err, $named), "exit $code: $err");
}
check('invalid configuration: no user created', !user_exists('moodle_app') && !user_exists(str_repeat('u', 33)));

// 3. A normal run: the user exists, logs in, and can do exactly what Moodle needs.
[$code, $out, $err] = ensure();
check('first run: exit 0', $code === 0, "exit $code: $out$err");
$app = login('moodle_app', 'app-password-1');
check('first run: the user logs in to the moodle database', $app !== null);
$app ??= admin();
check('user can CREATE TABLE, INSERT, SELECT, ALTER, INDEX, DROP in the moodle database',
    try_sql($app, 'CREATE TABLE moodle_site.mdl_t (id INT)')
    && try_sql($app, 'INSERT INTO moodle_site.mdl_t VALUES (1)')
    && (int) $app->query('SELECT SUM(id) FROM moodle_site.mdl_t')->fetch_row()[0] === 1
    && try_sql($app, 'ALTER TABLE moodle_site.mdl_t ADD COLUMN name VARCHAR(10)')
    && try_sql($app, 'CREATE INDEX mdl_t_name ON moodle_site.mdl_t (name)')
    && try_sql($app, 'CREATE TEMPORARY TABLE moodle_site.mdl_tmp (id INT)')
    && try_sql($app, 'DROP TABLE moodle_site.mdl_t'));
check('user cannot create a table in another database', !try_sql($app, 'CREATE TABLE other.t2 (id INT)'));
check('user cannot read another database', !try_sql($app, 'SELECT * FROM other.t'));
check("'_' in the database name is not a wildcard (no access to moodleXsite)",
    !try_sql($app, 'CREATE TABLE moodleXsite.t (id INT)'));
check('user cannot read mysql.user', !try_sql($app, 'SELECT * FROM mysql.user'));
$expected = ['*.*' => ['USAGE'], '`moodle\_site`.*' => ['ALTER', 'CREATE', 'CREATE TEMPORARY TABLES', 'DELETE',
    'DROP', 'INDEX', 'INSERT', 'SELECT', 'UPDATE']];
check('SHOW GRANTS: exactly the privileges of Moodle\'s install docs', privileges('moodle_app') === $expected,
    var_export(privileges('moodle_app'), true));
check('TLS off: the user does not require TLS', !str_contains(account('moodle_app'), 'REQUIRE SSL'),
    account('moodle_app'));

// 4. Idempotent, and the secret's password wins.
$before = account('moodle_app');
[$code, $out, $err] = ensure();
check('second run: exit 0, account unchanged', $code === 0 && account('moodle_app') === $before,
    "exit $code: $out$err");
[$code, $out, $err] = ensure(['MOODLE_DB_PASSWORD' => 'app-password-2']);
check('changed password: exit 0', $code === 0, "exit $code: $out$err");
check('changed password: the old one fails', login('moodle_app', 'app-password-1') === null);
check('changed password: the new one works', login('moodle_app', 'app-password-2') !== null);
check('the _clone user keeps its password and grants', account('moodle_app_clone') === $clone
    && login('moodle_app_clone', 'clone-password') !== null, account('moodle_app_clone'));

// 5. Passwords with quotes, backslashes or non-ASCII characters are passed through exactly.
$nasty = "it's \"quoted\" \\ back\\\\slash\\' ; -- %_ \$x";
$utf8 = 'café-€-密码';
foreach (['quotes and backslashes' => ['quote_user', $nasty], 'UTF-8' => ['utf8_user', $utf8]]
        as $label => [$user, $password]) {
    [$code, $out, $err] = ensure(['MOODLE_DB_USER' => $user, 'MOODLE_DB_PASSWORD' => $password]);
    check("$label in the password: exit 0, the user logs in with it",
        $code === 0 && login($user, $password) !== null, "exit $code: $out$err");
}

// 6. The app already uses the admin user: nothing changes.
$adminaccount = account($adminuser);
[$code, $out, $err] = ensure(['MOODLE_DB_USER' => $adminuser, 'MOODLE_DB_PASSWORD' => 'not-the-admin-password']);
check('admin user as app user: exit 0, says so', $code === 0 && str_contains($out, 'nothing to create'),
    "exit $code: $out$err");
check('admin user as app user: admin account unchanged',
    account($adminuser) === $adminaccount && login($adminuser, $adminpassword, null) !== null);

// 7. Database failures: exit 1, no retry for a wrong password, a retry for an unreachable server.
[$code, $out, $err] = ensure(['MOODLE_DB_USER' => 'denied_user', 'MOODLE_DB_ADMIN_PASSWORD' => 'wrong-admin-pw']);
check('wrong admin password: exit 1 with an access denied message',
    $code === 1 && str_contains($err, 'ensure-db-user: ') && str_contains($err, 'Access denied'), "exit $code: $err");
check('wrong admin password: not retried', !str_contains($out, 'retrying'), $out);
check('wrong admin password: no user created', !user_exists('denied_user'));
$socket = stream_socket_server('tcp://127.0.0.1:0');
$closedport = (int) substr(strrchr(stream_socket_get_name($socket, false), ':'), 1);
fclose($socket);
[$code, $out, $err] = ensure(['MOODLE_DB_PORT' => (string) $closedport]);
check('unreachable server: retried MOODLE_DB_CONNECT_TRIES times, then exit 1',
    $code === 1 && str_contains($out, 'try 1 of 2') && !str_contains($out, 'try 2 of 2')
    && str_contains($err, 'cannot connect'), "exit $code: $out$err");
[$code, $out, $err] = ensure(['MOODLE_DB_USER' => 'nodb_user', 'MOODLE_DB_NAME' => 'missing_db']);
check('missing database: exit 1 naming it', $code === 1 && str_contains($err, 'missing_db'), "exit $code: $out$err");

// 8. TLS: the CA comes from PHP's openssl.cafile (as the entrypoint sets it), the server certificate is verified.
[$code, $out, $err] = ensure(['MOODLE_DB_USER' => 'tls_user', 'MOODLE_DB_TLS' => 'true'], ['-d', "openssl.cafile=$ca"]);
check('TLS: exit 0', $code === 0, "exit $code: $out$err");
check('TLS: the user requires TLS', str_contains(account('tls_user'), 'REQUIRE SSL'), account('tls_user'));
check('TLS: the user logs in over TLS', login('tls_user', 'app-password-1', $dbname, true) !== null);
check('TLS: the user cannot log in without TLS', login('tls_user', 'app-password-1') === null);
$key = openssl_pkey_new(['private_key_bits' => 2048]);
$othercert = openssl_csr_sign(openssl_csr_new(['commonName' => 'other-ca'], $key), null, $key, 1);
$otherca = tempnam(sys_get_temp_dir(), 'other-ca-');
openssl_x509_export_to_file($othercert, $otherca);
[$code, $out, $err] = ensure(['MOODLE_DB_USER' => 'tls_user2', 'MOODLE_DB_TLS' => 'true',
    'MOODLE_DB_CONNECT_TRIES' => '1'], ['-d', "openssl.cafile=$otherca"]);
unlink($otherca);
check('TLS: a server certificate from another CA is refused (exit 1)',
    $code === 1 && str_contains($err, 'certificate verify failed'), "exit $code: $out$err");
check('TLS: refused server, no user created', !user_exists('tls_user2'));

// The image's way: a hashed certificate directory (openssl.capath, as update-ca-certificates makes /etc/ssl/certs).
function hashed_ca_dir(?string $cafile): string {
    $dir = sys_get_temp_dir() . '/db-user-capath-' . bin2hex(random_bytes(5));
    mkdir($dir, 0700);
    if ($cafile !== null) {
        copy($cafile, "$dir/" . openssl_x509_parse(file_get_contents($cafile))['hash'] . '.0');
    }
    return $dir;
}
[$code, $out, $err] = ensure(['MOODLE_DB_USER' => 'tls_user3', 'MOODLE_DB_TLS' => 'true'],
    ['-d', 'openssl.cafile=', '-d', 'openssl.capath=' . hashed_ca_dir($ca)]);
check('TLS through openssl.capath: exit 0', $code === 0, "exit $code: $out$err");
[$code, $out, $err] = ensure(['MOODLE_DB_USER' => 'tls_user4', 'MOODLE_DB_TLS' => 'true', 'MOODLE_DB_CONNECT_TRIES' => '1'],
    ['-d', 'openssl.cafile=', '-d', 'openssl.capath=' . hashed_ca_dir(null)]);
check('TLS through openssl.capath without the server\'s CA: refused (exit 1)',
    $code === 1 && str_contains($err, 'certificate verify failed'), "exit $code: $out$err");

// 9. The entrypoint runs it first in install-or-upgrade, and stops when it fails.
function entrypoint(array $changes): array {
    global $bin, $host, $port, $adminuser, $adminpassword, $dbname, $output;
    $tree = sys_get_temp_dir() . '/db-user-test-' . bin2hex(random_bytes(5));
    mkdir("$tree/lib", 0700, true);
    file_put_contents("$tree/lib/setup.php", "<?php\n");
    $env = $changes + ['MOODLE_ROLE' => 'install-or-upgrade', 'MOODLE_DIR' => $tree,
        'MOODLE_RUNTIME_DIR' => "$tree/run", 'MOODLE_CONFIG_PATH' => "$tree/run/config.php",
        'MOODLE_LOCALCACHEDIR' => "$tree/cache",
        'MOODLE_WWWROOT' => 'https://learn.example.edu', 'PHP_BIN' => PHP_BINARY, 'MOODLE_DB_TLS' => 'false',
        'MOODLE_DB_HOST' => $host, 'MOODLE_DB_PORT' => (string) $port, 'MOODLE_DB_NAME' => $dbname,
        'MOODLE_DB_USER' => 'entry_user', 'MOODLE_DB_PASSWORD' => 'entry-password',
        'MOODLE_DB_ADMIN_USER' => $adminuser, 'MOODLE_DB_ADMIN_PASSWORD' => $adminpassword,
        'MOODLE_DB_CONNECT_TRIES' => '1', 'PATH' => getenv('PATH') ?: '/usr/bin:/bin'];
    $proc = proc_open(['bash', "$bin/entrypoint.sh"], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
    $log = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    $code = proc_close($proc);
    exec('rm -rf ' . escapeshellarg($tree));
    $output .= $log;
    return [$code, $log];
}

[$code, $log] = entrypoint(['MOODLE_DB_ADMIN_PASSWORD' => 'wrong-admin-pw']);
check('entrypoint install-or-upgrade: a failing ensure-db-user stops the task before db-state.php',
    $code === 1 && str_contains($log, "ensure-db-user: cannot connect as '$adminuser'")
    && str_contains($log, 'install-or-upgrade failed') && !str_contains($log, 'database state'), "exit $code: $log");
// The fake tree has no Moodle, so db-state.php fails afterwards: only the user matters here.
[$code, $log] = entrypoint([]);
check('entrypoint install-or-upgrade: creates the user', login('entry_user', 'entry-password') !== null, $log);

foreach (['admin password' => $adminpassword, 'wrong admin password' => 'wrong-admin-pw',
        'app password' => 'app-password-1', 'changed app password' => 'app-password-2', 'quoted password' => $nasty,
        'UTF-8 password' => $utf8, 'entrypoint app password' => 'entry-password'] as $label => $secret) {
    check("no output contains the $label", !str_contains($output, $secret));
}

finish();
