<?php
// Stub of cachestore_redis. Records each construction in the state file; behaviour is set by the environment:
// FAKE_REDIS_READY=0 -> is_ready() false; FAKE_REDIS_PROBE_FAIL=1 -> set() returns false, =throw -> set() throws.

class cachestore_redis extends \core_cache\store {
    private array $data = [];

    public function __construct($name, array $configuration = []) {
        fake_moodle_state_update(function (array &$state) use ($name, $configuration): void {
            $state['constructed'][] = ['name' => $name, 'configuration' => $configuration];
        });
    }

    public function is_ready() {
        return getenv('FAKE_REDIS_READY') !== '0';
    }

    public function initialise(\core_cache\definition $definition) {
        return true;
    }

    public function set($key, $value) {
        $mode = getenv('FAKE_REDIS_PROBE_FAIL');
        if ($mode === 'throw') {
            throw new RuntimeException('NOAUTH Authentication required.');
        }
        if ($mode === '1') {
            return false;
        }
        $this->data[$key] = $value;
        return true;
    }

    public function get($key) {
        return $this->data[$key] ?? false;
    }

    public function delete($key) {
        unset($this->data[$key]);
        return true;
    }
}
