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
