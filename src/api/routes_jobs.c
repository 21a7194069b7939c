/* routes_jobs.c: /api/v1/jobs (list with filters and a cursor, get, version history)
 * and /api/v1/deps (the dependency view of a day). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/request.h"
#include "ops/deps.h"
#include "ops/jobs.h"
#include "ops/why.h"

int api_jobs_list(struct api_req *r)
{
        static const char *const known[] = {"group", "type", "enabled", "drift", "limit", "cursor",
                                            NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        struct ops_job_filter f = {.group = api_query(r, "group"), .type = api_query(r, "type"),
                                   .enabled = -1, .drift = -1, .after = api_query(r, "cursor"),
                                   .limit = 100};
        if (f.type && strcmp(f.type, "scheduled") && strcmp(f.type, "manual"))
                return api_problem(r, 400, "type=\"%s\": scheduled or manual", f.type);
        static const char *const flags[] = {"enabled", "drift"};
        int *flag[] = {&f.enabled, &f.drift};
        for (size_t i = 0; i < 2; i++) {
                const char *v = api_query(r, flags[i]);
                if (!v)
                        continue;
                if (!strcmp(v, "true"))
                        *flag[i] = 1;
                else if (!strcmp(v, "false"))
                        *flag[i] = 0;
                else
                        return api_problem(r, 400, "%s=\"%s\": true or false", flags[i], v);
        }
        if (api_query_uint(r, "limit", 1000, &f.limit) < 0)
                return -1;
        f.mask_urls = r->role < ROLE_ADMIN;
        struct batch_err err;
        api_json(r, 200);
        if (ops_job_list(r->st, r->tenant, &f, api_lang(r), &r->out, &err) < 0)
                return api_store_problem(r, &err);
        return 0;
}

/* GET /api/v1/jobs/{name}/why[?at=ISO | ?instance=ID] (docs/why.md). */
int api_job_why(struct api_req *r)
{
        static const char *const known[] = {"at", "instance", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        struct ops_why_query q = {.tenant = r->tenant, .job = r->args[0],
                                  .at = api_query(r, "at"), .now_real = api_now(r)};
        const char *inst = api_query(r, "instance");
        if (inst && !api_parse_id(inst, &q.instance))
                return api_problem(r, 400, "instance=\"%s\": an instance id (a positive integer)",
                                   inst);
        struct batch_err err;
        api_json(r, 200);
        if (ops_why_repo(r->st, &q, &r->out, &err) < 0) {
                r->out.len = 0;
                return api_store_problem(r, &err);
        }
        return 0;
}

int api_job_get(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        return api_answer_def(r, 200, "job", r->args[0]);
}

/* A job's versions with the reader's language, as api_list_view's list. */
struct versions {
        const struct store_def_list *l;
        const char *lang;
        bool mask_urls;
};

static void put_version(struct buf *b, const void *list, size_t i)
{
        const struct versions *v = list;
        ops_put_def(b, &v->l->items[i], true, v->lang, v->mask_urls);
}

static void version_key(const void *list, size_t i, char *out, size_t len)
{
        snprintf(out, len, "%lld", (long long)((const struct versions *)list)->l->items[i].version);
}

int api_job_versions(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){"limit", "cursor", NULL}) < 0)
                return -1;
        struct store_def_list l;
        struct batch_err err;
        if (store_def_history(r->st, r->tenant, "job", r->args[0], &l, &err) < 0)
                return api_store_problem(r, &err);
        int rc;
        if (!l.n) {
                rc = api_problem(r, 404, "no job named \"%s\"", r->args[0]);
        } else {
                struct versions vs = {&l, api_lang(r), r->role < ROLE_ADMIN};
                struct api_list_view v = {&vs, l.n, put_version, version_key};
                rc = api_put_page(r, &v);
        }
        store_def_list_release(&l);
        return rc;
}

int api_deps(struct api_req *r)
{
        static const char *const known[] = {"date", "group", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        const char *date = api_query(r, "date");
        if (!date)
                return api_problem(r, 400, "query parameter date=YYYY-MM-DD is required");
        struct batch_err err;
        api_json(r, 200);
        if (ops_deps_view(r->st, r->tenant, date, api_query(r, "group"), &r->out, &err) < 0)
                return api_store_problem(r, &err);
        return 0;
}
