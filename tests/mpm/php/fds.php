<?php /* A program the site runs (bash, as exec() or a CGI script would): each descriptor it
 * inherited ("fd N TARGET", TARGET from /proc with ?names=1, else "?": the fence keeps a site
 * out of /proc/PID/fd), and a line written to each above stderr ("wrote N" where it took).
 * A descriptor is open if "exec {v}>&N" can copy it: exec's redirections save nothing, where
 * those of other commands would open a copy of their own that a later N could be. */
header('Content-Type: text/plain');
$names = isset($_GET['names']) ? 1 : 0;
$cmd = 'exec 2>/dev/null; for ((n = 0; n < 1024; n++)); do exec {v}>&$n || continue; '
     . 'exec {v}>&-; t="?"; ((' . $names . ')) && t=$(readlink /proc/$$/fd/$n); echo "fd $n $t"; '
     . 'if ((n > 2)) && echo "FORGED-BY-CHILD fd $n" >&$n; then echo "wrote $n"; fi; done';
echo shell_exec('/bin/bash -c ' . escapeshellarg($cmd));
