# mk/remote.mk: remote (http executor) jobs (docs/remote-jobs.md).
#   make remote-service   the example remote job service (examples/remote-service/)
#   make test-remote      tests/daemon/remote.sh: batchd with http jobs against the example
#                         service on 127.0.0.1 (part of `make test`)

REMOTE_SERVICE := $(BUILD)/examples/remote-service

ALL_EXTRA += $(REMOTE_SERVICE)

.PHONY: remote-service

remote-service: $(REMOTE_SERVICE)

$(REMOTE_SERVICE): examples/remote-service/remote-service.c | deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(ALL_LDFLAGS) -lmicrohttpd -ljansson -lcurl -lpthread

TEST_EXTRA += test-remote

.PHONY: test-remote

test-remote: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/remote.sh

TEST_EXTRA += test-remote-rules

.PHONY: test-remote-rules

# tests/daemon/remote_rules.sh: windows, dependencies and alerts treat remote runs like
# local ones (issue 18), against the example service.
test-remote-rules: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/remote_rules.sh

TEST_EXTRA += test-nextdue

.PHONY: test-nextdue

# tests/daemon/nextdue.sh: next_due_api triggers against a loopback server (good times, a
# time in a DST gap, garbage, 500s, a hang, a SIGKILL between an answer and its instance).
test-nextdue: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/nextdue.sh
