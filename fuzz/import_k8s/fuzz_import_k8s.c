/* fuzz_import_k8s.c: libFuzzer target for the Kubernetes CronJob translator of
 * `batchctl import` (src/import/k8s.c): any bytes as CronJob manifests give jobs and a
 * report, never a crash, leak or undefined behaviour; and every job it makes loads back
 * as a definition (import_check.h). */
#include <stddef.h>
#include <stdint.h>

#include "../import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct import_opts o = {.timezone = size & 1 ? "Europe/Berlin" : NULL};
        import_check(import_k8s, (const char *)data, size, &o);
        return 0;
}
