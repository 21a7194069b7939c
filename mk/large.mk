# mk/large.mk: definitions, reports and API answers at their size limits
# (tests/api/large.sh).
#   make test-large       the definitions and the report through batchctl (part of `make test`)
#   make test-large-api   the same and the API's answers of 30-75 MB from a real batchd: its
#                         API threads run at nice 19, so run it on an unloaded machine

TEST_EXTRA += test-large

.PHONY: test-large test-large-api

test-large: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/api/large.sh

test-large-api: all test-deps
	@LARGE_API=1 BUILD_DIR=$(CURDIR)/$(BUILD) tests/api/large.sh
