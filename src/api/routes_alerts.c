/* routes_alerts.c: the alerts batchd raised (docs/alerts.md): list with filters, one
 * alert with its deliveries (and ?explain=true: why it was or was not delivered), and
 * acknowledging one, audited. */
#include <string.h>

#include "api/request.h"
#include "ops/alerts.h"

int api_alerts_list(struct api_req *r)
{
        static const char *const known[] = {"job",   "kind",   "severity", "unacknowledged",
                                            "limit", "cursor", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        struct store_alert_filter f = {.tenant = r->tenant, .job = api_query(r, "job"),
                                       .kind = api_query(r, "kind"),
                                       .severity = api_query(r, "severity"), .limit = 100};
        const char *v;
        if (f.severity && strcmp(f.severity, "critical") && strcmp(f.severity, "warning") &&
            strcmp(f.severity, "info"))
                return api_problem(r, 400, "severity=\"%s\" is not critical, warning or info",
                                   f.severity);
        if ((v = api_query(r, "unacknowledged"))) {
                if (strcmp(v, "true") && strcmp(v, "false"))
                        return api_problem(r, 400, "unacknowledged=\"%s\" is not true or false",
                                           v);
                f.unacknowledged_only = !strcmp(v, "true");
        }
        if (api_query_uint(r, "limit", 1000, &f.limit) < 0)
                return -1;
        if ((v = api_query(r, "cursor")) && !api_parse_id(v, &f.before_id))
                return api_problem(r, 400, "cursor=\"%s\" is not a cursor this API gave", v);
        struct batch_err err;
        api_json(r, 200);
        if (ops_alert_list(r->st, &f, &r->out, &err) < 0)
                return api_store_problem(r, &err);
        return 0;
}

static int alert_id(struct api_req *r, int64_t *ret)
{
        if (!api_parse_id(r->args[0], ret))
                return api_problem(r, 400, "\"%s\" is not an alert id", r->args[0]);
        return 0;
}

int api_alert_get(struct api_req *r)
{
        static const char *const known[] = {"explain", NULL};
        int64_t id;
        if (api_check_query(r, known) < 0 || alert_id(r, &id) < 0)
                return -1;
        const char *v = api_query(r, "explain");
        if (v && strcmp(v, "true") && strcmp(v, "false"))
                return api_problem(r, 400, "explain=\"%s\" is not true or false", v);
        struct store_alert a;
        struct store_delivery_list d;
        struct batch_err err;
        if (ops_alert_get(r->st, r->tenant, id, &a, &d, &err) < 0)
                return api_store_problem(r, &err);
        api_json(r, 200);
        ops_put_alert_detail(&r->out, &a, &d, v && !strcmp(v, "true"));
        buf_puts(&r->out, "\n");
        store_alert_release(&a);
        store_delivery_list_release(&d);
        return 0;
}

int api_alert_ack(struct api_req *r)
{
        int64_t id;
        json_t *body;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 || alert_id(r, &id) < 0 ||
            api_body_object(r, (const char *const[]){NULL}, true, &body) < 0)
                return -1;
        json_decref(body);
        struct batch_err err;
        if (ops_alert_ack(r->st, r->tenant, id, r->actor, api_now(r), &err) < 0)
                return api_store_problem(r, &err);
        struct store_alert a;
        struct store_delivery_list d;
        if (ops_alert_get(r->st, r->tenant, id, &a, &d, &err) < 0)
                return api_store_problem(r, &err);
        api_json(r, 200);
        ops_put_alert(&r->out, &a);
        buf_puts(&r->out, "\n");
        store_alert_release(&a);
        store_delivery_list_release(&d);
        return 0;
}
