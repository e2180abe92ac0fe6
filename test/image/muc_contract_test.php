<?php
// Contract test for src/image/bin/configure-cache.php against a fake Moodle tree (test/image/fake-moodle):
// stubs of the cache API calls the script makes, persisting to a JSON state file the test then reads.
// Runs with plain `php test/image/muc_contract_test.php`: no Moodle, no Redis, no database.
// Last line: "N passed, N failed"; exit code 1 on any failure.

declare(strict_types=1);

$script = dirname(__DIR__, 2) . '/src/image/bin/configure-cache.php';
$fake = __DIR__ . '/fake-moodle';
require __DIR__ . '/harness.php';

/** A fresh, empty state file (the fake treats empty as a new site with Moodle's default stores). */
function state_file(): string {
    static $files = [];
    if (!$files) {
        register_shutdown_function(function () use (&$files) {
            array_map('unlink', array_filter($files, 'is_file'));
        });
    }
    $file = tempnam(sys_get_temp_dir(), 'fake-moodle-state-');
    $files[] = $file;
    return $file;
}

function state(string $file): array {
    $json = (string) file_get_contents($file);
    return $json === '' ? [] : (json_decode($json, true) ?? []);
}

/** Runs configure-cache.php with exactly $env (plus PATH); returns [exit code, stdout, stderr]. */
function configure(array $env, array $phpflags = []): array {
    global $script;
    $env += ['PATH' => getenv('PATH') ?: '/usr/bin:/bin'];
    $cmd = array_merge([PHP_BINARY], $phpflags, [$script]);
    $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    return [proc_close($proc), $out, $err];
}

function base_env(string $state): array {
    global $fake;
    return [
        'MOODLE_DIR' => $fake,
        'MOODLE_CONFIG_PATH' => "$fake/config.php",
        'MOODLE_REDIS_HOST' => 'master.cache.abc.euw1.cache.amazonaws.com',
        'MOODLE_REDIS_PORT' => '6380',
        'MOODLE_REDIS_AUTH' => 'redis-token',
        'MOODLE_REDIS_TLS' => 'true',
        'MOODLE_REDIS_CA_FILE' => '/etc/ssl/certs/test-ca.pem',
        'MOODLE_REDIS_PREFIX' => 'site1_',
        'FAKE_MOODLE_STATE' => $state,
    ];
}

/** Mode => [store, ...] from the persisted mappings. */
function mappings(array $state): array {
    $mapped = [];
    foreach ($state['modemappings'] ?? [] as $mapping) {
        $mapped[$mapping['mode']][] = $mapping['store'];
    }
    return $mapped;
}

const APPLICATION = 1;
const SESSION = 2;
const REQUEST = 4;
$defaultmappings = [APPLICATION => ['default_application'], SESSION => ['default_session'], REQUEST => ['default_request']];

// 1. First run, TLS on: store added with the right configuration, modes mapped, caches purged.
$file = state_file();
[$code, $out, $err] = configure(base_env($file));
$state = state($file);
$config = $state['stores']['redis']['configuration'] ?? [];
check('first run: exit 0', $code === 0, "exit $code: $out$err");
check("first run: says 'added'", str_contains($out, "store 'redis' added"), $out);
check('first run: store saved as plugin redis', ($state['stores']['redis']['plugin'] ?? null) === 'redis');
check('first run: server is host:port without a tls:// scheme',
    ($config['server'] ?? null) === 'master.cache.abc.euw1.cache.amazonaws.com:6380', var_export($config['server'] ?? null, true));
check('first run: password is MOODLE_REDIS_AUTH', ($config['password'] ?? null) === 'redis-token');
check('first run: encryption on', ($config['encryption'] ?? null) === true);
check('first run: cafile is MOODLE_REDIS_CA_FILE', ($config['cafile'] ?? null) === '/etc/ssl/certs/test-ca.pem');
check("first run: prefix '<prefix>muc_'", ($config['prefix'] ?? null) === 'site1_muc_', var_export($config['prefix'] ?? null, true));
$serializer = defined('Redis::SERIALIZER_IGBINARY') ? Redis::SERIALIZER_IGBINARY : Redis::SERIALIZER_PHP;
check('first run: serializer from the phpredis constants', ($config['serializer'] ?? null) === $serializer);
check('first run: probe store built with the saved name and configuration',
    ($state['constructed'][0] ?? null) === ['name' => 'redis', 'configuration' => $config]);
$mapped = mappings($state);
check('first run: application mode mapped to the store', ($mapped[APPLICATION] ?? null) === ['redis']);
check('first run: session mode mapped to the store', ($mapped[SESSION] ?? null) === ['redis']);
check('first run: request mode stays default_request', ($mapped[REQUEST] ?? null) === ['default_request']);
check('first run: caches purged once', ($state['purged'] ?? 0) === 1);

// 2. Second run on the same site: updated in place, still one Redis store.
[$code, $out, $err] = configure(base_env($file));
$state = state($file);
$redisstores = array_filter($state['stores'] ?? [], fn ($s) => $s['plugin'] === 'redis');
check('second run: exit 0', $code === 0, "exit $code: $out$err");
check("second run: says 'updated'", str_contains($out, "store 'redis' updated"), $out);
check('second run: exactly one redis store', array_keys($redisstores) === ['redis'], implode(', ', array_keys($redisstores)));
check('second run: mappings unchanged', mappings($state) === $mapped);
check('second run: caches purged again', ($state['purged'] ?? 0) === 2);

// 3. TLS off: no encryption, no CA file.
$file = state_file();
[$code, $out, $err] = configure(['MOODLE_REDIS_TLS' => 'false'] + base_env($file));
$config = state($file)['stores']['redis']['configuration'] ?? [];
check('tls off: exit 0', $code === 0, "exit $code: $out$err");
check('tls off: encryption false', ($config['encryption'] ?? null) === false);
check("tls off: cafile ''", ($config['cafile'] ?? null) === '');
check('tls off: server still host:port', ($config['server'] ?? null) === 'master.cache.abc.euw1.cache.amazonaws.com:6380');
check('tls off: output says tls=off', str_contains($out, 'tls=off'), $out);

// 4. Defaults: port 6379, prefix mdl_muc_, no password, TLS on with the system CA bundle.
$file = state_file();
$env = base_env($file);
unset($env['MOODLE_REDIS_PORT'], $env['MOODLE_REDIS_PREFIX'], $env['MOODLE_REDIS_AUTH'], $env['MOODLE_REDIS_TLS'],
    $env['MOODLE_REDIS_CA_FILE']);
[$code, $out, $err] = configure($env);
$config = state($file)['stores']['redis']['configuration'] ?? [];
check('defaults: exit 0', $code === 0, "exit $code: $out$err");
check('defaults: port 6379', ($config['server'] ?? null) === 'master.cache.abc.euw1.cache.amazonaws.com:6379');
check('defaults: prefix mdl_muc_', ($config['prefix'] ?? null) === 'mdl_muc_');
check("defaults: password ''", ($config['password'] ?? null) === '');
check('defaults: TLS on with the Amazon Trust Services roots',
    ($config['encryption'] ?? null) === true && ($config['cafile'] ?? null) === '/usr/local/share/moodle-ca/amazon-trust-services.pem');

// 5. Store not ready: exit 3, 'not ready' on stderr, nothing written.
$file = state_file();
[$code, $out, $err] = configure(['FAKE_REDIS_READY' => '0'] + base_env($file));
$state = state($file);
check('not ready: exit 3', $code === 3, "exit $code: $out$err");
check("not ready: stderr says 'not ready'", str_contains($err, 'not ready'), $err);
check('not ready: no mappings written', mappings($state) === [] || mappings($state) === $defaultmappings);
check('not ready: no store saved', !isset($state['stores']['redis']));
check('not ready: caches not purged', ($state['purged'] ?? 0) === 0);

// 6. Probe failure (set() false, or set() throws): exit 3, nothing written.
foreach (['1' => 'returns false', 'throw' => 'throws'] as $mode => $label) {
    $file = state_file();
    [$code, $out, $err] = configure(['FAKE_REDIS_PROBE_FAIL' => (string) $mode] + base_env($file));
    $state = state($file);
    check("probe $label: exit 3", $code === 3, "exit $code: $out$err");
    check("probe $label: stderr names the probe", str_contains($err, 'write/read probe'), $err);
    check("probe $label: no store or mappings saved",
        !isset($state['stores']['redis']) && in_array(mappings($state), [[], $defaultmappings], true));
}

// 7. No MOODLE_REDIS_HOST: exit 3 before touching Moodle.
foreach (['unset' => null, 'empty' => ''] as $how => $value) {
    $file = state_file();
    $env = base_env($file);
    if ($value === null) {
        unset($env['MOODLE_REDIS_HOST']);
    } else {
        $env['MOODLE_REDIS_HOST'] = $value;
    }
    [$code, $out, $err] = configure($env);
    check("no redis host ($how): exit 3", $code === 3, "exit $code: $out$err");
    check("no redis host ($how): refuses to leave the cache on files",
        str_contains($err, 'refusing to leave the application cache on files'), $err);
    check("no redis host ($how): nothing written", state($file) === []);
}

// 8. Without the phpredis extension (php -n): the Redis class comes from the fake; serializer falls back sensibly.
if (extension_loaded('redis')) {
    $file = state_file();
    [$code, $out, $err] = configure(base_env($file), ['-n']);
    $config = state($file)['stores']['redis']['configuration'] ?? [];
    check('without ext-redis: exit 0', $code === 0, "exit $code: $out$err");
    check('without ext-redis: serializer is an int', is_int($config['serializer'] ?? null));
} else {
    echo "skip - run under php -n: the redis extension is not loaded, so every run above already used the stub\n";
}

finish();
