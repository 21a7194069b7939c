# mk/ops.mk: operating batchd as people expect (issue 19).
#   make test-first-run   `make run` as a newcomer meets it (tests/cli/firstrun.sh; part of
#                         `make test`)

TEST_EXTRA += test-first-run

.PHONY: test-first-run

test-first-run: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/firstrun.sh
