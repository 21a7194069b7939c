/* fuzz_import_spring_time.c: libFuzzer target for the one parser of Spring Batch's job
 * repository rows in `batchctl import spring-batch` (src/import/springbatch.c): any bytes
 * as a timestamp column, read in UTC, Europe/Berlin and Australia/Lord_Howe. Beyond "no
 * crash": an accepted text gives an instant from 1970 to year 10000, the same in every
 * zone for a count of milliseconds, and within 14 hours of its UTC reading otherwise; a
 * refusal leaves the result alone. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/springbatch.h"
#include "sys/zoneinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const zones[] = {"Europe/Berlin", "Australia/Lord_Howe"};
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        int64_t utc = -7, t;
        int r = import_spring_time(text, tz_utc(), &utc);
        if (r < 0 && utc != -7)
                abort();
        if (r == 0 && (utc < 0 || utc > 253402300800LL))
                abort();
        for (size_t i = 0; i < 2; i++) {
                const struct tz *z;
                if (zoneinfo_get(zones[i], &z, NULL) < 0)
                        continue;
                t = -7;
                int rz = import_spring_time(text, z, &t);
                if (rz != r)
                        abort();
                if (r == 0 && text[strspn(text, "0123456789")] == 0 && t != utc)
                        abort();
                if (r == 0 && (t - utc > 14 * 3600 || utc - t > 14 * 3600))
                        abort();
        }
        free(text);
        return 0;
}
