# mk/workorder.mk: the HTTP client's example and tests (docs/http-client.md).
#   make workorder        build/examples/workorder-api (the MES work-order API server),
#                         build/examples/workorder-sync (the SDK job), the HTTP test driver
#   make test-http        tests/http/test_*.c: the client against the server on 127.0.0.1 —
#                         token rules, retries, dead letters, idempotency (part of `make test`,
#                         and again built with ASan+UBSan: test-http-asan)
#   make test-http-e2e    tests/http/e2e.sh: workorder-sync under batchd against the server with
#                         faults, SIGKILLed WO_E2E_KILLS (5) times, WO_E2E_ITEMS (3,000) work
#                         orders: each updated once, failures dead-lettered, no token anywhere
#                         (part of `make test`)
#   make test-http-submit tests/http/submit.sh: batch_client_submit against a real batchd's API
#                         (part of `make test`)
#   make test-http-alert  tests/http/alert.sh: more than 2 refresh failures in a run raise the
#                         token_refresh_failures alert (part of `make test`)
#   make bench-http       bench/http/run.sh: updates/s through the client, 1, 4 and 8 threads
#                         (part of `make bench`; docs/performance.md)
#   make test-http-e2e-full   the same with 20,000 work orders (issue 17's size; not in `make test`)

WO_DIR := $(BUILD)/examples
WO_SERVER := $(WO_DIR)/workorder-api
WO_SYNC := $(WO_DIR)/workorder-sync
HTTP_TEST_SRC := $(wildcard tests/http/test_*.c)
HTTP_TEST_BIN := $(HTTP_TEST_SRC:tests/http/%.c=$(SDK_DIR)/tests/http/%)

ALL_EXTRA  += workorder
TEST_EXTRA += test-http test-http-asan test-http-e2e test-http-submit test-http-alert
BENCH_EXTRA += bench-http
WO_E2E_ITEMS ?= 3000
WO_E2E_KILLS ?= 5

.PHONY: test-http-submit test-http-alert bench-http workorder test-http test-http-asan test-http-e2e test-http-e2e-full

workorder: $(WO_SERVER) $(WO_SYNC)

# Linked against the shared libbatch, as a user's program would be.
$(WO_SYNC): examples/workorder-sync/workorder_sync.c $(SDK_SO) $(SDK_DIR)/libbatch.so include/batch.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Iinclude -o $@ $< -L$(SDK_DIR) -Wl,-rpath,$(CURDIR)/$(SDK_DIR) \
		$(ALL_LDFLAGS) -lbatch -ljansson

$(WO_SERVER): examples/workorder-api/server.c | deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -lmicrohttpd -ljansson -lsodium -lpthread

$(SDK_DIR)/tests/http/%: tests/http/%.c $(SDK_A) | test-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(SDK_CFLAGS) -Itests -o $@ $< $(SDK_A) $(ALL_LDFLAGS) -lcmocka $(SDK_LIBS)

test-http: $(WO_SERVER) $(HTTP_TEST_BIN)
	@WO_SERVER=$(CURDIR)/$(WO_SERVER) scripts/run-unit.sh $(HTTP_TEST_BIN)

# The same tests with the client (and the server) built with ASan+UBSan.
test-http-asan:
	@$(MAKE) --no-print-directory $(SUBMAKE_J) BUILD=build/asan SANITIZE=1 test-http

test-http-e2e: all workorder
	@BUILD_DIR=$(CURDIR)/$(BUILD) WO_SERVER=$(CURDIR)/$(WO_SERVER) WO_SYNC=$(CURDIR)/$(WO_SYNC) \
		tests/http/e2e.sh $(WO_E2E_ITEMS) $(WO_E2E_KILLS)

test-http-e2e-full:
	@$(MAKE) --no-print-directory WO_E2E_ITEMS=20000 test-http-e2e

$(SDK_DIR)/bench/bench_http: bench/http/bench_http.c $(SDK_A)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(SDK_CFLAGS) -o $@ $< $(SDK_A) $(ALL_LDFLAGS) $(SDK_LIBS)

bench-http: $(WO_SERVER) $(SDK_DIR)/bench/bench_http
	@WO_SERVER=$(CURDIR)/$(WO_SERVER) BENCH_HTTP=$(CURDIR)/$(SDK_DIR)/bench/bench_http bench/http/run.sh

$(SDK_DIR)/tests/http/tool_submit: tests/http/tool_submit.c $(SDK_A)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(SDK_CFLAGS) -o $@ $< $(SDK_A) $(ALL_LDFLAGS) $(SDK_LIBS)

test-http-submit: all $(SDK_DIR)/tests/http/tool_submit
	@BUILD_DIR=$(CURDIR)/$(BUILD) SUBMIT_TOOL=$(CURDIR)/$(SDK_DIR)/tests/http/tool_submit tests/http/submit.sh

test-http-alert: all workorder
	@BUILD_DIR=$(CURDIR)/$(BUILD) WO_SERVER=$(CURDIR)/$(WO_SERVER) WO_SYNC=$(CURDIR)/$(WO_SYNC) \
		tests/http/alert.sh
