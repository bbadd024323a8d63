# SPDX-License-Identifier: GPL-2.0
#
# sitefence — one Makefile for the BPF programs, the loader, the Apache MPM, the tools and the
# tests. Everything generated goes under $(BUILD)/.
#
#   make deps     install the Debian packages the build, the tests and the demo need
#   make          build everything
#   make check    run every test: host unit tests, then the kernel tests in a QEMU guest
#   make demo     boot a guest and show the fence at work
#   make fuzz     run the fuzz targets of tests/fuzz/ for FUZZ_TIME seconds each (default 300)
#   make install  install the daemon, the tools, the Apache module, their configuration, unit,
#                 logrotate file and man pages (PREFIX=/usr, DESTDIR honoured)
#   make uninstall  remove what make install put there (a changed config file stays)
#
# WERROR=1 turns warnings into errors (CI does); ASAN=1 builds the user-space code with
# AddressSanitizer for the tests that can use it.

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= $(firstword $(wildcard /usr/sbin/bpftool /usr/bin/bpftool) bpftool)
APXS      ?= apxs
WERROR    ?= 0
ASAN      ?= 0
V         ?= 0
VERSION   := 0.1

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# ---- flags ------------------------------------------------------------------------------------
WARNINGS := -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wimplicit-fallthrough -Wundef
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
OPT      ?= -O2 -g
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
ifeq ($(ASAN),1)
OPT      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
HARDEN   := -fstack-protector-strong
endif

USER_CFLAGS  := $(OPT) $(WARNINGS) $(HARDEN) -fPIE -D_GNU_SOURCE -Ilib -I$(BUILD) -Ibpf
USER_LDFLAGS := -pie -Wl,-z,relro,-z,now $(if $(filter 1,$(ASAN)),-fsanitize=address$(comma)undefined)
BPF_LIBS     := -lbpf -lelf -lz
comma := ,

BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I$(BUILD) -Ibpf

# ---- the kernel's types -----------------------------------------------------------------------
# vmlinux.h comes from the BTF of the kernel we build on; CO-RE relocates to the running one.
# Hosts without /sys/kernel/btf fall back to the test guest's kernel.
KERNEL_BTF ?= $(firstword $(wildcard /sys/kernel/btf/vmlinux))

$(BUILD)/vmlinux.h:
	$(Q)mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)btf="$(KERNEL_BTF)"; \
	if [ -z "$$btf" ]; then btf=$$(tests/vm/kernel.sh)/vmlinux; fi; \
	$(BPFTOOL) btf dump file "$$btf" format c >$@.tmp && mv $@.tmp $@

# ---- BPF objects and skeletons ----------------------------------------------------------------
# A feature is x.bpf.c + x.h; its skeleton x.skel.h is generated here.
$(BUILD)/%.bpf.o: %.bpf.c $(BUILD)/vmlinux.h $(wildcard bpf/*.h)
	$(Q)mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(dir $<) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@.tmp $@.tmp.o && rm -f $@.tmp.o && mv $@.tmp $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf >$@.tmp && mv $@.tmp $@

# ---- user space -------------------------------------------------------------------------------
$(BUILD)/%.o: %.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- the fence and its loader -----------------------------------------------------------------
LIB_SRCS    := lib/parse.c lib/log.c lib/diag.c lib/sitetab.c lib/proto.c lib/fdpass.c \
	       lib/names.c lib/kernel.c lib/cli.c
LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LOADER_SRCS := loader/sitefenced.c loader/config.c loader/fence_load.c loader/policy.c \
	       loader/state.c loader/tokens.c loader/audit.c loader/control.c
LOADER_OBJS := $(LOADER_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/loader/fence_load.o: $(BUILD)/bpf/fence.skel.h
$(BUILD)/loader/%.o: USER_CFLAGS += -Iloader -I$(BUILD)/bpf

$(BUILD)/libsitefence.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/sitefenced: $(LOADER_OBJS) $(BUILD)/libsitefence.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ $(BPF_LIBS) -o $@

# ---- the Apache MPM ---------------------------------------------------------------------------
# Flags and paths come from apxs; the objects stay under $(BUILD) (apxs -c would write beside
# the sources). The plain-C library parts the module needs are compiled again as PIC.
APXS_INCLUDES = -I$(shell $(APXS) -q INCLUDEDIR) $(shell apr-1-config --includes --cppflags) \
		$(shell apu-1-config --includes)
MPM_SRCS   := mpm/mpm_sitefence.c mpm/sf_sites.c mpm/sf_fence.c mpm/sf_parent.c mpm/sf_fds.c \
	      mpm/sf_dispatch.c mpm/sf_worker.c mpm/sf_status.c mpm/sf_title.c mpm/sniff.c
MPM_LIB    := lib/parse.c lib/proto.c lib/fdpass.c
MPM_OBJS   := $(MPM_SRCS:%.c=$(BUILD)/pic/%.o) $(MPM_LIB:%.c=$(BUILD)/pic/%.o)
# Apache's headers are not written for -Wstrict-prototypes/-Wmissing-prototypes.
MPM_CFLAGS  = $(OPT) -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wimplicit-fallthrough \
	      -Wno-unused-parameter -Wno-missing-field-initializers $(if $(filter 1,$(WERROR)),-Werror) $(HARDEN) -fPIC \
	      -D_GNU_SOURCE $(APXS_INCLUDES) -Impm -Ilib -Ibpf
MPM_MODULE := $(BUILD)/mod_mpm_sitefence.so

$(BUILD)/pic/%.o: %.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(MPM_CFLAGS) -MMD -MP -c $< -o $@

$(MPM_MODULE): $(MPM_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-z,relro,-z,now $^ -o $@

# ---- the tools -----------------------------------------------------------------------------
AUDIT_SRCS := $(wildcard tools/audit_*.c) tools/json.c
AUDIT_OBJS := $(AUDIT_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/tools/%.o: USER_CFLAGS += -Itools -DSITEFENCE_VERSION=\"$(VERSION)\"

$(BUILD)/libaudit.a: $(AUDIT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

CTL_SRCS := tools/sitefencectl.c $(wildcard tools/ctl_*.c)
$(BUILD)/sitefencectl: $(CTL_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libsitefence.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ $(BPF_LIBS) -o $@

$(BUILD)/sitefence-audit: $(BUILD)/tools/sitefence-audit.o $(BUILD)/libaudit.a $(BUILD)/libsitefence.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ -lz -o $@

# ---- tests ------------------------------------------------------------------------------------
TAP_OBJ := $(BUILD)/tests/lib/tap.o

# Kernel tests: tests/bpf/test_*.c, each with the skeletons of tests/bpf/progs/ it includes.
BPF_TEST_PROGS := $(patsubst tests/bpf/progs/%.bpf.c,$(BUILD)/tests/bpf/progs/%.skel.h,\
		  $(wildcard tests/bpf/progs/*.bpf.c))
BPF_TESTS      := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))

$(BPF_TESTS:%=%.o): USER_CFLAGS += -Itests/lib -I$(BUILD)/tests/bpf/progs -Iloader
$(BPF_TESTS:%=%.o): $(BUILD)/tests/bpf/%.o: tests/bpf/%.c $(BPF_TEST_PROGS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/lib/%.o: USER_CFLAGS += -Itests/lib

BPF_TEST_LIB := $(BUILD)/tests/bpf/fixture.o $(BUILD)/tests/bpf/ops.o
$(BPF_TEST_LIB): USER_CFLAGS += -Itests/lib

$(BPF_TESTS): %: %.o $(TAP_OBJ) $(BPF_TEST_LIB) $(BUILD)/libsitefence.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ $(BPF_LIBS) -o $@

# Host unit tests: tests/unit/test_*.c against the library.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))
$(UNIT_TESTS:%=%.o): USER_CFLAGS += -Itests/lib -Iloader
$(UNIT_TESTS): %: %.o $(TAP_OBJ) $(BUILD)/libsitefence.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ $(BPF_LIBS) -o $@

# Host tests of the tools and the MPM's plain-C parts.
TOOL_TESTS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(wildcard tests/tools/test_*.c))
$(TOOL_TESTS:%=%.o): USER_CFLAGS += -Itests/lib -Itools
$(TOOL_TESTS): %: %.o $(TAP_OBJ) $(BUILD)/libaudit.a $(BUILD)/libsitefence.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ -lz -o $@

MPM_PLAIN_SRCS := mpm/sniff.c
MPM_HOST_TESTS := $(patsubst tests/mpm/%.c,$(BUILD)/tests/mpm/%,$(wildcard tests/mpm/test_*.c))
$(MPM_HOST_TESTS:%=%.o): USER_CFLAGS += -Itests/lib -Impm
$(MPM_HOST_TESTS): %: %.o $(TAP_OBJ) $(MPM_PLAIN_SRCS:%.c=$(BUILD)/%.o)
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ -o $@

# Fuzz targets: tests/fuzz/fuzz_NAME.c, libFuzzer over one parser of untrusted bytes. The code
# under test is compiled again, with clang's coverage and the sanitizers, under $(BUILD)/fuzz/;
# FUZZ_SRCS_NAME lists it. make check runs each for a fixed number of inputs from a fixed seed
# (tests/fuzz/host_fuzz.sh); make fuzz runs them for FUZZ_TIME seconds each, keeping what they
# find in $(BUILD)/fuzz/corpus/.
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer -fno-sanitize-recover=all \
	       -fsanitize=fuzzer-no-link,address,undefined -Ilib -Ibpf -Iloader -Itools -Impm
FUZZ_SRCS_sniff       := mpm/sniff.c
FUZZ_SRCS_sitetab     := lib/sitetab.c lib/diag.c lib/parse.c
FUZZ_SRCS_conf        := loader/config.c $(FUZZ_SRCS_sitetab)
FUZZ_SRCS_proto       := lib/proto.c lib/fdpass.c
FUZZ_SRCS_audit_read  := tools/json.c tools/audit_record.c tools/audit_text.c \
			 tools/audit_time.c lib/parse.c
FUZZ_SRCS_audit_write := loader/audit.c loader/state.c lib/names.c tools/json.c \
			 $(FUZZ_SRCS_sitetab)
FUZZ_LIBS_audit_write := $(BPF_LIBS)
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 300

# The code under test has its warnings checked by the gcc build; clang's differ.
$(BUILD)/fuzz/tests/fuzz/%.o: FUZZ_CFLAGS += $(WARNINGS)
$(BUILD)/fuzz/%.o: %.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

.SECONDEXPANSION:
$(FUZZERS): $(BUILD)/tests/fuzz/fuzz_%: $(BUILD)/fuzz/tests/fuzz/fuzz_%.o \
		$$(addprefix $(BUILD)/fuzz/,$$(FUZZ_SRCS_$$*:.c=.o))
	$(Q)mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined $^ $(FUZZ_LIBS_$*) -o $@

# Benchmarks (run with make bench; never part of make check).
BENCH_PROGS := $(BUILD)/bench/fence_open $(BUILD)/bench/wake
$(BUILD)/bench/%.o: USER_CFLAGS += -Itests/lib -Itests/bpf
$(BUILD)/bench/fence_open: $(BUILD)/bench/fence_open.o $(BPF_TEST_LIB) $(BUILD)/libsitefence.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ $(BPF_LIBS) -o $@
$(BUILD)/bench/wake: $(BUILD)/bench/wake.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS) $^ -o $@

TESTS := $(BPF_TESTS) $(UNIT_TESTS) $(TOOL_TESTS) $(MPM_HOST_TESTS) $(FUZZERS)
PROGRAMS := $(BUILD)/sitefenced $(BUILD)/sitefence-audit $(BUILD)/sitefencectl $(MPM_MODULE)

# ---- top-level targets ------------------------------------------------------------------------
# Keep BPF objects: skeletons embed them, and tools inspect them.
.SECONDARY:
.DELETE_ON_ERROR:

.PHONY: all deps check demo bench fuzz clean install uninstall
.DEFAULT_GOAL := all

all: $(PROGRAMS) $(TESTS) $(BENCH_PROGS)

# Debian packages: the build, the tests, the demo and the benchmarks.
DEB_PACKAGES := make gcc libc6-dev pkg-config clang llvm libbpf-dev bpftool libelf-dev \
		zlib1g-dev apache2 apache2-dev apache2-utils libapr1-dev libaprutil1-dev \
		libapache2-mod-php8.2 qemu-system-x86 busybox-static perl file xz-utils \
		curl openssl iproute2 util-linux netcat-openbsd libapache2-mpm-itk \
		logrotate libclang-rt-dev python3

deps:
	$(Q)missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed$$' \
			|| echo "$$p"; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	else \
		echo "deps: all $(words $(DEB_PACKAGES)) Debian packages are installed"; \
	fi
	$(Q)apt-cache depends linux-image-amd64 2>/dev/null | grep -q 'Depends: linux-image-' || \
		apt-get update -q

check: deps all
	$(Q)tests/check

demo: deps all
	$(Q)tests/demo

bench: deps all
	$(Q)bench/mpm.sh --event
	$(Q)bench/run-fence
	$(Q)bench/run-mpm

fuzz: deps $(FUZZERS)
	$(Q)FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run $(FUZZERS)

# ---- installing -------------------------------------------------------------------------------
# Programs and man pages under $(PREFIX); the Apache module where this Apache keeps its
# modules; configuration, unit and logrotate files where Debian looks for them. Files that
# name an installed path get it written in under $(BUILD)/install first. The administrator's
# sitefenced.conf is never replaced: only a missing one is installed.
PREFIX       ?= /usr
INSTALL      ?= install
UNITDIR      ?= /lib/systemd/system
APACHE_MODDIR = $(shell $(APXS) -q LIBEXECDIR)
SBIN_PROGS   := sitefenced sitefencectl sitefence-audit
APACHE_MODS  := mpm_sitefence.load mpm_sitefence.conf php_sitefence.load php_sitefence.conf
MAN8         := loader/sitefenced.8 tools/sitefencectl.8 tools/sitefence-audit.8
CONF_FILE    := $(DESTDIR)/etc/sitefence/sitefenced.conf
STAGE        := $(BUILD)/install

install: $(PROGRAMS)
	$(call msg,INSTALL,$(if $(DESTDIR),$(DESTDIR),/))
	$(Q)[ -n "$(APACHE_MODDIR)" ] || \
		{ echo "install: '$(APXS) -q LIBEXECDIR' says nothing (apache2-dev)" >&2; exit 1; }
	$(Q)mkdir -p $(STAGE)
	$(Q)sed 's|^LoadModule \([a-z_]*\) .*/\([^/]*\.so\)$$|LoadModule \1 $(APACHE_MODDIR)/\2|' \
		mpm/mpm_sitefence.load >$(STAGE)/mpm_sitefence.load
	$(Q)sed 's|^ExecStart=/usr/sbin/|ExecStart=$(PREFIX)/sbin/|' loader/sitefence.service \
		>$(STAGE)/sitefence.service
	$(Q)for m in $(MAN8); do gzip -9n -c $$m >$(STAGE)/$${m##*/}.gz || exit 1; done
	$(Q)for p in $(SBIN_PROGS); do \
		$(INSTALL) -D -m 0755 $(BUILD)/$$p $(DESTDIR)$(PREFIX)/sbin/$$p || exit 1; done
	$(Q)$(INSTALL) -D -m 0644 $(MPM_MODULE) $(DESTDIR)$(APACHE_MODDIR)/mod_mpm_sitefence.so
	$(Q)for f in $(APACHE_MODS); do src=mpm/$$f; [ -e $(STAGE)/$$f ] && src=$(STAGE)/$$f; \
		$(INSTALL) -D -m 0644 $$src $(DESTDIR)/etc/apache2/mods-available/$$f || \
			exit 1; done
	$(Q)$(INSTALL) -D -m 0644 $(STAGE)/sitefence.service $(DESTDIR)$(UNITDIR)/sitefence.service
	$(Q)$(INSTALL) -D -m 0644 loader/apache2-sitefence.conf \
		$(DESTDIR)$(UNITDIR)/apache2.service.d/sitefence.conf
	$(Q)$(INSTALL) -D -m 0644 loader/sitefence.logrotate $(DESTDIR)/etc/logrotate.d/sitefence
	$(Q)for m in $(MAN8); do \
		$(INSTALL) -D -m 0644 $(STAGE)/$${m##*/}.gz \
			$(DESTDIR)$(PREFIX)/share/man/man8/$${m##*/}.gz || exit 1; done
	$(Q)if [ ! -e $(CONF_FILE) ]; then \
		$(INSTALL) -D -m 0644 loader/sitefenced.conf $(CONF_FILE); \
	elif ! cmp -s loader/sitefenced.conf $(CONF_FILE); then \
		echo "install: kept your $(CONF_FILE) (new default: loader/sitefenced.conf)"; fi
	$(Q)if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# Refuses while Apache still loads the module: removing it would leave Apache unable to start.
uninstall:
	$(call msg,UNINST,$(if $(DESTDIR),$(DESTDIR),/))
	$(Q)for m in mpm_sitefence php_sitefence; do \
		if [ -L $(DESTDIR)/etc/apache2/mods-enabled/$$m.load ]; then \
			echo "uninstall: first a2dismod php_sitefence mpm_sitefence" >&2; \
			exit 1; fi; done
	$(Q)rm -f $(addprefix $(DESTDIR)$(PREFIX)/sbin/,$(SBIN_PROGS)) \
		$(DESTDIR)$(APACHE_MODDIR)/mod_mpm_sitefence.so \
		$(addprefix $(DESTDIR)/etc/apache2/mods-available/,$(APACHE_MODS)) \
		$(DESTDIR)$(UNITDIR)/sitefence.service \
		$(DESTDIR)$(UNITDIR)/apache2.service.d/sitefence.conf \
		$(DESTDIR)/etc/logrotate.d/sitefence \
		$(patsubst %,$(DESTDIR)$(PREFIX)/share/man/man8/%.gz,$(notdir $(MAN8)))
	$(Q)if cmp -s loader/sitefenced.conf $(CONF_FILE); then rm -f $(CONF_FILE); \
	elif [ -e $(CONF_FILE) ]; then echo "uninstall: kept your changed $(CONF_FILE)"; fi
	$(Q)rmdir $(DESTDIR)/etc/sitefence $(DESTDIR)$(UNITDIR)/apache2.service.d 2>/dev/null; true
	$(Q)if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

clean:
	rm -rf $(BUILD)
