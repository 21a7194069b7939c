# mk/large.mk: definitions and API answers at their size limits (tests/api/large.sh): a
# real batchd spoken to with curl.
#   make test-large     (part of `make test`)

TEST_EXTRA += test-large

.PHONY: test-large

test-large: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/api/large.sh
