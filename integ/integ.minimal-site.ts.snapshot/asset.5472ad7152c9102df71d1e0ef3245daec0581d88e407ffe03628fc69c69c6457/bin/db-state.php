<?php
// Prints the database state for entrypoint.sh: "empty" (no Moodle tables), "needs-upgrade" or "ready".
// Same test as admin/cli/install_database.php, which refuses to run when $DB->get_tables() is not empty.

define('CLI_SCRIPT', true);
// As admin/cli/upgrade.php: without it core_component reads its plugin list from $CFG->cachedir (moodledata, shared
// by every image), which only a core version change invalidates, and a new image whose only change is a plugin
// would look "ready".
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
