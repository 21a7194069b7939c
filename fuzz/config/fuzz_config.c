/* fuzz_config.c: libFuzzer target for batchd's config file parser (src/daemon/config.c):
 * any bytes must give settings or problems, never a crash, leak or undefined behaviour;
 * a parse without problems sets only values that pass their own check again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cfg_layer l = {0};
        struct cfg_problems p = {0, NULL};
        if (cfg_parse("fuzz.yaml", (const char *)data, size, &l, &p) == 0) {
                char why[400];
                for (int k = 0; k < CFG_NKEYS; k++)
                        if (l.val[k] &&
                            !cfg_check((enum cfg_key)k, l.val[k], true, why, sizeof(why)))
                                abort();
                struct cfg c;
                cfg_merge(NULL, NULL, &l, "fuzz.yaml", &c);
        }
        cfg_layer_release(&l);
        cfg_problems_release(&p);
        return 0;
}
