/* fuzz_next_due.c: libFuzzer target for a next_due_api answer (src/core/nextdue.c) in
 * UTC, Europe/Berlin and Australia/Lord_Howe: any bytes give an instant or an error with
 * a message, never a crash or undefined behaviour; an accepted answer parses again to
 * the same instant, with a DST adjustment code of 0, 1 or 2. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/nextdue.h"
#include "sys/zoneinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const zones[] = {"UTC", "Europe/Berlin", "Australia/Lord_Howe"};
        for (size_t i = 0; i < 3; i++) {
                const struct tz *z;
                if (zoneinfo_get(zones[i], &z, NULL) < 0)
                        abort();
                int64_t t = 0, t2 = 0;
                int adjust = -1;
                struct batch_err err = {0};
                if (nextdue_parse((const char *)data, size, z, &t, &adjust, &err) < 0) {
                        if (!err.msg[0])
                                abort();
                        continue;
                }
                /* The same answer parses to the same instant. */
                if (nextdue_parse((const char *)data, size, z, &t2, NULL, &err) < 0 || t != t2)
                        abort();
                if (adjust < 0 || adjust > 2)
                        abort();
        }
        return 0;
}
