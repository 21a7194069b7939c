/* http.c: libbatch's HTTP client — a pool of reused libcurl handles, one request with
 * its retries (full-jitter backoff honouring Retry-After), the 401 → refresh → retry
 * rule, redacted error messages for the dead-letter store, and the counters. The
 * rules themselves are pure (src/core/httprule.c); the token manager is
 * src/sdk/http_token.c. */
#include "sdk/http-internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/httprule.h"
#include "sdk/sdk-internal.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
        curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_wipe_free(char *s)
{
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

static int dup_opt(char **dst, const char *src, const char *def)
{
        const char *v = src ? src : def;
        if (!v)
                return 0;
        *dst = strdup(v);
        return *dst ? 0 : -1;
}

struct batch_http *batch_http_new(const struct batch_http_options *o, struct batch_err *reterr)
{
        if (!o || !o->base_url || strncmp(o->base_url, "http", 4) ||
            !strstr(o->base_url, "://")) {
                batch_err_set(reterr, BATCH_EINVAL, "base_url",
                              "base_url: an http:// or https:// URL is required");
                return NULL;
        }
        const char *bad = NULL;
        if (o->connect_timeout_ms < 0)
                bad = "connect_timeout_ms";
        else if (o->timeout_ms < 0)
                bad = "timeout_ms";
        else if (o->backoff_base_ms < 0)
                bad = "backoff_base_ms";
        else if (o->backoff_max_ms < 0)
                bad = "backoff_max_ms";
        else if (o->max_retry_after_ms < 0)
                bad = "max_retry_after_ms";
        else if (o->refresh_fraction < 0 || o->refresh_fraction > 1)
                bad = "refresh_fraction";
        else if (o->max_attempts > 100)
                bad = "max_attempts";
        else if (o->auth == BATCH_HTTP_AUTH_CLIENT_CREDENTIALS && (!o->client_id || !o->client_secret))
                bad = "client_id";
        else if (o->auth == BATCH_HTTP_AUTH_PASSWORD && (!o->username || !o->password))
                bad = "username";
        else if (o->auth == BATCH_HTTP_AUTH_BEARER && !o->bearer_token)
                bad = "bearer_token";
        else if (o->auth > BATCH_HTTP_AUTH_BEARER)
                bad = "auth";
        if (bad) {
                batch_err_set(reterr, BATCH_EINVAL, bad, "%s: missing or out of range", bad);
                return NULL;
        }
        pthread_once(&curl_once, curl_init_once);
        struct batch_http *h = calloc(1, sizeof(*h));
        if (!h)
                goto nomem;
        h->o = *o;
        if (!h->o.connect_timeout_ms)
                h->o.connect_timeout_ms = 5000;
        if (!h->o.timeout_ms)
                h->o.timeout_ms = 30000;
        if (!h->o.max_attempts)
                h->o.max_attempts = 4;
        if (!h->o.backoff_base_ms)
                h->o.backoff_base_ms = 100;
        if (!h->o.backoff_max_ms)
                h->o.backoff_max_ms = 10000;
        if (!h->o.max_retry_after_ms)
                h->o.max_retry_after_ms = 60000;
        if (h->o.refresh_fraction == 0)
                h->o.refresh_fraction = 0.9;
        pthread_mutex_init(&h->pool_mu, NULL);
        http_tokens_init(&h->tok);
        size_t bl = strlen(o->base_url);
        if (dup_opt(&h->base_url, o->base_url, NULL) < 0 ||
            dup_opt(&h->login_path, o->login_path, "/api/auth/login") < 0 ||
            dup_opt(&h->refresh_path, o->refresh_path, "/api/auth/refresh") < 0 ||
            dup_opt(&h->client_id, o->client_id, NULL) < 0 ||
            dup_opt(&h->client_secret, o->client_secret, NULL) < 0 ||
            dup_opt(&h->username, o->username, NULL) < 0 ||
            dup_opt(&h->password, o->password, NULL) < 0 ||
            dup_opt(&h->bearer_token, o->bearer_token, NULL) < 0) {
                batch_http_free(h);
                goto nomem;
        }
        if (bl && h->base_url[bl - 1] == '/')
                h->base_url[bl - 1] = '\0';
        /* The copies are the only ones the client reads. */
        h->o.base_url = h->o.login_path = h->o.refresh_path = NULL;
        h->o.client_id = h->o.client_secret = h->o.username = h->o.password = NULL;
        h->o.bearer_token = NULL;
        h->seq = (uint64_t)sdk_mono_us() ^ (uint64_t)(uintptr_t)h;
        return h;
nomem:
        batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
        return NULL;
}

struct batch_http *batch_http_free(struct batch_http *h)
{
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->npool; i++)
                curl_easy_cleanup(h->pool[i]);
        free(h->pool);
        pthread_mutex_destroy(&h->pool_mu);
        http_tokens_release(&h->tok);
        free(h->base_url);
        free(h->login_path);
        free(h->refresh_path);
        free(h->client_id);
        http_wipe_free(h->client_secret);
        free(h->username);
        http_wipe_free(h->password);
        http_wipe_free(h->bearer_token);
        free(h);
        return NULL;
}

void batch_http_metrics(struct batch_http *h, struct batch_http_metrics *ret)
{
        int64_t *src = (int64_t *)&h->m, *dst = (int64_t *)ret;
        for (size_t i = 0; i < sizeof(*ret) / sizeof(int64_t); i++)
                dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* ---- one attempt ---------------------------------------------------------------------- */

static CURL *handle_take(struct batch_http *h)
{
        CURL *c = NULL;
        pthread_mutex_lock(&h->pool_mu);
        if (h->npool)
                c = h->pool[--h->npool];
        pthread_mutex_unlock(&h->pool_mu);
        return c ? c : curl_easy_init();
}

static void handle_give(struct batch_http *h, CURL *c)
{
        pthread_mutex_lock(&h->pool_mu);
        if (h->npool == h->cappool) {
                size_t n = h->cappool ? h->cappool * 2 : 16;
                void **p = realloc(h->pool, n * sizeof(*p));
                if (!p) {
                        pthread_mutex_unlock(&h->pool_mu);
                        curl_easy_cleanup(c);
                        return;
                }
                h->pool = p;
                h->cappool = n;
        }
        h->pool[h->npool++] = c;
        pthread_mutex_unlock(&h->pool_mu);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
        struct http_attempt *a = ud;
        size_t add = size * n;
        if (a->len + add > HTTP_BODY_MAX) {
                a->too_large = true;
                return 0;
        }
        char *b = realloc(a->body, a->len + add + 1);
        if (!b)
                return 0;
        memcpy(b + a->len, p, add);
        a->body = b;
        a->len += add;
        b[a->len] = '\0';
        return add;
}

/* Copies header `name`'s value (trimmed) into out when line is that header. */
static bool header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
        size_t nl = strlen(name);
        if (n <= nl + 1 || strncasecmp(line, name, nl) || line[nl] != ':')
                return false;
        const char *v = line + nl + 1, *end = line + n;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
                end--;
        size_t l = (size_t)(end - v);
        if (l >= outlen)
                l = outlen - 1;
        memcpy(out, v, l);
        out[l] = '\0';
        return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
        struct http_attempt *a = ud;
        size_t len = size * n;
        char v[128];
        if (header_value(p, len, "Retry-After", v, sizeof(v))) {
                int64_t us;
                if (httprule_retry_after(v, sdk_wall_s(), &us) == 0)
                        a->retry_after_us = us;
        } else {
                header_value(p, len, "ETag", a->etag, sizeof(a->etag));
        }
        return len;
}

void http_attempt_release(struct http_attempt *a)
{
        free(a->body);
        a->body = NULL;
        a->len = 0;
}

int http_perform(struct batch_http *h, const char *method, const char *path, const char *body,
                 const char *const *headers, struct http_attempt *a, struct batch_err *reterr)
{
        memset(a, 0, sizeof(*a));
        a->retry_after_us = -1;
        size_t ul = strlen(h->base_url) + strlen(path) + 1;
        char *url = malloc(ul);
        if (!url)
                return batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
        snprintf(url, ul, "%s%s", h->base_url, path);
        CURL *c = handle_take(h);
        struct curl_slist *hl = NULL, *t;
        int rc = 0;
        if (!c) {
                free(url);
                return batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
        }
        static const char *const fixed[] = {"Accept: application/json", "Expect:", NULL};
        for (size_t i = 0; fixed[i]; i++)
                if ((t = curl_slist_append(hl, fixed[i])))
                        hl = t;
        if (body && (t = curl_slist_append(hl, "Content-Type: application/json")))
                hl = t;
        for (size_t i = 0; headers && headers[i]; i++) {
                if (!(t = curl_slist_append(hl, headers[i]))) {
                        rc = batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
                        goto out;
                }
                hl = t;
        }
        curl_easy_reset(c);
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)h->o.connect_timeout_ms);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)h->o.timeout_ms);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_USERAGENT, "libbatch/" BATCH_VERSION);
        curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
        if (!strcmp(method, "GET"))
                curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        if (body) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        }
        CURLcode cc = curl_easy_perform(c);
        if (cc == CURLE_OK) {
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
        } else if (a->too_large) {
                rc = batch_err_set(reterr, BATCH_ERANGE, "http",
                                   "%s %s: the response is larger than %u bytes", method, path,
                                   HTTP_BODY_MAX);
        } else {
                switch (cc) {
                case CURLE_COULDNT_RESOLVE_HOST:
                case CURLE_COULDNT_CONNECT:
                case CURLE_OPERATION_TIMEDOUT:
                case CURLE_SEND_ERROR:
                case CURLE_RECV_ERROR:
                case CURLE_GOT_NOTHING:
                case CURLE_PARTIAL_FILE:
                case CURLE_SSL_CONNECT_ERROR:
                        a->transport_failed = true;
                        break;
                default:
                        break;
                }
                snprintf(a->error, sizeof(a->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
                if (!a->transport_failed)
                        rc = batch_err_set(reterr, cc == CURLE_OUT_OF_MEMORY ? BATCH_ENOMEM : BATCH_EINVAL,
                                           "http", "%s %s: %s", method, path, a->error);
        }
        /* Leave nothing pointing at this attempt's memory in the pooled handle. */
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
        handle_give(h, c);
out:
        curl_slist_free_all(hl); /* the Authorization line is in here: */
        free(url);
        if (rc < 0)
                http_attempt_release(a);
        return rc;
}

int64_t http_backoff_us(struct batch_http *h, unsigned retry, int64_t retry_after_us)
{
        uint64_t seed = __atomic_add_fetch(&h->seq, 0x9E3779B97F4A7C15ull, __ATOMIC_RELAXED);
        /* splitmix64: one good draw from the sequence */
        seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ull;
        seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBull;
        seed ^= seed >> 31;
        return httprule_backoff_us(retry, h->o.backoff_base_ms * 1000, h->o.backoff_max_ms * 1000,
                                   seed, retry_after_us, h->o.max_retry_after_ms * 1000);
}

/* ---- a request with its retries ----------------------------------------------------- */

static void count_status(struct batch_http *h, long status)
{
        HTTP_COUNT(h, requests);
        int k = status >= 100 && status <= 599 ? (int)(status / 100) : 0;
        __atomic_fetch_add(&h->m.by_class[k], 1, __ATOMIC_RELAXED);
}

/* The message for a request that failed for good (redacted). */
static int give_up(struct batch_http *h, const struct batch_http_request *req,
                   const struct http_attempt *a, unsigned tries, struct batch_err *reterr)
{
        (void)h;
        char path[96], ex[HTTP_EXCERPT_MAX + 32];
        httprule_excerpt(req->path, strlen(req->path), 80, path, sizeof(path));
        if (a->status == 0)
                return batch_err_set(reterr, BATCH_ESKIP, "http", "%s %s: %s after %u tries",
                                     req->method, path, a->error, tries);
        httprule_excerpt(a->body ? a->body : "", a->len, HTTP_EXCERPT_MAX, ex, sizeof(ex));
        return batch_err_set(reterr, BATCH_ESKIP, "http", "%s %s: HTTP %ld after %u tries: %s",
                             req->method, path, a->status, tries, ex);
}

int batch_http_send(struct batch_http *h, const struct batch_http_request *req,
                    struct batch_http_response *ret, struct batch_err *reterr)
{
        if (!h || !req || !ret || !req->method || !req->path || req->path[0] != '/')
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "a request needs a method and a path starting with '/'");
        char idem[300], ifm[160];
        if ((req->idempotency_key && strlen(req->idempotency_key) > 250) ||
            (req->if_match && strlen(req->if_match) > 140) ||
            (req->idempotency_key && strpbrk(req->idempotency_key, "\r\n")) ||
            (req->if_match && strpbrk(req->if_match, "\r\n")))
                return batch_err_set(reterr, BATCH_EINVAL, "header",
                                     "Idempotency-Key or If-Match: too long or not one line");
        const char *headers[4];
        size_t nh = 0;
        char *auth = NULL;
        if (req->idempotency_key) {
                snprintf(idem, sizeof(idem), "Idempotency-Key: %s", req->idempotency_key);
                headers[nh++] = idem;
        }
        if (req->if_match) {
                snprintf(ifm, sizeof(ifm), "If-Match: %s", req->if_match);
                headers[nh++] = ifm;
        }
        size_t auth_slot = nh;
        headers[nh + 1] = NULL;
        headers[nh] = NULL;
        unsigned tries = 0, transient = 0;
        bool refreshed = false;
        uint64_t gen = 0;
        int rc;
        struct http_attempt a;
        for (;;) {
                if (h->o.auth != BATCH_HTTP_AUTH_NONE) {
                        char *tok = NULL;
                        if (h->bearer_token) {
                                tok = strdup(h->bearer_token);
                                rc = tok ? 0 : batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
                        } else {
                                rc = http_token_get(h, false, 0, &tok, &gen, reterr);
                        }
                        if (rc < 0)
                                return rc;
                        size_t al = strlen(tok) + 32;
                        http_wipe_free(auth);
                        auth = malloc(al);
                        if (!auth) {
                                http_wipe_free(tok);
                                return batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
                        }
                        snprintf(auth, al, "Authorization: Bearer %s", tok);
                        http_wipe_free(tok);
                        headers[auth_slot] = auth;
                }
                tries++;
                rc = http_perform(h, req->method, req->path, req->body, headers, &a, reterr);
                if (rc < 0)
                        break;
                count_status(h, a.status);
                enum httprule_class k = httprule_classify(a.status, a.transport_failed);
                if (k == HTTPRULE_AUTH && h->o.auth != BATCH_HTTP_AUTH_NONE &&
                    h->o.auth != BATCH_HTTP_AUTH_BEARER) {
                        /* The first 401 of a request: refresh (unless another thread just
                         * did) and try again, free. A later one counts as a transient
                         * failure, and refreshes again if the token is still that one. */
                        char *tok = NULL;
                        rc = http_token_get(h, true, gen, &tok, &gen, reterr);
                        http_wipe_free(tok);
                        if (rc < 0) {
                                http_attempt_release(&a);
                                break;
                        }
                        HTTP_COUNT(h, auth_retries);
                        if (!refreshed) {
                                refreshed = true;
                                http_attempt_release(&a);
                                continue;
                        }
                        k = HTTPRULE_RETRY;
                }
                if (k != HTTPRULE_RETRY) {
                        ret->status = a.status;
                        ret->body = a.body ? a.body : strdup("");
                        ret->len = a.len;
                        memcpy(ret->etag, a.etag, sizeof(ret->etag));
                        ret->attempts = tries;
                        if (!ret->body)
                                rc = batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
                        break;
                }
                if (++transient >= h->o.max_attempts) {
                        rc = give_up(h, req, &a, tries, reterr);
                        http_attempt_release(&a);
                        break;
                }
                HTTP_COUNT(h, retries);
                int64_t wait = http_backoff_us(h, transient, a.retry_after_us);
                http_attempt_release(&a);
                sdk_sleep_us(wait);
        }
        http_wipe_free(auth);
        return rc;
}

void batch_http_response_release(struct batch_http_response *r)
{
        if (r) {
                free(r->body);
                r->body = NULL;
                r->len = 0;
        }
}

int batch_http_idempotency_key(struct batch_ctx *ctx, const char *item_key, char *out,
                               size_t outlen)
{
        if (httprule_idempotency_key(batch_ctx_instance_id(ctx), batch_ctx_step_name(ctx),
                                     item_key, out, outlen) < 0)
                return BATCH_ERANGE;
        return 0;
}

void batch_job_set_http(struct batch_job *job, struct batch_http *h)
{
        if (job)
                job->http = h;
}

void sdk_http_metrics_json(struct batch_http *h, const struct batch_counts *c, int64_t elapsed_us,
                           char *out, size_t outlen)
{
        struct batch_http_metrics m;
        batch_http_metrics(h, &m);
        int64_t items = c->write + c->read_skip + c->process_skip + c->write_skip + c->filter;
        double per_min = elapsed_us > 0 ? (double)items * 60e6 / (double)elapsed_us : 0;
        snprintf(out, outlen,
                 "{\"requests\": %lld, \"no_response\": %lld, \"status_1xx\": %lld, "
                 "\"status_2xx\": %lld, \"status_3xx\": %lld, \"status_4xx\": %lld, "
                 "\"status_5xx\": %lld, \"retries\": %lld, \"auth_retries\": %lld, "
                 "\"logins\": %lld, \"reauths\": %lld, \"refresh_proactive\": %lld, "
                 "\"refresh_on_401\": %lld, \"refresh_failures\": %lld, "
                 "\"items_per_min\": %.0f}",
                 (long long)m.requests, (long long)m.by_class[0], (long long)m.by_class[1],
                 (long long)m.by_class[2], (long long)m.by_class[3], (long long)m.by_class[4],
                 (long long)m.by_class[5], (long long)m.retries, (long long)m.auth_retries,
                 (long long)m.logins, (long long)m.reauths, (long long)m.refresh_proactive,
                 (long long)m.refresh_on_401, (long long)m.refresh_failures, per_min);
}
