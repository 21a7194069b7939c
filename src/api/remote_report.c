/* remote_report.c: parsing a remote run's report with jansson (remote_report.h). */
#include "api/remote_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *const count_names[RC_X_MAX] = {
        "read_count",       "write_count",       "commit_count",     "rollback_count",
        "read_skip_count",  "process_skip_count", "write_skip_count", "filter_count",
};

static const char *const status_names[] = {"running", "success", "failed", "stopped"};
static const char *const step_statuses[] = {"STARTED", "COMPLETED", "FAILED", "STOPPED"};

const char *remote_count_name(enum remote_count c)
{
        return c < RC_X_MAX ? count_names[c] : "?";
}

const char *remote_status_name(enum remote_status s)
{
        return s <= REMOTE_STOPPED ? status_names[s] : "?";
}

void remote_report_release(struct remote_report *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->nsteps; i++)
                free(r->steps[i].exit_message);
        free(r->steps);
        free(r->message);
        memset(r, 0, sizeof(*r));
}

#define MAX_COUNT ((json_int_t)1 << 53)

/* A string of at most max bytes without NUL, copied; NULL with an error otherwise. */
static int text(json_t *v, const char *field, size_t max, char **ret, struct batch_err *reterr)
{
        if (!json_is_string(v))
                return batch_err_set(reterr, BATCH_EINVAL, field, "%s: must be a string", field);
        size_t n = json_string_length(v);
        if (n > max || memchr(json_string_value(v), '\0', n))
                return batch_err_set(reterr, BATCH_EINVAL, field,
                                     "%s: must be at most %zu bytes of text", field, max);
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : batch_err_set(reterr, BATCH_ENOMEM, field, "out of memory");
}

static int parse_step(json_t *o, size_t i, struct remote_step *st, struct batch_err *reterr)
{
        char field[64];
        snprintf(field, sizeof(field), "steps[%zu]", i);
        if (!json_is_object(o))
                return batch_err_set(reterr, BATCH_EINVAL, field, "%s: must be an object", field);
        const char *key;
        json_t *v;
        bool has_name = false, has_status = false;
        json_object_foreach(o, key, v) {
                snprintf(field, sizeof(field), "steps[%zu].%.40s", i, key);
                if (!strcmp(key, "name")) {
                        size_t n = json_is_string(v) ? json_string_length(v) : 0;
                        if (!json_is_string(v) || n == 0 || n > REMOTE_STEP_NAME_MAX ||
                            memchr(json_string_value(v), '\0', n))
                                return batch_err_set(reterr, BATCH_EINVAL, field,
                                                     "%s: must be a name of 1 to %d bytes", field,
                                                     REMOTE_STEP_NAME_MAX);
                        memcpy(st->name, json_string_value(v), n + 1);
                        has_name = true;
                        continue;
                }
                if (!strcmp(key, "status")) {
                        for (size_t k = 0; json_is_string(v) && k < 4 && !has_status; k++)
                                if (!strcmp(json_string_value(v), step_statuses[k])) {
                                        st->status = step_statuses[k];
                                        has_status = true;
                                }
                        if (!has_status)
                                return batch_err_set(reterr, BATCH_EINVAL, field,
                                                     "%s: must be STARTED, COMPLETED, FAILED or "
                                                     "STOPPED", field);
                        continue;
                }
                if (!strcmp(key, "exit_message")) {
                        if (json_is_null(v))
                                continue;
                        free(st->exit_message);
                        st->exit_message = NULL;
                        if (text(v, field, REMOTE_MESSAGE_MAX, &st->exit_message, reterr) < 0)
                                return BATCH_EINVAL;
                        continue;
                }
                size_t c;
                for (c = 0; c < RC_X_MAX; c++)
                        if (!strcmp(key, count_names[c]))
                                break;
                if (c == RC_X_MAX)
                        return batch_err_set(reterr, BATCH_EINVAL, field, "%s: unknown key", field);
                if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    json_integer_value(v) > MAX_COUNT)
                        return batch_err_set(reterr, BATCH_EINVAL, field,
                                             "%s: must be an integer from 0 to 2^53", field);
                st->counts[c] = (int64_t)json_integer_value(v);
        }
        snprintf(field, sizeof(field), "steps[%zu]", i);
        if (!has_name || !has_status)
                return batch_err_set(reterr, BATCH_EINVAL, field, "%s: needs a name and a status",
                                     field);
        return 0;
}

static int parse(json_t *o, struct remote_report *r, struct batch_err *reterr)
{
        if (!json_is_object(o))
                return batch_err_set(reterr, BATCH_EINVAL, "body", "the report must be a JSON object");
        const char *key;
        json_t *v;
        bool has_status = false;
        json_object_foreach(o, key, v) {
                if (!strcmp(key, "execution_id")) {
                        if (!json_is_integer(v) || json_integer_value(v) <= 0)
                                return batch_err_set(reterr, BATCH_EINVAL, "execution_id",
                                                     "execution_id: must be a positive integer");
                        r->has_execution_id = true;
                        r->execution_id = (int64_t)json_integer_value(v);
                } else if (!strcmp(key, "status")) {
                        for (int k = 0; json_is_string(v) && k < 4 && !has_status; k++)
                                if (!strcmp(json_string_value(v), status_names[k])) {
                                        r->status = (enum remote_status)k;
                                        has_status = true;
                                }
                        if (!has_status)
                                return batch_err_set(reterr, BATCH_EINVAL, "status",
                                                     "status: must be running, success, failed "
                                                     "or stopped");
                } else if (!strcmp(key, "message")) {
                        if (json_is_null(v))
                                continue;
                        if (text(v, "message", REMOTE_MESSAGE_MAX, &r->message, reterr) < 0)
                                return BATCH_EINVAL;
                } else if (!strcmp(key, "steps")) {
                        if (!json_is_array(v))
                                return batch_err_set(reterr, BATCH_EINVAL, "steps",
                                                     "steps: must be an array");
                        size_t n = json_array_size(v);
                        if (n > REMOTE_REPORT_MAX_STEPS)
                                return batch_err_set(reterr, BATCH_EINVAL, "steps",
                                                     "steps: at most %d steps",
                                                     REMOTE_REPORT_MAX_STEPS);
                        r->steps = calloc(n ? n : 1, sizeof(*r->steps));
                        if (!r->steps)
                                return batch_err_set(reterr, BATCH_ENOMEM, "steps",
                                                     "out of memory");
                        for (size_t i = 0; i < n; i++) {
                                r->nsteps = i + 1;
                                if (parse_step(json_array_get(v, i), i, &r->steps[i], reterr) < 0)
                                        return BATCH_EINVAL;
                                for (size_t k = 0; k < i; k++)
                                        if (!strcmp(r->steps[k].name, r->steps[i].name))
                                                return batch_err_set(
                                                        reterr, BATCH_EINVAL, "steps",
                                                        "steps[%zu].name: \"%s\" appears twice", i,
                                                        r->steps[i].name);
                        }
                } else {
                        char field[64];
                        snprintf(field, sizeof(field), "%.40s", key);
                        return batch_err_set(reterr, BATCH_EINVAL, field, "%s: unknown key", field);
                }
        }
        if (!has_status)
                return batch_err_set(reterr, BATCH_EINVAL, "status", "status: is required");
        return 0;
}

int remote_report_parse(const char *body, size_t len, struct remote_report *ret,
                        struct batch_err *reterr)
{
        if (len > REMOTE_BODY_MAX)
                return batch_err_set(reterr, BATCH_EINVAL, "body",
                                     "the report is larger than %d bytes", REMOTE_BODY_MAX);
        json_error_t je;
        json_t *o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
        if (!o)
                return batch_err_set(reterr, BATCH_EINVAL, "body",
                                     "the report is not JSON: %s (line %d, column %d)", je.text,
                                     je.line, je.column);
        struct remote_report r = {0};
        int rc = parse(o, &r, reterr);
        json_decref(o);
        if (rc < 0) {
                remote_report_release(&r);
                return rc;
        }
        *ret = r;
        return 0;
}

struct store_step remote_step_row(const struct remote_step *s, int64_t exec_id)
{
        return (struct store_step){.execution_id = exec_id,
                                   .name = (char *)s->name,
                                   .status = (char *)s->status,
                                   .read_count = s->counts[RC_READ],
                                   .write_count = s->counts[RC_WRITE],
                                   .commit_count = s->counts[RC_COMMIT],
                                   .rollback_count = s->counts[RC_ROLLBACK],
                                   .read_skip_count = s->counts[RC_READ_SKIP],
                                   .process_skip_count = s->counts[RC_PROCESS_SKIP],
                                   .write_skip_count = s->counts[RC_WRITE_SKIP],
                                   .filter_count = s->counts[RC_FILTER],
                                   .exit_message = s->exit_message};
}
