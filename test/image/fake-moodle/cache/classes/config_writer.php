<?php
// Stub of \core_cache\config_writer: same signatures and the same refusals as Moodle's, saving to the state file.
namespace core_cache;

use RuntimeException;

class config_writer extends config {
    public static function instance() {
        return factory::instance()->create_config_instance(true);
    }

    public function add_store_instance($name, $plugin, array $configuration = []) {
        if (array_key_exists($name, $this->state['stores'])) {
            throw new RuntimeException('Duplicate name specificed for cache plugin instance.');
        }
        $this->save_store($name, $plugin, $configuration);
        return true;
    }

    public function edit_store_instance($name, $plugin, $configuration) {
        if (!array_key_exists($name, $this->state['stores'])) {
            throw new RuntimeException('The requested instance does not exist.');
        }
        $this->save_store($name, $plugin, $configuration);
        return true;
    }

    public function set_mode_mappings(array $modemappings) {
        $mappings = [];
        foreach ($modemappings as $mode => $stores) {
            if (!in_array($mode, [store::MODE_APPLICATION, store::MODE_SESSION, store::MODE_REQUEST], true)) {
                throw new RuntimeException('The cache mode for the new mapping does not exist');
            }
            foreach (array_values($stores) as $sort => $name) {
                if (!array_key_exists($name, $this->state['stores'])) {
                    throw new RuntimeException('The instance name for the new mapping does not exist');
                }
                $mappings[] = ['mode' => $mode, 'store' => $name, 'sort' => $sort];
            }
        }
        $this->state['modemappings'] = $mappings;
        fake_moodle_state_update(function (array &$state) use ($mappings): void {
            $state['modemappings'] = $mappings;
        });
        return true;
    }

    private function save_store(string $name, string $plugin, array $configuration): void {
        $entry = ['name' => $name, 'plugin' => $plugin, 'configuration' => $configuration, 'default' => false];
        $this->state['stores'][$name] = $entry;
        fake_moodle_state_update(function (array &$state) use ($name, $entry): void {
            $state['stores'][$name] = $entry;
        });
    }
}
