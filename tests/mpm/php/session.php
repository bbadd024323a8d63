<?php /* A counter kept in the session. */
session_start();
$_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
echo "n=", $_SESSION['n'], " id=", session_id(), "\n";
