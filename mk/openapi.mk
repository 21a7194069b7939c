# mk/openapi.mk: checks the API's route table (src/api/routes.c) against the OpenAPI
# document (api/openapi.json, as compiled into batchd) in both directions.
#   make test-openapi   build tests/api/openapi_check and run it (part of `make test`)

OPENAPI_CHECK     := $(BUILD)/tests/api/openapi_check
OPENAPI_CHECK_OBJ := $(filter $(BUILD)/src/api/%,$(DAEMON_OBJ)) $(BUILD)/src/daemon/clock.o \
                     $(BUILD)/src/daemon/dlog.o $(BUILD)/src/daemon/mail.o \
                     $(BUILD)/src/daemon/curlload.o $(BUILD)/gen/openapi.o \
                     $(BUILD)/gen/ui.o

TEST_EXTRA += test-openapi

.PHONY: test-openapi

$(OPENAPI_CHECK): tests/api/openapi_check.c $(OPENAPI_CHECK_OBJ) $(BUILD)/libbatchcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(OPENAPI_CHECK_OBJ) $(BUILD)/libbatchcore.a \
		$(ALL_LDFLAGS) $(DAEMON_LIBS) $(LIBS)

test-openapi: $(OPENAPI_CHECK)
	@$(OPENAPI_CHECK)
