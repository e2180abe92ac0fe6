<?php
// Facts the image's scripts read: a Moodle tree's version.php (public/version.php from 5.1, version.php before)
// and the release table (moodle-releases.json).
// Run as `php moodle-facts.php <tree> <field>` (release, version, branch, major or maturity) it prints one of them.

/** A tree's version.php: release, version (with two decimals), branch ('503'), major ('5.3'), maturity; and its web root. */
function moodle_tree_version(string $tree): array {
    $tree = rtrim($tree, '/');
    $file = is_file("$tree/public/version.php") ? "$tree/public/version.php" : "$tree/version.php";
    if (!is_file($file)) {
        fwrite(STDERR, "moodle-facts: $tree has no version.php: not a Moodle tree\n");
        exit(2);
    }
    defined('MOODLE_INTERNAL') || define('MOODLE_INTERNAL', true);
    foreach (['MATURITY_ALPHA' => 50, 'MATURITY_BETA' => 100, 'MATURITY_RC' => 150, 'MATURITY_STABLE' => 200] as $name => $value) {
        defined($name) || define($name, $value);
    }
    $version = $release = $branch = $maturity = null;
    include($file);
    $branch = (string) $branch;
    return [
        'release' => $release,
        'version' => sprintf('%.2f', $version),
        'branch' => $branch,
        'major' => substr($branch, 0, -2) . '.' . (int) substr($branch, -2),
        'maturity' => $maturity,
        'public' => is_dir("$tree/public/admin") ? "$tree/public" : $tree,
    ];
}

/** The releases of a release table, or null when the file cannot be read as one. */
function moodle_release_table(string $file): ?array {
    $releases = json_decode((string) @file_get_contents($file), true)['releases'] ?? null;
    return is_array($releases) ? $releases : null;
}

/** One release of the table by its tag, or null. */
function moodle_release(array $releases, string $tag): ?array {
    foreach ($releases as $release) {
        if (($release['tag'] ?? null) === $tag) {
            return $release;
        }
    }
    return null;
}

if (PHP_SAPI === 'cli' && realpath($_SERVER['SCRIPT_FILENAME'] ?? '') === __FILE__) {
    $facts = moodle_tree_version($argv[1] ?? '');
    echo $facts[$argv[2] ?? 'release'] ?? '', "\n";
}
