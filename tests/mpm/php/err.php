<?php /* An ErrorDocument: says whose it is and which user runs it. */
echo "error document of ", basename(__DIR__), " run by uid ", posix_getuid(), "\n";
