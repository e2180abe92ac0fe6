<?php
// Prints one field of a Moodle release from the release table (moodle-releases.json), for the build scripts.
// Usage: php release.php <table> <tag> <field>. Exit 2, with a message, when the tag or the field is not there.

require(__DIR__ . '/../bin/moodle-facts.php');

[, $table, $tag, $field] = $argv + [null, null, null, null];
$releases = moodle_release_table((string) $table);
if ($releases === null) {
    fwrite(STDERR, "release.php: cannot read the release table $table\n");
    exit(2);
}
$release = moodle_release($releases, (string) $tag);
if ($release === null) {
    $tags = implode(', ', array_column($releases, 'tag'));
    fwrite(STDERR, "release.php: Moodle release '$tag' is not in the release table ($tags). Add it to moodle-releases.json " .
        "(tag, commit, release and version from its version.php) or build one of these.\n");
    exit(2);
}
if (!array_key_exists($field, $release)) {
    fwrite(STDERR, "release.php: the release table has no field '$field' for $tag\n");
    exit(2);
}
$value = $release[$field];
echo is_array($value) ? implode(' ', $value) : (is_bool($value) ? ($value ? 'true' : 'false') : $value), "\n";
