/* routes_dlq.c: the dead letters of SDK programs (items a step skipped, with their
 * errors; docs/sdk.md): list and purge. Retrying them writes a file for the job to read,
 * which is a matter of the machine the job runs on: `batchctl dlq retry` there. */
#include <jansson.h>
#include <time.h>

#include "api/request.h"
#include "ops/dlq.h"

int api_dead_letters_list(struct api_req *r)
{
        static const char *const known[] = {"job", "instance", "limit", "cursor", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        struct store_dead_letter_filter f = {.tenant = r->tenant, .job = api_query(r, "job"),
                                             .limit = 100};
        const char *v;
        if ((v = api_query(r, "instance")) && !api_parse_id(v, &f.instance_id))
                return api_problem(r, 400, "instance=\"%s\" is not an instance id", v);
        if (api_query_uint(r, "limit", 1000, &f.limit) < 0)
                return -1;
        if ((v = api_query(r, "cursor")) && !api_parse_id(v, &f.after_id))
                return api_problem(r, 400, "cursor=\"%s\" is not a cursor this API gave", v);
        struct batch_err err;
        api_json(r, 200);
        if (ops_dead_letter_list(r->st, &f, &r->out, &err) < 0)
                return api_store_problem(r, &err);
        return 0;
}

int api_dead_letters_purge(struct api_req *r)
{
        static const char *const fields[] = {"job", "instance", "all", NULL};
        json_t *body;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 ||
            api_body_object(r, fields, false, &body) < 0)
                return -1;
        json_t *job = json_object_get(body, "job"), *inst = json_object_get(body, "instance"),
               *all = json_object_get(body, "all");
        const char *problem = NULL;
        if (job && !json_is_string(job))
                problem = "body: job must be a string";
        else if (inst && (!json_is_integer(inst) || json_integer_value(inst) <= 0))
                problem = "body: instance must be a positive integer";
        else if (all && !json_is_true(all))
                problem = "body: all takes true";
        else if (!job && !inst && !all)
                problem = "body: say what to purge: job, instance or \"all\": true";
        if (problem) {
                json_decref(body);
                return api_problem(r, 400, "%s", problem);
        }
        size_t n;
        struct batch_err err;
        int rc = ops_dead_letter_purge(r->st, r->tenant, job ? json_string_value(job) : NULL,
                                       inst ? (int64_t)json_integer_value(inst) : 0, r->actor,
                                       (int64_t)time(NULL), &n, &err);
        json_decref(body);
        if (rc < 0)
                return api_store_problem(r, &err);
        api_json(r, 200);
        buf_printf(&r->out, "{\"purged\": %zu}\n", n);
        return 0;
}
