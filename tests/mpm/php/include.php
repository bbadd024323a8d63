<?php /* Include another file and see whether its variables leaked in. */
@include $_GET['f'];
echo isset($db_password) ? "LEAKED:$db_password\n" : "NOT_INCLUDED\n";
