# mk/sdkservice.mk: the SDK's service side of the remote-job protocol (after sdk.mk).
#   make sdk-service     examples/remote-service/sdk-service.c on libbatch.so
#   make test-sdkservice tests/daemon/sdkservice.sh: batchd runs libbatch jobs served by
#                        it on 127.0.0.1 (part of `make test`)

SDK_SERVICE := $(BUILD)/examples/sdk-service

ALL_EXTRA += $(SDK_SERVICE)

.PHONY: sdk-service test-sdkservice

sdk-service: $(SDK_SERVICE)

$(SDK_SERVICE): examples/remote-service/sdk-service.c $(SDK_SO) $(SDK_DIR)/libbatch.so include/batch.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Iinclude -o $@ $< -L$(SDK_DIR) -Wl,-rpath,$(CURDIR)/$(SDK_DIR) \
		$(ALL_LDFLAGS) -lbatch

TEST_EXTRA += test-sdkservice

test-sdkservice: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/sdkservice.sh
