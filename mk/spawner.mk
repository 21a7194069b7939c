# mk/spawner.mk: the spawner program bdspawn (src/spawner/bdspawn.c with the supervisor
# code), linked static with libc only. batchd finds it beside its own executable (here, build/)
# or in ../libexec/batchd/ from it, where `make install` puts it (docs/daemon.md).

SPAWNER_OBJ := $(BUILD)/src/spawner/bdspawn.o $(BUILD)/src/daemon/supervisor.o
ALL_EXTRA   += $(BUILD)/bdspawn
INSTALL_EXTRA += spawner-install
UNINSTALL_EXTRA += spawner-uninstall

.PHONY: spawner-install spawner-uninstall

# Linked static (libc.a only), as a position-independent executable so that it keeps
# address randomisation: a fork of a static image copies and tears down fewer mappings,
# and each run is one such fork (docs/performance.md). The job's user is looked up by
# batchd (src/daemon/runuser.c), so nothing here needs the name service (NSS), which a
# static glibc cannot load safely; the link fails if a call to it slips in. The
# sanitizers' runtimes cannot be linked static: a SANITIZE build links it as before.
SPAWNER_STATIC := $(if $(SANITIZE),,-static-pie -Wl,--fatal-warnings)

$(BUILD)/bdspawn: $(SPAWNER_OBJ) $(BUILD)/libbatchcore.a
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $(SPAWNER_STATIC) -o $@ $(SPAWNER_OBJ) $(BUILD)/libbatchcore.a

spawner-install: $(BUILD)/bdspawn
	install -d $(DESTDIR)$(LIBEXECDIR)/batchd
	install -m 0755 $(BUILD)/bdspawn $(DESTDIR)$(LIBEXECDIR)/batchd/bdspawn

spawner-uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/batchd/bdspawn
	-rmdir $(DESTDIR)$(LIBEXECDIR)/batchd 2>/dev/null
