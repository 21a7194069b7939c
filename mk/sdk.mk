# mk/sdk.mk: libbatch (the SDK), its tests, examples and benchmarks.
#   make sdk            libbatch.a, libbatch.so, batch.pc, the examples
#   make sdk-test       unit tests, examples, crash test (part of `make test`)
#   make sdk-pkgconfig  installs into a temporary PREFIX and builds every example out of
#                       the tree with pkg-config, shared and static (part of `make test`)
#   make sdk-bench      benchmarks (part of `make bench`)
# SDK_CRASH_ITEMS / SDK_CRASH_KILLS size the crash test (make test: 100,000 items, 50
# kills; make bench runs it at 1,000,000).

SDK_DIR      := $(BUILD)/sdk
SDK_CFLAGS    = $(ALL_CFLAGS) -Iinclude -fPIC
SDK_SRC      := $(wildcard src/sdk/*.c)
SDK_CORE_SRC := $(wildcard src/common/*.c src/store/*.c src/store/*/*.c) src/core/lifecycle.c \
                src/core/httprule.c src/core/civil.c src/core/labels.c
SDK_OBJ      := $(SDK_SRC:%.c=$(SDK_DIR)/pic/%.o) $(SDK_CORE_SRC:%.c=$(SDK_DIR)/pic/%.o)
SDK_LIBS     := -lsqlite3 -lpq -ljansson -lmicrohttpd -lcurl -lpthread -lm
SDK_SONAME   := libbatch.so.0
SDK_A        := $(SDK_DIR)/libbatch.a
SDK_SO       := $(SDK_DIR)/$(SDK_SONAME)
SDK_PC       := $(SDK_DIR)/batch.pc
SDK_TEST_SRC := $(wildcard tests/sdk/test_*.c)
SDK_TEST_BIN := $(SDK_TEST_SRC:tests/sdk/%.c=$(SDK_DIR)/tests/%)
SDK_TOOL_SRC := $(wildcard tests/sdk/tool_*.c)
SDK_TOOL_BIN := $(SDK_TOOL_SRC:tests/sdk/%.c=$(SDK_DIR)/tests/%)
SDK_EX_SRC   := $(wildcard examples/sdk/*.c)
SDK_EX_BIN   := $(SDK_EX_SRC:examples/sdk/%.c=$(SDK_DIR)/examples/%)
SDK_BENCH_SRC:= $(wildcard bench/sdk/bench_*.c)
SDK_BENCH_BIN:= $(SDK_BENCH_SRC:bench/sdk/%.c=$(SDK_DIR)/bench/%)
SDK_CRASH_ITEMS ?= 100000
SDK_CRASH_KILLS ?= 50

ALL_EXTRA     += sdk
TEST_EXTRA    += sdk-test sdk-asan sdk-pkgconfig
BENCH_EXTRA   += sdk-bench
INSTALL_EXTRA += sdk-install
UNINSTALL_EXTRA += sdk-uninstall

.PHONY: sdk-pc-force sdk sdk-unit sdk-unit-run sdk-test sdk-asan sdk-examples sdk-crash sdk-bench sdk-install \
        sdk-uninstall sdk-pkgconfig

sdk: $(SDK_A) $(SDK_SO) $(SDK_DIR)/libbatch.so $(SDK_PC) $(SDK_EX_BIN)

$(SDK_DIR)/pic/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $< (pic)")
	$(Q)$(CC) $(SDK_CFLAGS) -MMD -MP -c $< -o $@

$(SDK_A): $(SDK_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SDK_SO): $(SDK_OBJ) src/sdk/libbatch.map
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SDK_SONAME) -Wl,--version-script=src/sdk/libbatch.map \
		$(ALL_LDFLAGS) -o $@ $(SDK_OBJ) $(SDK_LIBS)

$(SDK_DIR)/libbatch.so: $(SDK_SO)
	$(Q)ln -sf $(SDK_SONAME) $@

# Regenerated every time: PREFIX/LIBDIR may differ between `make` and `make install`.
$(SDK_PC): src/sdk/batch.pc.in sdk-pc-force
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

# Tests and tools link the static library (they also reach into src/ headers to look
# at the repository); examples link the shared one, as a user's program would.
$(SDK_DIR)/tests/%: tests/sdk/%.c $(SDK_A) $(wildcard tests/sdk/*.h) | test-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(SDK_CFLAGS) -Itests -Itests/sdk -DSDK_BUILD_DIR='"$(CURDIR)/$(SDK_DIR)"' -DSDK_SOURCE_DIR='"$(CURDIR)"' \
		-o $@ $< $(SDK_A) $(ALL_LDFLAGS) -lcmocka -lpq $(SDK_LIBS)

$(SDK_DIR)/examples/%: examples/sdk/%.c $(SDK_SO) $(SDK_DIR)/libbatch.so include/batch.h include/batch_errors.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Iinclude -o $@ $< -L$(SDK_DIR) -Wl,-rpath,$(CURDIR)/$(SDK_DIR) \
		$(ALL_LDFLAGS) -lbatch -lsqlite3

$(SDK_DIR)/bench/%: bench/sdk/%.c $(SDK_A)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(SDK_CFLAGS) -o $@ $(filter %.c,$^) $(SDK_A) $(ALL_LDFLAGS) $(SDK_LIBS)

# The in-memory pipeline counts its allocations itself (bench/sdk/malloc_count.c linked in).
$(SDK_DIR)/bench/bench_sdk_memory: bench/sdk/malloc_count.c

sdk-unit: $(SDK_TEST_BIN) $(SDK_TOOL_BIN)

sdk-unit-run: sdk-unit
	@SDK_TOOLS=$(CURDIR)/$(SDK_DIR)/tests scripts/run-unit.sh $(SDK_TEST_BIN)

sdk-examples: sdk $(BUILD)/batchctl $(BUILD)/batchd
	@SDK_BUILD=$(CURDIR)/$(SDK_DIR) BATCHCTL=$(CURDIR)/$(BUILD)/batchctl examples/sdk/run.sh

sdk-crash: sdk
	@SDK_BUILD=$(CURDIR)/$(SDK_DIR) tests/sdk/crash.sh $(SDK_CRASH_ITEMS) $(SDK_CRASH_KILLS)

sdk-test: sdk sdk-unit-run sdk-examples sdk-crash

# After it, build/sdk/batch.pc names the temporary PREFIX until the next make.
sdk-pkgconfig: all
	@t=$$(mktemp -d /tmp/batch-sdk-pc-XXXXXX) && \
	if $(MAKE) --no-print-directory install PREFIX=$$t/prefix >$$t/install.log 2>&1; then \
		BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/sdk/pkgconfig.sh $$t/prefix; r=$$?; \
	else cat $$t/install.log; r=1; fi; rm -rf $$t; exit $$r

sdk-asan:
	@$(MAKE) --no-print-directory $(SUBMAKE_J) BUILD=build/asan SANITIZE=1 sdk-unit-run

sdk-bench: sdk $(SDK_BENCH_BIN)
	@SDK_BUILD=$(CURDIR)/$(SDK_DIR) bench/sdk/run.sh

sdk-install: sdk
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 include/batch.h $(DESTDIR)$(INCLUDEDIR)/batch.h
	install -m 0644 include/batch_errors.h $(DESTDIR)$(INCLUDEDIR)/batch_errors.h
	install -m 0644 $(SDK_A) $(DESTDIR)$(LIBDIR)/libbatch.a
	install -m 0755 $(SDK_SO) $(DESTDIR)$(LIBDIR)/$(SDK_SONAME)
	ln -sf $(SDK_SONAME) $(DESTDIR)$(LIBDIR)/libbatch.so
	install -m 0644 $(SDK_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/batch.pc

sdk-uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/batch.h $(DESTDIR)$(INCLUDEDIR)/batch_errors.h $(DESTDIR)$(LIBDIR)/libbatch.a \
		$(DESTDIR)$(LIBDIR)/$(SDK_SONAME) $(DESTDIR)$(LIBDIR)/libbatch.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/batch.pc
