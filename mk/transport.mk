# mk/transport.mk: the alert transport, one e-mail over SMTP (src/daemon/mail.c) and one
# webhook POST (src/daemon/webhook.c), docs/alerts.md.
#   make test-transport   tests/daemon/transport.sh: the driver tests/daemon/mail_send_test.c
#                         against real SMTP and HTTP sinks on 127.0.0.1 (tests/tools/), once
#                         as built and once built with ASan+UBSan in build/asan (part of
#                         `make test`)

TEST_EXTRA += test-transport

TRANSPORT_OBJ := $(BUILD)/src/daemon/mail.o $(BUILD)/src/daemon/webhook.o \
                 $(BUILD)/src/daemon/curlload.o

.PHONY: test-transport test-transport-one

$(BUILD)/tests/daemon/mail_send_test: $(BUILD)/tests/daemon/mail_send_test.o $(TRANSPORT_OBJ) \
                                      $(BUILD)/libbatchcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TRANSPORT_OBJ) $(BUILD)/libbatchcore.a $(LIBS) -lpthread

# One run of the script with this build's driver.
test-transport-one: test-deps $(BUILD)/tests/daemon/mail_send_test
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/transport.sh

test-transport: test-transport-one
	@$(MAKE) --no-print-directory $(SUBMAKE_J) BUILD=build/asan SANITIZE=1 test-transport-one
