<?php
// Times N connections (connect, one round trip, close) to the database or Redis as Moodle makes them, with the
// CA settings PHP is started with (-d openssl.cafile / openssl.capath): prints the median and p95 in ms, as JSON.
// Usage: php tls-connect-timings.php mysql <host> <port> <user> <password> <tls: verify|plain> <n>
//        php tls-connect-timings.php redis <host> <port> <auth> <cafile> <n>
$kind = $argv[1];
$times = [];
if ($kind === 'mysql') {
    [, , $host, $port, $user, $password, $tls, $n] = $argv;
    mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
    for ($i = 0; $i < (int) $n; $i++) {
        $start = hrtime(true);
        $db = mysqli_init();
        // Moodle's mysqli driver with dboptions ssl = verify-full.
        $flags = $tls === 'verify' ? MYSQLI_CLIENT_SSL | MYSQLI_CLIENT_SSL_VERIFY_SERVER_CERT : 0;
        $db->real_connect($host, $user, $password, '', (int) $port, null, $flags);
        $db->query('SELECT 1')->free();
        $db->close();
        $times[] = (hrtime(true) - $start) / 1e6;
    }
} else {
    [, , $host, $port, $auth, $cafile, $n] = $argv;
    for ($i = 0; $i < (int) $n; $i++) {
        $start = hrtime(true);
        $redis = new Redis();
        // As Moodle's session handler and cache store connect with encryption on.
        $redis->connect("tls://$host", (int) $port, 3, null, 0, 0,
            ['stream' => ['cafile' => $cafile, 'verify_peer' => true, 'verify_peer_name' => true]]);
        if ($auth !== '') {
            $redis->auth($auth);
        }
        $redis->ping();
        $redis->close();
        $times[] = (hrtime(true) - $start) / 1e6;
    }
}
sort($times);
$at = fn (float $p) => round($times[min(count($times) - 1, (int) floor($p * count($times)))], 2);
echo json_encode(['median' => $at(0.5), 'p95' => $at(0.95)]), "\n";
