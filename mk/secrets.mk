# mk/secrets.mk: secret values encrypted at rest (docs/security.md).
#   make test-secrets   tests/daemon/secrets.sh: batchd and batchctl on a real SQLite file
#                       and a throwaway PostgreSQL server (part of `make test`)

TEST_EXTRA += test-secrets

.PHONY: test-secrets

test-secrets: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/secrets.sh
