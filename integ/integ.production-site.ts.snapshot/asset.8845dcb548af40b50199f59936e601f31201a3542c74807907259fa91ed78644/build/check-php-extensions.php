<?php
// Fails the build unless the image's PHP meets what the Moodle tree's own admin/environment.xml requires for its
// branch (PHP version, every required extension) plus what the image's configuration uses (mysqli, opcache,
// redis, igbinary, soap, exif), and carries no debugging or profiling extension.
// Usage: php check-php-extensions.php <moodle tree>

$fail = function (string $message): void {
    fwrite(STDERR, "check-php-extensions: $message\n");
    exit(1);
};
require(__DIR__ . '/../bin/moodle-facts.php');
['branch' => $branch, 'major' => $moodle, 'public' => $public] = moodle_tree_version($argv[1] ?? '');
$xml = @simplexml_load_file("$public/admin/environment.xml");
if (!$xml) {
    $fail("cannot read $public/admin/environment.xml");
}
$matrix = $xml->xpath("/COMPATIBILITY_MATRIX/MOODLE[@version='$moodle']")[0] ?? null;
if ($matrix === null) {
    $fail("$public/admin/environment.xml has no requirements for Moodle $moodle (branch $branch)");
}
$problems = [];
if (isset($argv[3])) {
    $php = moodle_release(moodle_release_table($argv[2]) ?? [], $argv[3])['php'] ?? [];
    $running = PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
    if (!in_array($running, $php, true)) {
        $problems[] = "Moodle {$argv[3]} supports PHP " . ($php ? implode(', ', $php) : '(not in the release table)') .
            "; this is PHP $running: build with the table's PHP_VERSION (build/docker-build.sh passes it) or a base image of that version";
    }
}
$minimum = (string) $matrix->PHP['version'];
if (version_compare(PHP_VERSION, $minimum, '<')) {
    $problems[] = "Moodle $moodle requires PHP $minimum or later; this is PHP " . PHP_VERSION;
}
$wanted = ['mysqli', 'opcache', 'redis', 'igbinary', 'soap', 'exif'];
foreach ($matrix->PHP_EXTENSIONS->PHP_EXTENSION as $extension) {
    if ((string) $extension['level'] === 'required') {
        $wanted[] = (string) $extension['name'];
    }
}
$loaded = array_map('strtolower', get_loaded_extensions());
$has = fn (string $name) => in_array(strtolower($name), $loaded, true) || ($name === 'opcache' && in_array('zend opcache', $loaded, true));
foreach (array_unique($wanted) as $name) {
    if (!$has($name)) {
        $problems[] = "PHP extension $name is not loaded";
    }
}
foreach (['xdebug', 'pcov', 'xhprof', 'tideways_xhprof', 'blackfire', 'excimer', 'spx'] as $name) {
    if ($has($name)) {
        $problems[] = "PHP extension $name (debugging or profiling) is loaded; a production image must not carry it";
    }
}
if ($problems) {
    $fail(implode("\n", $problems));
}
echo "check-php-extensions: PHP " . PHP_VERSION . " meets Moodle $moodle's requirements: " . implode(', ', array_unique($wanted)) . "\n";
