<?php
// Included by the generated config.php, so it runs on every request before Moodle's setup.
//
// Behind CloudFront and the load balancer, REMOTE_ADDR is the load balancer's private address, and
// X-Forwarded-For reads "<anything the viewer sent>, <viewer address, added by CloudFront>, <CloudFront's
// address, added by the load balancer>". Each of the $proxies in front of the task appended exactly one entry,
// so the viewer's address is that many entries from the end; what stands before it came from the viewer and is
// never trusted. Moodle then reads REMOTE_ADDR only (config.php forces getremoteaddrconf to skip the headers).

declare(strict_types=1);

/** The viewer's address from X-Forwarded-For, or null when the request did not pass every proxy. */
function moodle_fargate_viewer_address(array $server, int $proxies): ?string {
    $forwarded = $server['HTTP_X_FORWARDED_FOR'] ?? '';
    if ($proxies < 1 || $forwarded === '') {
        return null;
    }
    $entries = array_map('trim', explode(',', $forwarded));
    if (count($entries) < $proxies) {
        return null;
    }
    $address = $entries[count($entries) - $proxies];
    return filter_var($address, FILTER_VALIDATE_IP) === false ? null : $address;
}

/** Puts the viewer's address in REMOTE_ADDR (keeping the connecting proxy's in MOODLE_FARGATE_PROXY_ADDR). */
function moodle_fargate_use_viewer_address(int $proxies): void {
    $viewer = moodle_fargate_viewer_address($_SERVER, $proxies);
    if ($viewer !== null) {
        $_SERVER['MOODLE_FARGATE_PROXY_ADDR'] = $_SERVER['REMOTE_ADDR'] ?? '';
        $_SERVER['REMOTE_ADDR'] = $viewer;
    }
}
