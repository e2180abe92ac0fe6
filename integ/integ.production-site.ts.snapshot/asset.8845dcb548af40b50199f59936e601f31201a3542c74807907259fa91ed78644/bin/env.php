<?php
// Environment readers shared by the start-up scripts. A configuration error prints "<script>: <message>" on
// stderr and exits 2.

declare(strict_types=1);

function config_error(string $message): never {
    fwrite(STDERR, basename($_SERVER['SCRIPT_FILENAME'], '.php') . ": $message\n");
    exit(2);
}

function env(string $name, ?string $default = null): ?string {
    $value = getenv($name);
    return ($value === false || $value === '') ? $default : $value;
}

function env_bool(string $name, bool $default): bool {
    $value = env($name);
    if ($value === null) {
        return $default;
    }
    $parsed = filter_var($value, FILTER_VALIDATE_BOOLEAN, FILTER_NULL_ON_FAILURE);
    if ($parsed === null) {
        config_error("$name must be true or false, got '$value'");
    }
    return $parsed;
}

function env_int(string $name, int $default): int {
    $value = env($name);
    if ($value === null) {
        return $default;
    }
    if (!preg_match('/^\d+$/', $value)) {
        config_error("$name must be a non-negative integer, got '$value'");
    }
    return (int) $value;
}

function require_env(string ...$names): void {
    $missing = array_values(array_filter($names, fn ($name) => env($name) === null));
    if ($missing) {
        config_error('missing required environment variable(s): ' . implode(', ', $missing));
    }
}
