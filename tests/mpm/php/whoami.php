<?php /* The site's user, as the kernel sees it. */ echo posix_getuid(), " ", posix_getgid(), "\n";
