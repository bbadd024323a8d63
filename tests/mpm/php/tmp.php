<?php /* What this site sees in /tmp. */ file_put_contents('/tmp/mark-' . $_GET['s'], 'x'); echo implode(",", array_filter(scandir('/tmp'), fn($n) => $n[0] !== '.')), "\n";
