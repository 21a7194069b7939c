/* routes.c: the API's route table (every route is in docs/api.md and in
 * api/openapi.json; tests/api checks the table against the document) and the
 * operational endpoints: /healthz, /metrics, the OpenAPI document. */
#include <stdio.h>
#include <string.h>

#include "api/metrics.h"
#include "api/request.h"
#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"

const struct api_route api_routes[] = {
        {"GET", "/healthz", ROLE_NONE, api_healthz},
        {"GET", "/metrics", ROLE_VIEWER, api_metrics_text},
        {"GET", "/api/v1/openapi.json", ROLE_NONE, api_openapi},
        {"GET", "/api/v1/whoami", ROLE_VIEWER, api_whoami},
        {"GET", "/api/v1/jobs", ROLE_VIEWER, api_jobs_list},
        {"POST", "/api/v1/jobs", ROLE_ADMIN, api_job_create},
        {"GET", "/api/v1/jobs/{}", ROLE_VIEWER, api_job_get},
        {"PUT", "/api/v1/jobs/{}", ROLE_ADMIN, api_job_replace},
        {"DELETE", "/api/v1/jobs/{}", ROLE_ADMIN, api_job_delete},
        {"GET", "/api/v1/jobs/{}/versions", ROLE_VIEWER, api_job_versions},
        {"POST", "/api/v1/jobs/{}/enable", ROLE_ADMIN, api_job_enable},
        {"POST", "/api/v1/jobs/{}/disable", ROLE_ADMIN, api_job_disable},
        {"POST", "/api/v1/jobs/{}/submit", ROLE_OPERATOR, api_job_submit},
        {"GET", "/api/v1/jobs/{}/why", ROLE_VIEWER, api_job_why},
        {"POST", "/api/v1/impact", ROLE_OPERATOR, api_impact},
        {"GET", "/api/v1/calendars", ROLE_VIEWER, api_calendars_list},
        {"GET", "/api/v1/calendars/{}", ROLE_VIEWER, api_calendar_get},
        {"PUT", "/api/v1/calendars/{}", ROLE_ADMIN, api_calendar_put},
        {"DELETE", "/api/v1/calendars/{}", ROLE_ADMIN, api_calendar_delete},
        {"GET", "/api/v1/settings", ROLE_VIEWER, api_settings_get},
        {"PUT", "/api/v1/settings", ROLE_ADMIN, api_settings_put},
        {"GET", "/api/v1/deps", ROLE_VIEWER, api_deps},
        {"GET", "/api/v1/cron", ROLE_VIEWER, api_cron},
        {"GET", "/api/v1/grid", ROLE_VIEWER, api_grid},
        {"POST", "/api/v1/events/ticket", ROLE_VIEWER, api_events_ticket},
        {"GET", "/api/v1/events", ROLE_NONE, api_events},
        {"GET", "/api/v1/instances", ROLE_VIEWER, api_instances_list},
        {"GET", "/api/v1/instances/{}", ROLE_VIEWER, api_instance_get},
        {"GET", "/api/v1/instances/{}/log", ROLE_VIEWER, api_instance_log},
        {"POST", "/api/v1/instances/{}/stop", ROLE_OPERATOR, api_instance_stop},
        {"POST", "/api/v1/instances/{}/rerun", ROLE_OPERATOR, api_instance_rerun},
        {"POST", "/api/v1/instances/{}/mark-success", ROLE_OPERATOR, api_instance_mark_success},
        {"GET", "/api/v1/dead-letters", ROLE_VIEWER, api_dead_letters_list},
        {"POST", "/api/v1/dead-letters/purge", ROLE_OPERATOR, api_dead_letters_purge},
        {"GET", "/api/v1/reports/daily", ROLE_VIEWER, api_report_daily},
        {"GET", "/api/v1/reports/runs", ROLE_VIEWER, api_report_runs},
        {"GET", "/api/v1/alerts", ROLE_VIEWER, api_alerts_list},
        {"GET", "/api/v1/alerts/{}", ROLE_VIEWER, api_alert_get},
        {"POST", "/api/v1/alerts/{}/ack", ROLE_OPERATOR, api_alert_ack},
        {"GET", "/api/v1/tokens", ROLE_ADMIN, api_tokens_list},
        {"POST", "/api/v1/tokens", ROLE_ADMIN, api_token_create},
        {"DELETE", "/api/v1/tokens/{}", ROLE_ADMIN, api_token_revoke},
        {"GET", "/api/v1/nodes", ROLE_VIEWER, api_nodes_list},
        {"GET", "/api/v1/nodes/{}", ROLE_VIEWER, api_node_get},
        {"POST", "/api/v1/nodes/{}/drain", ROLE_ADMIN, api_node_drain},
        {"POST", "/api/v1/nodes/{}/undrain", ROLE_ADMIN, api_node_undrain},
        {"POST", "/batchRuntime/v2/submitJob", ROLE_OPERATOR, api_legacy_submit},
        /* A remote service's callback: its own per-instance token (routes_remote.c). */
        {"POST", "/api/v1/remote/instances/{}/report", ROLE_NONE, api_remote_report},
        {NULL, NULL, ROLE_NONE, NULL},
};

int api_healthz(struct api_req *r)
{
        struct batch_err err;
        int v;
        if (store_schema_version(r->st, &v, &err) < 0)
                return api_problem(r, 503, "the repository does not answer");
        /* Reads are not enough: the scheduler's last transaction must have committed. */
        int64_t since;
        char msg[256], iso[ISO_FORMAT_MAX];
        if (metrics_repo_degraded(api_metrics(r), &since, msg, sizeof(msg)))
                return api_problem(r, 503, "the repository refuses the scheduler's writes "
                                           "(since %s): %s", iso_format_utc(since, iso), msg);
        /* A node whose clock is off stays healthy (200): it serves the API and runs its
         * runs, and a restart would not fix its clock; it only does not plan, which the
         * status "degraded" and its reason say (docs/api.md). */
        struct batchd_metrics *m = api_metrics(r);
        bool measured = atomic_load(&m->node_measured), skewed = measured &&
                                                                  !atomic_load(&m->node_may_plan);
        double off_s = (double)atomic_load(&m->node_offset_us) / 1e6;
        double max_s = (double)atomic_load(&m->node_max_skew_us) / 1e6;
        api_json(r, 200);
        buf_printf(&r->out, "{\"status\": \"%s\", \"schema_version\": %d",
                   skewed ? "degraded" : "ok", v);
        if (skewed)
                buf_printf(&r->out, ", \"problems\": [\"this node's clock is %.3f s from the "
                                    "database's, more than max_clock_skew %.3f s: it does not "
                                    "plan\"]",
                           off_s, max_s);
        if (m->node_name[0]) {
                buf_puts(&r->out, ", \"node\": {\"name\": ");
                json_put_string(&r->out, m->node_name);
                buf_printf(&r->out, ", \"state\": \"%s\", \"clock_offset_seconds\": ",
                           atomic_load(&m->node_draining) ? "draining" : "active");
                if (measured)
                        buf_printf(&r->out, "%.3f", off_s);
                else
                        buf_puts(&r->out, "null");
                buf_printf(&r->out, ", \"max_clock_skew_seconds\": %.3f, \"may_plan\": %s}",
                           max_s, measured && !skewed ? "true" : "false");
        }
        buf_puts(&r->out, "}\n");
        return 0;
}

static void put_counter(struct buf *b, const char *name, const char *help, const char *type,
                        long long v)
{
        buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, v);
}

int api_metrics_text(struct api_req *r)
{
        struct batchd_metrics *m = api_metrics(r);
        struct buf *b = &r->out;
        /* Instances by state: the live ones, counted in the repository. */
        long long by_state[STATE_X_MAX] = {0};
        struct store_instance_filter f = {.tenant = r->tenant, .state = -1, .limit = 10000,
                                          .live_only = true};
        struct store_instance_list l;
        struct batch_err err;
        for (;;) {
                if (store_instance_list(r->st, &f, &l, &err) < 0)
                        return api_store_problem(r, &err);
                for (size_t i = 0; i < l.n; i++)
                        if (l.items[i].state >= 0 && l.items[i].state < STATE_X_MAX)
                                by_state[l.items[i].state]++;
                size_t n = l.n;
                if (n)
                        f.after_id = l.items[n - 1].id;
                store_instance_list_release(&l);
                if (n < f.limit)
                        break;
        }
        buf_puts(b, "# HELP batchd_instances_live Instances not yet in a final state, by state.\n"
                    "# TYPE batchd_instances_live gauge\n");
        for (int s = 0; s < STATE_X_MAX; s++)
                if (!state_is_final(s))
                        buf_printf(b, "batchd_instances_live{state=\"%s\"} %lld\n", state_name(s),
                                   by_state[s]);
        int64_t since;
        put_counter(b, "batchd_repository_errors_total",
                    "Repository transactions of the scheduler that failed (rolled back).",
                    "counter", (long long)atomic_load(&m->repo_errors));
        put_counter(b, "batchd_repository_degraded",
                    "1 while the scheduler's repository writes fail (GET /healthz says 503).",
                    "gauge", metrics_repo_degraded(m, &since, NULL, 0) ? 1 : 0);
        put_counter(b, "batchd_runs_started_total", "Runs (executions) started.", "counter",
                    (long long)atomic_load(&m->runs_started));
        put_counter(b, "batchd_runs_finished_total", "Runs (executions) that ended.", "counter",
                    (long long)atomic_load(&m->runs_finished));
        put_counter(b, "batchd_runs_active", "Runs going on now.", "gauge",
                    (long long)atomic_load(&m->runs_active));
        put_counter(b, "batchd_queue_depth", "Instances ready to run, waiting for a run slot.",
                    "gauge", (long long)atomic_load(&m->queue_depth));
        metrics_put_histogram(b, "batchd_trigger_latency_seconds",
                              "From an instance's due time (or submit) to its run's start.",
                              &m->trigger_latency);
        metrics_put_histogram(b, "batchd_repository_latency_seconds",
                              "One repository transaction of the scheduler.", &m->repo_latency);
        metrics_put_histogram(b, "batchd_http_request_duration_seconds",
                              "One API request, from its first byte to its answer.",
                              &m->http_latency);
        buf_puts(b, "# HELP batchd_http_requests_total API requests answered, by status class.\n"
                    "# TYPE batchd_http_requests_total counter\n");
        for (int c = 1; c <= 5; c++)
                buf_printf(b, "batchd_http_requests_total{code=\"%dxx\"} %llu\n", c,
                           (unsigned long long)atomic_load(&m->http_requests[c]));
        /* This node (docs/daemon.md, "Nodes"). */
        buf_printf(b, "# HELP batchd_node_clock_offset_seconds This node's clock minus the "
                      "database's, at its last heartbeat.\n"
                      "# TYPE batchd_node_clock_offset_seconds gauge\n"
                      "batchd_node_clock_offset_seconds %.6f\n",
                   (double)atomic_load(&m->node_offset_us) / 1e6);
        buf_printf(b, "# HELP batchd_node_max_clock_skew_seconds The offset beyond which this "
                      "node does not plan (max_clock_skew).\n"
                      "# TYPE batchd_node_max_clock_skew_seconds gauge\n"
                      "batchd_node_max_clock_skew_seconds %.6f\n",
                   (double)atomic_load(&m->node_max_skew_us) / 1e6);
        put_counter(b, "batchd_node_may_plan",
                    "1 while this node's clock is within max_clock_skew of the database's.",
                    "gauge", atomic_load(&m->node_measured) && atomic_load(&m->node_may_plan));
        put_counter(b, "batchd_node_draining",
                    "1 while this node is drained by an operator (starts no new runs).", "gauge",
                    atomic_load(&m->node_draining));
        r->status = 200;
        r->content_type = "text/plain; version=0.0.4; charset=utf-8";
        return 0;
}

/* The OpenAPI document, compiled in from api/openapi.json (build/gen/openapi.c). */
extern const char api_openapi_json[];

int api_openapi(struct api_req *r)
{
        api_json(r, 200);
        buf_puts(&r->out, api_openapi_json);
        return 0;
}
