#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/systemd_install.sh — tests/install/guest_install.sh in a guest booted with
# systemd (tests/check runs tests/*/systemd_*.sh there, with tests/vm/run -s): the installed
# sitefence.service (Type=notify, reload), Apache's drop-in, logrotate's systemctl branch.
[[ ${SF_VM_SYSTEMD-} == 1 ]] || { echo "1..0 # SKIP runs in a test guest booted with systemd"; exit 0; }
exec "$(dirname "$0")/guest_install.sh"
