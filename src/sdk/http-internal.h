/* http-internal.h: the HTTP client's private structures (src/sdk/http.c, the transport
 * and retries; src/sdk/http_token.c, the token manager). */
#ifndef BATCH_SDK_HTTP_INTERNAL_H
#define BATCH_SDK_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "batch.h"

#define HTTP_BODY_MAX (16u << 20) /* the largest response body kept */
#define HTTP_EXCERPT_MAX 120      /* bytes of a body quoted in an error message */

/* The token manager's state, under mu. One refresh or login at a time: `busy` is set
 * by the thread doing it, the others wait on cv. */
struct http_tokens {
        pthread_mutex_t mu;
        pthread_cond_t cv;
        bool busy;
        char *access;            /* NULL until the first login */
        char *refresh;           /* NULL when the API gave none */
        int64_t obtained_mono_us;
        int64_t lifetime_us;     /* -1: unknown (never refreshed proactively) */
        uint64_t gen;            /* bumped with every new access token */
};

struct batch_http {
        struct batch_http_options o; /* strings below are owned copies */
        char *base_url, *login_path, *refresh_path;
        char *client_id, *client_secret, *username, *password, *bearer_token;
        pthread_mutex_t pool_mu;     /* the idle libcurl handles */
        void **pool;
        size_t npool, cappool;
        struct http_tokens tok;
        struct batch_http_metrics m; /* updated with __atomic builtins */
        uint64_t seq;                /* per-request jitter seeds */
};

/* One attempt's outcome. */
struct http_attempt {
        long status;                 /* 0: no response */
        bool transport_failed;       /* a transient transport error (connect, timeout) */
        char error[128];             /* the transport error's text when status is 0 */
        char *body;                  /* malloc'ed or NULL */
        size_t len;
        bool too_large;
        int64_t retry_after_us;      /* -1: no (valid) Retry-After */
        char etag[128];
};

/* Performs one attempt of `method path` with the given body and extra headers (a NULL-
 * terminated array, borrowed) on a pooled handle. Fills *a (release with
 * http_attempt_release). Returns 0, or BATCH_ENOMEM/BATCH_EINVAL when nothing could be
 * sent for a reason a retry would not cure. */
int http_perform(struct batch_http *h, const char *method, const char *path, const char *body,
                 const char *const *headers, struct http_attempt *a, struct batch_err *reterr);
void http_attempt_release(struct http_attempt *a);

/* The delay before retry `retry` of a request (full jitter, Retry-After honoured). */
int64_t http_backoff_us(struct batch_http *h, unsigned retry, int64_t retry_after_us);

/* A current access token for a request (malloc'ed copy in *ret_token, its generation in
 * *ret_gen): logs in or refreshes first when needed. `after_401` with the generation
 * the 401 came back with: refreshes unless another thread already replaced that token.
 * 0, BATCH_EAUTH when the login is refused, BATCH_ESKIP when the token endpoint stayed
 * unreachable through the retries, BATCH_ENOMEM. */
int http_token_get(struct batch_http *h, bool after_401, uint64_t seen_gen, char **ret_token,
                   uint64_t *ret_gen, struct batch_err *reterr);
void http_tokens_init(struct http_tokens *t);
void http_tokens_release(struct http_tokens *t);

/* Adds one to a counter of h->m. */
#define HTTP_COUNT(h, field) __atomic_fetch_add(&(h)->m.field, 1, __ATOMIC_RELAXED)

/* Frees a string after wiping it. */
void http_wipe_free(char *s);

#endif
