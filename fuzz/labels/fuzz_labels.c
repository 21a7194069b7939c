/* fuzz_labels.c: libFuzzer target for labels_parse (src/core/labels.c), a node's labels
 * from the config. Checks beyond "no crash": a refusal has a message and leaves the
 * output alone; an accepted text's canonical form parses again to itself with as many
 * labels, and is at most LABELS_TEXT_MAX bytes. */
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
        }
        free(text);
        return 0;
}
