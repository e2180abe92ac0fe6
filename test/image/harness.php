<?php
// The tiny test harness of the PHP tests in test/image: check() records a result, finish() prints the
// closing "N passed, N failed" line and exits 1 on any failure.

declare(strict_types=1);

$passed = 0;
$failed = 0;

function check(string $name, bool $ok, string $detail = ''): void {
    global $passed, $failed;
    if ($ok) {
        $passed++;
        echo "ok   - $name\n";
    } else {
        $failed++;
        echo "FAIL - $name" . ($detail !== '' ? "\n       $detail" : '') . "\n";
    }
}

function finish(): never {
    global $passed, $failed;
    echo "$passed passed, $failed failed\n";
    exit($failed === 0 ? 0 : 1);
}
