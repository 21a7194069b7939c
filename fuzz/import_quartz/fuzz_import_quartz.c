/* fuzz_import_quartz.c: libFuzzer target for the Quartz translator of `batchctl import`
 * (src/import/quartz.c, quartzcron.c): any bytes as a quartz_jobs.xml give jobs and a
 * report, never a crash, leak or undefined behaviour; and every job it makes loads back
 * as a definition (import_check.h). */
#include <stddef.h>
#include <stdint.h>

#include "../import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct import_opts o = {.timezone = size & 1 ? "Europe/Berlin" : NULL,
                                .service = "http://127.0.0.1:8080"};
        import_check(import_quartz, (const char *)data, size, &o);
        return 0;
}
