/* workorder-api: a small MES work-order API for the HTTP client's example and tests
 * (docs/http-client.md). Login (client credentials or password), refresh (the refresh
 * token in the body, rotated), HS256 JWTs with lifetimes from the command line, a list
 * of work orders paged by id, conditional updates (version, 409 when stale), honoured
 * Idempotency-Keys, fault injection (500s, spurious 401s, 429s with Retry-After, added
 * latency, ids that always fail, a queue of forced statuses) and counters a test reads
 * at GET /admin/counts. It keeps everything in memory and never prints a token.
 *
 *   workorder-api [--port N] [--port-file PATH] [--workorders N] [--access-ttl S]
 *                 [--refresh-ttl S] [--sliding] [--refuse-refresh] [--leeway S] [--client-id ID]
 *                 [--client-secret-env VAR] [--user U] [--password-env VAR]
 *                 [--fail-rate R] [--fail-after-apply R] [--spurious-401-rate R]
 *                 [--rate-429 R] [--retry-after S] [--latency-ms N] [--fail-ids 1,2,3]
 *                 [--seed N]
 *
 * Routes: POST /api/auth/login, POST /api/auth/refresh, GET /api/workorders?after=&limit=,
 * GET /api/workorders/{id}, PUT /api/workorders/{id}; admin (no auth, loopback tests
 * only): GET /admin/counts, POST /admin/revoke[?refresh=1], POST /admin/faults
 * {"next":[status,...],"retry_after":S}, GET /admin/workorders/{id}. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX 65536
#define IDEM_BUCKETS 65536
#define FORCED_MAX 64

struct workorder {
        int64_t id;
        int64_t version;
        char status[32];
        char note[64];
        int64_t applied;         /* updates applied (idempotent replays not counted) */
};

struct idem {
        struct idem *next;
        char *key;
        int64_t id;
        int status;
        char *body;
};

struct server {
        pthread_mutex_t mu;
        struct workorder *wo;
        int64_t nwo;
        struct idem *idem[IDEM_BUCKETS];
        unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
        /* settings */
        double access_ttl, refresh_ttl, leeway;
        bool sliding;
        bool refuse_refresh;     /* every refresh is refused (tests of re-login alerts) */
        const char *client_id, *client_secret, *user, *password;
        double fail_rate, fail_after_apply, spurious_401, rate_429;
        int retry_after, latency_ms;
        int64_t *fail_ids;
        size_t nfail_ids;
        uint64_t seed;
        /* state */
        int64_t epoch;           /* access tokens of older epochs are refused */
        int64_t refresh_epoch;   /* refresh tokens of older epochs are refused */
        int64_t jti;
        /* live refresh tokens (rotated: one use each) */
        int64_t *live_refresh;
        size_t nlive, caplive;
        int forced[FORCED_MAX];
        size_t nforced;
        int forced_retry_after;
        /* counters */
        int64_t logins, refreshes, refresh_refused, login_refused, requests, unauthorized,
                faults_500, faults_401, faults_429, conflicts, replays, applied_total;
        double last_429_at, first_after_429_gap; /* seconds; -1 none */
        bool after_429;
};

static struct server S;

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mono_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A uniform draw in [0, 1) (splitmix64 over a shared counter; under S.mu). */
static double draw(void)
{
        uint64_t z = (S.seed += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        return (double)(z >> 11) / (double)(1ull << 53);
}

/* ---- JWT (HS256) --------------------------------------------------------------------- */

static char *b64url(const unsigned char *p, size_t n)
{
        size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        char *s = malloc(cap);
        if (s)
                sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        return s;
}

/* Makes a token with claims typ, sub, iat, exp, jti, epoch (malloc'ed). */
static char *jwt_make(const char *typ, const char *sub, double ttl, int64_t exp_override,
                      int64_t jti, int64_t epoch, int64_t *ret_exp)
{
        int64_t iat = (int64_t)now_s();
        int64_t exp = exp_override > 0 ? exp_override : iat + (int64_t)(ttl + 0.5);
        json_t *p = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "typ", typ, "sub", sub, "iat",
                              (json_int_t)iat, "exp", (json_int_t)exp, "jti", (json_int_t)jti,
                              "epoch", (json_int_t)epoch);
        char *pj = json_dumps(p, JSON_COMPACT);
        json_decref(p);
        static const char hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
        char *h64 = b64url((const unsigned char *)hdr, strlen(hdr));
        char *p64 = b64url((const unsigned char *)pj, strlen(pj));
        free(pj);
        size_t n = strlen(h64) + strlen(p64) + 2;
        char *signing = malloc(n);
        snprintf(signing, n, "%s.%s", h64, p64);
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256(mac, (const unsigned char *)signing, strlen(signing), S.key);
        char *s64 = b64url(mac, sizeof(mac));
        size_t tn = n + strlen(s64) + 1;
        char *tok = malloc(tn);
        snprintf(tok, tn, "%s.%s", signing, s64);
        free(h64);
        free(p64);
        free(signing);
        free(s64);
        *ret_exp = exp;
        return tok;
}

/* Verifies signature and typ; returns the payload (caller decrefs) or NULL. Expiry is
 * the caller's. */
static json_t *jwt_verify(const char *tok, const char *typ)
{
        const char *d1 = strchr(tok, '.');
        const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
        if (!d1 || !d2)
                return NULL;
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        size_t ml;
        if (sodium_base642bin(mac, sizeof(mac), d2 + 1, strlen(d2 + 1), NULL, &ml, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
            ml != sizeof(mac))
                return NULL;
        if (crypto_auth_hmacsha256_verify(mac, (const unsigned char *)tok, (size_t)(d2 - tok), S.key))
                return NULL;
        unsigned char pl[2048];
        size_t pn;
        if (sodium_base642bin(pl, sizeof(pl), d1 + 1, (size_t)(d2 - d1 - 1), NULL, &pn, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING))
                return NULL;
        json_t *p = json_loadb((const char *)pl, pn, 0, NULL);
        const char *t = json_string_value(json_object_get(p, "typ"));
        if (!t || strcmp(t, typ)) {
                json_decref(p);
                return NULL;
        }
        return p;
}

static int64_t claim(json_t *p, const char *name)
{
        return (int64_t)json_integer_value(json_object_get(p, name));
}

/* ---- responses ---------------------------------------------------------------------- */

struct reply {
        int status;
        char *body;              /* malloc'ed JSON */
        int retry_after;         /* > 0: a Retry-After header */
        int64_t etag;            /* > 0: ETag "N" */
};

static void reply_json(struct reply *r, int status, json_t *o)
{
        r->status = status;
        r->body = json_dumps(o, JSON_COMPACT);
        json_decref(o);
}

static void reply_error(struct reply *r, int status, const char *error, const char *detail)
{
        reply_json(r, status, json_pack("{s:s,s:s}", "error", error, "detail", detail));
}

static json_t *wo_json(const struct workorder *w)
{
        return json_pack("{s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)w->id, "version",
                         (json_int_t)w->version, "status", w->status, "note", w->note, "po",
                         "");
}

static json_t *wo_json_po(const struct workorder *w)
{
        json_t *o = wo_json(w);
        char po[32];
        snprintf(po, sizeof(po), "PO-%lld", (long long)((w->id - 1) / 5 + 1));
        json_object_set_new(o, "po", json_string(po));
        return o;
}

/* ---- auth routes ---------------------------------------------------------------------- */

static void issue_pair(struct reply *r, const char *sub, int64_t refresh_exp)
{
        int64_t aexp, rexp;
        char *at = jwt_make("access", sub, S.access_ttl, 0, ++S.jti, S.epoch, &aexp);
        int64_t rj = ++S.jti;
        char *rt = jwt_make("refresh", sub, S.refresh_ttl, refresh_exp, rj, S.refresh_epoch, &rexp);
        if (S.nlive == S.caplive) {
                S.caplive = S.caplive ? S.caplive * 2 : 64;
                S.live_refresh = realloc(S.live_refresh, S.caplive * sizeof(int64_t));
        }
        S.live_refresh[S.nlive++] = rj;
        reply_json(r, 200,
                   json_pack("{s:s,s:s,s:s,s:I,s:I}", "access_token", at, "refresh_token", rt,
                             "token_type", "Bearer", "expires_in", (json_int_t)(aexp - (int64_t)now_s()),
                             "refresh_expires_in", (json_int_t)(rexp - (int64_t)now_s())));
        sodium_memzero(at, strlen(at));
        sodium_memzero(rt, strlen(rt));
        free(at);
        free(rt);
}

static bool eq(const char *a, const char *b)
{
        return a && b && strlen(a) == strlen(b) && sodium_memcmp(a, b, strlen(a)) == 0;
}

static void route_login(json_t *in, struct reply *r)
{
        const char *grant = json_string_value(json_object_get(in, "grant_type"));
        const char *sub = NULL;
        if (grant && !strcmp(grant, "client_credentials") && S.client_id &&
            eq(json_string_value(json_object_get(in, "client_id")), S.client_id) &&
            eq(json_string_value(json_object_get(in, "client_secret")), S.client_secret))
                sub = S.client_id;
        else if (grant && !strcmp(grant, "password") && S.user &&
                 eq(json_string_value(json_object_get(in, "username")), S.user) &&
                 eq(json_string_value(json_object_get(in, "password")), S.password))
                sub = S.user;
        if (!sub) {
                S.login_refused++;
                reply_error(r, 401, "invalid_client", "unknown client or wrong secret");
                return;
        }
        S.logins++;
        issue_pair(r, sub, 0);
}

static void route_refresh(json_t *in, struct reply *r)
{
        const char *rt = json_string_value(json_object_get(in, "refresh_token"));
        json_t *p = rt ? jwt_verify(rt, "refresh") : NULL;
        bool ok = p && !S.refuse_refresh && (double)claim(p, "exp") + S.leeway > now_s() &&
                  claim(p, "epoch") >= S.refresh_epoch;
        size_t i = 0;
        if (ok) {
                int64_t jti = claim(p, "jti");
                for (i = 0; i < S.nlive && S.live_refresh[i] != jti; i++)
                        ;
                ok = i < S.nlive;
        }
        if (!ok) {
                S.refresh_refused++;
                json_decref(p);
                reply_error(r, 401, "invalid_grant", "the refresh token is expired, used or revoked");
                return;
        }
        S.live_refresh[i] = S.live_refresh[--S.nlive]; /* rotated: one use */
        S.refreshes++;
        char sub[64];
        snprintf(sub, sizeof(sub), "%s", json_string_value(json_object_get(p, "sub")));
        int64_t exp = S.sliding ? 0 : claim(p, "exp");
        json_decref(p);
        issue_pair(r, sub, exp);
}

/* 0 when the request carries a valid access token. */
static int authorized(struct MHD_Connection *c)
{
        const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        if (!h || strncmp(h, "Bearer ", 7))
                return -1;
        json_t *p = jwt_verify(h + 7, "access");
        bool ok = p && (double)claim(p, "exp") + S.leeway > now_s() && claim(p, "epoch") >= S.epoch;
        json_decref(p);
        return ok ? 0 : -1;
}

/* ---- work orders ---------------------------------------------------------------------- */

static struct workorder *find_wo(int64_t id)
{
        return id >= 1 && id <= S.nwo ? &S.wo[id - 1] : NULL;
}

static uint32_t hash(const char *s)
{
        uint32_t h = 2166136261u;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 16777619u;
        return h;
}

static struct idem *idem_find(const char *key)
{
        for (struct idem *e = S.idem[hash(key) % IDEM_BUCKETS]; e; e = e->next)
                if (!strcmp(e->key, key))
                        return e;
        return NULL;
}

static void idem_put(const char *key, int64_t id, const struct reply *r)
{
        struct idem *e = calloc(1, sizeof(*e));
        e->key = strdup(key);
        e->id = id;
        e->status = r->status;
        e->body = strdup(r->body ? r->body : "");
        uint32_t b = hash(key) % IDEM_BUCKETS;
        e->next = S.idem[b];
        S.idem[b] = e;
}

static void route_list(struct MHD_Connection *c, struct reply *r)
{
        const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
        const char *l = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
        char *end;
        long long after = a ? strtoll(a, &end, 10) : 0;
        if (a && (*end || after < 0)) {
                reply_error(r, 400, "bad_request", "after: not a work order id");
                return;
        }
        long long limit = l ? strtoll(l, &end, 10) : 100;
        if (l && (*end || limit < 1 || limit > 1000)) {
                reply_error(r, 400, "bad_request", "limit: 1 to 1000");
                return;
        }
        json_t *items = json_array();
        int64_t last = 0;
        for (int64_t id = after + 1; id <= S.nwo && (long long)json_array_size(items) < limit; id++) {
                json_array_append_new(items, wo_json_po(&S.wo[id - 1]));
                last = id;
        }
        json_t *o = json_pack("{s:o}", "items", items);
        json_object_set_new(o, "next_after", last && last < S.nwo ? json_integer(last) : json_null());
        reply_json(r, 200, o);
}

static void route_put(struct MHD_Connection *c, int64_t id, json_t *in, struct reply *r)
{
        const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
        if (key) {
                struct idem *e = idem_find(key);
                if (e) {
                        if (e->id != id) {
                                reply_error(r, 422, "idempotency_key_reused",
                                            "this Idempotency-Key was used for another work order");
                                return;
                        }
                        S.replays++;
                        r->status = e->status;
                        r->body = strdup(e->body);
                        return;
                }
        }
        struct workorder *w = find_wo(id);
        if (!w) {
                reply_error(r, 404, "not_found", "no such work order");
                return;
        }
        for (size_t i = 0; i < S.nfail_ids; i++)
                if (S.fail_ids[i] == id) {
                        S.faults_500++;
                        reply_error(r, 500, "internal", "this work order cannot be updated (injected)");
                        return;
                }
        int64_t want = -1;
        const char *im = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Match");
        if (im) {
                const char *p = im;
                if (*p == 'W' && p[1] == '/')
                        p += 2;
                if (*p == '"')
                        p++;
                want = strtoll(p, NULL, 10);
        } else if (json_is_integer(json_object_get(in, "version"))) {
                want = (int64_t)json_integer_value(json_object_get(in, "version"));
        }
        if (want < 0) {
                reply_error(r, 428, "precondition_required", "send If-Match or a version field");
                return;
        }
        const char *status = json_string_value(json_object_get(in, "status"));
        if (!status || strlen(status) >= sizeof(w->status)) {
                reply_error(r, 400, "bad_request", "status: a string of at most 31 bytes");
                return;
        }
        if (want != w->version) {
                S.conflicts++;
                json_t *o = json_pack("{s:s,s:I}", "error", "stale_version", "version",
                                      (json_int_t)w->version);
                reply_json(r, 409, o);
                return;
        }
        const char *note = json_string_value(json_object_get(in, "note"));
        snprintf(w->status, sizeof(w->status), "%s", status);
        snprintf(w->note, sizeof(w->note), "%s", note ? note : "");
        w->version++;
        w->applied++;
        S.applied_total++;
        reply_json(r, 200, wo_json_po(w));
        r->etag = w->version;
        if (key)
                idem_put(key, id, r);
        if (S.fail_after_apply > 0 && draw() < S.fail_after_apply) {
                /* the update is done but the answer is lost */
                S.faults_500++;
                free(r->body);
                r->etag = 0;
                reply_error(r, 500, "internal", "the answer was lost (injected after applying)");
        }
}

/* ---- admin routes --------------------------------------------------------------------- */

static void route_counts(struct reply *r)
{
        int64_t hist[3] = {0, 0, 0};
        json_t *odd = json_array();
        for (int64_t i = 0; i < S.nwo; i++) {
                int64_t a = S.wo[i].applied;
                hist[a > 2 ? 2 : a]++;
                if (a != 1 && json_array_size(odd) < 1000)
                        json_array_append_new(odd, json_pack("{s:I,s:I}", "id", (json_int_t)S.wo[i].id,
                                                             "applied", (json_int_t)a));
        }
        json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "workorders",
                              (json_int_t)S.nwo, "applied_total", (json_int_t)S.applied_total,
                              "applied_zero", (json_int_t)hist[0], "applied_once", (json_int_t)hist[1],
                              "applied_more", (json_int_t)hist[2], "logins", (json_int_t)S.logins,
                              "login_refused", (json_int_t)S.login_refused, "refreshes",
                              (json_int_t)S.refreshes, "refresh_refused", (json_int_t)S.refresh_refused,
                              "requests", (json_int_t)S.requests, "unauthorized",
                              (json_int_t)S.unauthorized, "conflicts", (json_int_t)S.conflicts,
                              "replays", (json_int_t)S.replays);
        json_object_set_new(o, "faults_500", json_integer(S.faults_500));
        json_object_set_new(o, "faults_401", json_integer(S.faults_401));
        json_object_set_new(o, "faults_429", json_integer(S.faults_429));
        json_object_set_new(o, "gap_after_429_ms",
                            S.first_after_429_gap >= 0 ? json_integer((json_int_t)(S.first_after_429_gap * 1000))
                                                       : json_null());
        json_object_set_new(o, "not_once", odd);
        reply_json(r, 200, o);
}

static void route_faults(json_t *in, struct reply *r)
{
        json_t *next = json_object_get(in, "next");
        if (!json_is_array(next) || json_array_size(next) > FORCED_MAX) {
                reply_error(r, 400, "bad_request", "next: an array of at most 64 statuses");
                return;
        }
        S.nforced = 0;
        for (size_t i = 0; i < json_array_size(next); i++)
                S.forced[S.nforced++] = (int)json_integer_value(json_array_get(next, i));
        json_t *ra = json_object_get(in, "retry_after");
        S.forced_retry_after = json_is_integer(ra) ? (int)json_integer_value(ra) : S.retry_after;
        S.first_after_429_gap = -1;
        reply_json(r, 200, json_pack("{s:I}", "queued", (json_int_t)S.nforced));
}

/* ---- dispatch --------------------------------------------------------------------------- */

/* Injected faults of /api/workorders requests: a queued status, else the rates. */
static bool inject(struct reply *r)
{
        int st = 0, ra = S.retry_after;
        if (S.nforced) {
                st = S.forced[0];
                memmove(S.forced, S.forced + 1, (S.nforced - 1) * sizeof(int));
                S.nforced--;
                ra = S.forced_retry_after;
        } else {
                double u = draw();
                if (u < S.fail_rate)
                        st = 500;
                else if (u < S.fail_rate + S.spurious_401)
                        st = 401;
                else if (u < S.fail_rate + S.spurious_401 + S.rate_429)
                        st = 429;
        }
        if (!st)
                return false;
        if (st == 429) {
                S.faults_429++;
                r->retry_after = ra > 0 ? ra : 1;
                S.last_429_at = mono_s();
                S.after_429 = true;
                reply_error(r, 429, "rate_limited", "slow down (injected)");
        } else if (st == 401) {
                S.faults_401++;
                reply_error(r, 401, "invalid_token", "token rejected (injected)");
        } else {
                S.faults_500++;
                reply_error(r, st, "internal", "injected failure");
        }
        return true;
}

static void handle(struct MHD_Connection *c, const char *method, const char *url, json_t *in,
                   struct reply *r)
{
        if (!strcmp(url, "/api/auth/login") && !strcmp(method, "POST"))
                return route_login(in, r);
        if (!strcmp(url, "/api/auth/refresh") && !strcmp(method, "POST"))
                return route_refresh(in, r);
        if (!strcmp(url, "/admin/counts") && !strcmp(method, "GET"))
                return route_counts(r);
        if (!strcmp(url, "/admin/faults") && !strcmp(method, "POST"))
                return route_faults(in, r);
        if (!strcmp(url, "/admin/revoke") && !strcmp(method, "POST")) {
                S.epoch++;
                if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "refresh"))
                        S.refresh_epoch++;
                return reply_json(r, 200, json_pack("{s:I}", "epoch", (json_int_t)S.epoch));
        }
        if (!strncmp(url, "/admin/workorders/", 18) && !strcmp(method, "GET")) {
                struct workorder *w = find_wo(strtoll(url + 18, NULL, 10));
                if (!w)
                        return reply_error(r, 404, "not_found", "no such work order");
                json_t *o = wo_json_po(w);
                json_object_set_new(o, "applied", json_integer(w->applied));
                return reply_json(r, 200, o);
        }
        if (strncmp(url, "/api/workorders", 15))
                return reply_error(r, 404, "not_found", "no such route");
        S.requests++;
        if (S.after_429) {
                S.after_429 = false;
                S.first_after_429_gap = mono_s() - S.last_429_at;
        }
        if (authorized(c) < 0) {
                S.unauthorized++;
                return reply_error(r, 401, "invalid_token", "missing, expired or revoked token");
        }
        if (inject(r))
                return;
        if (!strcmp(url, "/api/workorders") && !strcmp(method, "GET"))
                return route_list(c, r);
        if (!strncmp(url, "/api/workorders/", 16)) {
                char *end;
                long long id = strtoll(url + 16, &end, 10);
                if (*end || id < 1)
                        return reply_error(r, 404, "not_found", "no such work order");
                if (!strcmp(method, "GET")) {
                        struct workorder *w = find_wo(id);
                        if (!w)
                                return reply_error(r, 404, "not_found", "no such work order");
                        r->etag = w->version;
                        return reply_json(r, 200, wo_json_po(w));
                }
                if (!strcmp(method, "PUT"))
                        return route_put(c, id, in, r);
        }
        reply_error(r, 405, "method_not_allowed", "not allowed on this route");
}

struct upload {
        char *buf;
        size_t len;
        bool too_big;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
        (void)cls;
        (void)version;
        struct upload *u = *con_cls;
        if (!u) {
                *con_cls = u = calloc(1, sizeof(*u));
                return u ? MHD_YES : MHD_NO;
        }
        if (*size) {
                if (u->len + *size > BODY_MAX) {
                        u->too_big = true;
                } else {
                        u->buf = realloc(u->buf, u->len + *size + 1);
                        memcpy(u->buf + u->len, data, *size);
                        u->len += *size;
                        u->buf[u->len] = '\0';
                }
                *size = 0;
                return MHD_YES;
        }
        struct reply r = {0};
        json_t *in = NULL;
        if (S.latency_ms > 0 && !strncmp(url, "/api/", 5))
                usleep((useconds_t)S.latency_ms * 1000);
        if (u->too_big) {
                reply_error(&r, 413, "too_large", "the body is larger than 64 KiB");
        } else if (u->len && !(in = json_loadb(u->buf, u->len, 0, NULL))) {
                reply_error(&r, 400, "bad_json", "the body is not JSON");
        } else {
                if (!in)
                        in = json_object();
                pthread_mutex_lock(&S.mu);
                handle(c, method, url, in, &r);
                pthread_mutex_unlock(&S.mu);
        }
        json_decref(in);
        char *body = r.body ? r.body : strdup("{}");
        struct MHD_Response *resp =
                MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "Content-Type", "application/json");
        char v[32];
        if (r.retry_after > 0) {
                snprintf(v, sizeof(v), "%d", r.retry_after);
                MHD_add_response_header(resp, "Retry-After", v);
        }
        if (r.etag > 0) {
                snprintf(v, sizeof(v), "\"%lld\"", (long long)r.etag);
                MHD_add_response_header(resp, "ETag", v);
        }
        enum MHD_Result ret = MHD_queue_response(c, (unsigned)r.status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        (void)cls;
        (void)c;
        (void)toe;
        struct upload *u = *con_cls;
        if (u) {
                free(u->buf);
                free(u);
        }
        *con_cls = NULL;
}

/* ---- main ------------------------------------------------------------------------------- */

static int usage(const char *why)
{
        fprintf(stderr, "workorder-api: %s\n(see the comment at the top of examples/workorder-api/server.c)\n", why);
        return 2;
}

static bool num(const char *s, double lo, double hi, double *ret)
{
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || *end || end == s || v < lo || v > hi)
                return false;
        *ret = v;
        return true;
}

static const char *secret_from_env(const char *var)
{
        const char *v = getenv(var);
        return v && *v ? v : NULL;
}

int main(int argc, char **argv)
{
        double port = 0, nwo = 1000, d;
        const char *port_file = NULL;
        S.access_ttl = 60;
        S.refresh_ttl = 600;
        S.leeway = 1;
        S.retry_after = 1;
        S.seed = 1;
        S.first_after_429_gap = -1;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                bool ok = true, takes = true;
                if (!strcmp(a, "--sliding")) {
                        S.sliding = true;
                        takes = false;
                } else if (!strcmp(a, "--refuse-refresh")) {
                        S.refuse_refresh = true;
                        takes = false;
                } else if (!v) {
                        return usage("an option is missing its value");
                } else if (!strcmp(a, "--port"))
                        ok = num(v, 0, 65535, &port);
                else if (!strcmp(a, "--port-file"))
                        port_file = v;
                else if (!strcmp(a, "--workorders"))
                        ok = num(v, 1, 10000000, &nwo);
                else if (!strcmp(a, "--access-ttl"))
                        ok = num(v, 1, 86400, &S.access_ttl);
                else if (!strcmp(a, "--refresh-ttl"))
                        ok = num(v, 1, 864000, &S.refresh_ttl);
                else if (!strcmp(a, "--leeway"))
                        ok = num(v, 0, 3600, &S.leeway);
                else if (!strcmp(a, "--client-id"))
                        S.client_id = v;
                else if (!strcmp(a, "--client-secret-env"))
                        ok = (S.client_secret = secret_from_env(v)) != NULL;
                else if (!strcmp(a, "--user"))
                        S.user = v;
                else if (!strcmp(a, "--password-env"))
                        ok = (S.password = secret_from_env(v)) != NULL;
                else if (!strcmp(a, "--fail-rate"))
                        ok = num(v, 0, 1, &S.fail_rate);
                else if (!strcmp(a, "--fail-after-apply"))
                        ok = num(v, 0, 1, &S.fail_after_apply);
                else if (!strcmp(a, "--spurious-401-rate"))
                        ok = num(v, 0, 1, &S.spurious_401);
                else if (!strcmp(a, "--rate-429"))
                        ok = num(v, 0, 1, &S.rate_429);
                else if (!strcmp(a, "--retry-after")) {
                        ok = num(v, 0, 3600, &d);
                        S.retry_after = (int)d;
                } else if (!strcmp(a, "--latency-ms")) {
                        ok = num(v, 0, 60000, &d);
                        S.latency_ms = (int)d;
                } else if (!strcmp(a, "--seed")) {
                        ok = num(v, 0, 1e15, &d);
                        S.seed = (uint64_t)d;
                } else if (!strcmp(a, "--fail-ids")) {
                        char *copy = strdup(v), *save = NULL;
                        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                                S.fail_ids = realloc(S.fail_ids, (S.nfail_ids + 1) * sizeof(int64_t));
                                S.fail_ids[S.nfail_ids++] = strtoll(t, NULL, 10);
                        }
                        free(copy);
                } else {
                        return usage("unknown option");
                }
                if (!ok) {
                        fprintf(stderr, "workorder-api: %s: bad value '%s' (a secret's variable must be set)\n", a, v);
                        return 2;
                }
                if (takes)
                        i++;
        }
        if (S.fail_rate + S.spurious_401 + S.rate_429 > 1)
                return usage("--fail-rate, --spurious-401-rate and --rate-429 add up to more than 1");
        if ((S.client_id && !S.client_secret) || (S.user && !S.password) || (!S.client_id && !S.user))
                return usage("give --client-id with --client-secret-env VAR, or --user with --password-env VAR");
        if (sodium_init() < 0)
                return 1;
        randombytes_buf(S.key, sizeof(S.key));
        pthread_mutex_init(&S.mu, NULL);
        S.nwo = (int64_t)nwo;
        S.wo = calloc((size_t)S.nwo, sizeof(*S.wo));
        for (int64_t i = 0; i < S.nwo; i++) {
                S.wo[i].id = i + 1;
                S.wo[i].version = 1;
                snprintf(S.wo[i].status, sizeof(S.wo[i].status), "released");
        }
        signal(SIGPIPE, SIG_IGN);
        /* SIGTERM/SIGINT blocked in every thread (MHD's inherit the mask); main waits. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        struct MHD_Daemon *d_ = MHD_start_daemon(
                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
                NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
        if (!d_) {
                fprintf(stderr, "workorder-api: cannot listen on 127.0.0.1:%d\n", (int)port);
                return 1;
        }
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d_, MHD_DAEMON_INFO_BIND_PORT);
        unsigned bound = info ? info->port : (unsigned)port;
        if (port_file) {
                char tmp[4096];
                snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
                FILE *f = fopen(tmp, "w");
                if (!f || fprintf(f, "%u\n", bound) < 0 || fclose(f) != 0 || rename(tmp, port_file)) {
                        fprintf(stderr, "workorder-api: cannot write %s\n", port_file);
                        return 1;
                }
        }
        fprintf(stderr, "workorder-api: %lld work orders on 127.0.0.1:%u\n", (long long)S.nwo, bound);
        int sig;
        sigwait(&set, &sig);
        MHD_stop_daemon(d_);
        return 0;
}
