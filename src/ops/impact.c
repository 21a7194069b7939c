/* impact.c: the impact document (see impact.h). */
#include "ops/impact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "core/impact.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "defs/load.h"
#include "ops/model.h"
#include "sched/model.h"

static void put_row(struct buf *b, const char *key, const struct sim_result *res,
                    const struct sim_row *r, const struct tz *z)
{
        buf_printf(b, ", \"%s\": ", key);
        if (!r) {
                buf_puts(b, "null");
                return;
        }
        buf_printf(b, "{\"state\": %d, \"state_name\": ", r->state);
        json_put_string(b, state_name(r->state));
        ops_put_time(b, "start", r->start, z);
        ops_put_time(b, "end", r->end, z);
        buf_puts(b, ", \"reason\": ");
        if (r->reason[0])
                json_put_string(b, r->reason);
        else
                buf_puts(b, "null");
        buf_puts(b, ", \"waited_for\": ");
        const struct sim_wait *w = sim_row_wait(res, r);
        if (w)
                json_put_string(b, w->reason);
        else
                buf_puts(b, "null");
        buf_puts(b, "}");
}

int ops_impact(const struct defset *before, const struct defset *after, const char *tenant,
               int64_t from_real, int days, struct buf *out, struct batch_err *reterr)
{
        if (days < 1 || days > OPS_IMPACT_DAYS_MAX)
                return batch_err_set(reterr, BATCH_ERANGE, "impact",
                                     "impact: %d days is not in 1..%d", days, OPS_IMPACT_DAYS_MAX);
        tenant = tenant ? tenant : "default";
        struct sched_model mb = {0}, ma = {0};
        struct impact im = {0};
        int rc = sched_model_build(before, tenant, &mb, reterr);
        if (rc == 0)
                rc = sched_model_build(after, tenant, &ma, reterr);
        /* Each side on its tenant's scheduling clock (DESIGN §2.2). */
        struct impact_input ib = {mb.jobs, mb.njobs, &mb.tenant,
                                  offset_to_scheduling(&mb.offset, from_real), 0};
        struct impact_input ia = {ma.jobs, ma.njobs, &ma.tenant,
                                  offset_to_scheduling(&ma.offset, from_real), 0};
        ib.to = ib.from + (int64_t)days * 86400;
        ia.to = ia.from + (int64_t)days * 86400;
        if (rc == 0 && (rc = impact_run(&ib, &ia, &im)) < 0)
                batch_err_set(reterr, rc, NULL, "out of memory");
        if (rc == 0) {
                const struct tz *z = ma.tenant.zone ? ma.tenant.zone : tz_utc();
                buf_puts(out, "{\"tenant\": ");
                json_put_string(out, tenant);
                ops_put_time(out, "from", ia.from, z);
                ops_put_time(out, "to", ia.to, z);
                buf_printf(out, ", \"days\": %d, \"jobs_affected\": %zu, \"jobs_simulated\": "
                                "%zu, \"counts\": {",
                           days, im.affected,
                           im.simulated_before > im.simulated_after ? im.simulated_before
                                                                    : im.simulated_after);
                for (int k = 0; k < IMPACT_X_MAX; k++)
                        buf_printf(out, "%s\"%s\": %zu", k ? ", " : "",
                                   impact_kind_name((enum impact_kind)k), im.count[k]);
                buf_puts(out, "}, \"items\": [");
                for (size_t i = 0; i < im.n; i++) {
                        const struct impact_change *c = &im.items[i];
                        buf_puts(out, i ? ",\n  {\"kind\": " : "\n  {\"kind\": ");
                        json_put_string(out, impact_kind_name(c->kind));
                        buf_puts(out, ", \"job\": ");
                        json_put_string(out, c->job);
                        ops_put_time(out, "due", c->due, z);
                        put_row(out, "before", &im.before, c->before, z);
                        put_row(out, "after", &im.after, c->after, z);
                        buf_puts(out, "}");
                }
                buf_puts(out, im.n ? "\n], \"next_cursor\": null}\n" : "], \"next_cursor\": null}\n");
        }
        impact_release(&im);
        sched_model_release(&ma);
        sched_model_release(&mb);
        return rc;
}

/* Loads the stored definitions (the current ones) into *set. */
static int load_stored(const struct store_def_list *l, struct defset *set,
                       struct batch_err *reterr)
{
        struct diag_list diags = {0, NULL};
        int rc = 0;
        for (size_t i = 0; i < l->n && rc == 0; i++) {
                if (!l->items[i].spec)
                        continue;
                char name[512];
                snprintf(name, sizeof(name), "repository:%s/%s/%s", l->items[i].tenant,
                         l->items[i].kind, l->items[i].name);
                if (defs_load_buffer(set, name, l->items[i].spec, strlen(l->items[i].spec),
                                     &diags) < 0)
                        rc = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        }
        if (rc == 0 && diags.n)
                rc = batch_err_set(reterr, BATCH_EFORMAT, diags.items[0].key,
                                   "a stored definition does not load: %s: %s",
                                   diags.items[0].pos.file ? diags.items[0].pos.file : "",
                                   diags.items[0].msg);
        diag_list_release(&diags);
        return rc;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ops_impact_apply(const struct defs_apply *a, int64_t from_real, int days, struct buf *out,
                     struct batch_err *reterr)
{
        struct defset before = {0};
        const char **tenants = calloc(a->n ? a->n : 1, sizeof(*tenants));
        if (!tenants)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        int rc = load_stored(&a->stored, &before, reterr);
        buf_puts(out, "{\"changes\": [");
        size_t nt = 0;
        for (size_t i = 0; i < a->n; i++) {
                const struct defs_change *c = &a->changes[i];
                buf_puts(out, i ? ",\n  {\"what\": " : "\n  {\"what\": ");
                json_put_string(out, defs_change_name(c->what));
                buf_puts(out, ", \"kind\": ");
                json_put_string(out, c->kind);
                buf_puts(out, ", \"tenant\": ");
                json_put_string(out, c->tenant);
                buf_puts(out, ", \"name\": ");
                json_put_string(out, c->name);
                buf_puts(out, ", \"keys\": ");
                if (c->what == DEFS_CHANGED)
                        json_put_string(out, c->keys);
                else
                        buf_puts(out, "null");
                buf_puts(out, "}");
                if (c->what != DEFS_UNCHANGED)
                        tenants[nt++] = c->tenant;
        }
        buf_puts(out, a->n ? "\n], \"impact\": [" : "], \"impact\": [");
        qsort(tenants, nt, sizeof(*tenants), cmp_str);
        for (size_t i = 0; i < nt && rc == 0; i++) {
                if (i && !strcmp(tenants[i], tenants[i - 1]))
                        continue;
                if (i)
                        buf_puts(out, ",\n");
                rc = ops_impact(&before, &a->set, tenants[i], from_real, days, out, reterr);
                if (rc == 0 && out->len && out->data[out->len - 1] == '\n')
                        out->data[--out->len] = '\0';
        }
        buf_puts(out, "]}\n");
        free(tenants);
        defset_release(&before);
        return rc;
}
