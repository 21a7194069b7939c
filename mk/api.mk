# mk/api.mk: integration tests of the REST API (tests/api/run.sh): a real batchd on a
# temporary repository, spoken to over HTTP with curl and jq.
#   make test-api       (part of `make test`)

TEST_EXTRA += test-api

.PHONY: test-api

test-api: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/api/run.sh
