/* fuzz_report_date.c: libFuzzer target for the report date parser (a query parameter
 * of GET /api/v1/reports/daily and /runs, and batchctl --date/--from/--to):
 * inspect_parse_date, then, for an accepted date, its day bounds in three zones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/inspect.h"
#include "sys/zoneinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 256)
                return 0;
        char text[257];
        memcpy(text, data, size);
        text[size] = '\0';
        int64_t day = -7;
        struct batch_err err;
        if (inspect_parse_date(text, &day, &err) != 0) {
                if (day != -7 || !err.msg[0]) /* not written on failure; a message */
                        abort();
                return 0;
        }
        /* Accepted text is exactly the canonical form. */
        char back[11];
        if (strcmp(inspect_format_date(day, back), text) != 0)
                abort();
        static const char *const zones[] = {"UTC", "Europe/Berlin", "Australia/Lord_Howe"};
        for (size_t i = 0; i < 3; i++) {
                const struct tz *z;
                if (zoneinfo_get(zones[i], &z, NULL) < 0)
                        abort();
                int64_t s, e;
                inspect_day_bounds(z, day, &s, &e);
                /* A day lasts 23 to 25 hours (Lord Howe: 23.5 to 24.5). */
                if (e - s < 23 * 3600 || e - s > 25 * 3600)
                        abort();
                if (inspect_day_of(z, s) != day || inspect_day_of(z, e - 1) != day)
                        abort();
        }
        return 0;
}
