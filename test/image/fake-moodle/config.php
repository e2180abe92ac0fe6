<?php
// Fake Moodle config.php for muc_contract_test.php: no database, just $CFG and a stand-in lib/setup.php.
unset($CFG);
global $CFG;
$CFG = new stdClass();
$CFG->dirroot = __DIR__;
$CFG->libdir = $CFG->dirroot . '/lib';
require_once($CFG->libdir . '/setup.php');
