<?php /* Print a file, or DENIED. */ $c = @file_get_contents($_GET['f']); echo $c === false ? "DENIED\n" : $c;
