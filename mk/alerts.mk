# mk/alerts.mk: alerts raised by batchd and delivered by e-mail and webhook
# (src/daemon/alerts.c, src/core/alertpolicy.c, docs/alerts.md).
#   make test-alerts   tests/daemon/alerts.sh: batchd on a real SQLite file with a virtual
#                      clock, a real SMTP server and webhook receiver on 127.0.0.1
#                      (tests/tools/) and the SDK example customer_import for a partial
#                      data failure, part of `make test`

TEST_EXTRA += test-alerts

.PHONY: test-alerts

test-alerts: all test-deps $(BUILD)/sdk/examples/customer_import
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/alerts.sh
