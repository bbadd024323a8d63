<?php /* The connection's two ends, as Apache gives them to the script. */
echo $_SERVER['SERVER_ADDR'], " ", $_SERVER['SERVER_PORT'], " ",
     $_SERVER['REMOTE_ADDR'], " ", $_SERVER['REMOTE_PORT'], "\n";
