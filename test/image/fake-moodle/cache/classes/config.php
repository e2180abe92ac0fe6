<?php
// Stub of \core_cache\config: reads the persisted state (Moodle reads dataroot/muc/config.php).
namespace core_cache;

class config {
    protected array $state;

    public function __construct() {
        $this->state = fake_moodle_state_read();
    }

    public function get_all_stores() {
        return $this->state['stores'];
    }

    /** A list of ['mode' => int, 'store' => string, 'sort' => int], as in Moodle. */
    public function get_mode_mappings() {
        return $this->state['modemappings'];
    }
}
