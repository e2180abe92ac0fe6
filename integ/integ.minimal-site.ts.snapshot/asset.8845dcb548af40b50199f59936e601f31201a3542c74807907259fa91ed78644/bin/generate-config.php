<?php
// Writes Moodle's config.php from environment variables (see src/image/README.md for the contract).
// Every value is written with var_export(), so quotes, backslashes or '$' in secrets cannot break the file.
// On any error: message on stderr, exit code 2, and no config.php is written or replaced.

declare(strict_types=1);

require __DIR__ . '/env.php';

require_env('MOODLE_WWWROOT', 'MOODLE_DB_HOST', 'MOODLE_DB_NAME', 'MOODLE_DB_USER', 'MOODLE_DB_PASSWORD');

$wwwroot = rtrim(env('MOODLE_WWWROOT'), '/');
// sslproxy = true makes Moodle refuse a non-https wwwroot, so catch it here with a clear message.
if (!preg_match('#^https://[^/\s]+#i', $wwwroot)) {
    config_error("MOODLE_WWWROOT must start with https:// (TLS ends at CloudFront/ALB), got '$wwwroot'");
}

$dbtype = env('MOODLE_DB_TYPE', 'mysqli');
if (!in_array($dbtype, ['mysqli', 'mariadb', 'auroramysql'], true)) {
    config_error("MOODLE_DB_TYPE must be one of mysqli, mariadb, auroramysql, got '$dbtype'");
}

$moodledir = rtrim(env('MOODLE_DIR', '/var/www/html'), '/');
// Moodle 5.1+ keeps its code under public/ and config.php beside it; 5.0 and older have lib/ at the top.
$setup = null;
foreach (["$moodledir/public/lib/setup.php", "$moodledir/lib/setup.php"] as $candidate) {
    if (is_file($candidate)) {
        $setup = $candidate;
        break;
    }
}
if ($setup === null) {
    config_error("MOODLE_DIR '$moodledir' holds neither public/lib/setup.php nor lib/setup.php");
}
$configpath = env('MOODLE_CONFIG_PATH', "$moodledir/config.php");

// mysqli driver: dboptions['ssl'] sets MYSQLI_CLIENT_SSL, and 'verify-full' adds MYSQLI_CLIENT_SSL_VERIFY_SERVER_CERT.
// The driver takes no CA option: the CA comes from PHP's openssl.capath or cafile (the entrypoint sets them from
// MOODLE_DB_CA_PATH and MOODLE_DB_CA_FILE).
$dboptions = [
    'dbpersist' => false,
    'dbport' => env_int('MOODLE_DB_PORT', 3306),
    'dbsocket' => '',
    'dbcollation' => env('MOODLE_DB_COLLATION', 'utf8mb4_unicode_ci'),
    'connecttimeout' => env_int('MOODLE_DB_CONNECT_TIMEOUT', 10),
];
if (env_bool('MOODLE_DB_TLS', true)) {
    $dboptions['ssl'] = 'verify-full';
}

$cfg = [
    'dbtype' => $dbtype,
    'dblibrary' => 'native',
    'dbhost' => env('MOODLE_DB_HOST'),
    'dbname' => env('MOODLE_DB_NAME'),
    'dbuser' => env('MOODLE_DB_USER'),
    'dbpass' => env('MOODLE_DB_PASSWORD'),
    'prefix' => env('MOODLE_DB_PREFIX', 'mdl_'),
    'dboptions' => $dboptions,
    'wwwroot' => $wwwroot,
    'sslproxy' => true,
    'dataroot' => env('MOODLE_DATAROOT', '/mnt/moodledata'),
    'localcachedir' => env('MOODLE_LOCALCACHEDIR', '/var/cache/moodle-local'),
    'admin' => 'admin',
    // Every task runs as uid/gid 33 and the EFS access point enforces that owner, so no world bits are needed.
    'directorypermissions' => 02770,
    'preventexecpath' => true,
    'disableupdateautodeploy' => true,
    'routerconfigured' => env_bool('MOODLE_ROUTER_CONFIGURED', true),
    'debug' => 0,
    'debugdisplay' => 0,
    // GETREMOTEADDR_SKIP_HTTP_CLIENT_IP | GETREMOTEADDR_SKIP_HTTP_X_FORWARDED_FOR: Moodle reads REMOTE_ADDR only,
    // which viewer-address.php sets from the entries the proxies in front of the task appended.
    'getremoteaddrconf' => 3,
];
// Forum posts are mailed once older than this; cron's idle mode waits for it (MOODLE_MAX_EDITING_TIME in entrypoint.sh
// too), so it is fixed here rather than in the admin pages, where the two could disagree.
$cfg['maxeditingtime'] = env_int('MOODLE_MAX_EDITING_TIME', 1800);
// How far apart cron.php starts by design (a keep-alive run, or an idle interval): Moodle's cron check warns beyond it.
$cronfrequency = env_int('MOODLE_CRON_EXPECTED_FREQUENCY', 0);
if ($cronfrequency > 0) {
    $cfg['expectedcronfrequency'] = $cronfrequency;
}
$proxies = env_int('MOODLE_PROXY_HOPS', 0);
if ($proxies > 5) {
    config_error("MOODLE_PROXY_HOPS must be the number of proxies in front of the task (0 to 5), got '$proxies'");
}

$redishost = env('MOODLE_REDIS_HOST');
if ($redishost !== null) {
    if (str_contains($redishost, '://') || str_contains($redishost, ':')) {
        config_error("MOODLE_REDIS_HOST must be a plain host name (use MOODLE_REDIS_PORT and MOODLE_REDIS_TLS), got '$redishost'");
    }
    $prefix = env('MOODLE_REDIS_PREFIX', 'mdl_');
    $cfg += [
        'session_handler_class' => '\core\session\redis',
        'session_redis_host' => $redishost,
        'session_redis_port' => env_int('MOODLE_REDIS_PORT', 6379),
        'session_redis_prefix' => $prefix . 'sess_',
        // The task definitions set both to the edge's origin response timeout: no viewer waits longer for a page, so a
        // lock left by a killed task frees the session by then, and a request waiting for a lock gives up when its viewer does.
        'session_redis_acquire_lock_timeout' => env_int('MOODLE_REDIS_LOCK_TIMEOUT', 60),
        'session_redis_lock_expire' => env_int('MOODLE_REDIS_LOCK_EXPIRE', 60),
        // config-dist.php says session_redis_maxretries; lib/classes/session/redis.php reads this name.
        'session_redis_max_retries' => env_int('MOODLE_REDIS_MAX_RETRIES', 3),
        'session_redis_serializer_use_igbinary' => true,
    ];
    $auth = env('MOODLE_REDIS_AUTH');
    if ($auth !== null) {
        $cfg['session_redis_auth'] = $auth;
    }
    if (env_bool('MOODLE_REDIS_TLS', true)) {
        $cfg['session_redis_encrypt'] = [
            'cafile' => env('MOODLE_REDIS_CA_FILE', '/usr/local/share/moodle-ca/amazon-trust-services.pem'),
            'verify_peer' => true,
            'verify_peer_name' => true,
        ];
    }
} else {
    // Without Redis, sessions go to the database: shared by every task, unlike file sessions.
    $cfg['session_handler_class'] = '\core\session\database';
}

// Outgoing mail over SMTP (for example Amazon SES). These are admin settings (message_email); set in config.php
// they are "forced settings" (config-dist.php, section 8): Moodle uses them and the admin UI cannot change them.
$smtphost = env('MOODLE_SMTP_HOST');
if ($smtphost !== null) {
    if (!preg_match('/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/', $smtphost)) {
        config_error("MOODLE_SMTP_HOST must be a plain host name (use MOODLE_SMTP_PORT for the port), got '$smtphost'");
    }
    foreach (['MOODLE_SMTP_USER', 'MOODLE_SMTP_PASSWORD'] as $name) {
        if (env($name) === null) {
            config_error("MOODLE_SMTP_HOST is set but $name is missing: the SMTP server needs authentication (LOGIN over STARTTLS)");
        }
    }
    $smtpport = env_int('MOODLE_SMTP_PORT', 587);
    if ($smtpport < 1 || $smtpport > 65535) {
        config_error("MOODLE_SMTP_PORT must be a port from 1 to 65535, got '$smtpport'");
    }
    $cfg += [
        'smtphosts' => "$smtphost:$smtpport",
        // 'tls' is STARTTLS in PHPMailer (port 587); 'ssl' would be implicit TLS (port 465).
        'smtpsecure' => 'tls',
        'smtpauthtype' => 'LOGIN',
        'smtpuser' => env('MOODLE_SMTP_USER'),
        'smtppass' => env('MOODLE_SMTP_PASSWORD'),
    ];
} else {
    $stray = array_values(array_filter(['MOODLE_SMTP_PORT', 'MOODLE_SMTP_USER', 'MOODLE_SMTP_PASSWORD'],
        fn ($name) => env($name) !== null));
    if ($stray) {
        config_error(implode(', ', $stray) . ' set without MOODLE_SMTP_HOST: set MOODLE_SMTP_HOST too, or remove them');
    }
}
$noreply = env('MOODLE_NOREPLY_ADDRESS');
if ($noreply !== null) {
    if (filter_var($noreply, FILTER_VALIDATE_EMAIL) === false) {
        config_error("MOODLE_NOREPLY_ADDRESS must be an email address, got '$noreply'");
    }
    $cfg['noreplyaddress'] = $noreply;
}

$lines = [
    '<?php',
    '// Generated at container start by generate-config.php. Do not edit: changes are lost at the next start.',
    'unset($CFG);',
    'global $CFG;',
    '$CFG = new stdClass();',
];
foreach ($cfg as $key => $value) {
    $exported = $key === 'directorypermissions' ? sprintf('0%o', $value) : var_export($value, true);
    $lines[] = sprintf('$CFG->%s = %s;', $key, $exported);
}
if ($proxies > 0) {
    $lines[] = 'require_once(' . var_export(__DIR__ . '/viewer-address.php', true) . ');';
    $lines[] = sprintf('moodle_fargate_use_viewer_address(%d);', $proxies);
}
$lines[] = 'require_once(' . var_export(__DIR__ . '/request-activity.php', true) . ');';
$lines[] = 'moodle_fargate_mark_request($CFG->dataroot, time());';
$lines[] = 'require_once(' . var_export($setup, true) . ');';
$content = implode("\n", $lines) . "\n";

$dir = dirname($configpath);
if (!is_dir($dir) && !@mkdir($dir, 0750, true)) {
    config_error("cannot create directory '$dir' for MOODLE_CONFIG_PATH");
}
$tmp = @tempnam($dir, '.config.php.');
if ($tmp === false || file_put_contents($tmp, $content) !== strlen($content) || !chmod($tmp, 0440)
        || !rename($tmp, $configpath)) {
    if ($tmp !== false) {
        @unlink($tmp);
    }
    config_error("cannot write '$configpath'");
}
fwrite(STDERR, "generate-config: wrote $configpath\n");
