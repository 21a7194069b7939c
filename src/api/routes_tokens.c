/* routes_tokens.c: /api/v1/tokens (admin): list, create (the secret is in the answer
 * once and never again), revoke. Tokens act within their own tenant. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api/request.h"
#include "api/token.h"
#include "common/json.h"
#include "core/isotime.h"

static void put_token(struct buf *b, const struct store_token *t)
{
        char iso[ISO_FORMAT_MAX];
        buf_printf(b, "{\"id\": %lld, \"name\": ", (long long)t->id);
        json_put_string(b, t->name);
        buf_puts(b, ", \"role\": ");
        json_put_string(b, t->role);
        buf_printf(b, ", \"created_at\": \"%s\"", iso_format_utc(t->created_at, iso));
        if (t->expires_at)
                buf_printf(b, ", \"expires_at\": \"%s\"", iso_format_utc(t->expires_at, iso));
        else
                buf_puts(b, ", \"expires_at\": null");
        buf_printf(b, ", \"revoked\": %s}", t->revoked ? "true" : "false");
}

static void put_token_at(struct buf *b, const void *list, size_t i)
{
        put_token(b, &((const struct store_token_list *)list)->items[i]);
}

static void token_key(const void *list, size_t i, char *out, size_t len)
{
        snprintf(out, len, "%lld", (long long)((const struct store_token_list *)list)->items[i].id);
}

int api_tokens_list(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){"limit", "cursor", NULL}) < 0)
                return -1;
        struct store_token_list l;
        struct batch_err err;
        if (store_token_list(r->st, r->tenant, &l, &err) < 0)
                return api_store_problem(r, &err);
        struct api_list_view v = {&l, l.n, put_token_at, token_key};
        int rc = api_put_page(r, &v);
        store_token_list_release(&l);
        return rc;
}

int api_token_create(struct api_req *r)
{
        static const char *const fields[] = {"name", "role", "expires_days", NULL};
        json_t *body;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 ||
            api_body_object(r, fields, false, &body) < 0)
                return -1;
        json_t *name = json_object_get(body, "name"), *role = json_object_get(body, "role"),
               *days = json_object_get(body, "expires_days");
        int rc = -1;
        if (!json_is_string(name) || !json_is_string(role))
                api_problem(r, 400, "body: name and role (viewer, operator or admin) are required "
                                    "strings");
        else if (days && (!json_is_integer(days) || json_integer_value(days) < 1 ||
                          json_integer_value(days) > 36500))
                api_problem(r, 400, "body: expires_days must be an integer 1 to 36500");
        else
                rc = 0;
        if (rc < 0) {
                json_decref(body);
                return -1;
        }
        int64_t now = (int64_t)time(NULL), id;
        int64_t exp = days ? now + (int64_t)json_integer_value(days) * 86400 : 0;
        char secret[TOKEN_SECRET_MAX];
        struct batch_err err;
        rc = token_create(r->st, r->tenant, json_string_value(name), json_string_value(role), exp,
                          r->actor, now, secret, &id, &err);
        json_decref(body);
        if (rc < 0)
                return api_store_problem(r, &err);
        api_json(r, 201);
        buf_printf(&r->out, "{\"id\": %lld, \"secret\": \"%s\", \"note\": \"shown only now\"}\n",
                   (long long)id, secret);
        sodium_memzero(secret, sizeof(secret));
        return 0;
}

int api_token_revoke(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        int64_t id;
        if (!api_parse_id(r->args[0], &id))
                return api_problem(r, 404, "\"%s\" is not a token id", r->args[0]);
        /* Only the caller's tenant's tokens. */
        struct store_token_list l;
        struct batch_err err;
        if (store_token_list(r->st, r->tenant, &l, &err) < 0)
                return api_store_problem(r, &err);
        bool mine = false;
        for (size_t i = 0; i < l.n; i++)
                mine |= l.items[i].id == id;
        store_token_list_release(&l);
        if (!mine)
                return api_problem(r, 404, "no token %lld", (long long)id);
        int64_t now = (int64_t)time(NULL);
        char what[64];
        snprintf(what, sizeof(what), "token %lld", (long long)id);
        int rc;
        if ((rc = store_begin(r->st, &err)) < 0)
                return api_store_problem(r, &err);
        if ((rc = store_token_revoke(r->st, id, now, &err)) < 0 ||
            (rc = store_audit_add(r->st, now, r->actor, "token-revoke", what, NULL, &err)) < 0 ||
            (rc = store_commit(r->st, &err)) < 0) {
                store_rollback(r->st);
                return api_store_problem(r, &err);
        }
        r->status = 204;
        return 0;
}

/* GET /api/v1/whoami: the calling token's name, role and tenant, and batchd's clock (the
 * web UI shows the buttons of the role; the server checks the role on every request). */
int api_whoami(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        api_json(r, 200);
        buf_puts(&r->out, "{\"name\": ");
        /* r->actor is "token:<name>" (server.c, authenticate) */
        json_put_string(&r->out, strncmp(r->actor, "token:", 6) ? r->actor : r->actor + 6);
        buf_printf(&r->out, ", \"role\": \"%s\", \"tenant\": ", api_role_name(r->role));
        json_put_string(&r->out, r->tenant);
        buf_printf(&r->out, ", \"actor\": ");
        json_put_string(&r->out, r->actor);
        buf_printf(&r->out, ", \"environment\": \"%s\"", api_runtime(r) ? "runtime" : "master");
        /* batchd's clock (real or virtual): instances' times are on it, so "the last 24
         * hours" of the monitor are counted from it. */
        char iso[ISO_FORMAT_MAX];
        buf_printf(&r->out, ", \"now\": \"%s\"}\n", iso_format_utc(api_now(r), iso));
        return 0;
}
