<?php
// Prints the database state for entrypoint.sh: "empty" (no Moodle tables), "needs-upgrade" or "ready".
// Same test as admin/cli/install_database.php, which refuses to run when $DB->get_tables() is not empty.

define('CLI_SCRIPT', true);
// As admin/cli/upgrade.php: the plugins on disk, not core_component's list cached in $CFG->cachedir (moodledata,
// shared by every image, and checked only against the core version).
define('CACHE_DISABLE_ALL', true);

$moodledir = rtrim(getenv('MOODLE_DIR') ?: '/var/www/html', '/');
require(getenv('MOODLE_CONFIG_PATH') ?: "$moodledir/config.php");
require_once($CFG->libdir . '/upgradelib.php');

if (empty($DB->get_tables(false))) {
    echo "empty\n";
} else if (moodle_needs_upgrading()) {
    echo "needs-upgrade\n";
} else {
    echo "ready\n";
}
