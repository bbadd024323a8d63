<?php /* Use wp-config.php, so that OPcache holds it. */ include __DIR__ . '/wp-config.php'; echo "cached:", strlen($db_password), "\n";
