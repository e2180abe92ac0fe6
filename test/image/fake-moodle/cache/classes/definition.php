<?php
// Stub of \core_cache\definition: only the ad-hoc constructor configure-cache.php uses.
namespace core_cache;

class definition {
    public function __construct(public readonly int $mode, public readonly string $component, public readonly string $area) {
    }

    public static function load_adhoc($mode, $component, $area, array $options = []) {
        return new self($mode, $component, $area);
    }
}
