/* fuzz_acceptenc.c: libFuzzer target for acceptenc_gzip (src/common/acceptenc.c), bytes
 * as an Accept-Encoding value. Checks beyond "no crash": an accepted value names "gzip"
 * or "*" (any case); the first element naming gzip decides, so the value after
 * "gzip;q=0, " is never accepted and after "gzip, " always is. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/acceptenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        char *text = malloc(size + 16);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (acceptenc_gzip(text) && !strcasestr(text, "gzip") && !strchr(text, '*'))
                abort();
        size_t len = strlen(text);
        memmove(text + 10, text, len + 1);
        memcpy(text, "gzip;q=0, ", 10);
        if (acceptenc_gzip(text))
                abort();
        memmove(text + 6, text + 10, len + 1);
        memcpy(text, "gzip, ", 6);
        if (!acceptenc_gzip(text))
                abort();
        free(text);
        return 0;
}
