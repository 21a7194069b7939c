/* import_check.h: what the fuzz targets of `batchctl import`'s translators (fuzz/import_*)
 * check beyond "no crash": a translation holds an error or jobs, never both uncounted;
 * each job written in the canonical form (defs_emit_doc) loads back as a definition with
 * no problem and the same name. A violation aborts. */
#ifndef BATCH_FUZZ_IMPORT_CHECK_H
#define BATCH_FUZZ_IMPORT_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "defs/emit.h"
#include "defs/load.h"
#include "import/import.h"

typedef int import_check_fn(const char *file, const char *data, size_t len,
                            const struct import_opts *o, struct import_result *r);

static inline void import_check(import_check_fn *fn, const char *data, size_t size,
                                const struct import_opts *o)
{
        struct import_result r = {0};
        if (fn("fuzz.in", data, size, o, &r) == 0) {
                size_t n = 0;
                for (int k = 0; k < IMPORT_KIND_MAX; k++)
                        n += r.count[k];
                if (n != r.nnotes)
                        abort();
                for (size_t i = 0; i < r.set.ndocs; i++) {
                        struct buf b;
                        buf_init(&b, 0);
                        if (defs_emit_doc(&r.set.docs[i], &b) < 0)
                                abort();
                        struct defset back = {0};
                        struct diag_list diags = {0, NULL};
                        if (defs_load_buffer(&back, "back.yaml", b.data, b.len, &diags) < 0)
                                abort();
                        if (diags.n || back.ndocs != 1 ||
                            strcmp(back.docs[0].u.job.name, r.set.docs[i].u.job.name))
                                abort();
                        defset_release(&back);
                        diag_list_release(&diags);
                        buf_release(&b);
                }
        }
        import_result_release(&r);
}

#endif
