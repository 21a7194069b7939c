# mk/ops.mk: operating batchd as people expect (issue 19).
#   make test-first-run   `make run` as a newcomer meets it (tests/cli/firstrun.sh; part of
#                         `make test`)
#   make test-output      every read command x -o table|wide|json|yaml, local and remote
#                         (tests/cli/output.sh; part of `make test`)

#   make test-db          batchctl db backup|restore|vacuum (tests/cli/db.sh; part of
#                         `make test`)

#   make test-retention   a year of history purged while batchd runs
#                         (tests/daemon/retention.sh; part of `make test`)

#   make test-config      batchd's config file: bad files, precedence, a real daemon,
#                         SIGHUP with a changed and an invalid file (tests/daemon/config.sh;
#                         part of `make test`)
#   make test-logformat   the log as JSON and as text: a real daemon's runs, SIGHUP from one
#                         to the other, precedence, bad values (tests/daemon/logformat.sh;
#                         part of `make test`)

#   make man              batchctl(1), batchd(8) and batchd.yaml(5) from the --help texts
#                         and `batchd config keys` into build/man/
#   make test-man         the pages render (man -l), the bash and zsh completions work
#                         (tests/cli/manpages.sh; part of `make test`)
# make install adds the pages, the bash and zsh completions, and the example config file
# $(SYSCONFDIR)/batchd/batchd.yaml unless one is there (make uninstall leaves it).

MANDIR    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
MAN_PAGES := $(BUILD)/man/batchctl.1 $(BUILD)/man/batchd.8 $(BUILD)/man/batchd.yaml.5

TEST_EXTRA += test-first-run test-output test-db test-retention test-man test-config \
              test-logformat
ALL_EXTRA += man
INSTALL_EXTRA += ops-install
UNINSTALL_EXTRA += ops-uninstall

.PHONY: test-first-run test-output test-db test-retention test-man test-config test-logformat man ops-install ops-uninstall

man: $(MAN_PAGES)

$(MAN_PAGES) &: $(BUILD)/batchctl $(BUILD)/batchd scripts/gen-man.sh
	$(Q)scripts/gen-man.sh $(BUILD) $(BUILD)/man $(VERSION)

test-man: man test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/manpages.sh $(CURDIR)/$(BUILD)/man

ops-install: man
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 $(BUILD)/man/batchctl.1 $(DESTDIR)$(MANDIR)/man1/batchctl.1
	install -m 0644 $(BUILD)/man/batchd.8 $(DESTDIR)$(MANDIR)/man8/batchd.8
	install -m 0644 $(BUILD)/man/batchd.yaml.5 $(DESTDIR)$(MANDIR)/man5/batchd.yaml.5
	install -m 0644 packaging/batchctl.bash $(DESTDIR)$(BASHCOMPDIR)/batchctl
	install -m 0644 packaging/_batchctl $(DESTDIR)$(ZSHCOMPDIR)/_batchctl
	install -d $(DESTDIR)$(SYSCONFDIR)/batchd
	[ -e $(DESTDIR)$(SYSCONFDIR)/batchd/batchd.yaml ] || \
		install -m 0644 packaging/batchd.yaml $(DESTDIR)$(SYSCONFDIR)/batchd/batchd.yaml

ops-uninstall:
	rm -f $(DESTDIR)$(MANDIR)/man1/batchctl.1 $(DESTDIR)$(MANDIR)/man8/batchd.8 \
		$(DESTDIR)$(MANDIR)/man5/batchd.yaml.5 \
		$(DESTDIR)$(BASHCOMPDIR)/batchctl $(DESTDIR)$(ZSHCOMPDIR)/_batchctl

test-config: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/config.sh

test-logformat: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/logformat.sh

test-retention: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/retention.sh

test-db: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/db.sh

test-output: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/output.sh

test-first-run: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/firstrun.sh
