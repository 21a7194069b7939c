# mk/ops.mk: operating batchd as people expect (issue 19).
#   make test-first-run   `make run` as a newcomer meets it (tests/cli/firstrun.sh; part of
#                         `make test`)
#   make test-output      every read command x -o table|wide|json|yaml, local and remote
#                         (tests/cli/output.sh; part of `make test`)

#   make test-db          batchctl db backup|restore|vacuum (tests/cli/db.sh; part of
#                         `make test`)

#   make test-retention   a year of history purged while batchd runs
#                         (tests/daemon/retention.sh; part of `make test`)

TEST_EXTRA += test-first-run test-output test-db test-retention

.PHONY: test-first-run test-output test-db test-retention

test-retention: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/retention.sh

test-db: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/db.sh

test-output: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/output.sh

test-first-run: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/firstrun.sh
