/* fuzz_api_body.c: libFuzzer target for the API's request bodies: any bytes must give
 * an object or a message, never a crash, leak or undefined behaviour; a submit body
 * ({"params": {...}}) that is accepted must give parameter text that the repository's
 * parameter parser reads back with the same number of parameters. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "api/body.h"
#include "defs/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const fields[] = {"params", NULL};
        char msg[512];
        json_t *body;
        if (api_parse_object((const char *)data, size, fields, &body, msg, sizeof(msg)) < 0)
                return 0;
        json_t *p = json_object_get(body, "params");
        if (p && json_is_object(p)) {
                struct buf text;
                buf_init(&text, 0);
                if (api_params_text(p, &text, msg, sizeof(msg)) == 0) {
                        struct def_map m = {0, NULL, NULL};
                        struct batch_err err;
                        if (params_parse(text.data, &m, &err) < 0 || m.n != json_object_size(p))
                                abort();
                        def_map_release(&m);
                }
                buf_release(&text);
        }
        json_decref(body);
        return 0;
}
