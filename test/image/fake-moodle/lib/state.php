<?php
// The fake's only persistence: a JSON file named by FAKE_MOODLE_STATE, shared by every stub and read by the test.

function fake_moodle_state_read(): array {
    $path = getenv('FAKE_MOODLE_STATE');
    $json = ($path !== false && is_file($path)) ? file_get_contents($path) : '';
    $state = $json === '' ? [] : json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    // A new site: Moodle's three default stores and mode mappings.
    return $state + [
        'stores' => [
            'default_application' => ['name' => 'default_application', 'plugin' => 'file', 'configuration' => [], 'default' => true],
            'default_session' => ['name' => 'default_session', 'plugin' => 'session', 'configuration' => [], 'default' => true],
            'default_request' => ['name' => 'default_request', 'plugin' => 'static', 'configuration' => [], 'default' => true],
        ],
        'modemappings' => [
            ['mode' => 1, 'store' => 'default_application', 'sort' => -1],
            ['mode' => 2, 'store' => 'default_session', 'sort' => -1],
            ['mode' => 4, 'store' => 'default_request', 'sort' => -1],
        ],
        'constructed' => [],
        'purged' => 0,
    ];
}

function fake_moodle_state_update(callable $change): void {
    $path = getenv('FAKE_MOODLE_STATE');
    if ($path === false || $path === '') {
        throw new RuntimeException('fake Moodle: FAKE_MOODLE_STATE is not set');
    }
    $state = fake_moodle_state_read();
    $change($state);
    file_put_contents($path, json_encode($state, JSON_PRETTY_PRINT | JSON_THROW_ON_ERROR));
}
