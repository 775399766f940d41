# inngest-fcgi — plain Makefile.
#   make            build the SDK library and both programs (with ASan+UBSan by default: SAN=0 for release)
#   make run        install packages, build, serve an app under nginx on 127.0.0.1:$(PORT)
#                   (APP=product, conformance, or yours: a program, a directory or .c files)
#   make new-app NAME=… [DIR=…]   a minimal app of your own (README, "Writing your own app")
#   make install-sdk PREFIX=…     the header, libraries and .pc files only
#   make check      install packages, build, run every test (sanitizers on)
#   make check-valgrind   the same suites with the FastCGI program under valgrind
#   make stop       stop what a killed `make run` left behind
#   make check-fresh  make run + make check in a fresh Debian 12 root (debootstrap; slow)
#   make coverage   line and branch coverage of handler/ and functions/ (gcov, gcovr)
#   make deps       install every package any target needs (each target installs its own)

PORT     ?= 8080
APP      ?= product
SAN      ?= 1
BUILD    ?= build

CC       ?= cc
PKGS     := json-c libcurl openssl libsodium
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O2 $(WARN) -Ihandler -fno-omit-frame-pointer
ifeq ($(COV),1)
# make coverage: gcov instrumentation, no sanitizer, no optimisation (so lines
# and branches map to the source), in a build directory of its own.
SANFLAGS := --coverage -O0
BUILD    := build/coverage
else ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
BUILD    := build/asan
else
BUILD    := build/release
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# -lm: jcs.c calls floor(), which only -O2 turns into an instruction.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfcgi -lsqlite3 -lhiredis -lm
CFLAGS   += $(CFLAGS_BASE) $(PKG_CFLAGS) $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   := $(PKG_LIBS)

# The SDK: every file in handler/'s layer folders (handler/README.md) except the
# program entry point.
SDK_SRC   := $(filter-out handler/transport/main.c,$(wildcard handler/*/*.c))
SDK_OBJ   := $(SDK_SRC:%.c=$(BUILD)/%.o)
SDK_LIB   := $(BUILD)/libinngest-fcgi.a
MAIN_OBJ  := $(BUILD)/handler/transport/main.o

PRODUCT_SRC := $(wildcard functions/product/*.c functions/product/*/*.c)
PRODUCT_OBJ := $(PRODUCT_SRC:%.c=$(BUILD)/%.o)
CONF_SRC    := $(wildcard functions/conformance/*.c)
CONF_OBJ    := $(CONF_SRC:%.c=$(BUILD)/%.o)

# The fixture app the official conformance runner (inngest alpha conformance) drives.
FIXTURE_SRC := $(wildcard tests/conformance_fixture/*.c)
FIXTURE_OBJ := $(FIXTURE_SRC:%.c=$(BUILD)/%.o)

PRODUCT_BIN := $(BUILD)/inngest-fcgi
CONF_BIN    := $(BUILD)/inngest-fcgi-conformance
FIXTURE_BIN := $(if $(FIXTURE_SRC),$(BUILD)/inngest-fcgi-conformance-fixture)

# Unit tests: each tests/unit/test_*.c is one cmocka binary linked with the SDK
# and, when its name says so, with an app (test_conformance_* → conformance app).
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/support/*.c))

.PHONY: all run stop check check-unit check-e2e check-valgrind check-header deps clean unit-bins coverage
all: $(PRODUCT_BIN) $(CONF_BIN) $(FIXTURE_BIN)
unit-bins: $(UNIT_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -Itests/unit/support -Ifunctions -c $< -o $@

# The SDK's own objects hide every symbol that inngest.h does not mark ING_API,
# so the shared library exports the public header and nothing else
# (tests/e2e/test_public_symbols.sh).  Programs and tests are built as before.
# The stamp rebuilds, once, SDK objects compiled before that flag was added.
$(SDK_OBJ): CFLAGS += -fvisibility=hidden
VISIBILITY_STAMP := $(BUILD)/.fvisibility-hidden
$(VISIBILITY_STAMP):
	@mkdir -p $(dir $@) && touch $@
$(SDK_OBJ): $(VISIBILITY_STAMP)

$(SDK_LIB): $(SDK_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(PRODUCT_BIN): $(MAIN_OBJ) $(PRODUCT_OBJ) $(SDK_LIB)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(PRODUCT_OBJ) $(SDK_LIB) $(LDLIBS)

$(CONF_BIN): $(MAIN_OBJ) $(CONF_OBJ) $(SDK_LIB)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(CONF_OBJ) $(SDK_LIB) $(LDLIBS)

$(BUILD)/inngest-fcgi-conformance-fixture: $(MAIN_OBJ) $(FIXTURE_OBJ) $(SDK_LIB)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(FIXTURE_OBJ) $(SDK_LIB) $(LDLIBS)

$(BUILD)/tests/test_product_%: $(BUILD)/tests/unit/test_product_%.o $(TEST_LIB_OBJ) $(PRODUCT_OBJ) $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/test_conformance_%: $(BUILD)/tests/unit/test_conformance_%.o $(TEST_LIB_OBJ) $(CONF_OBJ) $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The allocation-failure sweep: the malloc interposer (tests/unit/alloc_fail/)
# and arena.c compiled again with 64-byte chunks, linked before the SDK
# library so that the archive's arena.o is not used.
ALLOC_FAIL_OBJ := $(BUILD)/tests/unit/alloc_fail/alloc_fail.o $(BUILD)/tests/unit/alloc_fail/arena_small.o
$(BUILD)/tests/unit/alloc_fail/arena_small.o: handler/base/arena.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DING_ARENA_CHUNK=64u -MMD -MP -c $< -o $@

$(BUILD)/tests/test_bad_input: $(BUILD)/tests/unit/test_bad_input.o $(ALLOC_FAIL_OBJ) $(TEST_LIB_OBJ) $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(TEST_LIB_OBJ) $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# make deps: every package any target needs; each target installs its own
# group first (contrib/install-deps.sh names the groups), so make run stays fast.
deps:
	@contrib/install-deps.sh all

# The public header as users compile it: C99 with -Wpedantic, C11, and C++17
# (whose objects must call the SDK by its C names: extern "C").
HEADER_TU := tests/header/header_use.c
check-header:
	@mkdir -p $(BUILD)/tests/header
	gcc -std=c99 -Wpedantic -Wall -Wextra -Werror $(PKG_CFLAGS) -Ihandler -c $(HEADER_TU) -o $(BUILD)/tests/header/c99.o
	gcc -std=c11 -Wpedantic -Wall -Wextra -Werror $(PKG_CFLAGS) -Ihandler -c $(HEADER_TU) -o $(BUILD)/tests/header/c11.o
	g++ -x c++ -std=c++17 -Wall -Wextra -Werror $(PKG_CFLAGS) -Ihandler -c $(HEADER_TU) -o $(BUILD)/tests/header/cxx17.o
	@nm $(BUILD)/tests/header/cxx17.o | grep -q ' U ing_fail_nonretriable$$' || \
		{ echo "check-header: C++ code does not call the SDK by its C name (extern \"C\")" >&2; exit 1; }
	@echo "check-header: inngest.h is valid C99 (-Wpedantic), C11 and C++17"

run:
	@contrib/install-deps.sh run
	@$(MAKE) --no-print-directory all SAN=0
	@APP="$(APP)" PORT=$(PORT) BUILD_DIR=build/release contrib/run.sh

# make new-app NAME=<name> [DIR=<parent>]: a minimal app of your own in DIR/NAME
# (contrib/new-app/new-app.sh), built against the installed SDK with pkg-config.
.PHONY: new-app
new-app:
	@contrib/new-app/new-app.sh "$(NAME)" "$(DIR)"

# make run APP=<directory of .c files | .c files>: your own app, built against
# this tree's SDK (contrib/run.sh calls this; a program you built yourself is
# served as it is).  test_*.c and *_test.c are your unit tests: left out.
# Your code gets the usual warnings, not this tree's -Werror set.
USER_APP_WORDS := $(patsubst %/,%,$(filter-out product conformance,$(APP)))
USER_APP_SRC   := $(foreach a,$(USER_APP_WORDS),$(if $(filter %.c,$(a)),$(a),\
                    $(filter-out $(a)/test_%.c $(a)/%_test.c,$(wildcard $(a)/*.c))))
USER_APP_BIN   := $(BUILD)/user-apps/$(notdir $(basename $(firstword $(USER_APP_WORDS))))
USER_CFLAGS    := -g -O2 -Wall -Wextra -Ihandler $(PKG_CFLAGS) $(SANFLAGS)
.PHONY: user-app
user-app:
	@test -n "$(USER_APP_SRC)" || { echo "user-app: no .c files in APP=$(APP)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(USER_APP_BIN)
	@echo "user-app: built $(abspath $(USER_APP_BIN))"
ifneq ($(USER_APP_SRC),)
$(USER_APP_BIN): $(USER_APP_SRC) $(wildcard $(addsuffix /*.h,$(sort $(dir $(USER_APP_SRC))))) $(MAIN_OBJ) $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(LDFLAGS) -o $@ $(USER_APP_SRC) $(MAIN_OBJ) $(SDK_LIB) $(LDLIBS)
endif

stop:
	@PORT=$(PORT) contrib/run.sh --stop

check:
	@contrib/install-deps.sh check
	@$(MAKE) --no-print-directory all $(UNIT_BIN) check-header $(SDK_SHARED)
	@BUILD_DIR=$(BUILD) tests/run-all.sh

# somalloc=nouserintercepts: valgrind replaces libc's allocator but leaves a
# malloc defined in the program alone, so test_bad_input's interposer
# (tests/unit/alloc_fail/) still sees every allocation and forwards it to
# __libc_malloc, which valgrind does replace.
check-valgrind:
	@contrib/install-deps.sh valgrind
	@$(MAKE) --no-print-directory all SAN=0
	@$(MAKE) --no-print-directory $(patsubst $(BUILD)/%,build/release/%,$(UNIT_BIN)) SAN=0
	@BUILD_DIR=build/release TEST_PREFIX="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --soname-synonyms=somalloc=nouserintercepts --quiet" tests/run-all.sh

clean:
	rm -rf build

# make coverage: the unit and end-to-end suites (tests/run-all.sh) against an
# instrumented build (build/coverage), then line and branch coverage of
# handler/ and functions/ (gcovr; per-file tables and an HTML report in
# build/coverage/report/).  Failing tests are reported but the figures are
# still printed; the target fails if any test failed.
coverage:
	@contrib/install-deps.sh coverage
	@$(MAKE) --no-print-directory all unit-bins COV=1
	@find build/coverage -name '*.gcda' -delete
	@rc=0; BUILD_DIR=build/coverage tests/run-all.sh >build/coverage/tests.log 2>&1 || rc=$$?; \
	 tail -n 1 build/coverage/tests.log | sed 's/^/coverage: tests: /'; \
	 grep -E '^run-all: failing' build/coverage/tests.log | sed 's/^/coverage: /'; \
	 contrib/coverage-report.sh build/coverage; exit $$rc

# make check-fresh: the README's two commands (make run, make check) in a
# minimal Debian 12 root made with debootstrap, with nothing installed by hand
# (contrib/check-fresh.sh).  Root only; slow (the Inngest CLI is built from
# its Go module in there): not part of make check.
.PHONY: check-fresh
check-fresh:
	@contrib/install-deps.sh fresh
	@contrib/check-fresh.sh

# (build/fresh holds make check-fresh's Debian root, whose /etc has rc?.d folders.)
-include $(shell find build -path build/fresh -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- fuzzing, soak (tests/fuzz/, contrib/soak/) ------------------------------
# Each tests/fuzz/fuzz_*.c is one libFuzzer target, built with Debian's clang
# (-fsanitize=fuzzer,address,undefined) into build/fuzz/: fuzz_product_* link
# the product app, the others the protocol vectors' app.  Every outbound call
# (the SDK's and the apps' ing_http_fetch) is answered from the input by
# tests/fuzz/support/fuzz_http.c, the transport fuzz_server() installs with
# outbound_set_transport(); the SDK is compiled again for them with nanosleep
# replaced (the retry pauses would cap a target at a few runs per second).
# clang counts vprintf(fmt, ap) in a printf-like wrapper as a non-literal
# format (gcc does not); the gcc builds keep that check.
#   make fuzz FUZZ_SECONDS=N   every target N s from its seeds (build/fuzz/seeds,
#                              made from tests/vectors); fails on any
#                              crash, leak, timeout or sanitizer report
#   make soak SOAK_SECONDS=N   signed mixed traffic through nginx for N s (release build)
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
SOAK_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_CFLAGS  := $(filter-out -O2,$(CFLAGS_BASE)) -O1 $(PKG_CFLAGS) -Itests/fuzz/support \
                -Itests/unit/support -Ifunctions \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                -Wno-format-nonliteral
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SDK_OBJ := $(SDK_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_SUPPORT_OBJ := $(patsubst %.c,$(FUZZ_DIR)/%.o,$(wildcard tests/fuzz/support/*.c))
FUZZ_PRODUCT_OBJ := $(PRODUCT_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_VECTORS_OBJ := $(FUZZ_DIR)/tests/unit/support/vectors_app.o

.PHONY: fuzz fuzz-build soak
fuzz-build: $(FUZZ_BIN)

fuzz:
	@contrib/install-deps.sh fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

soak:
	@contrib/install-deps.sh soak
	@$(MAKE) --no-print-directory all SAN=0
	@SOAK_SECONDS=$(SOAK_SECONDS) BUILD_DIR=build/release contrib/soak/soak.sh

$(FUZZ_SDK_OBJ): FUZZ_DEFS = -Dnanosleep=fuzz_nanosleep

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) -MMD -MP -c $< -o $@

# Static pattern rules: each binary's rule is chosen by its name alone, never
# by which objects a build directory already holds.
FUZZ_PRODUCT_BIN := $(filter $(FUZZ_DIR)/fuzz_product_%,$(FUZZ_BIN))
FUZZ_VECTORS_BIN := $(filter-out $(FUZZ_PRODUCT_BIN),$(FUZZ_BIN))
$(FUZZ_PRODUCT_BIN): $(FUZZ_DIR)/fuzz_product_%: $(FUZZ_DIR)/tests/fuzz/fuzz_product_%.o $(FUZZ_SUPPORT_OBJ) $(FUZZ_PRODUCT_OBJ) $(FUZZ_SDK_OBJ)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(LDLIBS)

$(FUZZ_VECTORS_BIN): $(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT_OBJ) $(FUZZ_VECTORS_OBJ) $(FUZZ_SDK_OBJ)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- install / uninstall: the programs, the deployment files, the SDK as a library --
#   make install   [PREFIX=/usr/local] [DESTDIR=…]   (builds the release first; as root)
#     $(SBINDIR)          inngest-fcgi, inngest-fcgi-conformance, inngest-fcgi-spawn
#     $(LIBDIR)           libinngest-fcgi.a, libinngest-fcgi.so*, libinngest-fcgi-main.a (main()),
#                         pkgconfig/inngest-fcgi.pc, pkgconfig/inngest-fcgi-static.pc
#     $(INCLUDEDIR)       inngest-fcgi/inngest.h
#     $(SYSTEMDUNITDIR)   inngest-fcgi.socket/.service, inngest-fcgi@.socket/.service
#     $(SYSCONFDIR)       nginx/snippets/inngest-fcgi.conf, inngest-fcgi/inngest-fcgi.env (0600,
#                         created once, never overwritten) and its .example
#     $(DOCDIR)           README.md, examples/nginx-site.conf
#   make uninstall [PREFIX=…] [DESTDIR=…]   removes all of it but the environment file (your keys)
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR     ?= $(PREFIX)/share/doc/inngest-fcgi
# nginx and systemd read /etc whatever the prefix; /usr/local/lib/systemd/system
# is on systemd's unit path, so a local install stays out of the package's way.
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SDK_VERSION := $(shell sed -n 's/^\#define ING_SDK_VERSION "\(.*\)"/\1/p' handler/inngest.h)
SDK_SOMAJOR := 0
SDK_SHARED  := $(BUILD)/libinngest-fcgi.so.$(SDK_VERSION)
SDK_MAIN_LIB := $(BUILD)/libinngest-fcgi-main.a
SDK_LINK_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfcgi -lm

# Every object is position-independent so the same objects make the shared
# library.  The stamp rebuilds objects compiled before -fPIC was added, once.
CFLAGS += -fPIC
PIC_STAMP := $(BUILD)/.fpic
$(PIC_STAMP):
	@mkdir -p $(dir $@) && touch $@
$(SDK_OBJ) $(MAIN_OBJ): $(PIC_STAMP)

$(SDK_SHARED): $(SDK_OBJ)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libinngest-fcgi.so.$(SDK_SOMAJOR) -Wl,-z,defs -o $@ $^ $(SDK_LINK_LIBS)

$(SDK_MAIN_LIB): $(MAIN_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Small apps the deployment tests build on the SDK (tests/apps/*.c): never part
# of an installed program.
DEPLOY_TEST_APPS := $(patsubst tests/apps/%.c,$(BUILD)/tests/apps/%,$(wildcard tests/apps/*.c))
all: $(DEPLOY_TEST_APPS)
$(BUILD)/tests/apps/%: $(BUILD)/tests/apps/%.o $(MAIN_OBJ) $(SDK_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The .pc files name their directories from ${prefix} when they lie under it,
# so that `pkg-config --define-variable=prefix=…` moves them all and
# PKG_CONFIG_SYSROOT_DIR (a staged install, a cross sysroot) applies to them.
PC_LIBDIR     := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
INSTALL_SUBST := sed -e 's|@PC_LIBDIR@|$(PC_LIBDIR)|g' -e 's|@PC_INCLUDEDIR@|$(PC_INCLUDEDIR)|g' \
	-e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(SDK_VERSION)|g'
UNITS := inngest-fcgi.socket inngest-fcgi.service inngest-fcgi@.socket inngest-fcgi@.service
D := $(DESTDIR)

.PHONY: install install-files uninstall
install:
	@contrib/install-deps.sh install
	@$(MAKE) --no-print-directory install-files SAN=0

# make install-sdk [PREFIX=…]: only what building an app needs (the header,
# the libraries, the .pc files); no root needed for a prefix of your own, e.g.
# PREFIX=$$HOME/.local.  make install does this and the rest.
.PHONY: install-sdk install-sdk-files
install-sdk:
	@$(MAKE) --no-print-directory install-sdk-files SAN=0
	@echo "installed the inngest-fcgi $(SDK_VERSION) SDK under $(D)$(PREFIX);" \
		"pkg-config finds it with PKG_CONFIG_PATH=$(D)$(LIBDIR)/pkgconfig"

install-sdk-files: $(SDK_LIB) $(SDK_SHARED) $(SDK_MAIN_LIB)
	install -d $(D)$(LIBDIR)/pkgconfig $(D)$(INCLUDEDIR)/inngest-fcgi
	install -m 0644 handler/inngest.h $(D)$(INCLUDEDIR)/inngest-fcgi/inngest.h
	install -m 0644 $(SDK_LIB) $(SDK_MAIN_LIB) $(D)$(LIBDIR)/
	install -m 0755 $(SDK_SHARED) $(D)$(LIBDIR)/
	ln -sf libinngest-fcgi.so.$(SDK_VERSION) $(D)$(LIBDIR)/libinngest-fcgi.so.$(SDK_SOMAJOR)
	ln -sf libinngest-fcgi.so.$(SDK_SOMAJOR) $(D)$(LIBDIR)/libinngest-fcgi.so
	for pc in inngest-fcgi inngest-fcgi-static; do \
		$(INSTALL_SUBST) contrib/pkg-config/$$pc.pc.in >$(D)$(LIBDIR)/pkgconfig/$$pc.pc || exit 1; \
		chmod 0644 $(D)$(LIBDIR)/pkgconfig/$$pc.pc; done

install-files: $(PRODUCT_BIN) $(CONF_BIN) install-sdk-files
	install -d $(D)$(SBINDIR) $(D)$(SYSTEMDUNITDIR) $(D)$(SYSCONFDIR)/nginx/snippets $(D)$(DOCDIR)/examples
	install -d -m 0700 $(D)$(SYSCONFDIR)/inngest-fcgi
	install -m 0755 $(PRODUCT_BIN) $(D)$(SBINDIR)/inngest-fcgi
	install -m 0755 $(CONF_BIN) $(D)$(SBINDIR)/inngest-fcgi-conformance
	$(INSTALL_SUBST) contrib/spawn-fcgi/inngest-fcgi-spawn.in >$(D)$(SBINDIR)/inngest-fcgi-spawn
	chmod 0755 $(D)$(SBINDIR)/inngest-fcgi-spawn
	for u in $(UNITS); do \
		$(INSTALL_SUBST) contrib/systemd/$$u.in >$(D)$(SYSTEMDUNITDIR)/$$u || exit 1; \
		chmod 0644 $(D)$(SYSTEMDUNITDIR)/$$u; done
	install -m 0644 nginx/inngest-fcgi.conf $(D)$(SYSCONFDIR)/nginx/snippets/inngest-fcgi.conf
	install -m 0644 nginx/inngest-fcgi-site.conf $(D)$(DOCDIR)/examples/nginx-site.conf
	install -m 0644 README.md $(D)$(DOCDIR)/README.md
	install -m 0644 contrib/inngest-fcgi.env.example $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env.example
	@if [ -e $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env ]; then \
		echo "kept $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env (yours)"; \
	else \
		install -m 0600 contrib/inngest-fcgi.env.example $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env; \
		echo "created $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env (0600): put your keys there"; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -w /etc/ld.so.cache ]; then ldconfig; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "installed inngest-fcgi $(SDK_VERSION) under $(D)$(PREFIX); next: README.md, \"Deployment guide\""

uninstall:
	rm -f $(D)$(SBINDIR)/inngest-fcgi $(D)$(SBINDIR)/inngest-fcgi-conformance $(D)$(SBINDIR)/inngest-fcgi-spawn
	rm -f $(D)$(INCLUDEDIR)/inngest-fcgi/inngest.h
	-rmdir $(D)$(INCLUDEDIR)/inngest-fcgi 2>/dev/null
	rm -f $(D)$(LIBDIR)/libinngest-fcgi.a $(D)$(LIBDIR)/libinngest-fcgi-main.a \
		$(D)$(LIBDIR)/libinngest-fcgi.so $(D)$(LIBDIR)/libinngest-fcgi.so.$(SDK_SOMAJOR) \
		$(D)$(LIBDIR)/libinngest-fcgi.so.$(SDK_VERSION) \
		$(D)$(LIBDIR)/pkgconfig/inngest-fcgi.pc $(D)$(LIBDIR)/pkgconfig/inngest-fcgi-static.pc
	rm -f $(addprefix $(D)$(SYSTEMDUNITDIR)/,$(UNITS))
	rm -f $(D)$(SYSCONFDIR)/nginx/snippets/inngest-fcgi.conf
	rm -f $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env.example
	rm -f $(D)$(DOCDIR)/README.md $(D)$(DOCDIR)/examples/nginx-site.conf
	-rmdir $(D)$(DOCDIR)/examples $(D)$(DOCDIR) 2>/dev/null
	@if [ -e $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env ]; then \
		echo "kept $(D)$(SYSCONFDIR)/inngest-fcgi/inngest-fcgi.env (your keys): remove it yourself"; \
	else rmdir $(D)$(SYSCONFDIR)/inngest-fcgi 2>/dev/null || true; fi
	@if [ -z "$(DESTDIR)" ] && [ -w /etc/ld.so.cache ]; then ldconfig; fi

# ---- make bench: our speed against the official SDK and the FastCGI ceiling ----
# contrib/bench/run.sh starts everything on 127.0.0.1 and writes build/bench/
# (results.json, results.md).  Not part of make check; `make bench
# BENCH_SECONDS=1` is a quick smoke run (BENCH_* settings: contrib/bench/README.md).
.PHONY: bench bench-tools
bench:
	@contrib/install-deps.sh bench
	@$(MAKE) --no-print-directory all bench-tools SAN=0
	@BUILD_DIR=build/release contrib/bench/run.sh

bench-tools: $(BUILD)/bench/make_request $(BUILD)/bench/inproc $(BUILD)/bench/fcgi_ceiling $(BUILD)/bench/crypto_ops

# calls.c builds its bodies in the SDK's bounded buffer (base/dynbuf.c)
$(BUILD)/bench/make_request: $(BUILD)/contrib/bench/make_request.o $(BUILD)/contrib/bench/calls.o \
                             $(BUILD)/handler/base/dynbuf.o $(BUILD)/handler/base/mem_alloc.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/inproc: $(BUILD)/contrib/bench/inproc.o $(BUILD)/contrib/bench/calls.o $(CONF_OBJ) $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# SHA-1 and HMAC per operation, ours against OpenSSL's (README "Performance").
$(BUILD)/bench/crypto_ops: $(BUILD)/contrib/bench/crypto_ops.o $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/fcgi_ceiling: $(BUILD)/contrib/bench/fcgi_ceiling.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lfcgi

# ---- make cluster: two app hosts, two `inngest start` on Postgres + Redis ----
# contrib/cluster/cluster.sh starts everything on loopback addresses in
# run/cluster (settings and keys: run/cluster/env); make cluster-stop ends it.
# make check-cluster (tests/cluster/test_cluster.sh, about 6 minutes) starts
# clusters of its own in a temporary directory; it is not part of make check.
.PHONY: cluster cluster-stop cluster-status check-cluster cluster-bench
cluster:
	@contrib/install-deps.sh cluster
	@$(MAKE) --no-print-directory all SAN=0
	@BUILD_DIR=build/release contrib/cluster/cluster.sh start

cluster-stop:
	@contrib/cluster/cluster.sh stop

cluster-status:
	@contrib/cluster/cluster.sh status

check-cluster:
	@contrib/install-deps.sh cluster
	@$(MAKE) --no-print-directory all SAN=0
	@BUILD_DIR=build/release tests/cluster/test_cluster.sh

# make cluster-bench (contrib/cluster/scale.sh): whole runs per second of the
# S6 workload with 1 and 2 app hosts and 1 and 2 replicas, CPU per run by
# component; its own clusters in a temporary directory.
cluster-bench:
	@contrib/install-deps.sh cluster
	@$(MAKE) --no-print-directory all SAN=0
	@BUILD_DIR=build/release contrib/cluster/scale.sh
