# mk/why.mk: integration tests of `why` and of the impact of a change (issue 24,
# tests/api/why.sh): a real batchd on a virtual clock, spoken to with curl and batchctl.
#   make test-why       (part of `make test`)

TEST_EXTRA += test-why

.PHONY: test-why

test-why: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/api/why.sh
