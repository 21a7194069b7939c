/* fuzz_checkpoint.c: libFuzzer target for the SDK's checkpoint text (docs/sdk.md): any
 * text must decode or give BATCH_EFORMAT, never a crash, leak or undefined behaviour;
 * what decodes must encode, and decode again to the same checkpoint. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/sdk-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, const char *b)
{
        return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct sdk_checkpoint a, b;
        struct batch_err err;
        if (sdk_checkpoint_decode(text, &a, &err) == 0) {
                char *again;
                if (sdk_checkpoint_encode(&a, &again) < 0)
                        abort();
                if (sdk_checkpoint_decode(again, &b, &err) < 0 || a.gen != b.gen ||
                    a.done != b.done || strcmp(a.exit, b.exit) || !same(a.reader, b.reader) ||
                    !same(a.writer, b.writer) || !same(a.state, b.state))
                        abort();
                sdk_checkpoint_release(&b);
                sdk_checkpoint_release(&a);
                free(again);
        }
        free(text);
        return 0;
}
