# mk/spawner.mk: the spawner program (src/spawner/bdspawn.c with the supervisor code),
# linked with libc only and compiled into batchd as bytes (src/daemon/spawner_image.S),
# which starts it from a memory file (docs/daemon.md).

SPAWNER_OBJ := $(BUILD)/src/spawner/bdspawn.o $(BUILD)/src/daemon/supervisor.o
DAEMON_OBJ  += $(BUILD)/gen/spawner_image.o

$(BUILD)/bdspawn: $(SPAWNER_OBJ) $(BUILD)/libbatchcore.a
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -s -o $@ $(SPAWNER_OBJ) $(BUILD)/libbatchcore.a

$(BUILD)/gen/spawner_image.o: src/daemon/spawner_image.S $(BUILD)/bdspawn
	@mkdir -p $(dir $@)
	$(Q)$(CC) -c -Wa,-I$(BUILD) $< -o $@
