# mk/import.mk: `batchctl import` (src/import/, src/cli/cmd-import.c, docs/import.md):
# definitions from a crontab, Quartz's quartz_jobs.xml, Kubernetes CronJobs.
#   make test-import   tests/cli/import.sh: real-looking inputs of each format imported,
#                      compared with definitions written by hand, validated and planned
#                      (part of `make test`)

IMPORT_SRC := $(wildcard src/import/*.c)
LIB_OBJ    += $(IMPORT_SRC:%.c=$(BUILD)/%.o)
# Quartz's XML is read with libxml2 (libxml2-dev, scripts/install-deps.sh); as-needed, so
# that only what calls it (batchctl, the tests) loads it, not batchd.
LIBS       += -Wl,--push-state,--as-needed -lxml2 -Wl,--pop-state
ALL_CFLAGS += -I/usr/include/libxml2

TEST_EXTRA += test-import

.PHONY: test-import

test-import: all test-deps
	@BATCHCTL=$(CURDIR)/$(BUILD)/batchctl tests/cli/import.sh
