<?php
// Stub of \core_cache\store (cache/classes/store.php): the mode constants carry Moodle's values.
namespace core_cache;

abstract class store {
    const MODE_APPLICATION = 1;
    const MODE_SESSION = 2;
    const MODE_REQUEST = 4;

    abstract public function __construct($name, array $configuration = []);
}
