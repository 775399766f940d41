# inngest-fcgi — plain Makefile.
#   make            build the SDK library and both programs (with ASan+UBSan by default: SAN=0 for release)
#   make run        install packages, build, serve an app under nginx on 127.0.0.1:$(PORT)
#   make check      install packages, build, run every test (sanitizers on)
#   make check-valgrind   the same suites with the FastCGI program under valgrind
#   make stop       stop what a killed `make run` left behind

PORT     ?= 8080
APP      ?= product
SAN      ?= 1
BUILD    ?= build

CC       ?= cc
PKGS     := json-c libcurl openssl
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O2 $(WARN) -Ihandler -fno-omit-frame-pointer
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
BUILD    := build/asan
else
BUILD    := build/release
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfcgi -lsqlite3 -lhiredis
CFLAGS   += $(CFLAGS_BASE) $(PKG_CFLAGS) $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   := $(PKG_LIBS)

# The SDK: every file in handler/ except the program entry point.
SDK_SRC   := $(filter-out handler/main.c,$(wildcard handler/*.c))
SDK_OBJ   := $(SDK_SRC:%.c=$(BUILD)/%.o)
SDK_LIB   := $(BUILD)/libinngest-fcgi.a
MAIN_OBJ  := $(BUILD)/handler/main.o

PRODUCT_SRC := $(wildcard functions/*.c)
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

.PHONY: all run stop check check-unit check-e2e check-valgrind deps clean
all: $(PRODUCT_BIN) $(CONF_BIN) $(FIXTURE_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -Itests/unit/support -Ifunctions -c $< -o $@

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

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(TEST_LIB_OBJ) $(SDK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

deps:
	@contrib/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all SAN=0
	@APP=$(APP) PORT=$(PORT) BUILD_DIR=build/release contrib/run.sh

stop:
	@PORT=$(PORT) contrib/run.sh --stop

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@BUILD_DIR=$(BUILD) tests/run-all.sh

check-valgrind: deps
	@$(MAKE) --no-print-directory all SAN=0
	@$(MAKE) --no-print-directory $(patsubst $(BUILD)/%,build/release/%,$(UNIT_BIN)) SAN=0
	@BUILD_DIR=build/release TEST_PREFIX="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet" tests/run-all.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
