# mk/envs.mk: issue 23's tenant settings and environments (docs/environments.md).
#   make test-envs   tests/cli/envs.sh (process date in plan, minimum schedule interval,
#                    scheduler user, overlays in plan, batchctl diff) and
#                    tests/daemon/envs.sh (the process date and the scheduler user of real
#                    runs, over the API too; a runtime batchd with an overlay)

TEST_EXTRA += test-envs

.PHONY: test-envs

test-envs: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/envs.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/envs.sh
