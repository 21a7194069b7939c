/* fuzz_defs.c: libFuzzer target for the definition loader and validator: any bytes
 * must give documents or diagnostics, never a crash, leak or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>

#include "defs/load.h"
#include "defs/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct defset set = {0};
        struct diag_list diags = {0, NULL};
        if (defs_load_buffer(&set, "fuzz.yaml", (const char *)data, size, &diags) == 0)
                defs_validate(&set, &diags);
        defset_release(&set);
        diag_list_release(&diags);
        return 0;
}
