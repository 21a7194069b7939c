/* client_submit.c: batch_client_submit — a job submitted to batchd's REST API from C
 * (seed 001's BatchClientAPI.submitJob), through the SDK's HTTP client. */
#include "sdk/sdk-internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/httprule.h"

/* DESIGN §2: [a-z0-9][a-z0-9_.-]{0,127} */
static bool job_name_ok(const char *s)
{
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n > 128 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
                      s[i] == '.' || s[i] == '-'))
                        return false;
        return true;
}

int batch_client_submit(struct batch_http *h, const char *job, const struct batch_param *params,
                        size_t nparams, int64_t *ret_instance_id, struct batch_err *reterr)
{
        if (!h || !job_name_ok(job))
                return batch_err_set(reterr, BATCH_EINVAL, "job",
                                     "job: \"%s\" is not a job name ([a-z0-9][a-z0-9_.-]*)",
                                     job ? job : "(null)");
        json_t *p = json_object(), *o = json_object();
        for (size_t i = 0; p && i < nparams; i++) {
                if (!params[i].name || !params[i].value || !sdk_text_ok(params[i].value)) {
                        json_decref(p);
                        json_decref(o);
                        return batch_err_set(reterr, BATCH_EINVAL, "params",
                                             "params: parameter %zu has no name or a value that "
                                             "is not UTF-8", i + 1);
                }
                json_object_set_new(p, params[i].name, json_string(params[i].value));
        }
        char *body = NULL;
        if (p && o && json_object_set_new(o, "params", p) == 0)
                body = json_dumps(o, JSON_COMPACT);
        else
                json_decref(p);
        json_decref(o);
        if (!body)
                return batch_err_set(reterr, BATCH_ENOMEM, "submit", "out of memory");
        char path[200];
        snprintf(path, sizeof(path), "/api/v1/jobs/%s/submit", job);
        struct batch_http_request rq = {.method = "POST", .path = path, .body = body};
        struct batch_http_response rs;
        int rc = batch_http_send(h, &rq, &rs, reterr);
        free(body);
        if (rc < 0)
                return rc;
        json_t *a = json_loadb(rs.body, rs.len, 0, NULL);
        if (rs.status == 201 && json_is_integer(json_object_get(a, "id"))) {
                *ret_instance_id = (int64_t)json_integer_value(json_object_get(a, "id"));
                json_decref(a);
                batch_http_response_release(&rs);
                return 0;
        }
        const char *detail = json_string_value(json_object_get(a, "detail"));
        char ex[160];
        if (!detail) {
                httprule_excerpt(rs.body, rs.len, 120, ex, sizeof(ex));
                detail = ex;
        }
        int code = rs.status == 401 || rs.status == 403 ? BATCH_EAUTH
                   : rs.status == 404                   ? BATCH_ENOENT
                   : rs.status == 409                   ? BATCH_EEXIST
                   : rs.status == 400                   ? BATCH_EINVAL
                                                        : BATCH_EIO;
        rc = batch_err_set(reterr, code, "submit", "submit %s: HTTP %ld: %s", job, rs.status, detail);
        json_decref(a);
        batch_http_response_release(&rs);
        return rc;
}
