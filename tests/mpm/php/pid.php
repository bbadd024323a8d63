<?php /* Which worker process answered. */ echo getmypid(), "\n";
