<?php
// Load-balancer health check: proves Apache and PHP answer. Touches no database, Redis or Moodle bootstrap,
// so probes create no sessions and do not depend on the Host header matching wwwroot.
header('Content-Type: text/plain');
header('Cache-Control: no-store');
echo "ok\n";
