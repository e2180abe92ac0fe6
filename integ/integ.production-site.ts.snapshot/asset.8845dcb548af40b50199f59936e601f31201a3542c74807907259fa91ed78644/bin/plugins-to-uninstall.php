<?php
// Prints, comma-separated, the plugins of the image's uninstall list (MOODLE_PLUGINS_FILE's "uninstall") that the
// site has installed: what entrypoint.sh hands to admin/cli/uninstall_plugins.php --run. With --check it prints
// nothing and exits 3 naming those still installed (uninstall_plugins.php exits 0 even when it could not uninstall
// one, for example a plugin another plugin depends on).

define('CLI_SCRIPT', true);
define('CACHE_DISABLE_ALL', true);

$file = getenv('MOODLE_PLUGINS_FILE') ?: __DIR__ . '/plugins.json';
$list = json_decode((string) @file_get_contents($file), true);
if (!is_array($list) || !is_array($list['uninstall'] ?? [])) {
    fwrite(STDERR, "plugins-to-uninstall: cannot read the image's plugin list $file (MOODLE_PLUGINS_FILE)\n");
    exit(2);
}
$uninstall = $list['uninstall'] ?? [];
if (!$uninstall) {
    exit(0);
}
$moodledir = rtrim(getenv('MOODLE_DIR') ?: '/var/www/html', '/');
require(getenv('MOODLE_CONFIG_PATH') ?: "$moodledir/config.php");

$installed = array_values(array_filter($uninstall, fn ($component) => get_config($component, 'version') !== false));
if (in_array('--check', $argv, true)) {
    if ($installed) {
        fwrite(STDERR, 'plugins-to-uninstall: still installed after admin/cli/uninstall_plugins.php: ' . implode(', ', $installed) .
            " (see its output above: another plugin may depend on it, or it is one of Moodle's standard plugins)\n");
        exit(3);
    }
    exit(0);
}
echo implode(',', $installed), "\n";
