# mk/cli-remote.mk: batchctl as a client of batchd's REST API (docs/cli.md).
#   make test-cli-remote   starts a daemon on a free port and runs tests/cli/remote.sh
#                          (part of `make test`)

TEST_EXTRA += test-cli-remote

.PHONY: test-cli-remote

test-cli-remote: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl BATCHD=$(CURDIR)/$(BUILD)/batchd tests/cli/remote.sh
