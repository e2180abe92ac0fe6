<?php
// Included by the generated config.php, so it runs on every web request before Moodle's setup.
//
// Marks that a web request reached Moodle by touching a file in the shared dataroot, at most once a minute
// per task. The cron role reads the file's age (a stat on EFS, no database connection) to tell an idle site,
// where it runs less often and leaves the database without connections, so Aurora Serverless at 0 ACU pauses.
// Load-balancer health checks (healthz.php) and CLI scripts (cron itself) never include this.

declare(strict_types=1);

/** The marker's path in a dataroot (the entrypoint's cron loop reads the same name). */
function moodle_fargate_activity_marker(string $dataroot): string {
    return rtrim($dataroot, '/') . '/moodle-fargate-last-request';
}

/** Touches the marker unless it is younger than $interval seconds; never fails the request. */
function moodle_fargate_mark_request(string $dataroot, int $now, string $sapi = PHP_SAPI, int $interval = 60): bool {
    if ($sapi === 'cli') {
        return false;
    }
    $marker = moodle_fargate_activity_marker($dataroot);
    $modified = @filemtime($marker);
    if ($modified !== false && $now - $modified < $interval) {
        return false;
    }
    return @touch($marker);
}
