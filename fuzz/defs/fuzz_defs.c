/* fuzz_defs.c: libFuzzer target for the definition loader and validator: any bytes
 * must give documents or diagnostics, never a crash, leak or undefined behaviour. A job's
 * node_labels, when set, is labels_parse's canonical text of one label or more. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/labels.h"
#include "defs/load.h"
#include "defs/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct defset set = {0};
        struct diag_list diags = {0, NULL};
        if (defs_load_buffer(&set, "fuzz.yaml", (const char *)data, size, &diags) == 0)
                defs_validate(&set, &diags);
        for (size_t i = 0; i < set.ndocs; i++) {
                const char *nl = set.docs[i].kind == DEF_JOB ? set.docs[i].u.job.node_labels
                                                            : NULL;
                char canon[LABELS_TEXT_MAX];
                struct batch_err err;
                if (nl && (labels_parse(nl, canon, sizeof(canon), &err) < 1 || strcmp(nl, canon)))
                        abort();
        }
        defset_release(&set);
        diag_list_release(&diags);
        return 0;
}
