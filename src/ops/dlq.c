/* dlq.c: dead letters as JSON, and their purge, shared by the REST API and batchctl
 * (see dlq.h). */
#include "ops/dlq.h"

#include <stdio.h>

#include "common/json.h"
#include "core/isotime.h"
#include "ops/page.h"

void ops_put_dead_letter(struct buf *b, const struct store_dead_letter *d)
{
        char t[ISO_FORMAT_MAX];
        buf_printf(b, "{\"id\": %lld, \"instance\": %lld, \"job\": ", (long long)d->id,
                   (long long)d->instance_id);
        json_put_string(b, d->job);
        buf_puts(b, ", \"step\": ");
        json_put_string(b, d->step);
        buf_puts(b, ", \"item\": ");
        json_put_string(b, d->item);
        buf_puts(b, ", \"error\": ");
        json_put_string(b, d->error);
        buf_puts(b, ", \"created_at\": ");
        json_put_string(b, iso_format_utc(d->created_at, t));
        buf_puts(b, "}");
}

int ops_dead_letter_list(struct store *s, const struct store_dead_letter_filter *f,
                         struct buf *b, struct batch_err *reterr)
{
        struct store_dead_letter_list l;
        int r = store_dead_letter_list(s, f, &l, reterr);
        if (r < 0)
                return r;
        unsigned limit = f->limit ? f->limit : 100;
        buf_puts(b, "{\"items\": [");
        for (size_t i = 0; i < l.n; i++) {
                buf_puts(b, i ? ",\n  " : "\n  ");
                ops_put_dead_letter(b, &l.items[i]);
        }
        ops_put_id_page_end(b, l.n, limit, l.n ? l.items[l.n - 1].id : 0);
        store_dead_letter_list_release(&l);
        return 0;
}

int ops_dead_letter_purge(struct store *s, const char *tenant, const char *job,
                          int64_t instance, const char *actor, int64_t now, size_t *ret_n,
                          struct batch_err *reterr)
{
        struct store_dead_letter_filter f = {.tenant = tenant, .job = job,
                                             .instance_id = instance, .limit = 10000};
        size_t purged = 0;
        int rc = store_begin(s, reterr);
        while (rc == 0) {
                struct store_dead_letter_list l;
                if ((rc = store_dead_letter_list(s, &f, &l, reterr)) < 0)
                        break;
                for (size_t i = 0; rc == 0 && i < l.n; i++)
                        rc = store_dead_letter_delete(s, l.items[i].id, reterr);
                purged += l.n;
                size_t n = l.n;
                if (n)
                        f.after_id = l.items[n - 1].id;
                store_dead_letter_list_release(&l);
                if (n < f.limit)
                        break;
        }
        char detail[200];
        snprintf(detail, sizeof(detail), "%zu dead letters (job %s, instance %lld)", purged,
                 job ? job : "any", (long long)instance);
        if (rc == 0 && (rc = store_audit_add(s, now, actor, "dlq-purge", tenant, detail,
                                             reterr)) == 0)
                rc = store_commit(s, reterr);
        if (rc < 0) {
                store_rollback(s);
                return rc;
        }
        *ret_n = purged;
        return 0;
}
