/* fuzz_cron.c: libFuzzer target for the cron parser and next/prev search. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cron.h"
#include "core/croninterval.h"
#include "sys/zoneinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct cron c;
        struct batch_err err;
        if (cron_parse(text, &c, &err) == 0) {
                char buf[512];
                cron_explain(&c, buf, sizeof(buf));
                /* The shortest interval: within (0, a day], and no two consecutive fire
                 * times in UTC closer than it. */
                int64_t gap = cron_min_interval(&c);
                if (gap <= 0 || gap > CRON_INTERVAL_DAY)
                        abort();
                int64_t a = 1774740000, b;
                for (int k = 0; k < 16 && cron_next(&c, tz_utc(), a, &b) == 0; k++) {
                        if (k && b - a < gap)
                                abort();
                        a = b;
                }
                static const char *const zones[] = {"UTC", "Europe/Berlin", "Australia/Lord_Howe"};
                for (size_t i = 0; i < 3; i++) {
                        const struct tz *z;
                        if (zoneinfo_get(zones[i], &z, NULL) < 0)
                                abort();
                        int64_t t = 1774740000 - 86400 * 3, n, p;
                        for (int k = 0; k < 4; k++) {
                                if (cron_next(&c, z, t, &n) < 0)
                                        break;
                                if (n <= t)
                                        abort();
                                if (cron_prev(&c, z, n, &p) == 0 && p >= n)
                                        abort();
                                t = n;
                        }
                }
        }
        free(text);
        return 0;
}
