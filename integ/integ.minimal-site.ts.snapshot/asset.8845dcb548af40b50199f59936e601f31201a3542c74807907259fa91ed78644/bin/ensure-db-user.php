<?php
// Creates Moodle's database user (MOODLE_DB_USER) with the master credentials (MOODLE_DB_ADMIN_USER/PASSWORD),
// which only the install-or-upgrade task gets; sets its password to MOODLE_DB_PASSWORD, grants Moodle's
// privileges on MOODLE_DB_NAME, then logs in as it. No other user is touched: in particular not the
// <user>_clone account of the multi-user secret rotation, which running tasks may still use.
// Exit 0 when done or nothing to do, 1 when the database fails, 2 on a configuration error.

declare(strict_types=1);

require __DIR__ . '/env.php';

// Moodle's own install docs for MySQL grant exactly these.
const PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE, CREATE, CREATE TEMPORARY TABLES, DROP, INDEX, ALTER';
// The server's own answers: access denied or unknown database do not change by waiting.
const FINAL_ERRORS = [1044, 1045, 1049];

$secrets = [];

function say(string $message): void {
    echo "ensure-db-user: $message\n";
}

/** A database failure: exit 1, with every password the script knows masked. */
function db_failure(string $message): never {
    global $secrets;
    // A server error may quote the statement it failed on; never let it carry a password to the log.
    fwrite(STDERR, 'ensure-db-user: ' . str_replace($secrets, '***', $message) . "\n");
    exit(1);
}

/** Connects, retrying while the server is unreachable (an Aurora Serverless database resumes from pause). */
function connect(array $server, string $user, string $password, ?string $dbname = null): mysqli {
    for ($try = 1; ; $try++) {
        $db = mysqli_init();
        $db->options(MYSQLI_OPT_CONNECT_TIMEOUT, $server['timeout']);
        try {
            // A failed TLS handshake raises a warning with the reason and an exception without it.
            error_clear_last();
            @$db->real_connect($server['host'], $user, $password, $dbname, $server['port'], null, $server['flags']);
            return $db;
        } catch (mysqli_sql_exception $e) {
            $reason = $e->getMessage();
            $warning = error_get_last()['message'] ?? '';
            if ($warning !== '' && !str_contains($warning, $reason)) {
                $reason .= " ($warning)";
            }
            $reason = preg_replace('/\s+/', ' ', $reason);
            $where = "as '$user' to {$server['host']}:{$server['port']}";
            if (in_array($e->getCode(), FINAL_ERRORS, true) || $try >= $server['tries']) {
                db_failure("cannot connect $where: $reason");
            }
            say("cannot connect $where (try $try of {$server['tries']}): $reason; retrying in {$server['delay']} s");
            sleep($server['delay']);
        }
    }
}

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);

$adminuser = env('MOODLE_DB_ADMIN_USER');
$adminpassword = env('MOODLE_DB_ADMIN_PASSWORD');
if ($adminuser === null && $adminpassword === null) {
    say('MOODLE_DB_ADMIN_USER and MOODLE_DB_ADMIN_PASSWORD are not set: nothing to do');
    exit(0);
}
if ($adminuser === null || $adminpassword === null) {
    [$missing, $set] = $adminuser === null
        ? ['MOODLE_DB_ADMIN_USER', 'MOODLE_DB_ADMIN_PASSWORD'] : ['MOODLE_DB_ADMIN_PASSWORD', 'MOODLE_DB_ADMIN_USER'];
    config_error("$missing is missing but $set is set: set both or neither");
}

require_env('MOODLE_DB_HOST', 'MOODLE_DB_NAME', 'MOODLE_DB_USER', 'MOODLE_DB_PASSWORD');
$user = env('MOODLE_DB_USER');
$password = env('MOODLE_DB_PASSWORD');
$dbname = env('MOODLE_DB_NAME');
$secrets = [$adminpassword, $password];

if ($user === $adminuser) {
    say("MOODLE_DB_USER is the admin user '$user': nothing to create");
    exit(0);
}
if (!preg_match('/^[A-Za-z0-9_]{1,32}$/', $user)) {
    config_error("MOODLE_DB_USER must be 1 to 32 letters, digits or underscores, got '$user'");
}
if (!preg_match('/^[A-Za-z][A-Za-z0-9_]{0,63}$/', $dbname)) {
    config_error("MOODLE_DB_NAME must be a letter then up to 63 letters, digits or underscores, got '$dbname'");
}

$tls = env_bool('MOODLE_DB_TLS', true);
$server = [
    'host' => env('MOODLE_DB_HOST'),
    'port' => env_int('MOODLE_DB_PORT', 3306),
    // Moodle's dboptions ssl = verify-full; the CA is PHP's openssl.capath or cafile, set by the entrypoint.
    'flags' => $tls ? MYSQLI_CLIENT_SSL | MYSQLI_CLIENT_SSL_VERIFY_SERVER_CERT : 0,
    'timeout' => max(1, env_int('MOODLE_DB_CONNECT_TIMEOUT', 10)),
    'tries' => max(1, env_int('MOODLE_DB_CONNECT_TRIES', 5)),
    'delay' => env_int('MOODLE_DB_CONNECT_DELAY', 3),
];

$admin = connect($server, $adminuser, $adminpassword);
$admin->set_charset('utf8mb4');
$escaped = $admin->real_escape_string($password);
$secrets[] = $escaped;
$account = "'$user'@'%'";
$auth = "IDENTIFIED BY '$escaped'" . ($tls ? ' REQUIRE SSL' : '');
// In a GRANT, '_' in a database name is a wildcard ('moodle_db' would also match 'moodleXdb').
$grantdb = '`' . str_replace('_', '\_', $dbname) . '`';
$statements = [
    'CREATE USER' => "CREATE USER IF NOT EXISTS $account $auth",
    // The secret holds the current password: it wins over whatever the user had.
    'ALTER USER' => "ALTER USER $account $auth",
    'GRANT' => 'GRANT ' . PRIVILEGES . " ON $grantdb.* TO $account",
];
foreach ($statements as $label => $sql) {
    try {
        $admin->query($sql);
    } catch (mysqli_sql_exception $e) {
        db_failure("$label $account failed: " . $e->getMessage());
    }
}
$admin->close();

$app = connect($server, $user, $password, $dbname);
try {
    $ok = (int) $app->query('SELECT 1')->fetch_row()[0] === 1;
} catch (mysqli_sql_exception $e) {
    db_failure("SELECT 1 as '$user' failed: " . $e->getMessage());
}
if (!$ok) {
    db_failure("SELECT 1 as '$user' did not return 1");
}
say("user $account can use database $dbname" . ($tls ? ' (TLS required)' : ''));
