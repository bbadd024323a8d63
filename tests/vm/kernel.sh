#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/kernel.sh — fetch Debian's amd64 kernel and build the test guest's initramfs, once.
# Prints the cache directory holding vmlinux and initramfs.cpio.
#
# Debian's kernel is used because it is what a hosting server runs: bpf is in its default LSM
# list and BTF is built in. The package name is resolved at run time (ABI numbers change and old
# ones leave the archive). The -unsigned variant of the amd64 flavour carries 9p as modules;
# the cloud flavour has none. QEMU boots the uncompressed vmlinux through its PVH entry point,
# which saves about 3 s of XZ decompression per boot under TCG.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SF_VM_CACHE:-/var/cache/sitefence-vm}
die() { echo "kernel.sh: $*" >&2; exit 1; }

# Modules the initramfs loads, in dependency order (no modules.dep ships in the initramfs).
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	 9pnet 9pnet_virtio netfs fscache 9p overlay)

pkg=${SF_VM_KERNEL_PKG:-}
if [[ -z $pkg ]]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	      sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
	[[ -n $pkg ]] || die "cannot resolve linux-image-amd64's kernel package; run 'apt-get update' (make deps does)"
fi
kver=${pkg#linux-image-}
dir=$cache/$kver
if [[ -f $dir/vmlinux && -f $dir/initramfs.cpio && $dir/initramfs.cpio -nt $here/init &&
      $dir/initramfs.cpio -nt $here/kernel.sh ]]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
exec 8>"$cache/.lock"
flock 8
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ! compgen -G "$cache/${pkg}-unsigned_*.deb" >/dev/null; then
	echo "kernel.sh: downloading ${pkg}-unsigned" >&2
	(cd "$tmp" && apt-get download -q "${pkg}-unsigned" >&2 2>/dev/null) ||
		(cd "$tmp" && apt-get download "${pkg}-unsigned" >&2) ||
		die "apt-get download ${pkg}-unsigned failed"
	mv "$tmp"/*.deb "$cache/"
fi
deb=$(compgen -G "$cache/${pkg}-unsigned_*.deb" | tail -n1)
dpkg-deb -x "$deb" "$tmp/x"

# vmlinuz is a bzImage whose payload is an XZ stream; find the stream and inflate it.
vmlinuz=$tmp/x/boot/vmlinuz-$kver
[[ -f $vmlinuz ]] || die "$deb has no boot/vmlinuz-$kver"
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n1 | cut -d: -f1)
[[ -n $off ]] || die "no XZ stream in $vmlinuz (kernel no longer XZ-compressed?)"
tail -c +$((off + 1)) "$vmlinuz" | xz -dc >"$tmp/vmlinux" 2>/dev/null || true
file -b "$tmp/vmlinux" 2>/dev/null | grep -q '^ELF 64-bit' || [[ $(head -c4 "$tmp/vmlinux") == $'\x7fELF' ]] ||
	die "could not extract an ELF vmlinux from $vmlinuz"

# initramfs: busybox-static, the modules, and the stage-1 init.
ird=$tmp/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,lower,rw,newroot,lib/modules}
cp /bin/busybox "$ird/bin/busybox" || die "busybox-static is not installed (make deps)"
for m in "${modules[@]}"; do
	f=$(find "$tmp/x/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -n1)
	[[ -n $f ]] || die "module $m not found in $deb"
	case $f in
	*.xz) xz -dc "$f" >"$ird/lib/modules/$m.ko" ;;
	*) cp "$f" "$ird/lib/modules/$m.ko" ;;
	esac
done
printf '%s\n' "${modules[@]}" >"$ird/lib/modules/order"
cp "$here/init" "$ird/init"
chmod 755 "$ird/init"
(cd "$ird" && find . | LC_ALL=C sort | /bin/busybox cpio -o -H newc -R 0:0 >"$tmp/initramfs.cpio" 2>/dev/null)

rm -rf "$dir"
mkdir -p "$dir"
mv "$tmp/vmlinux" "$tmp/initramfs.cpio" "$dir/"
cp "$tmp/x/boot/config-$kver" "$dir/config"
echo "kernel.sh: guest kernel $kver ready in $dir" >&2
echo "$dir"
