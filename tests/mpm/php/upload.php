<?php /* Take an upload: where it landed, and its contents. */
$f = $_FILES['f'] ?? null;
if (!$f || $f['error']) { echo "UPLOAD_FAILED ", $f['error'] ?? 'none', "\n"; exit; }
echo "tmp=", dirname($f['tmp_name']), "\n";
$dest = __DIR__ . '/uploaded.txt';
echo move_uploaded_file($f['tmp_name'], $dest) ? "moved:" . file_get_contents($dest) : "MOVE_FAILED\n";
