# mk/alerts.mk: alerts raised by batchd and delivered by e-mail and webhook
# (src/daemon/alerts.c, src/core/alertpolicy.c, docs/alerts.md).
#   make test-alerts   tests/daemon/alerts.sh: batchd on a real SQLite file with a virtual
#                      clock, a real SMTP server and webhook receiver on 127.0.0.1
#                      (tests/tools/), part of `make test`

TEST_EXTRA += test-alerts

.PHONY: test-alerts

test-alerts: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/alerts.sh
