<?php
// Before an upgrade changes anything (or, with --release=R --version=V, before an import loads a dump of that release): exits 3 with a message naming both releases when the image's Moodle cannot
// upgrade the site's (older than its admin/environment.xml `requires`, or newer than the image: Moodle cannot
// downgrade, or a plugin in the image older than the site's), and the stepping stone from the release table (MOODLE_RELEASES_FILE) where there is one.
// Moodle's own upgrade.php makes the same comparison (environment_check_moodle), but only after the entrypoint
// has put the site into maintenance; this keeps the running site serving and the database untouched.

define('CLI_SCRIPT', true);
// As admin/cli/upgrade.php: the site's cache configuration may be of the release being replaced.
define('CACHE_DISABLE_ALL', true);

$moodledir = rtrim(getenv('MOODLE_DIR') ?: '/var/www/html', '/');
require(getenv('MOODLE_CONFIG_PATH') ?: "$moodledir/config.php");
require(__DIR__ . '/moodle-facts.php');

/** As Moodle's environment_check_moodle(): the release's number, a development release counting as the one before. */
function release_number(string $release): string {
    if (!preg_match('/^\d+(\.\d+)*/', $release, $m)) {
        return '';
    }
    if (stripos($release, 'dev') !== false) {
        [$major, $minor] = array_map('intval', explode('.', $m[0])) + [0, 0];
        return $minor > 0 ? "$major." . ($minor - 1) : ($major - 1) . '.99';
    }
    return $m[0];
}

function refuse(string $message): void {
    fwrite(STDERR, "check-upgrade-path: $message\n");
    exit(3);
}

$code = moodle_tree_version($moodledir);
['public' => $public, 'major' => $branch] = $code;
$dump = getopt('', ['release:', 'version:']);
$site = isset($dump['release'], $dump['version'])
    ? ['release' => (string) $dump['release'], 'version' => sprintf('%.2f', (float) $dump['version'])]
    : ['release' => (string) ($CFG->release ?? ''), 'version' => sprintf('%.2f', (float) ($CFG->version ?? 0))];
$unchanged = isset($dump['release']) ? 'Nothing was imported.' : 'The database was not changed.';
$image = "Moodle {$code['release']} (version {$code['version']})";
$current = "Moodle {$site['release']} (version {$site['version']})";

if ((float) $site['version'] > (float) $code['version']) {
    refuse("the site runs $current, newer than this image's $image. Moodle cannot downgrade: " .
        "deploy an image of {$site['release']} or later (moodleVersion); the database was not changed.");
}

$xml = @simplexml_load_file("$public/admin/environment.xml");
if ($xml === false) {
    refuse("cannot read $public/admin/environment.xml to learn which releases $image upgrades. $unchanged");
}
$requires = (string) ($xml->xpath("/COMPATIBILITY_MATRIX/MOODLE[@version='$branch']")[0]['requires'] ?? '');
$from = release_number($site['release']);
if ($from === '') {
    refuse("the site's database records no Moodle release (\$CFG->release '{$site['release']}', version {$site['version']}), " .
        "so it cannot be told whether $image can upgrade it. $unchanged");
}
if ($requires !== '' && version_compare($from, $requires, '<')) {
    $table = getenv('MOODLE_RELEASES_FILE') ?: (is_file(__DIR__ . '/moodle-releases.json') ? __DIR__ . '/moodle-releases.json' : __DIR__ . '/../moodle-releases.json');
    $releases = moodle_release_table($table);
    if ($releases === null) {
        refuse("the site runs $current, but this image's $image upgrades only from Moodle $requires or later; " .
            "the release table $table (MOODLE_RELEASES_FILE) cannot be read to name the release to step through. $unchanged");
    }
    $stones = array_filter($releases, fn ($r) => !empty($r['lts']) && version_compare($from, $r['upgradesFrom'], '>=')
        && version_compare($r['branch'], $requires, '>=') && version_compare($r['branch'], $branch, '<'));
    usort($stones, fn ($a, $b) => version_compare($b['branch'], $a['branch']));
    $stone = $stones ? reset($stones) : null;
    $step = $stone
        ? "upgrade the site to Moodle {$stone['branch']} LTS first (moodleVersion '{$stone['tag']}'), then to $branch"
        : "upgrade the site to a Moodle release of at least $requires first (none in the release table upgrades $from)";
    refuse("the site runs $current, but this image's $image upgrades only from Moodle $requires or later " .
        "(its admin/environment.xml): $step. $unchanged");
}
if (isset($dump['release'])) {
    echo "check-upgrade-path: a dump of $current can be imported and upgraded to $image\n";
    exit(0);
}
// A plugin the site has at a later version than the image (an image rolled back, a plugin pinned to an older
// release): upgrade.php would stop with downgrade_exception after maintenance is on.
$downgraded = [];
foreach (core_plugin_manager::instance()->get_plugins() as $plugins) {
    foreach ($plugins as $plugin) {
        if ($plugin->get_status() === core_plugin_manager::PLUGIN_STATUS_DOWNGRADE) {
            $downgraded[] = "{$plugin->component} (the site has version {$plugin->versiondb}, the image {$plugin->versiondisk})";
        }
    }
}
if ($downgraded) {
    refuse('plugins in this image are older than the site\'s: ' . implode(', ', $downgraded) . '. Moodle cannot downgrade a plugin: ' .
        'list the version the site has (or a later one) in plugins, or deploy the image the site ran before. The database was not changed.');
}
echo "check-upgrade-path: $current can be upgraded to $image\n";
