# mk/spawner.mk: the spawner program bdspawn (src/spawner/bdspawn.c with the supervisor
# code), linked with libc only. batchd finds it beside its own executable (here, build/)
# or in ../libexec/batchd/ from it, where `make install` puts it (docs/daemon.md).

SPAWNER_OBJ := $(BUILD)/src/spawner/bdspawn.o $(BUILD)/src/daemon/supervisor.o
ALL_EXTRA   += $(BUILD)/bdspawn
INSTALL_EXTRA += spawner-install
UNINSTALL_EXTRA += spawner-uninstall

.PHONY: spawner-install spawner-uninstall

$(BUILD)/bdspawn: $(SPAWNER_OBJ) $(BUILD)/libbatchcore.a
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(SPAWNER_OBJ) $(BUILD)/libbatchcore.a

spawner-install: $(BUILD)/bdspawn
	install -d $(DESTDIR)$(LIBEXECDIR)/batchd
	install -m 0755 $(BUILD)/bdspawn $(DESTDIR)$(LIBEXECDIR)/batchd/bdspawn

spawner-uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/batchd/bdspawn
	-rmdir $(DESTDIR)$(LIBEXECDIR)/batchd 2>/dev/null
