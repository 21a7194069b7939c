# mk/workorder.mk: the HTTP client's example and tests (docs/http-client.md).
#   make workorder        build/examples/workorder-api (the MES work-order API server),
#                         build/examples/workorder-sync (the SDK job), the HTTP test driver
#   make test-http        tests/http/test_*.c: the client against the server on 127.0.0.1 —
#                         token rules, retries, dead letters, idempotency (part of `make test`,
#                         and again built with ASan+UBSan: test-http-asan)

WO_DIR := $(BUILD)/examples
WO_SERVER := $(WO_DIR)/workorder-api
HTTP_TEST_SRC := $(wildcard tests/http/test_*.c)
HTTP_TEST_BIN := $(HTTP_TEST_SRC:tests/http/%.c=$(SDK_DIR)/tests/http/%)

ALL_EXTRA  += workorder
TEST_EXTRA += test-http test-http-asan

.PHONY: workorder test-http test-http-asan

workorder: $(WO_SERVER)

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
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 test-http
