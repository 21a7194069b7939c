# batchd build. `make` builds everything; `make test` runs every test, then the unit
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer; `make run` starts
# the product. Dependencies (Debian 12 packages) are installed by scripts/install-deps.sh.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
LIBDIR    ?= $(PREFIX)/lib
# batchd looks for its spawner in ../libexec/batchd/ from its own directory: keep
# LIBEXECDIR and SBINDIR siblings (docs/daemon.md).
LIBEXECDIR?= $(PREFIX)/libexec
INCLUDEDIR?= $(PREFIX)/include
DOCDIR    ?= $(PREFIX)/share/doc/batchd
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= $(PREFIX)/etc
DESTDIR   ?=

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror -Wstrict-prototypes -Wold-style-definition -Wvla \
             -Wwrite-strings -Wformat=2 -fno-common
ALL_CFLAGS = -std=c17 $(WARN) -D_GNU_SOURCE -DBATCH_VERSION='"$(VERSION)"' -Isrc -Iinclude \
             -I/usr/include/postgresql \
             $(SAN_FLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

BUILD     ?= build
V         ?=
Q         := $(if $(V),,@)
SANITIZE  ?=
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

LIB_SRC   := $(wildcard src/common/*.c src/core/*.c src/sys/*.c src/defs/*.c src/sched/*.c src/ops/*.c \
             src/store/*.c \
             src/store/*/*.c)
# libpq is loaded at run time by the PostgreSQL backend (src/store/postgres/pq.h); only
# the tests that call it themselves link it. libxlsxwriter likewise, by the report's XLSX
# form (src/ops/xlsxload.h).
LIBS      := -lyaml -lsqlite3 -lsodium -lm
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC   := $(wildcard src/cli/*.c)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
DAEMON_SRC:= $(wildcard src/daemon/*.c src/api/*.c)
DAEMON_OBJ:= $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/openapi.o $(BUILD)/gen/ui.o
# libcurl is loaded at run time, at its first use (src/daemon/curlload.h), like libpq.
DAEMON_LIBS:= -lmicrohttpd -ljansson -lsodium -lpthread
TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC  := $(wildcard fuzz/*/fuzz_*.c)
FUZZ_SECONDS ?= 60

# The ASan builds (build/asan) are sub-makes; when `make` itself runs without -j (as
# `make test` in CI does) they compile on every core, and their tests still run one
# after another (each sub-make's goal has one test recipe, after its binaries).
NPROC := $(shell nproc 2>/dev/null || echo 1)
SUBMAKE_J = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC))

# Further parts (mk/*.mk) add their targets to these lists.
ALL_EXTRA :=
TEST_EXTRA :=
BENCH_EXTRA :=
INSTALL_EXTRA :=
UNINSTALL_EXTRA :=
.DEFAULT_GOAL := all
include $(sort $(wildcard mk/*.mk))

.PHONY: all deps test-deps unit unit-run test test-build test-cli test-daemon soak asan run install uninstall fuzz bench \
        format clean check-core-purity

all: deps $(BUILD)/batchctl $(BUILD)/batchd $(ALL_EXTRA)

# Installing comes before any compile whatever -j says: every compile and link rule has
# `| deps` (or `| test-deps` where test libraries are linked) as an order-only
# prerequisite, and test-deps runs after deps so two apt-get never run at once.
deps:
	@scripts/install-deps.sh build

test-deps: deps
	@scripts/install-deps.sh test

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libbatchcore.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/batchctl: $(CLI_OBJ) $(BUILD)/libbatchcore.a
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libbatchcore.a $(LIBS) -lcurl -ljansson

$(BUILD)/batchd: $(DAEMON_OBJ) $(BUILD)/libbatchcore.a
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(DAEMON_OBJ) $(BUILD)/libbatchcore.a $(DAEMON_LIBS) $(LIBS)

# The OpenAPI document (api/openapi.json) compiled in as one C string.
$(BUILD)/gen/openapi.c: api/openapi.json scripts/embed-text.sh | deps
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-text.sh api_openapi_json $< >$@

$(BUILD)/gen/openapi.o: $(BUILD)/gen/openapi.c
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# The web UI (docs/ui.md): the committed bundle ui/dist/ compiled in as C strings, so
# building batchd needs no Node (`make ui` rebuilds the bundle where Node is); each file
# also gzip -9 compressed (-n: no name or time, so the same bytes every build), served to
# browsers that accept gzip. Every file of ui/dist/ is compiled in, with a table of them
# (src/api/ui_files.h); ui/dist itself is a prerequisite, so that a file added or removed
# there rebuilds the table.
UI_FILES := $(sort $(notdir $(wildcard ui/dist/*.html ui/dist/*.js ui/dist/*.css)))
UI_DIST := $(UI_FILES:%=ui/dist/%)
$(BUILD)/gen/ui.c: $(UI_DIST) ui/dist scripts/embed-text.sh scripts/embed-bytes.sh | deps
	@mkdir -p $(BUILD)/gen/ui
	$(Q){ echo '#include "api/ui_files.h"'; \
	for f in $(UI_FILES); do \
	        c=ui_$$(echo "$$f" | tr .- __); \
	        gzip -9 -n -c "ui/dist/$$f" >"$(BUILD)/gen/ui/$$f.gz" && \
	        scripts/embed-text.sh "$$c" "ui/dist/$$f" && \
	        scripts/embed-bytes.sh "$${c}_gz" "$(BUILD)/gen/ui/$$f.gz" || exit 1; \
	done; \
	echo 'const struct ui_file ui_files[] = {'; \
	for f in $(UI_FILES); do \
	        c=ui_$$(echo "$$f" | tr .- __); \
	        echo "        {\"$$f\", $$c, $${c}_gz, sizeof($${c}_gz)},"; \
	done; \
	echo '        {NULL, NULL, NULL, 0},'; echo '};'; } >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/ui.o: $(BUILD)/gen/ui.c src/api/ui_files.h
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libbatchcore.a | test-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -MMD -MP -DTEST_DATA_DIR='"$(CURDIR)/tests/data"' \
		-o $@ $< $(BUILD)/libbatchcore.a $(ALL_LDFLAGS) -lcmocka $(LIBS) -lpq -ljansson

$(BUILD)/bench/%: bench/%.c $(BUILD)/libbatchcore.a | deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(BUILD)/libbatchcore.a $(ALL_LDFLAGS) $(LIBS)

unit: test-deps $(TEST_BIN)

unit-run: unit
	@scripts/run-unit.sh $(TEST_BIN)

test-cli: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/run.sh

$(BUILD)/tests/daemon/notify_listen: tests/daemon/notify_listen.c | deps
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

test-daemon: all $(BUILD)/tests/daemon/notify_listen
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/run.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/crash.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/supkill.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/postgres.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/diskfull.sh

# The long form of the crash test: 200 kills of batchd (a third of the starts also kill
# themselves between recording launches and their go): 0 runs lost, 0 run twice.
soak: all
	@BUILD_DIR=$(CURDIR)/$(BUILD) KILLS=200 tests/daemon/crash.sh

asan:
	@$(MAKE) --no-print-directory $(SUBMAKE_J) BUILD=build/asan SANITIZE=1 unit-run

check-core-purity:
	@scripts/check-core-purity.sh

# Every test: purity rule, unit tests, CLI tests, then unit tests under ASan+UBSan.
test: test-build test-deps check-core-purity unit-run test-cli test-daemon $(TEST_EXTRA) asan

# Without -j, `make test` first compiles the programs and unit tests on every core (with
# -j the prerequisites above are already built in parallel, and this does nothing).
test-build:
	$(if $(filter -j%,$(MAKEFLAGS)),@:,@$(MAKE) --no-print-directory -j$(NPROC) all unit)

run: all
	@scripts/run.sh $(BUILD)/batchctl

bench: all $(BENCH_BIN) $(BENCH_EXTRA)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done
	@for b in bench/*.sh; do echo "== $$b"; $$b $(BUILD)/batchctl || exit 1; done

# libFuzzer targets, built with clang; each runs FUZZ_SECONDS (default 60).
fuzz:
	@scripts/install-deps.sh fuzz
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_SRC)

install: all $(INSTALL_EXTRA)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/batchctl $(DESTDIR)$(BINDIR)/batchctl
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(BUILD)/batchd $(DESTDIR)$(SBINDIR)/batchd
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' packaging/batchd.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/batchd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/batchd.service

uninstall: $(UNINSTALL_EXTRA)
	rm -f $(DESTDIR)$(BINDIR)/batchctl $(DESTDIR)$(SBINDIR)/batchd $(DESTDIR)$(DOCDIR)/README.md \
		$(DESTDIR)$(SYSTEMDUNITDIR)/batchd.service

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

# (Not the copy of the tree that `make deb` builds in: mk/deb.mk.)
-include $(shell find $(BUILD) -path '$(BUILD)/deb' -prune -o -type f -name '*.d' -print 2>/dev/null)
