/* alerts.c: alerts as JSON and text, their explanation and acknowledgement, shared by
 * the REST API and batchctl (see alerts.h). */
#include "ops/alerts.h"

#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "core/isotime.h"
#include "core/reportdue.h"
#include "ops/page.h"

void ops_put_alert(struct buf *b, const struct store_alert *a)
{
        char t[ISO_FORMAT_MAX];
        buf_printf(b, "{\"id\": %lld, \"tenant\": ", (long long)a->id);
        json_put_string(b, a->tenant);
        buf_puts(b, ", \"job\": ");
        json_put_string(b, a->job);
        if (a->instance_id)
                buf_printf(b, ", \"instance\": %lld", (long long)a->instance_id);
        else
                buf_puts(b, ", \"instance\": null");
        buf_puts(b, ", \"kind\": ");
        json_put_string(b, a->kind);
        buf_puts(b, ", \"severity\": ");
        json_put_string(b, a->severity);
        buf_puts(b, ", \"message\": ");
        json_put_string(b, a->message);
        buf_puts(b, ", \"created_at\": ");
        json_put_string(b, iso_format_utc(a->created_at, t));
        if (a->suppressed_by)
                buf_printf(b, ", \"suppressed_by\": %lld", (long long)a->suppressed_by);
        else
                buf_puts(b, ", \"suppressed_by\": null");
        buf_printf(b, ", \"acknowledged\": %s, \"acknowledged_at\": ",
                   a->acknowledged ? "true" : "false");
        json_put_string(b, a->acknowledged ? iso_format_utc(a->acknowledged_at, t) : NULL);
        buf_puts(b, ", \"acknowledged_by\": ");
        json_put_string(b, a->acknowledged_by);
        buf_puts(b, "}");
}

int ops_alert_list(struct store *s, const struct store_alert_filter *f, struct buf *b,
                   struct batch_err *reterr)
{
        struct store_alert_list l;
        int r = store_alert_find(s, f, &l, reterr);
        if (r < 0)
                return r;
        unsigned limit = f->limit ? f->limit : 100;
        buf_puts(b, "{\"items\": [");
        for (size_t i = 0; i < l.n; i++) {
                buf_puts(b, i ? ",\n  " : "\n  ");
                ops_put_alert(b, &l.items[i]);
        }
        ops_put_id_page_end(b, l.n, limit, l.n ? l.items[l.n - 1].id : 0);
        store_alert_list_release(&l);
        return 0;
}

int ops_alert_get(struct store *s, const char *tenant, int64_t id, struct store_alert *ret,
                  struct store_delivery_list *ret_deliveries, struct batch_err *reterr)
{
        struct store_alert a = {0};
        int r = store_alert_get(s, id, &a, reterr);
        if (r == 0 && strcmp(a.tenant, tenant)) {
                store_alert_release(&a);
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no alert %lld",
                                     (long long)id);
        }
        if (r < 0)
                return r;
        if ((r = store_delivery_list(s, id, ret_deliveries, reterr)) < 0) {
                store_alert_release(&a);
                return r;
        }
        *ret = a;
        return 0;
}

const char *ops_delivery_target(const struct store_delivery *d, char *buf, size_t len)
{
        if (strcmp(d->channel, "webhook")) {
                snprintf(buf, len, "%s", d->target);
                return buf;
        }
        const char *host = strstr(d->target, "://");
        host = host ? host + 3 : d->target;
        size_t n = strcspn(host, "/?#");
        snprintf(buf, len, "%.*s%s", (int)(host - d->target + n), d->target,
                 host[n] ? "/..." : "");
        return buf;
}

void ops_alert_explain(const struct store_alert *a, const struct store_delivery_list *d,
                       struct buf *b)
{
        char t[ISO_FORMAT_MAX], target[300], date[11];
        if (!strcmp(a->kind, REPORTDUE_KIND) && reportdue_date_of(a->message, date))
                buf_printf(b, "the daily inspection report of %s, recorded at %s when the "
                              "tenant's report.time had passed; built when sent (HTML summary "
                              "and .xlsx); a report is not an alert: never suppressed, not held "
                              "by alert pauses\n",
                           date, iso_format_utc(a->created_at, t));
        if (a->suppressed_by)
                buf_printf(b, "not sent: suppressed by alert %lld (the same job and kind "
                              "alerted less than 10 minutes before); counted in the next "
                              "alert of that job and kind that is sent\n",
                           (long long)a->suppressed_by);
        if (d->n == 0)
                buf_puts(b, "not sent: no recipient configured (alerts.email and "
                            "alerts.webhook are empty in the job and in the tenant's "
                            "settings)\n");
        for (size_t i = 0; i < d->n; i++) {
                const struct store_delivery *dv = &d->items[i];
                const char *to = ops_delivery_target(dv, target, sizeof(target));
                const char *how = dv->escalation              ? "escalation e-mail to"
                                  : !strcmp(dv->channel, "email") ? "e-mail to"
                                                                  : "webhook";
                if (!strcmp(dv->state, "sent"))
                        buf_printf(b, "%s %s: sent at %s (attempt %d); the server said: %s\n",
                                   how, to, iso_format_utc(dv->last_attempt_at, t), dv->attempts,
                                   dv->last_answer ? dv->last_answer : "-");
                else if (!strcmp(dv->state, "paused"))
                        buf_printf(b, "%s %s: not sent: held back by the tenant's alert pause "
                                      "(alerts.pause) in effect at %s\n",
                                   how, to, iso_format_utc(a->created_at, t));
                else if (!strcmp(dv->state, "suppressed"))
                        buf_printf(b, "%s %s: not sent: suppressed by alert %lld\n", how, to,
                                   (long long)a->suppressed_by);
                else if (!strcmp(dv->state, "failed"))
                        buf_printf(b, "%s %s: delivery failed, given up after %d attempt(s), "
                                      "the last at %s; the server said: %s\n",
                                   how, to, dv->attempts, iso_format_utc(dv->last_attempt_at, t),
                                   dv->last_answer ? dv->last_answer : "-");
                else if (dv->attempts == 0)
                        buf_printf(b, "%s %s: pending: the first attempt is due at %s\n", how,
                                   to, iso_format_utc(dv->next_attempt_at, t));
                else {
                        char last[ISO_FORMAT_MAX];
                        buf_printf(b, "%s %s: pending: %d attempt(s) failed, the last at %s; "
                                      "the server said: %s; next attempt at %s\n",
                                   how, to, dv->attempts,
                                   iso_format_utc(dv->last_attempt_at, last),
                                   dv->last_answer ? dv->last_answer : "-",
                                   iso_format_utc(dv->next_attempt_at, t));
                }
        }
}

void ops_put_alert_detail(struct buf *b, const struct store_alert *a,
                          const struct store_delivery_list *d, bool explain)
{
        char t[ISO_FORMAT_MAX], target[300];
        ops_put_alert(b, a);
        if (b->len && b->data[b->len - 1] == '}') /* reopen the object: drop its '}' */
                b->data[--b->len] = '\0';
        buf_puts(b, ", \"deliveries\": [");
        for (size_t i = 0; i < d->n; i++) {
                const struct store_delivery *dv = &d->items[i];
                buf_printf(b, "%s{\"id\": %lld, \"channel\": ", i ? ", " : "",
                           (long long)dv->id);
                json_put_string(b, dv->channel);
                buf_puts(b, ", \"target\": ");
                json_put_string(b, ops_delivery_target(dv, target, sizeof(target)));
                buf_puts(b, ", \"state\": ");
                json_put_string(b, dv->state);
                buf_printf(b, ", \"attempts\": %d, \"last_attempt_at\": ", dv->attempts);
                json_put_string(b, dv->last_attempt_at ? iso_format_utc(dv->last_attempt_at, t)
                                                       : NULL);
                buf_puts(b, ", \"next_attempt_at\": ");
                json_put_string(b, dv->next_attempt_at && !strcmp(dv->state, "pending")
                                           ? iso_format_utc(dv->next_attempt_at, t)
                                           : NULL);
                buf_puts(b, ", \"last_answer\": ");
                json_put_string(b, dv->last_answer);
                buf_puts(b, ", \"message_id\": ");
                json_put_string(b, dv->message_id);
                buf_printf(b, ", \"escalation\": %s}", dv->escalation ? "true" : "false");
        }
        buf_puts(b, "]");
        if (explain) {
                struct buf e;
                buf_init(&e, 0);
                ops_alert_explain(a, d, &e);
                buf_puts(b, ", \"explain\": [");
                bool first = true;
                for (char *line = e.data; line && *line;) {
                        char *nl = strchr(line, '\n');
                        if (nl)
                                *nl = '\0';
                        buf_puts(b, first ? "" : ", ");
                        json_put_string(b, line);
                        first = false;
                        line = nl ? nl + 1 : NULL;
                }
                buf_puts(b, "]");
                buf_release(&e);
        }
        buf_puts(b, "}");
}

int ops_alert_ack(struct store *s, const char *tenant, int64_t id, const char *actor,
                  int64_t now, struct batch_err *reterr)
{
        int r = store_begin(s, reterr);
        if (r < 0)
                return r;
        struct store_alert a = {0};
        if ((r = store_alert_get(s, id, &a, reterr)) == 0 && strcmp(a.tenant, tenant))
                r = batch_err_set(reterr, BATCH_ENOENT, "id", "no alert %lld", (long long)id);
        store_alert_release(&a);
        char object[64];
        snprintf(object, sizeof(object), "alert %lld", (long long)id);
        if (r == 0)
                r = store_alert_ack(s, id, actor, now, reterr);
        if (r == 0)
                r = store_audit_add(s, now, actor, "alert-ack", object, NULL, reterr);
        if (r == 0)
                r = store_commit(s, reterr);
        if (r < 0)
                store_rollback(s);
        return r;
}
