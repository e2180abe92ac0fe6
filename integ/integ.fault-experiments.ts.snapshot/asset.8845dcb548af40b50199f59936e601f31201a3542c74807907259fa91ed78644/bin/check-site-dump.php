<?php
// Reads a SQL dump (mysqldump or mariadb-dump, uncompressed) on stdin before the import loads it, and prints the
// Moodle release it holds as JSON: {"release": ..., "version": ..., "tables": n, "bytes": n}. Exits 3, naming what
// is wrong and how to make a dump that loads, when the dump is not a Moodle database of the expected table prefix
// (MOODLE_DB_PREFIX, default mdl_), when its tables are not utf8mb4, or when it would write outside the site's
// database (USE, CREATE DATABASE) or needs privileges RDS does not give (SET @@GLOBAL.GTID_PURGED, DEFINER).

$prefix = getenv('MOODLE_DB_PREFIX') ?: 'mdl_';
$hint = 'Make the dump of the one database with: mysqldump --single-transaction --no-tablespaces --skip-triggers --set-gtid-purged=OFF ' .
    '<database> | gzip (mariadb-dump: the same without --set-gtid-purged), without --databases or --all-databases.';

function refuse(string $message): never {
    fwrite(STDERR, "check-site-dump: $message\n");
    exit(3);
}

$tables = [];
$charsets = [];
$config = [];
$bytes = 0;
$current = null;
$inconfig = false;
$head = '';
$last = '';
while (($line = fgets(STDIN)) !== false) {
    $bytes += strlen($line);
    if (trim($line) !== '') {
        $last = $line;
    }
    if (strlen($head) < 4096) {
        $head .= $line;
    }
    if (str_starts_with($line, 'CREATE TABLE `')) {
        $current = substr($line, 14, strpos($line, '`', 14) - 14);
        $tables[] = $current;
    } else if ($current !== null && str_starts_with($line, ') ENGINE=')) {
        $charsets[$current] = preg_match('/DEFAULT CHARSET=(\w+)/', $line, $m) ? $m[1] : '';
        $current = null;
    } else if (preg_match('/^(USE |CREATE DATABASE)/i', $line)) {
        refuse('the dump switches to or creates a database (' . trim(substr($line, 0, 80)) . "): it must hold only the site's tables. $hint");
    } else if (stripos($line, 'GTID_PURGED') !== false && preg_match('/^\s*(\/\*!\d+\s*)?SET\s+@@(GLOBAL\.)?GTID_PURGED/i', $line)) {
        refuse("the dump sets @@GLOBAL.GTID_PURGED, which Amazon RDS does not let any user set. $hint");
    } else if (str_contains($line, 'DEFINER=') && preg_match('/^(\/\*!\d+\s+(CREATE\s*\*\/\s*\/\*!\d+\s+)?DEFINER=|CREATE\s.*DEFINER=)/', $line)) {
        refuse("the dump creates views, triggers or routines with a DEFINER, which Moodle does not use and RDS refuses without SUPER. $hint");
    } else if ($inconfig || str_starts_with($line, "INSERT INTO `{$prefix}config` VALUES")) {
        // mysqldump writes a statement's rows on one line, mariadb-dump one row per line.
        $inconfig = !str_ends_with(rtrim($line), ';');
        preg_match_all("/\(\d+,'(release|version)','((?:[^'\\\\]|\\\\.)*)'\)/", $line, $found, PREG_SET_ORDER);
        foreach ($found as [, $name, $value]) {
            $config[$name] = stripcslashes($value);
        }
    }
}

if ($bytes === 0) {
    refuse('the dump is empty.');
}
if (!preg_match('/^(--|\/\*)/', ltrim($head)) || !$tables) {
    refuse('this is not a SQL dump with CREATE TABLE statements (it starts: ' . json_encode(substr($head, 0, 60)) . "). $hint");
}
// Both writers end a whole dump with this comment: a dump without it was cut short (a dump tool that died, an upload
// that stopped), and loading it would leave tables out.
if (!str_starts_with($last, '-- Dump completed')) {
    refuse('the dump does not end with "-- Dump completed": it was cut short, or made with --skip-comments or --compact. ' .
        "Make it again, whole. $hint");
}
$missing = array_diff(["{$prefix}config", "{$prefix}user", "{$prefix}course", "{$prefix}files"], $tables);
if ($missing) {
    $found = array_unique(array_map(fn ($t) => preg_replace('/^([a-z0-9]+_).*$/', '$1', $t), $tables));
    refuse('the dump is not a Moodle database with table prefix ' . $prefix . ': it has no ' . implode(', ', $missing) .
        ' (table prefixes in the dump: ' . implode(', ', array_slice($found, 0, 5)) . ').');
}
$other = array_filter($charsets, fn ($charset) => $charset !== 'utf8mb4');
if ($other) {
    $names = array_map(fn ($t, $c) => "$t ($c)", array_keys($other), $other);
    refuse(count($other) . ' tables are not utf8mb4, which Moodle needs on MySQL: ' . implode(', ', array_slice($names, 0, 5)) .
        '. Convert the site first with Moodle\'s admin/cli/mysql_collation.php --collation=utf8mb4_unicode_ci, then dump it again.');
}
if (!isset($config['release'], $config['version'])) {
    refuse("the dump's {$prefix}config table has no release or version row, so the site's Moodle release is unknown.");
}
echo json_encode(['release' => $config['release'], 'version' => $config['version'], 'tables' => count($tables), 'bytes' => $bytes]), "\n";
