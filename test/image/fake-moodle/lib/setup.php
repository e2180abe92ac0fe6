<?php
// Stand-in for Moodle's lib/setup.php: the class autoloader, moodlelib.php and (when missing) the phpredis class.
define('MOODLE_INTERNAL', true);
require_once(__DIR__ . '/state.php');
require_once(__DIR__ . '/moodlelib.php');

// Moodle 4.4+ autoloads \core_cache\X from cache/classes/X.php.
spl_autoload_register(function (string $class): void {
    if (str_starts_with($class, 'core_cache\\')) {
        $file = dirname(__DIR__) . '/cache/classes/' . substr($class, strlen('core_cache\\')) . '.php';
        if (is_file($file)) {
            require_once($file);
        }
    }
});

// The phpredis extension defines Redis; without it, only the constants configure-cache.php reads (phpredis values).
if (!extension_loaded('redis') && !class_exists('Redis')) {
    class Redis {
        const SERIALIZER_PHP = 1;
        const SERIALIZER_IGBINARY = 2;
    }
}
