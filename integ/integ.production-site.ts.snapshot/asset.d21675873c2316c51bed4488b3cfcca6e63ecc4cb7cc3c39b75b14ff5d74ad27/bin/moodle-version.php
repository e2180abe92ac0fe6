<?php
// The version.php facts of a Moodle tree (public/version.php from 5.1, version.php before).
// Run as `php moodle-version.php <tree> <field>` (release, version, branch or maturity) it prints one of them.

function moodle_tree_version(string $tree): array {
    $tree = rtrim($tree, '/');
    $file = is_file("$tree/public/version.php") ? "$tree/public/version.php" : "$tree/version.php";
    if (!is_file($file)) {
        fwrite(STDERR, "moodle-version: $tree has no version.php: not a Moodle tree\n");
        exit(2);
    }
    defined('MOODLE_INTERNAL') || define('MOODLE_INTERNAL', true);
    foreach (['MATURITY_ALPHA' => 50, 'MATURITY_BETA' => 100, 'MATURITY_RC' => 150, 'MATURITY_STABLE' => 200] as $name => $value) {
        defined($name) || define($name, $value);
    }
    $version = $release = $branch = $maturity = null;
    include($file);
    return ['release' => $release, 'version' => sprintf('%.2f', $version), 'branch' => (string) $branch, 'maturity' => $maturity];
}

if (PHP_SAPI === 'cli' && realpath($_SERVER['SCRIPT_FILENAME'] ?? '') === __FILE__) {
    $facts = moodle_tree_version($argv[1] ?? '');
    echo $facts[$argv[2] ?? 'release'] ?? '', "\n";
}
