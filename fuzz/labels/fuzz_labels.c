/* fuzz_labels.c: libFuzzer target for labels_parse (src/core/labels.c), a node's labels
 * from the config. Checks beyond "no crash": a refusal has a message and leaves the
 * output alone; an accepted text's canonical form parses again to itself with as many
 * labels, and is at most LABELS_TEXT_MAX bytes. labels_cover on it: it covers itself and
 * no label, and each of its labels alone; it is covered by nothing less than itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/labels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 16384)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        char once[LABELS_TEXT_MAX], twice[LABELS_TEXT_MAX];
        memset(once, 'x', sizeof(once));
        struct batch_err err = {0};
        int n = labels_parse(text, once, sizeof(once), &err);
        if (n < 0) {
                if (!err.msg[0] || once[0] != 'x')
                        abort();
        } else {
                if (strlen(once) >= LABELS_TEXT_MAX)
                        abort();
                if (labels_parse(once, twice, sizeof(twice), &err) != n || strcmp(once, twice))
                        abort();
                if (!labels_cover(once, once) || !labels_cover(once, "") ||
                    !labels_cover(once, NULL) || labels_cover("", once) != (n == 0))
                        abort();
                /* Each label alone is covered; dropping the first label from `have`
                 * uncovers `once` (labels are distinct). */
                const char *comma = strchr(once, ',');
                if (n > 0) {
                        size_t first = comma ? (size_t)(comma - once) : strlen(once);
                        memcpy(twice, once, first);
                        twice[first] = '\0';
                        if (!labels_cover(once, twice))
                                abort();
                        if (labels_cover(comma ? comma + 1 : "", once))
                                abort();
                }
        }
        free(text);
        return 0;
}
