# mk/report.mk: the daily inspection report and the runs figures (docs/report.md).
#   make test-report   tests/report/run.sh: a real SQLite repository seeded through the
#                      store (tests/report/seed.c), the report by batchctl --db, by the
#                      API of a real batchd and by batchctl against it; the .xlsx read
#                      back with openpyxl; the same on a PostgreSQL server the test
#                      starts, compared byte for byte (part of `make test`)

REPORT_SEED := $(BUILD)/tests/report/seed

TEST_EXTRA += test-report

.PHONY: test-report

$(REPORT_SEED): tests/report/seed.c $(BUILD)/libbatchcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(BUILD)/libbatchcore.a $(ALL_LDFLAGS) $(LIBS)

test-report: all test-deps $(REPORT_SEED)
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/report/run.sh

#   make test-report-mail   tests/report/mail.sh: the daily report by e-mail from batchd
#                      under a virtual clock crossing 08:00 tenant time, to a real SMTP
#                      server on 127.0.0.1; the .xlsx attachment read back with openpyxl;
#                      once across restarts, retried after a refusal, catch-up (part of
#                      `make test`)

TEST_EXTRA += test-report-mail

.PHONY: test-report-mail

test-report-mail: all test-deps $(REPORT_SEED)
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/report/mail.sh
