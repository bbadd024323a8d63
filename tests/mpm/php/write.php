<?php /* Append to a file, or DENIED. */ echo @file_put_contents($_GET['f'], "written\n", FILE_APPEND) === false ? "DENIED\n" : "WROTE\n";
