# SPDX-License-Identifier: GPL-2.0
# tests/mpm/conf_host.sh — sourced by the host tests of mpm_sitefence that run PHP sites:
# host_conf_head prints the main server's part of their httpd.conf (the module, PHP with the
# OPcache settings the MPM insists on, www-data, one listener, SitefenceFence off, since the
# host refuses BPF LSM programs). Each test adds its own modules, logs and vhosts after it.
# Uses T (the test's directory), MODULE and PORT.
host_conf_head() {
	cat <<EOF2
ServerRoot $T
ServerName localhost
LoadModule mpm_sitefence_module $MODULE
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
TypesConfig /etc/mime.types
AddHandler application/x-httpd-php .php
php_admin_flag opcache.validate_permission on
php_admin_flag opcache.validate_root on
php_admin_value opcache.restrict_api /nonexistent-sitefence/
User www-data
Group www-data
Listen 127.0.0.1:$PORT
PidFile $T/httpd.pid
SitefencePrivateDir $T/private
SitefenceFence off
EOF2
}
