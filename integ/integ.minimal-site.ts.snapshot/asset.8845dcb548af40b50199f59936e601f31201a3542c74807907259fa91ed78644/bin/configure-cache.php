<?php
// Points Moodle's application and session caches (MUC) at Redis/Valkey, without the admin UI.
// Run after install/upgrade, inside an installed Moodle tree (MOODLE_CONFIG_PATH, default $MOODLE_DIR/config.php).
// Idempotent: adds the store instance or updates it, then sets the mode mappings and purges caches.
// Exits non-zero when Redis cannot be used, instead of letting Moodle fall back to the file store silently.
// Note: Moodle writes the store's password to dataroot/muc/config.php in plain text (dataroot is encrypted EFS).

define('CLI_SCRIPT', true);

function muc_fail(string $message): never {
    fwrite(STDERR, "configure-cache: $message\n");
    exit(3);
}

function muc_env(string $name, ?string $default = null): ?string {
    $value = getenv($name);
    return ($value === false || $value === '') ? $default : $value;
}

$host = muc_env('MOODLE_REDIS_HOST');
if ($host === null) {
    muc_fail('MOODLE_REDIS_HOST is not set; refusing to leave the application cache on files');
}
$moodledir = rtrim(muc_env('MOODLE_DIR', '/var/www/html'), '/');
require(muc_env('MOODLE_CONFIG_PATH', "$moodledir/config.php"));
require_once($CFG->libdir . '/clilib.php');
if (!class_exists(\core_cache\config_writer::class)) {
    require_once($CFG->dirroot . '/cache/locallib.php'); // Moodle < 4.4: legacy class names only.
}

$tls = filter_var(muc_env('MOODLE_REDIS_TLS', 'true'), FILTER_VALIDATE_BOOLEAN);
$storename = muc_env('MOODLE_REDIS_STORE_NAME', 'redis');
$configuration = [
    // Plain host:port; the store itself adds tls:// when 'encryption' is set.
    'server' => $host . ':' . (int) muc_env('MOODLE_REDIS_PORT', '6379'),
    'prefix' => muc_env('MOODLE_REDIS_PREFIX', 'mdl_') . 'muc_',
    'password' => muc_env('MOODLE_REDIS_AUTH', ''),
    'serializer' => defined('Redis::SERIALIZER_IGBINARY') ? Redis::SERIALIZER_IGBINARY : Redis::SERIALIZER_PHP,
    'compressor' => 0,
    'connectiontimeout' => 3,
    'encryption' => $tls,
    'cafile' => $tls ? muc_env('MOODLE_REDIS_CA_FILE', '/usr/local/share/moodle-ca/amazon-trust-services.pem') : '',
    'clustermode' => false,
];

require_once($CFG->dirroot . '/cache/stores/redis/lib.php');
$store = new cachestore_redis($storename, $configuration);
if (!$store->is_ready()) {
    muc_fail("Redis store at {$configuration['server']} is not ready (connection, TLS or auth failed)");
}
// is_ready() does not cover a rejected password on a plain connection: prove a write and a read.
$definitionclass = class_exists(\core_cache\definition::class) ? \core_cache\definition::class : 'cache_definition';
$storeclass = class_exists(\core_cache\store::class) ? \core_cache\store::class : 'cache_store';
$store->initialise($definitionclass::load_adhoc($storeclass::MODE_APPLICATION, 'core', 'moodleonfargatecheck'));
$probe = 'probe-' . bin2hex(random_bytes(4));
try {
    $ok = $store->set('probe', $probe) && $store->get('probe') === $probe;
    $store->delete('probe');
} catch (Throwable $e) {
    muc_fail('Redis store failed a write/read probe: ' . $e->getMessage());
}
if (!$ok) {
    muc_fail('Redis store failed a write/read probe (wrong password or read-only replica?)');
}

$writerclass = class_exists(\core_cache\config_writer::class) ? \core_cache\config_writer::class : 'cache_config_writer';
$writer = $writerclass::instance();
if (array_key_exists($storename, $writer->get_all_stores())) {
    $writer->edit_store_instance($storename, 'redis', $configuration);
    $action = 'updated';
} else {
    $writer->add_store_instance($storename, 'redis', $configuration);
    $action = 'added';
}
$writer->set_mode_mappings([
    $storeclass::MODE_APPLICATION => [$storename],
    $storeclass::MODE_SESSION => [$storename],
    $storeclass::MODE_REQUEST => ['default_request'],
]);
purge_all_caches();

// Read the mappings back from a fresh config instance: they must name our store.
$factoryclass = class_exists(\core_cache\factory::class) ? \core_cache\factory::class : 'cache_factory';
// The factory caches the config object it handed the writer: reset it so the mappings come from the saved file.
$factoryclass::reset();
$config = $factoryclass::instance()->create_config_instance(true);
$mapped = [];
foreach ($config->get_mode_mappings() as $mapping) {
    $mapped[$mapping['mode']][] = $mapping['store'];
}
foreach ([$storeclass::MODE_APPLICATION, $storeclass::MODE_SESSION] as $mode) {
    if (($mapped[$mode][0] ?? null) !== $storename) {
        muc_fail("mode $mode is not mapped to '$storename' after saving");
    }
}
cli_writeln("configure-cache: store '$storename' $action ({$configuration['server']}, tls=" . ($tls ? 'on' : 'off')
    . '); application and session caches mapped to it; caches purged');
