/* fuzz_params.c: libFuzzer target for instance parameters (a flat JSON object of
 * strings, as `batchctl submit -p` and the API store them): any bytes must parse or give
 * an error, and what parses must format and parse back to the same map. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defs/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct def_map m, again;
        if (params_parse(text, &m, NULL) == 0) {
                struct buf b;
                buf_init(&b, 0);
                params_format(&m, &b);
                if (!b.err && params_parse(b.data, &again, NULL) == 0) {
                        if (again.n != m.n)
                                abort();
                        for (size_t i = 0; i < m.n; i++)
                                if (strcmp(m.keys[i], again.keys[i]) ||
                                    strcmp(m.vals[i], again.vals[i]))
                                        abort();
                        def_map_release(&again);
                }
                buf_release(&b);
                def_map_release(&m);
        }
        free(text);
        return 0;
}
