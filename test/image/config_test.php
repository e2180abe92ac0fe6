<?php
// Tests for src/image/bin: run with plain `php test/image/config_test.php` (no dependencies).
// Config generation tests always run. The MUC test needs an installed Moodle tree plus Redis:
// set MOODLE_TEST_TREE (Moodle dir; its config.php must reach a database) and MOODLE_REDIS_HOST.
// Last line: "N passed, N failed"; exit code 1 on any failure.

declare(strict_types=1);

$bin = dirname(__DIR__, 2) . '/src/image/bin';
require __DIR__ . '/harness.php';

function temp_dir(): string {
    static $dirs = [];
    if (!$dirs) {
        register_shutdown_function(function () use (&$dirs) {
            foreach ($dirs as $dir) {
                exec('rm -rf ' . escapeshellarg($dir));
            }
        });
    }
    $dir = sys_get_temp_dir() . '/moodle-image-test-' . bin2hex(random_bytes(5));
    mkdir($dir, 0700, true);
    $dirs[] = $dir;
    return $dir;
}

/** A fake Moodle tree whose lib/setup.php does nothing, so config.php can be included. */
function fake_tree(bool $publiclayout = false): string {
    $tree = temp_dir();
    $libdir = $publiclayout ? "$tree/public/lib" : "$tree/lib";
    mkdir($libdir, 0700, true);
    file_put_contents("$libdir/setup.php", "<?php\n\$CFG->setupincluded = __FILE__;\n");
    return $tree;
}

/** Runs a command with exactly $env (plus PATH); returns [exit code, stdout, stderr]. */
function run(array $cmd, array $env): array {
    $env += ['PATH' => getenv('PATH') ?: '/usr/bin:/bin'];
    $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    return [proc_close($proc), $out, $err];
}

function base_env(string $tree): array {
    return [
        'MOODLE_DIR' => $tree,
        'MOODLE_WWWROOT' => 'https://learn.example.edu/',
        'MOODLE_DB_HOST' => 'db.cluster-abc.eu-west-1.rds.amazonaws.com',
        'MOODLE_DB_NAME' => 'moodle',
        'MOODLE_DB_USER' => 'moodleadmin',
        'MOODLE_DB_PASSWORD' => 'simple',
        'MOODLE_REDIS_HOST' => 'master.cache.abc.euw1.cache.amazonaws.com',
    ];
}

function generate(array $env): array {
    global $bin;
    return run([PHP_BINARY, "$bin/generate-config.php"], $env);
}

/** Includes the generated config.php in a fresh PHP process and returns $CFG as an array. */
function load_cfg(string $configpath): ?array {
    $code = 'include $argv[1]; echo serialize($CFG);';
    [$code, $out] = run([PHP_BINARY, '-r', $code, $configpath], []);
    $cfg = $code === 0 ? @unserialize($out) : false;
    return $cfg === false ? null : (array) $cfg;
}

// 1. Full environment: every $CFG value.
$tree = fake_tree();
$env = base_env($tree) + [
    'MOODLE_DB_PORT' => '3307',
    'MOODLE_REDIS_PORT' => '6380',
    'MOODLE_REDIS_AUTH' => 'redis-token',
    'MOODLE_REDIS_PREFIX' => 'site1_',
    'MOODLE_DATAROOT' => '/mnt/data',
    'MOODLE_LOCALCACHEDIR' => '/var/cache/local',
];
[$code, , $err] = generate($env);
check('generate: exit 0 with a full environment', $code === 0, $err);
[$lint, $lintout] = run([PHP_BINARY, '-l', "$tree/config.php"], []);
check('generate: php -l passes', $lint === 0, $lintout);
check('generate: config.php is not world-readable', (fileperms("$tree/config.php") & 0007) === 0);
$cfg = load_cfg("$tree/config.php");
check('generate: config.php includes and sets $CFG', is_array($cfg));
$cfg = $cfg ?? [];
$expected = [
    'dbtype' => 'mysqli',
    'dblibrary' => 'native',
    'dbhost' => 'db.cluster-abc.eu-west-1.rds.amazonaws.com',
    'dbname' => 'moodle',
    'dbuser' => 'moodleadmin',
    'dbpass' => 'simple',
    'prefix' => 'mdl_',
    'dboptions' => [
        'dbpersist' => false,
        'dbport' => 3307,
        'dbsocket' => '',
        'dbcollation' => 'utf8mb4_unicode_ci',
        'connecttimeout' => 10,
        'ssl' => 'verify-full',
    ],
    'wwwroot' => 'https://learn.example.edu',
    'sslproxy' => true,
    'dataroot' => '/mnt/data',
    'localcachedir' => '/var/cache/local',
    'admin' => 'admin',
    'directorypermissions' => 02770,
    'preventexecpath' => true,
    'disableupdateautodeploy' => true,
    'routerconfigured' => true,
    'debug' => 0,
    'debugdisplay' => 0,
    'getremoteaddrconf' => 3,
    'maxeditingtime' => 1800,
    'session_handler_class' => '\core\session\redis',
    'session_redis_host' => 'master.cache.abc.euw1.cache.amazonaws.com',
    'session_redis_port' => 6380,
    'session_redis_prefix' => 'site1_sess_',
    'session_redis_acquire_lock_timeout' => 60,
    'session_redis_lock_expire' => 60,
    'session_redis_max_retries' => 3,
    'session_redis_serializer_use_igbinary' => true,
    'session_redis_auth' => 'redis-token',
    'session_redis_encrypt' => [
        'cafile' => '/usr/local/share/moodle-ca/amazon-trust-services.pem',
        'verify_peer' => true,
        'verify_peer_name' => true,
    ],
    'setupincluded' => realpath("$tree/lib/setup.php"),
];
foreach ($expected as $key => $value) {
    check("generate: \$CFG->$key", array_key_exists($key, $cfg) && $cfg[$key] === $value,
        'got ' . var_export($cfg[$key] ?? null, true));
}
check('generate: no unexpected $CFG keys', array_diff(array_keys($cfg), array_keys($expected)) === [],
    implode(', ', array_diff(array_keys($cfg), array_keys($expected))));

// 2. Secrets with quotes, backslashes, $ and newlines round-trip unchanged.
$nasty = "p'a\"s\\s\$word{\$x}\\'; echo 'x'; //\n?>";
$tree = fake_tree();
[$code, , $err] = generate(['MOODLE_DB_PASSWORD' => $nasty, 'MOODLE_REDIS_AUTH' => $nasty] + base_env($tree));
$cfg = load_cfg("$tree/config.php") ?? [];
check('quoting: generator exits 0', $code === 0, $err);
check('quoting: dbpass round-trips', ($cfg['dbpass'] ?? null) === $nasty, var_export($cfg['dbpass'] ?? null, true));
check('quoting: session_redis_auth round-trips', ($cfg['session_redis_auth'] ?? null) === $nasty);

// 3. Each missing required variable: non-zero exit, its name on stderr, no config.php.
foreach (['MOODLE_WWWROOT', 'MOODLE_DB_HOST', 'MOODLE_DB_NAME', 'MOODLE_DB_USER', 'MOODLE_DB_PASSWORD'] as $name) {
    foreach (['unset' => null, 'empty' => ''] as $how => $value) {
        $tree = fake_tree();
        $env = base_env($tree);
        if ($value === null) {
            unset($env[$name]);
        } else {
            $env[$name] = $value;
        }
        [$code, , $err] = generate($env);
        check("missing $name ($how): non-zero exit", $code !== 0);
        check("missing $name ($how): stderr names it", str_contains($err, $name), $err);
        check("missing $name ($how): no config.php", !file_exists("$tree/config.php"));
    }
}

// 4. Invalid values are rejected without writing anything.
$invalid = [
    'http wwwroot' => ['MOODLE_WWWROOT' => 'http://learn.example.edu', 'MOODLE_WWWROOT'],
    'wwwroot without scheme' => ['MOODLE_WWWROOT' => 'learn.example.edu', 'MOODLE_WWWROOT'],
    'unknown db type' => ['MOODLE_DB_TYPE' => 'pgsql', 'MOODLE_DB_TYPE'],
    'non-numeric db port' => ['MOODLE_DB_PORT' => '33o6', 'MOODLE_DB_PORT'],
    'non-boolean db tls' => ['MOODLE_DB_TLS' => 'maybe', 'MOODLE_DB_TLS'],
    'redis host with tls:// scheme' => ['MOODLE_REDIS_HOST' => 'tls://cache.example', 'MOODLE_REDIS_HOST'],
    'redis host with port' => ['MOODLE_REDIS_HOST' => 'cache.example:6380', 'MOODLE_REDIS_HOST'],
];
foreach ($invalid as $label => $case) {
    $named = array_pop($case);
    $tree = fake_tree();
    [$code, , $err] = generate($case + base_env($tree));
    check("invalid $label: rejected with a message naming $named",
        $code !== 0 && str_contains($err, $named) && !file_exists("$tree/config.php"), "exit $code: $err");
}

// 5. A failed run leaves an existing config.php untouched.
$tree = fake_tree();
file_put_contents("$tree/config.php", "<?php // previous\n");
generate(['MOODLE_WWWROOT' => 'http://x'] + base_env($tree));
check('failure keeps the previous config.php', file_get_contents("$tree/config.php") === "<?php // previous\n");

// 6. Options switched off / other database types.
$tree = fake_tree();
$env = base_env($tree);
unset($env['MOODLE_REDIS_HOST']);
generate(['MOODLE_DB_TLS' => 'false', 'MOODLE_DB_TYPE' => 'auroramysql', 'MOODLE_ROUTER_CONFIGURED' => 'false'] + $env);
$cfg = load_cfg("$tree/config.php") ?? [];
check('db tls off: no dboptions ssl', isset($cfg['dboptions']) && !array_key_exists('ssl', $cfg['dboptions']));
check('db type auroramysql accepted', ($cfg['dbtype'] ?? null) === 'auroramysql');
check('router off: routerconfigured false', ($cfg['routerconfigured'] ?? null) === false);
check('no redis host: database session handler', ($cfg['session_handler_class'] ?? null) === '\core\session\database');
check('no redis host: no session_redis_* settings', !preg_grep('/^session_redis_/', array_keys($cfg)));
check('defaults: dataroot /mnt/moodledata', ($cfg['dataroot'] ?? null) === '/mnt/moodledata');
check('defaults: localcachedir /var/cache/moodle-local', ($cfg['localcachedir'] ?? null) === '/var/cache/moodle-local');
check('defaults: db port 3306', ($cfg['dboptions']['dbport'] ?? null) === 3306);

$tree = fake_tree();
generate(['MOODLE_REDIS_TLS' => 'false', 'MOODLE_DB_TYPE' => 'mariadb'] + base_env($tree));
$cfg = load_cfg("$tree/config.php") ?? [];
check('redis tls off: no session_redis_encrypt', !array_key_exists('session_redis_encrypt', $cfg));
check('redis: default port 6379 and prefix mdl_sess_',
    ($cfg['session_redis_port'] ?? null) === 6379 && ($cfg['session_redis_prefix'] ?? null) === 'mdl_sess_');
check('redis: no auth when MOODLE_REDIS_AUTH unset', !array_key_exists('session_redis_auth', $cfg));
check('db type mariadb accepted', ($cfg['dbtype'] ?? null) === 'mariadb');
check('cron: no expectedcronfrequency unless MOODLE_CRON_EXPECTED_FREQUENCY is set', !array_key_exists('expectedcronfrequency', $cfg));

$tree = fake_tree();
generate(['MOODLE_REDIS_LOCK_EXPIRE' => '20', 'MOODLE_REDIS_LOCK_TIMEOUT' => '21', 'MOODLE_CRON_EXPECTED_FREQUENCY' => '900',
    'MOODLE_MAX_EDITING_TIME' => '600'] + base_env($tree));
$cfg = load_cfg("$tree/config.php") ?? [];
check('redis: session lock expiry and wait from the task definition',
    ($cfg['session_redis_lock_expire'] ?? null) === 20 && ($cfg['session_redis_acquire_lock_timeout'] ?? null) === 21);
check('cron: expectedcronfrequency and maxeditingtime from the task definition',
    ($cfg['expectedcronfrequency'] ?? null) === 900 && ($cfg['maxeditingtime'] ?? null) === 600);

// 7. Moodle 5.1 layout (public/) and MOODLE_CONFIG_PATH outside the tree (the image symlinks it).
$tree = fake_tree(true);
$runtime = temp_dir() . '/run';
[$code, , $err] = generate(['MOODLE_CONFIG_PATH' => "$runtime/config.php"] + base_env($tree));
$cfg = load_cfg("$runtime/config.php") ?? [];
check('public/ layout: written to MOODLE_CONFIG_PATH', $code === 0 && is_file("$runtime/config.php"), $err);
check('public/ layout: requires public/lib/setup.php',
    ($cfg['setupincluded'] ?? null) === realpath("$tree/public/lib/setup.php"));
check('MOODLE_CONFIG_PATH: nothing written into the tree', !file_exists("$tree/config.php"));

$tree = temp_dir();
[$code, , $err] = generate(base_env($tree));
check('tree without lib/setup.php: rejected naming MOODLE_DIR', $code !== 0 && str_contains($err, 'MOODLE_DIR'), $err);

// 7b. Outgoing mail over SMTP (Amazon SES): forced settings, defaults, and bad input.
$smtpenv = [
    'MOODLE_SMTP_HOST' => 'email-smtp.eu-west-1.amazonaws.com',
    'MOODLE_SMTP_USER' => 'AKIAIOSFODNN7EXAMPLE',
    'MOODLE_SMTP_PASSWORD' => $nasty,
    'MOODLE_NOREPLY_ADDRESS' => 'noreply@learn.example.edu',
];
$tree = fake_tree();
[$code, , $err] = generate($smtpenv + base_env($tree));
$cfg = load_cfg("$tree/config.php") ?? [];
check('smtp: exit 0', $code === 0, $err);
$expectedsmtp = [
    'smtphosts' => 'email-smtp.eu-west-1.amazonaws.com:587',
    'smtpsecure' => 'tls',
    'smtpauthtype' => 'LOGIN',
    'smtpuser' => 'AKIAIOSFODNN7EXAMPLE',
    'smtppass' => $nasty,
    'noreplyaddress' => 'noreply@learn.example.edu',
];
foreach ($expectedsmtp as $key => $value) {
    check("smtp: \$CFG->$key", ($cfg[$key] ?? null) === $value, 'got ' . var_export($cfg[$key] ?? null, true));
}

$tree = fake_tree();
generate(['MOODLE_SMTP_PORT' => '2587'] + $smtpenv + base_env($tree));
$cfg = load_cfg("$tree/config.php") ?? [];
check('smtp: MOODLE_SMTP_PORT in smtphosts', ($cfg['smtphosts'] ?? null) === 'email-smtp.eu-west-1.amazonaws.com:2587');

$tree = fake_tree();
$env = $smtpenv + base_env($tree);
unset($env['MOODLE_NOREPLY_ADDRESS']);
generate($env);
$cfg = load_cfg("$tree/config.php") ?? [];
check('smtp: no noreplyaddress without MOODLE_NOREPLY_ADDRESS (Moodle\'s default applies)',
    isset($cfg['smtphosts']) && !array_key_exists('noreplyaddress', $cfg));

$tree = fake_tree();
generate(base_env($tree));
$cfg = load_cfg("$tree/config.php") ?? [];
check('smtp: no smtp* settings without MOODLE_SMTP_HOST (PHP mail(), admin UI settings)',
    is_array(load_cfg("$tree/config.php")) && !preg_grep('/^smtp/', array_keys($cfg)) && !isset($cfg['noreplyaddress']));

$invalidsmtp = [
    'smtp host without user' => [['MOODLE_SMTP_USER' => null], 'MOODLE_SMTP_USER'],
    'smtp host with empty password' => [['MOODLE_SMTP_PASSWORD' => ''], 'MOODLE_SMTP_PASSWORD'],
    'smtp host with port' => [['MOODLE_SMTP_HOST' => 'email-smtp.eu-west-1.amazonaws.com:587'], 'MOODLE_SMTP_HOST'],
    'smtp host with scheme' => [['MOODLE_SMTP_HOST' => 'tls://email-smtp.eu-west-1.amazonaws.com'], 'MOODLE_SMTP_HOST'],
    'smtp host list' => [['MOODLE_SMTP_HOST' => 'a.example;b.example'], 'MOODLE_SMTP_HOST'],
    'non-numeric smtp port' => [['MOODLE_SMTP_PORT' => 'smtp'], 'MOODLE_SMTP_PORT'],
    'smtp port 0' => [['MOODLE_SMTP_PORT' => '0'], 'MOODLE_SMTP_PORT'],
    'smtp port 70000' => [['MOODLE_SMTP_PORT' => '70000'], 'MOODLE_SMTP_PORT'],
    'smtp user without host' => [['MOODLE_SMTP_HOST' => null], 'MOODLE_SMTP_HOST'],
    'noreply not an address' => [['MOODLE_NOREPLY_ADDRESS' => 'noreply'], 'MOODLE_NOREPLY_ADDRESS'],
];
$smtperrors = '';
foreach ($invalidsmtp as $label => [$changes, $named]) {
    $tree = fake_tree();
    $env = $smtpenv + base_env($tree);
    foreach ($changes as $name => $value) {
        if ($value === null) {
            unset($env[$name]);
        } else {
            $env[$name] = $value;
        }
    }
    [$code, , $err] = generate($env);
    $smtperrors .= $err;
    check("invalid $label: rejected with a message naming $named",
        $code !== 0 && str_contains($err, $named) && !file_exists("$tree/config.php"), "exit $code: $err");
}
check('smtp: the password is never in an error message', !str_contains($smtperrors, "echo 'x'"), $smtperrors);

// 8. entrypoint.sh: bash syntax, the config role, and an unknown role.
[$code, , $err] = run(['bash', '-n', "$bin/entrypoint.sh"], []);
check('entrypoint: bash -n passes', $code === 0, $err);
$tree = fake_tree();
$runtime = temp_dir();
$env = ['MOODLE_ROLE' => 'config', 'MOODLE_RUNTIME_DIR' => $runtime, 'MOODLE_CONFIG_PATH' => "$runtime/config.php",
    'MOODLE_LOCALCACHEDIR' => "$runtime/localcache", 'MOODLE_DB_CA_FILE' => '/tmp/ca.pem', 'PHP_BIN' => PHP_BINARY];
[$code, , $err] = run(['bash', "$bin/entrypoint.sh"], $env + base_env($tree));
check('entrypoint config role: exit 0 and config written', $code === 0 && is_file("$runtime/config.php"), $err);
check('entrypoint: openssl.cafile ini from MOODLE_DB_CA_FILE',
    @file_get_contents("$runtime/php.d/90-db-ca.ini") === "openssl.cafile = \"/tmp/ca.pem\"\n");
[$code, , $err] = run(['bash', "$bin/entrypoint.sh"], ['MOODLE_DB_CA_PATH' => '/etc/ssl/certs', 'MOODLE_DB_CA_FILE' => ''] + $env + base_env($tree));
check('entrypoint: openssl.capath ini from MOODLE_DB_CA_PATH (the image\'s default), no cafile',
    $code === 0 && @file_get_contents("$runtime/php.d/90-db-ca.ini") === "openssl.capath = \"/etc/ssl/certs\"\n", $err);
[$code, , $err] = run(['bash', "$bin/entrypoint.sh"], ['MOODLE_ROLE' => 'nope'] + $env + base_env($tree));
check('entrypoint: unknown role exits 64', $code === 64 && str_contains($err, 'nope'), "exit $code: $err");
$env2 = $env + base_env($tree);
unset($env2['MOODLE_DB_HOST']);
[$code, , $err] = run(['bash', "$bin/entrypoint.sh"], $env2);
check('entrypoint: stops when config generation fails', $code !== 0 && str_contains($err, 'MOODLE_DB_HOST'), $err);

// The install-or-upgrade role, with a fake PHP that logs each script it runs and whether the master credentials
// were in its environment: ensure-db-user.php first, and nothing after it sees them.
$fakebin = temp_dir();
$runlog = "$fakebin/runs.log";
file_put_contents("$fakebin/php", <<<'SH'
#!/usr/bin/env bash
echo "$(basename "$1") admin=${MOODLE_DB_ADMIN_USER:-unset}/${MOODLE_DB_ADMIN_PASSWORD:-unset}" >> "$RUN_LOG"
if [[ "$(basename "$1")" == db-state.php ]]; then echo ready; fi
SH);
chmod("$fakebin/php", 0755);
$installenv = ['MOODLE_ROLE' => 'install-or-upgrade', 'PHP_BIN' => "$fakebin/php", 'RUN_LOG' => $runlog,
    'MOODLE_DB_ADMIN_USER' => 'master', 'MOODLE_DB_ADMIN_PASSWORD' => 'masterpw'] + $env + base_env($tree);
[$code, , $err] = run(['bash', "$bin/entrypoint.sh"], $installenv);
$runs = @file($runlog, FILE_IGNORE_NEW_LINES) ?: [];
check('entrypoint install-or-upgrade: ensure-db-user.php runs first with the master credentials, later steps without',
    $code === 0 && $runs === [
        'generate-config.php admin=master/masterpw',
        'ensure-db-user.php admin=master/masterpw',
        'db-state.php admin=unset/unset',
        'plugins-to-uninstall.php admin=unset/unset',
        'configure-cache.php admin=unset/unset',
    ], "exit $code: $err\n" . implode("\n", $runs));

// 9. Every PHP script in bin/ is valid PHP.
foreach (glob("$bin/*.php") as $script) {
    [$code, $out] = run([PHP_BINARY, '-l', $script], []);
    check('php -l ' . basename($script), $code === 0, $out);
}

// 10. MUC -> Redis against a real Moodle tree (optional).
$moodletree = getenv('MOODLE_TEST_TREE');
if ($moodletree === false || $moodletree === '') {
    echo "skip - configure-cache.php against a real Moodle: set MOODLE_TEST_TREE to an installed Moodle dir"
        . " (and MOODLE_REDIS_HOST/PORT/TLS/AUTH for its Redis) to run it\n";
} else {
    $env = ['MOODLE_DIR' => $moodletree];
    foreach (['MOODLE_CONFIG_PATH', 'MOODLE_REDIS_HOST', 'MOODLE_REDIS_PORT', 'MOODLE_REDIS_TLS', 'MOODLE_REDIS_AUTH',
            'MOODLE_REDIS_CA_FILE', 'MOODLE_REDIS_PREFIX'] as $name) {
        if (getenv($name) !== false) {
            $env[$name] = getenv($name);
        }
    }
    [$code, $out, $err] = run([PHP_BINARY, "$bin/configure-cache.php"], $env);
    check('muc: first run succeeds', $code === 0, $out . $err);
    [$code, $out, $err] = run([PHP_BINARY, "$bin/configure-cache.php"], $env);
    check('muc: second run succeeds (idempotent) and updates the store',
        $code === 0 && str_contains($out, 'updated'), $out . $err);
    [$code, $out, $err] = run([PHP_BINARY, "$bin/configure-cache.php"], ['MOODLE_REDIS_PORT' => '1'] + $env);
    check('muc: unreachable Redis fails non-zero', $code !== 0 && str_contains($err, 'not ready'), $out . $err);
    [$code, $out] = run([PHP_BINARY, "$bin/configure-cache.php"], $env); // Leave the working store in place.
}

// The viewer's address behind MOODLE_PROXY_HOPS proxies that each append to X-Forwarded-For.
require "$bin/viewer-address.php";
$cases = [
    'viewer-sent entries are skipped' => [2, '203.0.113.66, 198.51.100.7, 130.176.1.1', '198.51.100.7'],
    'two proxies, no viewer entry' => [2, '198.51.100.7, 130.176.1.1', '198.51.100.7'],
    'IPv6 viewer' => [2, '2001:db8::1, 130.176.1.1', '2001:db8::1'],
    'one proxy: the last entry' => [1, '203.0.113.66, 198.51.100.7', '198.51.100.7'],
    'fewer entries than proxies (not through every proxy)' => [2, '130.176.1.1', null],
    'no header' => [2, '', null],
    'no proxies configured' => [0, '203.0.113.66, 198.51.100.7, 130.176.1.1', null],
    'not an address' => [2, 'evil, 130.176.1.1', null],
];
foreach ($cases as $name => [$hops, $forwarded, $want]) {
    $got = moodle_fargate_viewer_address(['HTTP_X_FORWARDED_FOR' => $forwarded, 'REMOTE_ADDR' => '10.0.1.5'], $hops);
    check("viewer address: $name", $got === $want, 'got ' . var_export($got, true));
}
$tree = fake_tree();
[$code, , $err] = generate(base_env($tree) + ['MOODLE_PROXY_HOPS' => '2']);
check('proxy hops: generate exits 0', $code === 0, $err);
$probe = 'include $argv[1]; echo $_SERVER["REMOTE_ADDR"], "|", $CFG->getremoteaddrconf;';
[, $out] = run([PHP_BINARY, '-r', $probe, "$tree/config.php"],
    ['HTTP_X_FORWARDED_FOR' => '203.0.113.66, 198.51.100.7, 130.176.1.1', 'REMOTE_ADDR' => '10.0.1.5']);
check('proxy hops: config.php puts the viewer in REMOTE_ADDR and Moodle skips the headers', $out === '198.51.100.7|3', "got '$out'");
[$code, , $err] = generate(base_env(fake_tree()) + ['MOODLE_PROXY_HOPS' => '9']);
check('proxy hops: more than 5 is a configuration error', $code === 2 && str_contains($err, 'MOODLE_PROXY_HOPS'), $err);
$tree = fake_tree();
generate(base_env($tree));
check('proxy hops: without MOODLE_PROXY_HOPS config.php trusts no header', !str_contains(file_get_contents("$tree/config.php"), 'viewer-address'));

// The activity marker web requests leave for the cron role's idle mode.
require "$bin/request-activity.php";
$dataroot = temp_dir();
$marker = moodle_fargate_activity_marker($dataroot);
check('activity: a CLI script never marks', !moodle_fargate_mark_request($dataroot, time(), 'cli') && !file_exists($marker));
check('activity: a web request marks', moodle_fargate_mark_request($dataroot, time(), 'apache2handler') && file_exists($marker));
touch($marker, time() - 30);
clearstatcache();
check('activity: a marker younger than a minute is left alone', !moodle_fargate_mark_request($dataroot, time(), 'apache2handler')
    && filemtime($marker) <= time() - 30);
touch($marker, time() - 61);
clearstatcache();
$touched = moodle_fargate_mark_request($dataroot, time(), 'apache2handler');
clearstatcache();
check('activity: an older marker is touched', $touched && filemtime($marker) >= time() - 1);
check('activity: an unwritable dataroot does not fail the request', !moodle_fargate_mark_request('/nonexistent-dataroot', time(), 'apache2handler'));
$tree = fake_tree();
generate(base_env($tree) + ['MOODLE_DATAROOT' => $dataroot]);
touch($marker, time() - 120);
clearstatcache();
run([PHP_BINARY, '-r', 'include $argv[1];', "$tree/config.php"], []);
clearstatcache();
check('activity: config.php run from the CLI leaves the marker alone', filemtime($marker) <= time() - 120);
check('activity: config.php marks web requests before Moodle\'s setup',
    preg_match('/moodle_fargate_mark_request\(\$CFG->dataroot, time\(\)\);\nrequire_once\(.*setup\.php/', file_get_contents("$tree/config.php")) === 1);

finish();
