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

    /** Moodle's factory::reset(): forgets the factory and the config objects it cached. */
    public static function reset(): void {
        self::$instance = null;
    }

    public function create_config_instance($writer = false) {
        return $writer ? new config_writer() : new config();
    }
}
