/* model.c: a tenant's scheduling model from the repository (see model.h). */
#include "ops/model.h"

#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "core/isotime.h"
#include "defs/load.h"

void ops_put_time(struct buf *b, const char *key, int64_t t, const struct tz *z)
{
        char iso[ISO_FORMAT_MAX];
        buf_printf(b, ", \"%s\": ", key);
        if (t == 0 || t == INT64_MAX || t == INT64_MIN)
                buf_puts(b, "null");
        else
                json_put_string(b, iso_format(t, z, iso));
}

int ops_load_model(struct store *s, const char *tenant, struct defset *set,
                   struct sched_model *m, struct batch_err *reterr)
{
        struct store_def_list l;
        int r = store_def_list(s, tenant, NULL, &l, reterr);
        if (r < 0)
                return r;
        struct diag_list diags = {0, NULL};
        memset(set, 0, sizeof(*set));
        for (size_t i = 0; i < l.n && r == 0; i++) {
                char name[512];
                snprintf(name, sizeof(name), "repository:%s/%s/%s", l.items[i].tenant,
                         l.items[i].kind, l.items[i].name);
                if (defs_load_buffer(set, name, l.items[i].spec, strlen(l.items[i].spec),
                                     &diags) < 0)
                        r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        }
        store_def_list_release(&l);
        if (r == 0 && diags.n)
                r = batch_err_set(reterr, BATCH_EFORMAT, diags.items[0].key,
                                  "the stored definitions of tenant %s do not load: %s: %s",
                                  tenant, diags.items[0].pos.file ? diags.items[0].pos.file : "",
                                  diags.items[0].msg);
        diag_list_release(&diags);
        if (r == 0)
                r = sched_model_build(set, tenant, m, reterr);
        if (r < 0)
                defset_release(set);
        return r;
}

