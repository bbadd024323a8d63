<?php /* Fetch this server's /server-status as a site's script can: as a local client, with any
       * Host it likes (?host=, ?port=), or as a sub-request of its own (?virtual=1). */
if (isset($_GET['virtual'])) { virtual('/server-status'); exit; }
$s = fsockopen("127.0.0.1", (int)($_GET["port"] ?? 80), $errno, $err, 5);
if (!$s) { echo "connect: $err\n"; exit; }
fwrite($s, "GET /server-status HTTP/1.0\r\nHost: " . ($_GET['host'] ?? 'localhost') . "\r\n\r\n");
echo stream_get_contents($s);
