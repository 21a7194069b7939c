/* server.c: the HTTP side of the API (see api.h): libmicrohttpd with one thread per
 * connection (a handler may block on the repository or follow a log without holding
 * up other clients), bodies collected up to a limit, bearer-token authentication,
 * routing to the handlers of api_routes, problem+json errors. */
#include "api/api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/body.h"
#include "api/request.h"
#include "api/token.h"
#include "common/hash64.h"
#include "common/json.h"
#include "daemon/dlog.h"
#include "ops/secrets.h"

/* Repository connections: at most POOL_MAX are open; a request finding all of them busy
 * waits up to POOL_WAIT_S for one, then gets 503. (Opening more would cost descriptors
 * and memory under a burst without adding throughput: the work is CPU-bound on two
 * cores.) */
#define POOL_MAX 32
#define POOL_WAIT_S 10
/* API threads run at this nice level above the scheduler's loop, so that a burst of
 * requests does not delay a due job's start (DESIGN: the scheduler comes first). */
#define API_NICE 19

struct api {
        struct MHD_Daemon *mhd;
        char *db;
        size_t max_body;
        struct batchd_metrics *metrics;
        struct secrets *secrets;
        bool runtime;                      /* api_config.runtime */
        struct batchd_metrics own_metrics; /* when the daemon gives none */
        struct dclock clock;               /* stamps submits and requests */
        pthread_mutex_t mu;
        pthread_cond_t idle;               /* a connection was given back */
        struct store *pool[POOL_MAX];      /* idle repository connections */
        size_t npool;
        size_t nopen;                      /* open connections, idle or in use */
        atomic_bool stopping;              /* api_stop began: event streams end */
};

/* Per connection-request state, kept by libmicrohttpd between calls. */
struct call {
        struct buf body;
        bool too_large;
        int64_t start_us;
};

static int64_t now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- repository connections ---------------------------------------------------- */

static struct store *pool_get(struct api *a, struct batch_err *reterr)
{
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += POOL_WAIT_S;
        struct store *s = NULL;
        bool open_one = false;
        pthread_mutex_lock(&a->mu);
        for (;;) {
                if (a->npool) {
                        s = a->pool[--a->npool];
                        break;
                }
                if (a->nopen < POOL_MAX) {
                        a->nopen++;
                        open_one = true;
                        break;
                }
                if (pthread_cond_timedwait(&a->idle, &a->mu, &until) == ETIMEDOUT)
                        break;
        }
        pthread_mutex_unlock(&a->mu);
        if (open_one && store_open(a->db, &s, reterr) < 0) {
                pthread_mutex_lock(&a->mu);
                a->nopen--;
                pthread_cond_signal(&a->idle);
                pthread_mutex_unlock(&a->mu);
                return NULL;
        }
        if (!s && !open_one)
                batch_err_set(reterr, BATCH_EIO, NULL,
                              "all %d repository connections stayed busy for %d s", POOL_MAX,
                              POOL_WAIT_S);
        return s;
}

static void pool_put(struct api *a, struct store *s)
{
        pthread_mutex_lock(&a->mu);
        a->pool[a->npool++] = s; /* npool < nopen <= POOL_MAX */
        pthread_cond_signal(&a->idle);
        pthread_mutex_unlock(&a->mu);
}

bool api_stopping(struct api *a)
{
        return atomic_load(&a->stopping);
}

struct store *api_store_get(struct api *a, struct batch_err *reterr)
{
        return pool_get(a, reterr);
}

void api_store_put(struct api *a, struct store *s)
{
        pool_put(a, s);
}

/* ---- answers ------------------------------------------------------------------- */

static const char *status_title(int status)
{
        switch (status) {
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 416: return "Range Not Satisfiable";
        case 422: return "Unprocessable Content";
        case 503: return "Service Unavailable";
        default: return status >= 500 ? "Internal Server Error" : "Error";
        }
}

static void put_problem(struct api_req *r, int status, const char *detail, const char *members);

static int vproblem(struct api_req *r, int status, const char *members, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));

static int vproblem(struct api_req *r, int status, const char *members, const char *fmt,
                    va_list ap)
{
        char detail[1024];
        vsnprintf(detail, sizeof(detail), fmt, ap);
        put_problem(r, status, detail, members);
        return -1;
}

int api_problem(struct api_req *r, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int rc = vproblem(r, status, NULL, fmt, ap);
        va_end(ap);
        return rc;
}

int api_problem_members(struct api_req *r, int status, const char *members, const char *fmt,
                        ...)
{
        va_list ap;
        va_start(ap, fmt);
        int rc = vproblem(r, status, members, fmt, ap);
        va_end(ap);
        return rc;
}

/* The problem+json body, with `members` (or NULL) after the standard ones. */
static void put_problem(struct api_req *r, int status, const char *detail, const char *members)
{
        buf_release(&r->out);
        buf_init(&r->out, 0);
        r->status = status;
        r->content_type = "application/problem+json";
        buf_printf(&r->out, "{\"type\": \"about:blank\", \"title\": \"%s\", \"status\": %d, "
                            "\"detail\": ",
                   status_title(status), status);
        json_put_string(&r->out, detail);
        buf_puts(&r->out, ", \"instance\": ");
        json_put_string(&r->out, r->path);
        if (members) {
                buf_puts(&r->out, ", ");
                buf_puts(&r->out, members);
        }
        buf_puts(&r->out, "}\n");
}

int api_store_problem(struct api_req *r, const struct batch_err *err)
{
        if (!strcmp(err->field, SECRETS_FIELD)) /* no usable key: the daemon's to fix */
                return api_problem(r, 503, "%s", err->msg);
        switch (err->code) {
        case BATCH_ENOENT: return api_problem(r, 404, "%s", err->msg);
        case BATCH_EEXIST:
        case BATCH_ESTALE: return api_problem(r, 409, "%s", err->msg);
        case BATCH_EINVAL:
        case BATCH_ESYNTAX:
        case BATCH_EFORMAT:
        case BATCH_ERANGE: return api_problem(r, 400, "%s", err->msg);
        default:
                dlog("error", NULL, 0, 0, NULL, "api: %s %s: repository error (%s)", r->method,
                     r->path, batch_err_name(err->code));
                return api_problem(r, 500, "the repository failed; see the daemon's log");
        }
}

void api_json(struct api_req *r, int status)
{
        r->status = status;
        r->content_type = "application/json";
}

struct secrets *api_secrets(struct api_req *r)
{
        return r->api->secrets;
}

bool api_runtime(const struct api_req *r)
{
        return r->api->runtime;
}

struct batchd_metrics *api_metrics(struct api_req *r)
{
        return r->api->metrics;
}

int64_t api_now(const struct api_req *r)
{
        return dclock_now(&r->api->clock);
}

const char *api_header(struct api_req *r, const char *name)
{
        return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *api_lang(struct api_req *r)
{
        r->vary_lang = true;
        return api_header(r, "Accept-Language");
}

const char *api_query(struct api_req *r, const char *key)
{
        return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct unknown_arg {
        const char *const *known;
        char first[128];
};

static enum MHD_Result find_unknown(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
        (void)kind;
        (void)value;
        struct unknown_arg *u = cls;
        for (const char *const *k = u->known; *k; k++)
                if (!strcmp(*k, key))
                        return MHD_YES;
        snprintf(u->first, sizeof(u->first), "%s", key);
        return MHD_NO;
}

int api_check_query(struct api_req *r, const char *const *known)
{
        struct unknown_arg u = {known, ""};
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, find_unknown, &u);
        if (u.first[0])
                return api_problem(r, 400, "unknown query parameter \"%s\"", u.first);
        return 0;
}

bool api_parse_id(const char *text, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || *end || v <= 0 || !*text)
                return false;
        *ret = v;
        return true;
}

int api_query_uint(struct api_req *r, const char *key, unsigned max, unsigned *ret)
{
        const char *v = api_query(r, key);
        if (!v)
                return 0;
        char *end;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (errno || *end || !*v || n < 1 || n > max)
                return api_problem(r, 400, "query parameter %s=\"%s\" must be 1 to %u", key, v,
                                   max);
        *ret = (unsigned)n;
        return 0;
}

int api_body_object(struct api_req *r, const char *const *known, bool empty_ok, json_t **ret)
{
        *ret = NULL;
        if (!r->body_len) {
                if (!empty_ok)
                        return api_problem(r, 400, "a JSON object body is required");
                *ret = json_object();
                return *ret ? 0 : api_problem(r, 500, "out of memory");
        }
        const char *ct = api_header(r, "Content-Type");
        if (ct && strncmp(ct, "application/json", 16))
                return api_problem(r, 415, "the body must be application/json, not %s", ct);
        char msg[512];
        if (api_parse_object(r->body, r->body_len, known, ret, msg, sizeof(msg)) < 0)
                return api_problem(r, 400, "%s", msg);
        return 0;
}

/* ---- authentication and routing ------------------------------------------------ */

static enum api_role role_of(const char *name)
{
        if (!strcmp(name, "admin"))
                return ROLE_ADMIN;
        if (!strcmp(name, "operator"))
                return ROLE_OPERATOR;
        if (!strcmp(name, "viewer"))
                return ROLE_VIEWER;
        return ROLE_NONE;
}

const char *api_role_name(enum api_role role)
{
        static const char *const names[] = {"none", "viewer", "operator", "admin"};
        return names[role];
}

/* Authenticates the bearer token into r (tenant, role, actor); *tok keeps the strings. */
static int authenticate(struct api_req *r, struct store_token *tok)
{
        const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
        if (!h || strncasecmp(h, "Bearer ", 7) || !h[7])
                return api_problem(r, 401, "a bearer token is required (Authorization: Bearer "
                                           "TOKEN)");
        char hash[TOKEN_HASH_LEN + 1];
        token_hash(h + 7, hash);
        struct batch_err err;
        int rc = store_token_find(r->st, hash, tok, &err);
        if (rc == BATCH_ENOENT)
                return api_problem(r, 401, "the token is not valid");
        if (rc < 0)
                return api_store_problem(r, &err);
        if (tok->revoked || (tok->expires_at && tok->expires_at <= (int64_t)time(NULL))) {
                bool revoked = tok->revoked;
                store_token_release(tok);
                memset(tok, 0, sizeof(*tok));
                return api_problem(r, 401, "the token is %s", revoked ? "revoked" : "expired");
        }
        r->tenant = tok->tenant;
        r->role = role_of(tok->role);
        snprintf(r->actor, sizeof(r->actor), "token:%s", tok->name);
        return 0;
}

/* Matches path against a pattern, filling r->args; true on a match. */
static bool match(const char *pattern, const char *path, struct api_req *r)
{
        size_t nargs = 0;
        while (*pattern && *path) {
                if (pattern[0] == '{' && pattern[1] == '}') {
                        size_t n = strcspn(path, "/");
                        if (n == 0 || n >= sizeof(r->args[0]) || nargs == API_MAX_ARGS)
                                return false;
                        memcpy(r->args[nargs], path, n);
                        r->args[nargs++][n] = '\0';
                        path += n;
                        pattern += 2;
                } else if (*pattern++ != *path++) {
                        return false;
                }
        }
        return !*pattern && !*path;
}

static void dispatch(struct api_req *r)
{
        const struct api_route *hit = NULL;
        bool path_known = false;
        char allowed[128] = "";
        for (const struct api_route *rt = api_routes; rt->method; rt++) {
                if (!match(rt->pattern, r->path, r))
                        continue;
                path_known = true;
                size_t used = strlen(allowed);
                snprintf(allowed + used, sizeof(allowed) - used, "%s%s", used ? ", " : "",
                         rt->method);
                if (!strcmp(rt->method, r->method) ||
                    (!strcmp(r->method, "HEAD") && !strcmp(rt->method, "GET"))) {
                        hit = rt;
                        break;
                }
        }
        if (!hit) {
                if (!path_known) {
                        api_problem(r, 404, "no such resource: %s", r->path);
                        return;
                }
                snprintf(r->allow, sizeof(r->allow), "%s", allowed);
                api_problem(r, 405, "%s is not allowed here (allowed: %s)", r->method, allowed);
                return;
        }
        if (hit->role == ROLE_NONE) {
                r->tenant = "default";
                hit->fn(r);
                return;
        }
        struct store_token tok = {0};
        if (authenticate(r, &tok) < 0)
                return;
        if (r->role < hit->role)
                api_problem(r, 403, "%s %s needs the %s role; this token has %s", r->method,
                            r->path, api_role_name(hit->role), api_role_name(r->role));
        else
                hit->fn(r);
        store_token_release(&tok);
        r->tenant = NULL;
}

/* ---- cross-origin requests and validators -------------------------------------- */

/* True (and a 403 set) when a state-changing request (not GET/HEAD/OPTIONS) comes from
 * another origin, as a browser tells it: Sec-Fetch-Site other than same-origin or none
 * (typed by the user), or an Origin whose host[:port] is not the Host the request was
 * sent to. Requests without these headers (curl, batchctl, the SDK) are not browsers'
 * and pass; a browser sends them on every cross-origin POST (docs/security.md). */
static bool cross_origin_refused(struct api_req *r)
{
        if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD") ||
            !strcmp(r->method, "OPTIONS"))
                return false;
        const char *site = api_header(r, "Sec-Fetch-Site");
        if (site && strcmp(site, "same-origin") && strcmp(site, "none")) {
                api_problem(r, 403, "cross-origin request refused (Sec-Fetch-Site: %s)", site);
                return true;
        }
        const char *origin = api_header(r, "Origin");
        if (!origin)
                return false;
        const char *host = api_header(r, "Host");
        const char *sep = strstr(origin, "://");
        if (!host || !sep || (strncmp(origin, "http://", 7) && strncmp(origin, "https://", 8)) ||
            strcasecmp(sep + 3, host)) {
                api_problem(r, 403, "cross-origin request refused: Origin %s is not this "
                                    "server (%s)", origin, host ? host : "no Host header");
                return true;
        }
        return false;
}

/* A GET answered 200 from memory gets an ETag, a hash of its body (hash64, 64 bits):
 * a client that sends it back in If-None-Match gets 304 without the body while the
 * answer is the same (the web UI's monitor polls this way). */
static void apply_etag(struct api_req *r)
{
        if (r->status != 200 || r->stream ||
            (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")))
                return;
        uint64_t h = hash64(r->out.data, r->out.len);
        snprintf(r->etag, sizeof(r->etag), "\"%016llx\"", (unsigned long long)h);
        const char *inm = api_header(r, "If-None-Match");
        if (inm && (strstr(inm, r->etag) || !strcmp(inm, "*"))) {
                r->status = 304;
                r->out.len = 0;
                if (r->out.data)
                        r->out.data[0] = '\0';
        }
}

/* ---- libmicrohttpd callbacks ------------------------------------------------- */

static enum MHD_Result send_answer(struct api_req *r)
{
        struct MHD_Response *resp = r->stream;
        if (!resp) {
                size_t len = r->out.len;
                char *data = buf_detach(&r->out); /* libmicrohttpd frees it */
                if (!data)
                        return MHD_NO;
                resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
                if (!resp) {
                        free(data);
                        return MHD_NO;
                }
        }
        if (r->content_type)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
        if (r->status == 405 && r->allow[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
        if (r->status == 401)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
        /* The same strict headers on every answer, the web UI's and the API's (docs/ui.md):
         * no inline script or style, nothing from elsewhere, never framed. */
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                r->cache_control ? r->cache_control : "no-store");
        if (r->etag[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
        if (r->vary_lang || r->vary_encoding)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
                                        r->vary_lang && r->vary_encoding
                                                ? "Accept-Language, Accept-Encoding"
                                                : r->vary_lang ? "Accept-Language"
                                                               : "Accept-Encoding");
        /* not on a 304: it has no content (its Vary and ETag say which one is meant) */
        if (r->content_encoding && r->status == 200)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING,
                                        r->content_encoding);
        enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
        MHD_destroy_response(resp);
        return ok;
}

static void count_answer(struct api *a, int status, int64_t start)
{
        int cls = status / 100;
        if (cls >= 1 && cls <= 5)
                atomic_fetch_add(&a->metrics->http_requests[cls], 1);
        metrics_observe(&a->metrics->http_latency, now_us() - start);
}

static enum MHD_Result answer_now(struct api *a, struct MHD_Connection *conn, const char *url,
                                  const char *method, int status, const char *msg)
{
        struct api_req r = {.api = a, .conn = conn, .method = method, .path = url};
        buf_init(&r.out, 0);
        api_problem(&r, status, "%s", msg);
        count_answer(a, status, now_us());
        return send_answer(&r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
        (void)version;
        struct api *a = cls;
        struct call *c = *con_cls;
        static _Thread_local bool niced;
        /* This connection's thread (thread-per-connection), from its first request that is
         * not a GET of one of the web UI's files: those (a copy of compiled-in bytes) are
         * answered at batchd's own priority so that a browser's first load does not wait
         * for CPU behind the machine's other work (docs/ui.md). */
        bool ui_file = (!strcmp(method, "GET") || !strcmp(method, "HEAD")) && api_ui_is_file(url);
        if (!niced && !ui_file) {
                niced = true;
                setpriority(PRIO_PROCESS, (id_t)gettid(), API_NICE);
        }
        if (!c) {
                if (!(c = calloc(1, sizeof(*c))))
                        return MHD_NO;
                buf_init(&c->body, 0);
                c->start_us = now_us();
                *con_cls = c;
                const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
                if (cl && strtoull(cl, NULL, 10) > a->max_body) {
                        c->too_large = true;
                        char msg[128];
                        snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", a->max_body);
                        return answer_now(a, conn, url, method, 413, msg);
                }
                return MHD_YES;
        }
        if (*upload_size) {
                if (!c->too_large && c->body.len + *upload_size <= a->max_body)
                        buf_add(&c->body, upload, *upload_size);
                else
                        c->too_large = true;
                *upload_size = 0;
                return MHD_YES;
        }
        if (c->too_large) {
                char msg[128];
                snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", a->max_body);
                return answer_now(a, conn, url, method, 413, msg);
        }
        struct api_req r = {.api = a, .conn = conn, .method = method, .path = url,
                            .body = c->body.data, .body_len = c->body.len, .status = 200};
        buf_init(&r.out, 0);
        if (c->body.len && memchr(c->body.data, '\0', c->body.len)) {
                api_problem(&r, 400, "the body contains a NUL byte");
        } else if (cross_origin_refused(&r) || api_ui_serve(&r)) {
                /* answered */
        } else {
                struct batch_err err;
                if (!(r.st = pool_get(a, &err))) {
                        dlog("error", NULL, 0, 0, NULL, "api: cannot open the repository: %s",
                             err.msg);
                        api_problem(&r, 503, "the repository is not available");
                } else {
                        dispatch(&r);
                        pool_put(a, r.st);
                }
        }
        if (!r.stream && r.out.err) {
                /* An answer that could not be made whole is never sent as if it were: it
                 * outgrew its buffer, or memory ran out. */
                char why[64];
                bool too_big = r.out.full;
                if (too_big)
                        snprintf(why, sizeof(why), "the answer is larger than %zu MiB",
                                 r.out.max >> 20);
                else
                        snprintf(why, sizeof(why), "out of memory while making the answer");
                dlog("error", NULL, 0, 0, NULL, "api: %s %s: %s", method, url, why);
                api_problem(&r, 500, "%s%s", why, too_big
                            ? ", the most one answer may hold: ask for less (a smaller limit, "
                              "a filter)" : "");
        }
        apply_etag(&r);
        count_answer(a, r.status, c->start_us);
        enum MHD_Result ok = send_answer(&r);
        buf_release(&r.out);
        return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        (void)cls;
        (void)conn;
        (void)toe;
        struct call *c = *con_cls;
        if (c) {
                buf_release(&c->body);
                free(c);
                *con_cls = NULL;
        }
}

/* libmicrohttpd's own messages, as the daemon's log lines. A client that goes away in
 * the middle of a streamed answer (a browser closing an event stream or a followed log)
 * is ordinary, not worth a line. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        (void)cls;
        char msg[512];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (strstr(msg, "no longer available for sending"))
                return;
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
                msg[--n] = '\0';
        dlog("warn", NULL, 0, 0, NULL, "http server: %s", msg);
}

/* ---- start and stop ------------------------------------------------------------ */

static int parse_listen(const char *text, struct sockaddr_storage *ss, struct batch_err *reterr)
{
        char host[128];
        const char *colon;
        if (text[0] == '[') {
                const char *end = strchr(text, ']');
                if (!end || end[1] != ':')
                        goto bad;
                snprintf(host, sizeof(host), "%.*s", (int)(end - text - 1), text + 1);
                colon = end + 1;
        } else {
                colon = strrchr(text, ':');
                if (!colon)
                        goto bad;
                snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
        }
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || port < 0 || port > 65535)
                goto bad;
        if (!strcmp(host, "localhost"))
                snprintf(host, sizeof(host), "127.0.0.1");
        memset(ss, 0, sizeof(*ss));
        struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
                v4->sin_family = AF_INET;
                v4->sin_port = htons((uint16_t)port);
                return 0;
        }
        if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
                v6->sin6_family = AF_INET6;
                v6->sin6_port = htons((uint16_t)port);
                return 0;
        }
bad:
        return batch_err_set(reterr, BATCH_EINVAL, "listen",
                             "--listen \"%s\" is not ADDRESS:PORT (e.g. 127.0.0.1:8080 or "
                             "[::1]:8080)",
                             text);
}

int api_start(const struct api_config *cfg, struct api **ret, struct batch_err *reterr)
{
        struct sockaddr_storage ss;
        int r = parse_listen(cfg->listen, &ss, reterr);
        if (r < 0)
                return r;
        struct api *a = calloc(1, sizeof(*a));
        if (!a || !(a->db = strdup(cfg->db))) {
                free(a);
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        }
        a->max_body = cfg->max_body ? cfg->max_body : 1024 * 1024;
        a->metrics = cfg->metrics ? cfg->metrics : &a->own_metrics;
        if (cfg->clock)
                a->clock = *cfg->clock;
        else
                dclock_init_real(&a->clock);
        a->secrets = cfg->secrets;
        a->runtime = cfg->runtime;
        pthread_mutex_init(&a->mu, NULL);
        pthread_cond_init(&a->idle, NULL);
        unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_ERROR_LOG;
        if (ss.ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        /* The logger first: libmicrohttpd's messages about the options after it go to
         * the log too (never in its own format on stderr). */
        a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a,
                                  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                                  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                  MHD_OPTION_CONNECTION_LIMIT,
                                  cfg->max_connections ? cfg->max_connections : 256u,
                                  MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_NOTIFY_COMPLETED,
                                  on_completed, a, MHD_OPTION_END);
        if (!a->mhd) {
                pthread_cond_destroy(&a->idle);
                pthread_mutex_destroy(&a->mu);
                free(a->db);
                free(a);
                return batch_err_set(reterr, BATCH_EIO, "listen",
                                     "cannot listen on %s (address in use or not local?)",
                                     cfg->listen);
        }
        *ret = a;
        return 0;
}

unsigned api_port(const struct api *a)
{
        const union MHD_DaemonInfo *i = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_BIND_PORT);
        return i ? i->port : 0;
}

void api_stop(struct api *a)
{
        if (!a)
                return;
        atomic_store(&a->stopping, true);
        MHD_stop_daemon(a->mhd);
        for (size_t i = 0; i < a->npool; i++)
                store_close(a->pool[i]);
        pthread_cond_destroy(&a->idle);
        pthread_mutex_destroy(&a->mu);
        free(a->db);
        free(a);
}
