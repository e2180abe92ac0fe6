<?php
// Stub of \core_cache\factory. Unlike Moodle's (which caches one config object per class), every call
// returns a new instance loaded from the state file, so the script's read-back sees what was persisted.
namespace core_cache;

class factory {
    private static ?factory $instance = null;

    public static function instance($forcereload = false) {
        if ($forcereload || self::$instance === null) {
            self::$instance = new factory();
        }
        return self::$instance;
    }

    public function create_config_instance($writer = false) {
        return $writer ? new config_writer() : new config();
    }
}
