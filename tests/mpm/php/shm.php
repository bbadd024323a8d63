<?php /* SysV shared memory: ?w=1&k=KEY&m=MODE makes a segment holding "shm of SITE" (WROTE),
 * ?k=KEY reads one (its text, or NONE). */
$key = intval($_GET['k'] ?? '0', 0);
if (isset($_GET['w'])) {
    $id = @shmop_open($key, 'c', intval($_GET['m'] ?? '0600', 8), 64);
    if (!$id) { echo "FAILED\n"; exit; }
    shmop_write($id, 'shm of ' . basename(__DIR__), 0);
    echo "WROTE\n";
} else {
    $id = @shmop_open($key, 'a', 0, 0);
    echo $id ? rtrim(shmop_read($id, 0, 64), "\0") : 'NONE', "\n";
}
