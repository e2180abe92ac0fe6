<?php
// Stand-in for lib/clilib.php.

function cli_writeln(string $text, $stream = STDOUT): void {
    fwrite($stream, $text . PHP_EOL);
}
