/* fuzz_overlay.c: libFuzzer target for per-environment overlays (defs/overlay.h): the
 * input is definitions and an overlay, split at the first NUL byte (no NUL: all
 * definitions, no overlay). Both are loaded, the overlay applied and the result
 * validated. Checks: no crash or sanitizer report, and an overlay never adds or drops a
 * job (it changes jobs the definitions hold, or is refused). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defs/load.h"
#include "defs/overlay.h"
#include "defs/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_jobs(const struct defset *set)
{
        size_t n = 0;
        for (size_t i = 0; i < set->ndocs; i++)
                n += set->docs[i].kind == DEF_JOB;
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        const char *nul = memchr(text, '\0', size);
        size_t n1 = nul ? (size_t)(nul - text) : size;
        struct defset set = {0}, ov = {0};
        struct diag_list diags = {0, NULL};
        if (defs_load_buffer(&set, "defs.yaml", text, n1, &diags) == 0 && nul &&
            defs_load_buffer(&ov, "overlay.yaml", nul + 1, size - n1 - 1, &diags) == 0) {
                size_t jobs = count_jobs(&set);
                if (defs_overlay_apply(&set, &ov, &diags) == 0) {
                        if (count_jobs(&set) != jobs)
                                abort();
                        defs_validate(&set, &diags);
                }
        }
        defset_release(&set);
        defset_release(&ov);
        diag_list_release(&diags);
        return 0;
}
