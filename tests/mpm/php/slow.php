<?php /* Hold the worker for a while. */ usleep((int)($_GET['ms'] ?? 1000) * 1000); echo "slept\n";
