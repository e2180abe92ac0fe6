<?php
// Adds the plugins of a plugin list (plugins.json, written by MoodleService's `plugins` or by hand) to a Moodle tree,
// and fails the build, naming the plugin and what it found, before anything is placed when one of them cannot be:
// a download whose sha256 is not the pinned one, a git commit that is not the pinned one, a version.php whose
// $plugin->component is not the listed name (Moodle would stop with detectedmisplacedplugin), a Moodle release
// older than $plugin->requires or at or past $plugin->incompatible, a dependency neither listed nor in the tree,
// a plugin type the tree does not have, a folder that already exists.
// Where a plugin goes is read from the tree being built: lib/components.json (the same file from 5.1, whose paths
// start with public/) and, for subplugins, the parent's db/subplugins.json, as core_component reads them.
// Usage: php add-plugins.php <plugins folder: plugins.json and the folders it names> <Moodle tree>
// Environment: PLUGIN_WORK_DIR (where downloads are unpacked, default a new temporary folder).

require(__DIR__ . '/../bin/moodle-facts.php');

const COMPONENT = '/^([a-z][a-z0-9]*)_([a-z](?:[a-z0-9_](?!__))*[a-z0-9]+)$/';
const SUBPLUGIN_PARENT_TYPES = ['mod', 'editor', 'tool', 'local']; // core_component::$supportsubplugins

function fail(string $message): never {
    fwrite(STDERR, "add-plugins: $message\n");
    exit(1);
}

function say(string $message): void {
    echo "add-plugins: $message\n";
}

function run(array $command, ?string $cwd = null): string {
    $process = proc_open($command, [1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes, $cwd);
    $out = stream_get_contents($pipes[1]);
    $status = proc_close($process);
    if ($status !== 0) {
        throw new RuntimeException(trim($out) ?: "exit $status");
    }
    return trim($out);
}

function remove_tree(string $dir): void {
    if (is_dir($dir) && !is_link($dir)) {
        foreach (scandir($dir) as $entry) {
            if ($entry !== '.' && $entry !== '..') {
                remove_tree("$dir/$entry");
            }
        }
        rmdir($dir);
    } else if (file_exists($dir) || is_link($dir)) {
        unlink($dir);
    }
}

function copy_tree(string $from, string $to): void {
    if (is_dir($from) && !is_link($from)) {
        mkdir($to, 0755, true);
        foreach (scandir($from) as $entry) {
            if ($entry !== '.' && $entry !== '..') {
                copy_tree("$from/$entry", "$to/$entry");
            }
        }
    } else if (is_link($from)) {
        fail("$from is a symbolic link: a plugin's files must be plain files");
    } else {
        copy($from, $to) || fail("cannot copy $from to $to");
    }
}

/** The plugin's root in an unpacked download: its single top folder, or the download itself when version.php is there. */
function plugin_root(string $dir, string $what): string {
    $entries = array_values(array_filter(scandir($dir), fn ($e) => !in_array($e, ['.', '..', '__MACOSX'], true)));
    if (is_file("$dir/version.php")) {
        return $dir;
    }
    if (count($entries) === 1 && is_dir("$dir/{$entries[0]}")) {
        return "$dir/{$entries[0]}";
    }
    fail("$what holds neither version.php nor a single folder with the plugin (found: " . implode(', ', array_slice($entries, 0, 8)) . ')');
}

function fetch_zip(array $entry, string $work): string {
    ['component' => $component, 'url' => $url, 'sha256' => $pinned] = $entry;
    $file = "$work/$component.zip";
    try {
        run(['curl', '--fail', '--silent', '--show-error', '--location', '--retry', '3', '--connect-timeout', '30', '--max-time', '900', '--output', $file, $url]);
    } catch (RuntimeException $e) {
        fail("plugin $component: could not download $url: {$e->getMessage()}");
    }
    $found = hash_file('sha256', $file);
    if ($found !== $pinned) {
        fail("plugin $component: the zip from $url has sha256 $found, but the plugin list pins $pinned. " .
            'If the new file is the one you want (check it), pin its sha256; else correct the URL.');
    }
    $zip = new ZipArchive();
    if ($zip->open($file) !== true) {
        fail("plugin $component: $url (sha256 $found) is not a zip file");
    }
    for ($i = 0; $i < $zip->numFiles; $i++) {
        $name = $zip->getNameIndex($i);
        if (str_starts_with($name, '/') || preg_match('#(^|/)\.\.(/|$)#', $name)) {
            fail("plugin $component: the zip from $url has an entry outside its folder ($name)");
        }
    }
    $dir = "$work/$component.unzipped";
    $zip->extractTo($dir) || fail("plugin $component: cannot unpack the zip from $url");
    $zip->close();
    return plugin_root($dir, "plugin $component's zip from $url");
}

function fetch_git(array $entry, string $work): string {
    ['component' => $component, 'url' => $url, 'commit' => $commit] = $entry;
    $dir = "$work/$component.git";
    try {
        run(['git', 'init', '-q', $dir]);
        run(['git', '-c', 'transfer.fsckObjects=true', 'fetch', '-q', '--depth', '1', '--no-tags', $url, $commit], $dir);
        run(['git', '-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', 'FETCH_HEAD'], $dir);
    } catch (RuntimeException $e) {
        fail("plugin $component: could not fetch commit $commit from $url: {$e->getMessage()}");
    }
    $head = run(['git', 'rev-parse', 'HEAD'], $dir);
    if ($head !== $commit) {
        fail("plugin $component: fetched $head from $url, but the plugin list pins commit $commit");
    }
    if (is_file("$dir/.gitmodules")) {
        try {
            // Each submodule at the commit the plugin's commit records (GitHub's archives leave them out).
            run(['git', '-c', 'transfer.fsckObjects=true', 'submodule', 'update', '--init', '--recursive'], $dir);
        } catch (RuntimeException $e) {
            fail("plugin $component: could not fetch the submodules of $url at $commit: {$e->getMessage()}");
        }
    }
    foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS), RecursiveIteratorIterator::CHILD_FIRST) as $file) {
        if ($file->getFilename() === '.git') {
            remove_tree($file->getPathname());
        }
    }
    return $dir;
}

/** A plugin's version.php, read as Moodle reads it (into $plugin). */
function plugin_version(string $dir): ?stdClass {
    if (!is_file("$dir/version.php")) {
        return null;
    }
    defined('ANY_VERSION') || define('ANY_VERSION', 'any');
    $read = static function (string $file): stdClass {
        $plugin = new stdClass();
        $module = $plugin; // Activity modules before Moodle 3.0 wrote $module.
        include($file);
        return $plugin;
    };
    return $read("$dir/version.php");
}

/** Plugin types of a tree: type => folder, from lib/components.json (paths relative to the tree) and core_component's additions. */
function plugin_types(string $tree, string $dirroot): array {
    $source = json_decode((string) @file_get_contents("$tree/lib/components.json"), true);
    if (!is_array($source['plugintypes'] ?? null)) {
        fail("$tree/lib/components.json cannot be read: not a Moodle tree of a supported release");
    }
    $types = [];
    foreach ($source['plugintypes'] as $type => $path) {
        $types[$type] = "$tree/$path";
    }
    $types['theme'] = "$dirroot/theme";
    $types['local'] = "$dirroot/local";
    $deprecated = array_keys(($source['deprecatedplugintypes'] ?? []) + ($source['deletedplugintypes'] ?? []));
    return [$types, $deprecated];
}

/** Subplugin types a plugin folder declares (db/subplugins.json), as core_component::fetch_subtypes() reads them. */
function subplugin_types(string $plugindir, string $tree, string $dirroot): array {
    $json = json_decode((string) @file_get_contents("$plugindir/db/subplugins.json"), true);
    if (!is_array($json)) {
        return [];
    }
    $types = [];
    if (!empty($json['subplugintypes'])) {
        foreach ($json['subplugintypes'] as $type => $path) {
            $types[$type] = "$plugindir/$path";
        }
    } else {
        foreach ($json['plugintypes'] ?? [] as $type => $path) {
            // Relative to the web root; from 5.1 a path may name public/ itself (relative to the tree).
            $types[$type] = str_starts_with($path, 'public/') ? "$tree/$path" : "$dirroot/$path";
        }
    }
    return $types;
}

[, $pluginsdir, $tree] = $argv + [null, null, null];
if ($pluginsdir === null || $tree === null) {
    fail('usage: php add-plugins.php <plugins folder> <Moodle tree>');
}
$tree = rtrim($tree, '/');
$list = json_decode((string) @file_get_contents("$pluginsdir/plugins.json"), true);
if (!is_array($list) || !is_array($list['plugins'] ?? null)) {
    fail("$pluginsdir/plugins.json is not a plugin list ({\"plugins\": [...], \"uninstall\": [...]})");
}
foreach ($list['uninstall'] ?? [] as $component) {
    if (!is_string($component) || !preg_match(COMPONENT, $component)) {
        fail('uninstall: ' . json_encode($component) . ' is not a Moodle component name (frankenstyle: type_name)');
    }
}
if (!$list['plugins']) {
    say('no plugins listed');
    exit(0);
}
$moodle = moodle_tree_version($tree);
$dirroot = $moodle['public'];
$branch = (int) $moodle['branch'];
say("Moodle {$moodle['release']} (version {$moodle['version']}): " . count($list['plugins']) . ' plugins');

// 1. Each plugin fetched and checked against its pin, and its version.php against its name.
$work = getenv('PLUGIN_WORK_DIR') ?: sys_get_temp_dir() . '/moodle-plugins-' . getmypid();
is_dir($work) || mkdir($work, 0700, true);
$plugins = [];
foreach ($list['plugins'] as $entry) {
    $component = (string) ($entry['component'] ?? '');
    if (!preg_match(COMPONENT, $component, $m)) {
        fail("'$component' is not a Moodle component name (frankenstyle: type_name, for example mod_attendance)");
    }
    if (isset($plugins[$component])) {
        fail("plugin $component is listed twice: list each plugin once");
    }
    $source = $entry['source'] ?? '';
    $dir = match ($source) {
        'zip' => fetch_zip($entry, $work),
        'git' => fetch_git($entry, $work),
        'folder' => (function () use ($entry, $pluginsdir, $component) {
            $folder = (string) ($entry['folder'] ?? '');
            if ($folder === '' || str_contains($folder, '..') || !is_dir("$pluginsdir/$folder")) {
                fail("plugin $component: folder '$folder' is not in $pluginsdir");
            }
            return plugin_root("$pluginsdir/$folder", "plugin $component's folder");
        })(),
        default => fail("plugin $component: unknown source '$source' (zip, git or folder)"),
    };
    $version = plugin_version($dir);
    $where = $source === 'folder' ? "folder {$entry['folder']}" : "$source {$entry['url']}";
    if ($version === null) {
        fail("plugin $component: $where has no version.php at its top: not a Moodle plugin (or one folder too deep)");
    }
    if (($version->component ?? null) !== $component) {
        $found = isset($version->component) ? "'{$version->component}'" : 'no $plugin->component';
        fail("plugin $component: its version.php declares $found. Moodle would refuse it as misplaced " .
            "(detectedmisplacedplugin): list it under the component its version.php declares, or correct the source.");
    }
    if (!isset($version->version) || !is_numeric($version->version)) {
        fail("plugin $component: its version.php sets no numeric \$plugin->version");
    }
    if (isset($entry['version']) && (string) $entry['version'] !== (string) $version->version) {
        fail("plugin $component: the plugin list asks for version {$entry['version']}, but the version.php of $where says {$version->version}");
    }
    $plugins[$component] = ['type' => $m[1], 'name' => $m[2], 'dir' => $dir, 'version' => $version, 'where' => $where];
}

// 2. Compatibility, as Moodle's plugin manager checks it (plugininfo\base): requires, incompatible, dependencies.
foreach ($plugins as $component => $p) {
    $v = $p['version'];
    if (!empty($v->requires) && (float) $v->requires > (float) $moodle['version']) {
        fail("plugin $component (version {$v->version}) requires Moodle version {$v->requires}, but the image builds Moodle " .
            "{$moodle['release']} (version {$moodle['version']}): list a version of the plugin for this release, or a later moodleVersion.");
    }
    if (!empty($v->incompatible) && $branch >= (int) $v->incompatible) {
        fail("plugin $component (version {$v->version}) declares itself incompatible with Moodle branch {$v->incompatible} and later; " .
            "the image builds branch $branch ({$moodle['release']}): list a version of the plugin made for it.");
    }
    if (is_array($v->supported ?? null) && count($v->supported) === 2 && ($branch < $v->supported[0] || $branch > $v->supported[1])) {
        say("warning: plugin $component supports Moodle branches {$v->supported[0]} to {$v->supported[1]}, not $branch (Moodle installs it anyway)");
    }
}

// 3. Placement: the folder of each plugin's type in this tree; subplugin types once their parent is known.
[$types, $deprecated] = plugin_types($tree, $dirroot);
foreach (SUBPLUGIN_PARENT_TYPES as $parenttype) {
    foreach (glob("{$types[$parenttype]}/*/db/subplugins.json") ?: [] as $file) {
        $types += subplugin_types(dirname($file, 2), $tree, $dirroot);
    }
}
$placed = [];
do {
    $progress = false;
    foreach ($plugins as $component => $p) {
        if (isset($placed[$component]) || !isset($types[$p['type']])) {
            continue;
        }
        $target = "{$types[$p['type']]}/{$p['name']}";
        if (file_exists($target)) {
            fail("plugin $component: $target already exists in Moodle {$moodle['release']}'s tree (a standard plugin of that name): remove it from the plugin list");
        }
        $placed[$component] = $target;
        if (in_array($p['type'], SUBPLUGIN_PARENT_TYPES, true)) {
            $types += subplugin_types($p['dir'], $tree, $dirroot);
            // Its subplugin folders are inside it: known by their place in its own folder, found once it is placed.
            foreach ($types as $type => $folder) {
                if (str_starts_with($folder, "{$p['dir']}/")) {
                    $types[$type] = $target . substr($folder, strlen($p['dir']));
                }
            }
        }
        $progress = true;
    }
} while ($progress);
foreach ($plugins as $component => $p) {
    if (!isset($placed[$component])) {
        if (in_array($p['type'], $deprecated, true)) {
            fail("plugin $component: plugin type '{$p['type']}' is deprecated or removed in Moodle {$moodle['release']}: remove the plugin from the list");
        }
        fail("plugin $component: '{$p['type']}' is not a plugin type of Moodle {$moodle['release']} (lib/components.json) " .
            'nor a subplugin type of a plugin in its tree or in the list: check the component name, or list the plugin that defines the type.');
    }
}

// 4. Dependencies: each one listed or in the tree, at the version asked.
foreach ($plugins as $component => $p) {
    foreach ((array) ($p['version']->dependencies ?? []) as $dependency => $wanted) {
        [$type, $name] = array_pad(explode('_', (string) $dependency, 2), 2, '');
        $have = isset($plugins[$dependency]) ? $plugins[$dependency]['version']->version : null;
        if ($have === null && isset($types[$type]) && is_file("{$types[$type]}/$name/version.php")) {
            $have = plugin_version("{$types[$type]}/$name")->version ?? null;
        }
        if ($have === null) {
            fail("plugin $component depends on $dependency, which is neither in Moodle {$moodle['release']}'s tree nor in the plugin list: add $dependency to the list");
        }
        if ($wanted !== ANY_VERSION && (float) $have < (float) $wanted) {
            fail("plugin $component depends on $dependency version $wanted or later, but the version there is $have: list a later version of $dependency");
        }
    }
}

// Parents before their subplugins (the order they were placed in).
foreach ($placed as $component => $target) {
    $p = $plugins[$component];
    copy_tree($p['dir'], $target);
    $release = isset($p['version']->release) ? " ({$p['version']->release})" : '';
    say("$component version {$p['version']->version}$release from {$p['where']} -> " . substr($target, strlen($tree) + 1));
}
remove_tree($work);
