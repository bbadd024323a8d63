<?php /* Which scripts does OPcache report? (restrict_api should say none) */
$s = @opcache_get_status(true);
echo $s === false ? "NO_STATUS\n" : implode("\n", array_keys($s['scripts'] ?? [])) . "\n";
