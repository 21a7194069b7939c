/* http_token.c: the HTTP client's token manager — login (client credentials or
 * password), refresh (the refresh token in the body), the access token's lifetime from
 * its JWT exp (else expires_in), proactive refresh at a fraction of it, refresh on a
 * 401, re-login when the refresh is refused; one login or refresh in flight however
 * many threads need a token (a mutex and a condition variable). Tokens live only in
 * this structure's memory and are wiped when replaced. */
#include "sdk/http-internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/httprule.h"
#include "sdk/sdk-internal.h"

void http_tokens_init(struct http_tokens *t)
{
        memset(t, 0, sizeof(*t));
        pthread_mutex_init(&t->mu, NULL);
        pthread_cond_init(&t->cv, NULL);
        t->lifetime_us = -1;
}

void http_tokens_release(struct http_tokens *t)
{
        http_wipe_free(t->access);
        http_wipe_free(t->refresh);
        t->access = t->refresh = NULL;
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
}

/* The JSON body of a login or refresh (malloc'ed; wiped by the caller). */
static char *token_body(struct batch_http *h, const char *refresh_token)
{
        json_t *o;
        if (refresh_token)
                o = json_pack("{s:s}", "refresh_token", refresh_token);
        else if (h->o.auth == BATCH_HTTP_AUTH_CLIENT_CREDENTIALS)
                o = json_pack("{s:s,s:s,s:s}", "grant_type", "client_credentials", "client_id",
                              h->client_id, "client_secret", h->client_secret);
        else
                o = json_pack("{s:s,s:s,s:s,s:s*}", "grant_type", "password", "username",
                              h->username, "password", h->password, "client_id", h->client_id);
        if (!o)
                return NULL;
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        return s;
}

enum token_outcome { TOK_OK, TOK_REFUSED, TOK_UNREACHABLE, TOK_ERROR };

struct token_answer {
        char *access, *refresh;
        int64_t lifetime_us;
        int64_t obtained_mono_us;
};

/* POSTs a login (refresh_token NULL) or a refresh, with the transient retries. */
static enum token_outcome token_request(struct batch_http *h, const char *refresh_token,
                                        struct token_answer *ans, struct batch_err *reterr)
{
        const char *path = refresh_token ? h->refresh_path : h->login_path;
        char *body = token_body(h, refresh_token);
        if (!body) {
                batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
                return TOK_ERROR;
        }
        struct http_attempt a;
        enum token_outcome out = TOK_ERROR;
        for (unsigned tries = 1;; tries++) {
                int64_t sent = sdk_mono_us();
                if (http_perform(h, "POST", path, body, NULL, &a, reterr) < 0)
                        break;
                enum httprule_class k = httprule_classify(a.status, a.transport_failed);
                if (k == HTTPRULE_RETRY) {
                        if (tries >= h->o.max_attempts) {
                                if (a.status)
                                        batch_err_set(reterr, BATCH_ESKIP, "token",
                                                      "POST %s: HTTP %ld after %u tries", path,
                                                      a.status, tries);
                                else
                                        batch_err_set(reterr, BATCH_ESKIP, "token",
                                                      "POST %s: %s after %u tries", path, a.error,
                                                      tries);
                                http_attempt_release(&a);
                                out = TOK_UNREACHABLE;
                                break;
                        }
                        int64_t wait = http_backoff_us(h, tries, a.retry_after_us);
                        http_attempt_release(&a);
                        sdk_sleep_us(wait);
                        continue;
                }
                if (a.status < 200 || a.status > 299) {
                        char ex[HTTP_EXCERPT_MAX + 32];
                        httprule_excerpt(a.body ? a.body : "", a.len, HTTP_EXCERPT_MAX, ex, sizeof(ex));
                        batch_err_set(reterr, BATCH_EAUTH, "token", "POST %s: refused with HTTP %ld: %s",
                                      path, a.status, ex);
                        http_attempt_release(&a);
                        out = TOK_REFUSED;
                        break;
                }
                json_error_t je;
                json_t *o = json_loadb(a.body ? a.body : "", a.len, 0, &je);
                if (a.body)
                        explicit_bzero(a.body, a.len);
                http_attempt_release(&a);
                const char *at = NULL, *rt = NULL;
                json_int_t expires_in = 0;
                if (o && json_is_object(o)) {
                        at = json_string_value(json_object_get(o, "access_token"));
                        rt = json_string_value(json_object_get(o, "refresh_token"));
                        json_t *e = json_object_get(o, "expires_in");
                        if (json_is_integer(e))
                                expires_in = json_integer_value(e);
                }
                if (!at || !*at || strpbrk(at, "\r\n ")) {
                        batch_err_set(reterr, BATCH_EAUTH, "token",
                                      "POST %s: the answer has no usable access_token", path);
                        out = TOK_REFUSED;
                } else {
                        int64_t exp = -1, iat = -1;
                        httprule_jwt_claims(at, &exp, &iat);
                        int64_t life = httprule_token_lifetime_s(exp, iat, (int64_t)expires_in,
                                                                 sdk_wall_s());
                        ans->access = strdup(at);
                        ans->refresh = rt && *rt ? strdup(rt) : NULL;
                        ans->lifetime_us = life < 0 ? -1 : life * 1000000;
                        ans->obtained_mono_us = sent;
                        out = ans->access ? TOK_OK : TOK_ERROR;
                        if (!ans->access)
                                batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
                }
                if (o) {
                        /* wipe the token strings jansson holds before freeing them */
                        json_t *v;
                        if ((v = json_object_get(o, "access_token")) && json_is_string(v))
                                explicit_bzero((char *)json_string_value(v), json_string_length(v));
                        if ((v = json_object_get(o, "refresh_token")) && json_is_string(v))
                                explicit_bzero((char *)json_string_value(v), json_string_length(v));
                        json_decref(o);
                }
                break;
        }
        http_wipe_free(body);
        return out;
}

/* Stores a new token pair (under t->mu). A refresh that returns no refresh token keeps
 * the old one. */
static void store_tokens(struct http_tokens *t, struct token_answer *ans)
{
        http_wipe_free(t->access);
        t->access = ans->access;
        if (ans->refresh) {
                http_wipe_free(t->refresh);
                t->refresh = ans->refresh;
        }
        t->lifetime_us = ans->lifetime_us;
        t->obtained_mono_us = ans->obtained_mono_us;
        t->gen++;
}

enum need { NEED_NONE, NEED_LOGIN, NEED_REFRESH_DUE, NEED_REFRESH_401 };

/* Logs in or refreshes (t->busy is ours; t->mu is not held). Returns 0 with the new pair
 * stored, or the error. */
static int renew(struct batch_http *h, enum need need, struct batch_err *reterr)
{
        struct http_tokens *t = &h->tok;
        struct token_answer ans = {0};
        enum token_outcome r;
        pthread_mutex_lock(&t->mu);
        char *refresh = need != NEED_LOGIN && t->refresh ? strdup(t->refresh) : NULL;
        bool first = t->gen == 0;
        pthread_mutex_unlock(&t->mu);
        if (refresh) {
                if (need == NEED_REFRESH_DUE)
                        HTTP_COUNT(h, refresh_proactive);
                else
                        HTTP_COUNT(h, refresh_on_401);
                r = token_request(h, refresh, &ans, reterr);
                http_wipe_free(refresh);
                if (r == TOK_OK)
                        goto got;
                if (r == TOK_ERROR)
                        return reterr ? reterr->code : BATCH_ENOMEM;
                /* Refused (the refresh token expired or was revoked) or unreachable:
                 * forget it and log in again. */
                HTTP_COUNT(h, refresh_failures);
                pthread_mutex_lock(&t->mu);
                http_wipe_free(t->refresh);
                t->refresh = NULL;
                pthread_mutex_unlock(&t->mu);
        }
        r = token_request(h, NULL, &ans, reterr);
        if (r != TOK_OK)
                return reterr ? reterr->code : (r == TOK_UNREACHABLE ? BATCH_ESKIP : BATCH_EAUTH);
        HTTP_COUNT(h, logins);
        if (!first)
                HTTP_COUNT(h, reauths);
got:
        pthread_mutex_lock(&t->mu);
        store_tokens(t, &ans);
        pthread_mutex_unlock(&t->mu);
        return 0;
}

int http_token_get(struct batch_http *h, bool after_401, uint64_t seen_gen, char **ret_token,
                   uint64_t *ret_gen, struct batch_err *reterr)
{
        struct http_tokens *t = &h->tok;
        struct batch_err local;
        if (!reterr)
                reterr = &local;
        pthread_mutex_lock(&t->mu);
        for (;;) {
                if (t->busy) {
                        pthread_cond_wait(&t->cv, &t->mu);
                        continue;
                }
                enum need need = NEED_NONE;
                if (!t->access)
                        need = NEED_LOGIN;
                else if (after_401 && t->gen == seen_gen)
                        need = NEED_REFRESH_401;
                else if (httprule_refresh_due(sdk_mono_us(), t->obtained_mono_us, t->lifetime_us,
                                              h->o.refresh_fraction))
                        need = NEED_REFRESH_DUE;
                if (need == NEED_NONE) {
                        char *copy = strdup(t->access);
                        uint64_t gen = t->gen;
                        pthread_mutex_unlock(&t->mu);
                        if (!copy)
                                return batch_err_set(reterr, BATCH_ENOMEM, "http", "out of memory");
                        *ret_token = copy;
                        *ret_gen = gen;
                        return 0;
                }
                t->busy = true;
                pthread_mutex_unlock(&t->mu);
                int rc = renew(h, need, reterr);
                pthread_mutex_lock(&t->mu);
                t->busy = false;
                pthread_cond_broadcast(&t->cv);
                if (rc < 0) {
                        pthread_mutex_unlock(&t->mu);
                        return rc;
                }
                after_401 = false; /* the token is a new one now */
        }
}
