/* request.h: what an API handler sees of a request and how it answers (internal to
 * src/api). Handlers fill `out` and `status`, or call api_problem; they never touch
 * libmicrohttpd except through these functions. */
#ifndef BATCH_API_REQUEST_H
#define BATCH_API_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/err.h"
#include "store/store.h"

struct MHD_Connection;
struct MHD_Response;
struct api;

enum api_role { ROLE_NONE = 0, ROLE_VIEWER = 1, ROLE_OPERATOR = 2, ROLE_ADMIN = 3 };

#define API_MAX_ARGS 2

struct api_req {
        struct api *api;
        struct MHD_Connection *conn;
        const char *method;
        const char *path;
        char args[API_MAX_ARGS][256];   /* the {} segments of the route, in order */
        const char *body;               /* NUL-terminated; NULL when none */
        size_t body_len;
        struct store *st;               /* a repository connection for this request */
        /* The caller, from the bearer token (routes without auth: tenant "default"). */
        const char *tenant;
        enum api_role role;
        char actor[160];                /* "token:<name>" for the audit log */
        /* The answer. */
        int status;
        struct buf out;
        const char *content_type;
        struct MHD_Response *stream;    /* instead of out: a streamed body */
        const char *cache_control;      /* NULL: "no-store" (every API answer) */
        char etag[24];                  /* set by the server on a GET's 200 (see server.c) */
        char allow[128];                /* Allow header for 405 */
        bool vary_lang;                 /* the answer depends on Accept-Language (api_lang) */
        bool vary_encoding;             /* the answer depends on Accept-Encoding (the UI) */
        const char *content_encoding;   /* "gzip" when out is compressed; NULL: identity */
};

/* The time to stamp submits and requests with, Unix seconds: batchd's clock (real or
 * virtual, docs/daemon.md), so that an instance's history is on one clock. */
int64_t api_now(const struct api_req *r);

/* A request header's value, or NULL. */
const char *api_header(struct api_req *r, const char *name);

/* The request's Accept-Language (NULL when none), for display names; marks the answer
 * as varying by it (a `Vary: Accept-Language` header). */
const char *api_lang(struct api_req *r);

/* A query parameter (decoded), or NULL. */
const char *api_query(struct api_req *r, const char *key);

/* Parses a positive decimal id (a path segment or a cursor); false if it is not one. */
bool api_parse_id(const char *text, int64_t *ret);

/* Reads query parameter `key` as an integer 1..max into *ret (unchanged when absent).
 * Returns 0, or -1 with a 400 problem set. */
int api_query_uint(struct api_req *r, const char *key, unsigned max, unsigned *ret);

/* Rejects query parameters other than the NULL-terminated `known` list with 400;
 * returns 0 when all are known, else -1 (the problem is set). */
int api_check_query(struct api_req *r, const char *const *known);

/* Answers with an application/problem+json body (RFC 9457): title from the status,
 * detail formatted like printf. Returns -1 so handlers can `return api_problem(...)`. */
int api_problem(struct api_req *r, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* api_problem with further members (JSON text such as `"errors": [...]`) after the
 * standard ones. Returns -1. */
int api_problem_members(struct api_req *r, int status, const char *members, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

/* Answers with the problem matching a store error: ENOENT 404, EEXIST 409, ESTALE 409,
 * EINVAL/ESYNTAX/EFORMAT/ERANGE 400, otherwise 500 (message logged, not shown). */
int api_store_problem(struct api_req *r, const struct batch_err *err);

/* Parses the body as a JSON object whose keys are all in the NULL-terminated `known`
 * list (NULL: any key). On failure answers 400/415 and returns -1; else *ret is a new
 * reference. An empty body gives an empty object when `empty_ok`. */
int api_body_object(struct api_req *r, const char *const *known, bool empty_ok, json_t **ret);

/* Starts an answer `status` with JSON content: the caller appends to r->out. */
void api_json(struct api_req *r, int status);

/* A repository connection of the API's pool (for a streamed body that outlives the
 * handler), or NULL with *reterr set; give it back with api_store_put. */
struct store *api_store_get(struct api *a, struct batch_err *reterr);
void api_store_put(struct api *a, struct store *s);

/* True once api_stop has begun: a long-lived answer (an event stream) ends then. */
bool api_stopping(struct api *a);

/* Answers `status` (200 or 201) with the tenant's stored definition (kind, name) as
 * ops_put_def shows it, or the problem (404 when there is none). Returns 0 or -1. */
int api_answer_def(struct api_req *r, int status, const char *kind, const char *name);

/* A list held whole in memory, shown a page at a time by api_put_page. */
struct api_list_view {
        const void *list;
        size_t n;
        void (*put)(struct buf *b, const void *list, size_t i);   /* item i as JSON */
        void (*key)(const void *list, size_t i, char *out, size_t len); /* its cursor */
};

/* Answers 200 with {"items": [...], "next_cursor": KEY | null}: the `limit` (1 to 1000,
 * default 100) items after the one whose key is the `cursor` query parameter. The
 * caller allows both parameters. Returns 0, or -1 after a 400. */
int api_put_page(struct api_req *r, const struct api_list_view *v);

/* The daemon's counters (never NULL). */
struct batchd_metrics *api_metrics(struct api_req *r);

/* The daemon's secrets key (api_config.secrets), shared by the request threads. */
struct secrets *api_secrets(struct api_req *r);

/* True when batchd runs as a runtime environment (api_config.runtime). */
bool api_runtime(const struct api_req *r);

/* A handler: returns 0 when it answered normally, -1 after api_problem. */
typedef int api_handler(struct api_req *r);

struct api_route {
        const char *method;
        const char *pattern;           /* "/api/v1/jobs/{}/submit" */
        enum api_role role;            /* ROLE_NONE: no token needed */
        api_handler *fn;
};

/* Serves the web UI's files (ui.c, embedded from ui/dist) when r->path is one of them
 * ("/", "/index.html", "/ui/..."): true when it answered (200, or 405 for a method
 * other than GET/HEAD), false when the path is not the UI's. */
bool api_ui_serve(struct api_req *r);

/* True when `path` is one of the web UI's files (what api_ui_serve answers 200 for a GET):
 * the server answers those at normal priority, not at the API's nice level (server.c). */
bool api_ui_is_file(const char *path);

/* The role's name ("viewer"), as tokens are created with it. */
const char *api_role_name(enum api_role role);

/* The route table (routes.c), terminated by an entry with method NULL. */
extern const struct api_route api_routes[];

/* Handlers, by resource. */
int api_healthz(struct api_req *r);
int api_metrics_text(struct api_req *r);
int api_openapi(struct api_req *r);
int api_jobs_list(struct api_req *r);
int api_job_get(struct api_req *r);
int api_job_versions(struct api_req *r);
int api_job_submit(struct api_req *r);
int api_job_why(struct api_req *r);
int api_impact(struct api_req *r);
int api_job_create(struct api_req *r);
int api_job_replace(struct api_req *r);
int api_job_delete(struct api_req *r);
int api_job_enable(struct api_req *r);
int api_job_disable(struct api_req *r);
int api_calendars_list(struct api_req *r);
int api_calendar_get(struct api_req *r);
int api_calendar_put(struct api_req *r);
int api_calendar_delete(struct api_req *r);
int api_settings_get(struct api_req *r);
int api_settings_put(struct api_req *r);
int api_deps(struct api_req *r);
int api_grid(struct api_req *r);
int api_events_ticket(struct api_req *r);
int api_events(struct api_req *r);
int api_cron(struct api_req *r);
int api_report_daily(struct api_req *r);
int api_report_runs(struct api_req *r);
int api_legacy_submit(struct api_req *r);
int api_instances_list(struct api_req *r);
int api_instance_get(struct api_req *r);
int api_instance_log(struct api_req *r);
int api_instance_stop(struct api_req *r);
int api_instance_rerun(struct api_req *r);
int api_instance_mark_success(struct api_req *r);
int api_dead_letters_list(struct api_req *r);
int api_dead_letters_purge(struct api_req *r);
int api_alerts_list(struct api_req *r);
int api_alert_get(struct api_req *r);
int api_alert_ack(struct api_req *r);
int api_tokens_list(struct api_req *r);
int api_token_create(struct api_req *r);
int api_token_revoke(struct api_req *r);
int api_whoami(struct api_req *r);
int api_nodes_list(struct api_req *r);
int api_node_get(struct api_req *r);
int api_node_drain(struct api_req *r);
int api_node_undrain(struct api_req *r);
int api_remote_report(struct api_req *r);

#endif
