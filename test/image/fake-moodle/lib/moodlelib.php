<?php
// Stand-in for the part of lib/moodlelib.php that configure-cache.php calls.

function purge_all_caches(): void {
    fake_moodle_state_update(function (array &$state): void {
        $state['purged']++;
    });
}
