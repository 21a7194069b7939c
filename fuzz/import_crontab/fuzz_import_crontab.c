/* fuzz_import_crontab.c: libFuzzer target for the crontab translator of `batchctl
 * import` (src/import/crontab.c): any bytes give jobs and a report, never a crash, leak
 * or undefined behaviour; and every job it makes, written in the canonical form, loads
 * back as a definition without a problem (import_check.h). */
#include <stddef.h>
#include <stdint.h>

#include "../import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct import_opts o = {.timezone = size & 1 ? "Europe/Berlin" : NULL,
                                .system_crontab = size & 2};
        import_check(import_crontab, (const char *)data, size, &o);
        return 0;
}
