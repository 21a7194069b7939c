/* workorder-sync: a batch job built with libbatch that marks every work order of an MES
 * work-order API (examples/workorder-api) as synced, through the SDK's HTTP client
 * (docs/http-client.md): it reads the work orders page by page (GET
 * /api/workorders?after=ID&limit=50, the position is the last id read), updates each
 * (PUT /api/workorders/{id} with If-Match: its version and an Idempotency-Key derived
 * from instance, step and id, so a repeated chunk never applies an update twice),
 * checkpoints every 50, and puts the work orders that fail for good into the dead-letter
 * store. The token lifecycle (login, proactive refresh, 401, re-login) is the client's.
 *
 *   workorder_sync --db REPO api=http://127.0.0.1:PORT [--extra threads=4]
 *   (or run by batchd: BATCH_PARAM_API, ...)
 * Credentials come from the environment, never from parameters (which are stored):
 * WO_CLIENT_ID (default "batch") and WO_CLIENT_SECRET (required). */
#include <batch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <time.h>

#define PAGE 50

struct wo_item {
        long long id;
        long long version;
        char po[32];
};

struct sync {
        struct batch_http *http;
        /* the reader's page */
        struct wo_item page[PAGE];
        size_t npage, next;
        long long after;          /* the last id read */
        bool end;
        /* throughput */
        struct timespec started;
        long long updated;
};

static struct sync *sync_of(void *ud)
{
        return ud;
}

/* ---- reader: pages of work orders ------------------------------------------------------ */

static int reader_open(void *ud, struct batch_ctx *ctx, const char *position, struct batch_err *err)
{
        (void)ctx;
        struct sync *s = sync_of(ud);
        s->after = 0;
        if (position) {
                char *end;
                s->after = strtoll(position, &end, 10);
                if (*end || s->after < 0)
                        return batch_err_set(err, BATCH_EFORMAT, "position",
                                             "position '%s' is not a work order id", position);
        }
        s->npage = s->next = 0;
        s->end = false;
        return 0;
}

static int fetch_page(struct sync *s, struct batch_err *err)
{
        char path[96];
        snprintf(path, sizeof(path), "/api/workorders?after=%lld&limit=%d", s->after, PAGE);
        struct batch_http_request rq = {.method = "GET", .path = path};
        struct batch_http_response rs;
        int rc = batch_http_send(s->http, &rq, &rs, err);
        if (rc == BATCH_ESKIP)
                return BATCH_ETRANSIENT; /* a page cannot be skipped: the step retries it */
        if (rc < 0)
                return rc;
        if (rs.status != 200) {
                rc = batch_err_set(err, BATCH_EIO, "page", "GET %s: HTTP %ld", path, rs.status);
                batch_http_response_release(&rs);
                return rc;
        }
        json_t *o = json_loads(rs.body, 0, NULL);
        batch_http_response_release(&rs);
        json_t *items = json_object_get(o, "items");
        if (!json_is_array(items)) {
                json_decref(o);
                return batch_err_set(err, BATCH_EFORMAT, "page", "GET %s: no items array", path);
        }
        s->npage = s->next = 0;
        for (size_t i = 0; i < json_array_size(items) && i < PAGE; i++) {
                json_t *it = json_array_get(items, i);
                struct wo_item *w = &s->page[s->npage++];
                w->id = (long long)json_integer_value(json_object_get(it, "id"));
                w->version = (long long)json_integer_value(json_object_get(it, "version"));
                const char *po = json_string_value(json_object_get(it, "po"));
                snprintf(w->po, sizeof(w->po), "%s", po ? po : "");
        }
        s->end = s->npage == 0 || json_is_null(json_object_get(o, "next_after"));
        json_decref(o);
        return 0;
}

static int reader_read(void *ud, void **ret, struct batch_err *err)
{
        struct sync *s = sync_of(ud);
        if (s->next == s->npage) {
                if (s->end)
                        return 0;
                int rc = fetch_page(s, err);
                if (rc < 0)
                        return rc;
                if (s->npage == 0)
                        return 0;
        }
        struct wo_item *w = malloc(sizeof(*w));
        if (!w)
                return batch_err_set(err, BATCH_ENOMEM, "read", "out of memory");
        *w = s->page[s->next++];
        s->after = w->id;
        *ret = w;
        return 1;
}

static int reader_position(void *ud, char **ret, struct batch_err *err)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", sync_of(ud)->after);
        if (!(*ret = strdup(buf)))
                return batch_err_set(err, BATCH_ENOMEM, "position", "out of memory");
        return 0;
}

static char *reader_text(void *ud, const void *item)
{
        (void)ud;
        const struct wo_item *w = item;
        char buf[96];
        if (!w)
                return strdup("(a page of work orders)");
        snprintf(buf, sizeof(buf), "{\"id\":%lld,\"version\":%lld,\"po\":\"%s\"}", w->id, w->version, w->po);
        return strdup(buf);
}

static void item_free(void *ud, void *item)
{
        (void)ud;
        free(item);
}

/* ---- processor: the update (several threads) --------------------------------------- */

static int update(void *ud, struct batch_ctx *ctx, void *in, void **out, struct batch_err *err)
{
        struct sync *s = sync_of(ud);
        struct wo_item *w = in;
        char path[64], key[160], ifm[32], idstr[24], body[128];
        snprintf(path, sizeof(path), "/api/workorders/%lld", w->id);
        snprintf(idstr, sizeof(idstr), "%lld", w->id);
        snprintf(ifm, sizeof(ifm), "\"%lld\"", w->version);
        snprintf(body, sizeof(body), "{\"status\":\"synced\",\"note\":\"instance %lld\"}",
                 (long long)batch_ctx_instance_id(ctx));
        int rc = batch_http_idempotency_key(ctx, idstr, key, sizeof(key));
        if (rc < 0)
                return batch_err_set(err, rc, "key", "idempotency key too long");
        struct batch_http_request rq = {.method = "PUT", .path = path, .body = body,
                                        .if_match = ifm, .idempotency_key = key};
        struct batch_http_response rs;
        if ((rc = batch_http_send(s->http, &rq, &rs, err)) < 0)
                return rc; /* BATCH_ESKIP: retries used up, the item goes to the dead letters */
        long st = rs.status;
        batch_http_response_release(&rs);
        if (st == 409)
                return batch_err_set(err, BATCH_ESKIP, "version",
                                     "PUT %s: HTTP 409: work order %lld changed since it was read "
                                     "(version %lld)", path, w->id, w->version);
        if (st < 200 || st > 299)
                return batch_err_set(err, BATCH_ESKIP, "status", "PUT %s: HTTP %ld", path, st);
        __atomic_fetch_add(&s->updated, 1, __ATOMIC_RELAXED);
        *out = in;
        return 0;
}

/* ---- writer: nothing left to write (the processor updated the API) ------------------- */

static int write_nothing(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                         struct batch_err *err)
{
        (void)ud;
        (void)ctx;
        (void)items;
        (void)n;
        (void)err;
        return 0;
}

/* ---- the run's metrics ------------------------------------------------------------- */

static void after_job(void *ud, struct batch_ctx *ctx, const char *exit_status)
{
        (void)ctx;
        struct sync *s = ud;
        struct batch_http_metrics m;
        batch_http_metrics(s->http, &m);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double min = (double)(now.tv_sec - s->started.tv_sec) / 60.0 +
                     (double)(now.tv_nsec - s->started.tv_nsec) / 6e10;
        fprintf(stderr,
                "workorder-sync: %s: updated %lld (%.0f/min); requests %lld (2xx %lld, 4xx %lld, "
                "5xx %lld, no answer %lld), retries %lld, 401 retries %lld; logins %lld "
                "(re-logins %lld), refreshes %lld proactive + %lld on 401, refresh failures %lld\n",
                exit_status, s->updated, min > 0 ? (double)s->updated / min : 0.0,
                (long long)m.requests, (long long)m.by_class[2], (long long)m.by_class[4],
                (long long)m.by_class[5], (long long)m.by_class[0], (long long)m.retries,
                (long long)m.auth_retries, (long long)m.logins, (long long)m.reauths,
                (long long)m.refresh_proactive, (long long)m.refresh_on_401,
                (long long)m.refresh_failures);
}

/* The API's URL and the thread count are read when the job starts (before_job). */
static void before_job(void *ud, struct batch_ctx *ctx)
{
        struct sync *s = ud;
        clock_gettime(CLOCK_MONOTONIC, &s->started);
        (void)ctx;
}

static int param_value(int argc, char **argv, const char *name, const char *env,
                       const char **ret)
{
        size_t n = strlen(name);
        for (int i = 1; i < argc; i++)
                if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
                        *ret = argv[i] + n + 1;
        if (!*ret)
                *ret = getenv(env);
        return *ret ? 0 : -1;
}

int main(int argc, char **argv)
{
        const char *api = NULL, *threads_s = NULL;
        if (param_value(argc, argv, "api", "BATCH_PARAM_API", &api) < 0) {
                fprintf(stderr, "workorder-sync: the parameter api (the API's base URL) is required\n");
                return 2;
        }
        param_value(argc, argv, "threads", "BATCH_PARAM_THREADS", &threads_s);
        const char *secret = getenv("WO_CLIENT_SECRET");
        const char *client = getenv("WO_CLIENT_ID");
        if (!secret || !*secret) {
                fprintf(stderr, "workorder-sync: WO_CLIENT_SECRET is not set\n");
                return 2;
        }
        struct batch_http_options ho = {
                .base_url = api,
                .auth = BATCH_HTTP_AUTH_CLIENT_CREDENTIALS,
                .client_id = client && *client ? client : "batch",
                .client_secret = secret,
                .max_attempts = 4,
                .backoff_base_ms = 50,
                .backoff_max_ms = 2000,
        };
        struct batch_err err;
        struct sync *s = calloc(1, sizeof(*s));
        if (!s || !(s->http = batch_http_new(&ho, &err))) {
                fprintf(stderr, "workorder-sync: %s\n", s ? err.msg : "out of memory");
                return 1;
        }
        unsetenv("WO_CLIENT_SECRET"); /* the client holds its copy */
        struct batch_job *job = batch_job_new("workorder-sync");
        struct batch_reader r = {.open_cb = reader_open, .read_cb = reader_read,
                                 .position_cb = reader_position, .text_cb = reader_text,
                                 .free_cb = item_free, .ud = s};
        struct batch_processor p = {.process_cb = update, .ud = s};
        struct batch_writer w = {.write_cb = write_nothing};
        struct batch_step *step = batch_chunk_step_new("sync", &r, &p, &w, PAGE);
        unsigned threads = threads_s ? (unsigned)strtoul(threads_s, NULL, 10) : 4;
        batch_step_set_threads(step, threads ? threads : 1);
        batch_step_set_skip_limit(step, 1000);
        batch_job_add_step(job, step, NULL);
        struct batch_listener l = {.before_job_cb = before_job, .after_job_cb = after_job, .ud = s};
        batch_job_add_listener(job, &l, NULL);
        batch_job_set_http(job, s->http); /* counters stored with each checkpoint */
        int status = batch_main(job, argc, argv);
        batch_job_free(job);
        batch_http_free(s->http);
        free(s);
        return status;
}
