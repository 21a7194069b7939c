/* routes_defs.c: definition writes of the API (docs/api.md): jobs (create, replace,
 * delete, enable, disable), calendars and the tenant's settings. A body is one
 * definition document, as JSON (an object with the keys of a definition file) or as
 * YAML (Content-Type application/yaml, the text of a file); it goes through the same
 * loader and validator as `batchctl validate`, together with every stored definition
 * that stays, and is written by the code `batchctl apply` uses, with an audit row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/request.h"
#include "common/json.h"
#include "defs/apply.h"
#include "defs/emit.h"
#include "core/isotime.h"
#include "defs/load.h"
#include "ops/impact.h"
#include "ops/jobs.h"

static const char *const kind_names[] = {"job", "calendar", "settings"};

#define TROUBLESHOOTING_HEADER "X-Batchd-Troubleshooting"

/* 422 with every problem: "errors": [{"where", "key", "message"}]. */
static int problem_diags(struct api_req *r, const struct diag_list *dl)
{
        struct buf errors;
        buf_init(&errors, 0);
        buf_puts(&errors, "\"errors\": [");
        for (size_t i = 0; i < dl->n; i++) {
                const struct diag *d = &dl->items[i];
                char where[600] = "";
                if (d->pos.file && d->pos.line)
                        snprintf(where, sizeof(where), "%s:%d:%d", d->pos.file, d->pos.line,
                                 d->pos.col);
                else if (d->pos.file)
                        snprintf(where, sizeof(where), "%s", d->pos.file);
                buf_puts(&errors, i ? ", {\"where\": " : "{\"where\": ");
                json_put_string(&errors, where);
                buf_puts(&errors, ", \"key\": ");
                if (d->key)
                        json_put_string(&errors, d->key);
                else
                        buf_puts(&errors, "null");
                buf_puts(&errors, ", \"message\": ");
                json_put_string(&errors, d->msg);
                buf_puts(&errors, "}");
        }
        buf_puts(&errors, "]");
        api_problem_members(r, 422, errors.data, "the definition has %zu problem%s; nothing was "
                                                  "changed",
                            dl->n, dl->n == 1 ? "" : "s");
        buf_release(&errors);
        return -1;
}

static bool is_yaml(const char *ct)
{
        static const char *const types[] = {"application/yaml", "application/x-yaml",
                                            "text/yaml", NULL};
        for (const char *const *t = types; *t; t++)
                if (!strncmp(ct, *t, strlen(*t)))
                        return true;
        return false;
}

static bool has_key(const struct def_doc *doc, const char *key)
{
        for (size_t i = 0; i < doc->nkeys; i++)
                if (!strcmp(doc->keys[i].path, key))
                        return true;
        return false;
}

static char **doc_tenant_slot(struct def_doc *doc)
{
        switch (doc->kind) {
        case DEF_JOB: return &doc->u.job.tenant;
        case DEF_CALENDAR: return &doc->u.calendar.tenant;
        case DEF_SETTINGS: return &doc->u.settings.tenant;
        }
        return NULL;
}

/* Loads the body as one document of `kind` (also when it does not say `kind`) into
 * *set (zeroed by the caller, released by the caller in every case); its tenant is the
 * caller's and its name `name` when not NULL (given and checked, or filled in). Returns
 * 0, or -1 after answering with the problem. */
static int body_doc(struct api_req *r, enum def_kind kind, const char *name, struct defset *set)
{
        if (!r->body_len)
                return api_problem(r, 400, "a %s definition is required as the body",
                                   kind_names[kind]);
        const char *ct = api_header(r, "Content-Type");
        if (!ct || !is_yaml(ct)) {
                /* JSON first through the JSON parser: its errors are the clearer ones, and
                 * duplicate keys are refused. */
                json_t *j;
                if (api_body_object(r, NULL, false, &j) < 0)
                        return -1;
                json_decref(j);
        }
        struct diag_list diags = {0, NULL};
        if (defs_load_buffer_as(set, "request body", r->body, r->body_len, kind, &diags) < 0) {
                diag_list_release(&diags);
                return api_problem(r, 500, "out of memory");
        }
        if (diags.n) {
                problem_diags(r, &diags);
                diag_list_release(&diags);
                return -1;
        }
        if (set->ndocs != 1)
                return api_problem(r, 400, "the body holds %zu definitions; one is expected",
                                   set->ndocs);
        struct def_doc *doc = &set->docs[0];
        if (doc->kind != kind)
                return api_problem(r, 400, "the body is a %s definition; %s %s takes a %s",
                                   kind_names[doc->kind], r->method, r->path, kind_names[kind]);
        char **tenant = doc_tenant_slot(doc);
        if (has_key(doc, "tenant")) {
                if (strcmp(*tenant, r->tenant))
                        return api_problem(r, 403, "tenant \"%s\": this token belongs to tenant "
                                                   "\"%s\"", *tenant, r->tenant);
        } else {
                char *t = strdup(r->tenant);
                if (!t)
                        return api_problem(r, 500, "out of memory");
                free(*tenant);
                *tenant = t;
        }
        char **name_slot = kind == DEF_JOB        ? &doc->u.job.name
                           : kind == DEF_CALENDAR ? &doc->u.calendar.name
                                                  : NULL;
        if (name && name_slot && !has_key(doc, "name")) {
                /* The path names it. */
                char *n = strdup(name);
                if (!n)
                        return api_problem(r, 500, "out of memory");
                free(*name_slot);
                *name_slot = n;
        }
        if (name && strcmp(def_doc_name(doc), name))
                return api_problem(r, 400, "the body names %s \"%s\" but the path names \"%s\"",
                                   kind_names[kind], def_doc_name(doc), name);
        return 0;
}

/* A secret's value shown as "***" (what GET returns) keeps the stored value, so that
 * a definition read, edited and written back does not lose its secrets. */
static int keep_secrets(struct api_req *r, struct job_def *j)
{
        struct def_map *maps[] = {&j->exec_env, &j->parameters};
        struct defset old = {0};
        struct def_map *old_maps[2] = {NULL, NULL};
        struct store_def cur;
        struct batch_err err;
        bool have = false;
        int rc = 0;
        for (size_t m = 0; m < 2 && rc == 0; m++) {
                for (size_t i = 0; i < maps[m]->n && rc == 0; i++) {
                        if (strcmp(maps[m]->vals[i], "***") || !ops_key_is_secret(maps[m]->keys[i]))
                                continue;
                        if (!have && store_def_get(r->st, r->tenant, "job", j->name, &cur,
                                                   &err) == 0) {
                                struct diag_list dl = {0, NULL};
                                defs_load_buffer(&old, "stored", cur.spec, strlen(cur.spec), &dl);
                                diag_list_release(&dl);
                                store_def_release(&cur);
                                if (old.ndocs == 1 && old.docs[0].kind == DEF_JOB) {
                                        old_maps[0] = &old.docs[0].u.job.exec_env;
                                        old_maps[1] = &old.docs[0].u.job.parameters;
                                }
                        }
                        have = true;
                        const char *was = NULL;
                        for (size_t k = 0; old_maps[m] && k < old_maps[m]->n; k++)
                                if (!strcmp(old_maps[m]->keys[k], maps[m]->keys[i]))
                                        was = old_maps[m]->vals[k];
                        char *v = was ? strdup(was) : NULL;
                        if (!v) {
                                rc = api_problem(r, 422, "%s.%s: \"***\" stands for the stored "
                                                         "secret, and there is none: give the value",
                                                 m ? "parameters" : "executor.exec.env",
                                                 maps[m]->keys[i]);
                                break;
                        }
                        free(maps[m]->vals[i]);
                        maps[m]->vals[i] = v;
                }
        }
        defset_release(&old);
        return rc;
}

int api_answer_def(struct api_req *r, int status, const char *kind, const char *name)
{
        struct store_def d;
        struct batch_err err;
        if (store_def_get(r->st, r->tenant, kind, name, &d, &err) < 0)
                return api_store_problem(r, &err);
        api_json(r, status);
        ops_put_def(&r->out, &d, false, api_lang(r), r->role < ROLE_ADMIN);
        buf_puts(&r->out, "\n");
        store_def_release(&d);
        return 0;
}

/* A runtime environment takes definitions only by apply (docs/environments.md): a write
 * through the API is refused with 403 and the reason, unless the admin says it is for
 * troubleshooting with the header X-Batchd-Troubleshooting: REASON. Then the write is
 * made as "<actor> (troubleshooting)" (which marks the definition as drift) and the
 * reason goes into the audit row and the version's changed keys. Returns 0 (with
 * *ret_reason: NULL on a master, else the reason) or -1 when answered. */
static int runtime_gate(struct api_req *r, const char **ret_reason)
{
        *ret_reason = NULL;
        if (!api_runtime(r))
                return 0;
        const char *why = api_header(r, TROUBLESHOOTING_HEADER);
        if (!why || !*why)
                return api_problem(r, 403,
                                   "this batchd is a runtime environment: definitions change only "
                                   "by applying an export (batchctl apply); an admin may change "
                                   "one for troubleshooting with the header " TROUBLESHOOTING_HEADER
                                   ": REASON (audited, shown as drift)");
        size_t n = strlen(why);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
                        n = 0;
        if (n == 0 || n > 200)
                return api_problem(r, 400, TROUBLESHOOTING_HEADER " must be a reason of 1 to 200 "
                                           "printable characters");
        size_t used = strlen(r->actor);
        if (used + sizeof(OPS_TROUBLESHOOTING_SUFFIX) > sizeof(r->actor))
                return api_problem(r, 400, "the token's name is too long to mark a "
                                           "troubleshooting change");
        memcpy(r->actor + used, OPS_TROUBLESHOOTING_SUFFIX, sizeof(OPS_TROUBLESHOOTING_SUFFIX));
        *ret_reason = why;
        return 0;
}

/* Records a troubleshooting change's reason in front of each change's keys (the audit
 * row's detail and the version's changed keys). */
static void note_reason(struct defs_apply *a, const char *reason)
{
        for (size_t i = 0; reason && i < a->n; i++) {
                char *keys = a->changes[i].keys;
                char was[sizeof(a->changes[i].keys)];
                memcpy(was, keys, sizeof(was));
                int w = snprintf(keys, sizeof(was), "troubleshooting: %.200s; ", reason);
                if (w > 0 && (size_t)w < sizeof(was))
                        memcpy(keys + w, was, sizeof(was) - (size_t)w - 1);
                keys[sizeof(was) - 1] = '\0';
        }
}

/* Validates document `doc` with everything stored and writes it (create_only: 409 when
 * it exists); `reason`: a troubleshooting change's (runtime_gate), or NULL. Answers 201
 * (created) or 200 with the stored definition. */
static int write_doc(struct api_req *r, const struct def_doc *doc, bool create_only,
                     const char *reason)
{
        struct buf text;
        buf_init(&text, 0);
        if (defs_emit_doc(doc, &text) < 0) {
                buf_release(&text);
                return api_problem(r, 500, "out of memory");
        }
        struct defs_apply a;
        struct batch_err err;
        defs_apply_init(&a);
        a.secrets = api_secrets(r);
        int rc = defs_apply_plan_text(r->st, "request body", text.data, text.len, &a, &err);
        buf_release(&text);
        if (rc == BATCH_EINVAL) {
                /* The plan validated the canonical text, whose lines are not the body's:
                 * each problem of this document is moved to its key's place in the body as
                 * it was sent (the key's own, else the document's start). Problems of
                 * other stored definitions keep their positions. */
                for (size_t i = 0; i < a.diags.n; i++) {
                        struct diag *d = &a.diags.items[i];
                        if (!d->pos.file || strcmp(d->pos.file, "request body") != 0)
                                continue;
                        struct def_pos p = def_doc_pos(doc, d->key ? d->key : "");
                        d->pos.line = p.line;
                        d->pos.col = p.col;
                }
                rc = problem_diags(r, &a.diags);
        }
        else if (rc < 0)
                rc = api_store_problem(r, &err);
        else if (create_only && a.changes[0].what != DEFS_CREATED)
                rc = api_problem(r, 409, "%s \"%s\" exists; PUT %s/%s replaces it", a.changes[0].kind,
                                 a.changes[0].name, r->path, a.changes[0].name);
        else if (note_reason(&a, reason), defs_apply_write(r->st, &a, r->actor, (int64_t)time(NULL),
                                                           &err) < 0)
                rc = api_store_problem(r, &err);
        else
                rc = api_answer_def(r, a.changes[0].what == DEFS_CREATED ? 201 : 200,
                                a.changes[0].kind, a.changes[0].name);
        defs_apply_release(&a);
        return rc;
}

/* PUT/POST of a definition of `kind`, named by the path (args[0]) or by the body. */
static int put_def(struct api_req *r, enum def_kind kind, const char *name, bool create_only)
{
        const char *reason;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 || runtime_gate(r, &reason) < 0)
                return -1;
        struct defset set = {0};
        int rc = body_doc(r, kind, name, &set);
        if (rc == 0 && kind == DEF_JOB)
                rc = keep_secrets(r, &set.docs[0].u.job);
        if (rc == 0)
                rc = write_doc(r, &set.docs[0], create_only, reason);
        defset_release(&set);
        return rc;
}

static int delete_def(struct api_req *r, const char *kind)
{
        const char *reason;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 || runtime_gate(r, &reason) < 0)
                return -1;
        struct defs_apply a;
        struct batch_err err;
        defs_apply_init(&a);
        int rc = defs_apply_plan_delete(r->st, r->tenant, kind, r->args[0], &a, &err);
        if (rc == BATCH_EINVAL)
                rc = problem_diags(r, &a.diags);
        else if (rc < 0)
                rc = api_store_problem(r, &err);
        else if (note_reason(&a, reason), defs_apply_write(r->st, &a, r->actor, (int64_t)time(NULL),
                                                           &err) < 0)
                rc = api_store_problem(r, &err);
        else
                r->status = 204;
        defs_apply_release(&a);
        return rc;
}

int api_job_create(struct api_req *r)
{
        return put_def(r, DEF_JOB, NULL, true);
}

int api_job_replace(struct api_req *r)
{
        return put_def(r, DEF_JOB, r->args[0], false);
}

int api_job_delete(struct api_req *r)
{
        return delete_def(r, "job");
}

/* enable/disable: the stored definition with `enabled` set, as a new version (none
 * when it already was). */
static int set_enabled(struct api_req *r, bool enabled)
{
        const char *reason;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 || runtime_gate(r, &reason) < 0)
                return -1;
        if (r->body_len)
                return api_problem(r, 400, "this request takes no body");
        struct store_def cur;
        struct batch_err err;
        if (store_def_get(r->st, r->tenant, "job", r->args[0], &cur, &err) < 0)
                return api_store_problem(r, &err);
        struct defset set = {0};
        struct diag_list dl = {0, NULL};
        int rc = defs_load_buffer(&set, "stored", cur.spec, strlen(cur.spec), &dl);
        store_def_release(&cur);
        if (rc < 0 || dl.n || set.ndocs != 1 || set.docs[0].kind != DEF_JOB) {
                rc = api_problem(r, 500, "the stored definition of job \"%s\" does not load",
                                 r->args[0]);
        } else {
                set.docs[0].u.job.enabled = enabled;
                rc = write_doc(r, &set.docs[0], false, reason);
        }
        diag_list_release(&dl);
        defset_release(&set);
        return rc;
}

int api_job_enable(struct api_req *r)
{
        return set_enabled(r, true);
}

int api_job_disable(struct api_req *r)
{
        return set_enabled(r, false);
}

static void put_def_at(struct buf *b, const void *list, size_t i)
{
        ops_put_def(b, &((const struct store_def_list *)list)->items[i], false, NULL, false);
}

static void def_name_key(const void *list, size_t i, char *out, size_t len)
{
        snprintf(out, len, "%s", ((const struct store_def_list *)list)->items[i].name);
}

int api_calendars_list(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){"limit", "cursor", NULL}) < 0)
                return -1;
        struct store_def_list l;
        struct batch_err err;
        if (store_def_list(r->st, r->tenant, "calendar", &l, &err) < 0)
                return api_store_problem(r, &err);
        struct api_list_view v = {&l, l.n, put_def_at, def_name_key};
        int rc = api_put_page(r, &v);
        store_def_list_release(&l);
        return rc;
}

int api_calendar_get(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        return api_answer_def(r, 200, "calendar", r->args[0]);
}

int api_calendar_put(struct api_req *r)
{
        return put_def(r, DEF_CALENDAR, r->args[0], false);
}

int api_calendar_delete(struct api_req *r)
{
        return delete_def(r, "calendar");
}

/* The tenant's settings; when none were ever written, the defaults (version 0). */
int api_settings_get(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        struct store_def d;
        struct batch_err err;
        int rc = store_def_get(r->st, r->tenant, "settings", r->tenant, &d, &err);
        if (rc == 0) {
                store_def_release(&d);
                return api_answer_def(r, 200, "settings", r->tenant);
        }
        if (rc != BATCH_ENOENT)
                return api_store_problem(r, &err);
        struct buf spec;
        buf_init(&spec, 0);
        buf_puts(&spec, "kind: settings\ntenant: ");
        defs_emit_scalar(&spec, r->tenant);
        buf_puts(&spec, "\n");
        struct store_def def = {.tenant = (char *)r->tenant, .kind = (char *)"settings",
                                .name = (char *)r->tenant, .version = 0, .spec = spec.data};
        api_json(r, 200);
        ops_put_def(&r->out, &def, false, NULL, false);
        buf_puts(&r->out, "\n");
        buf_release(&spec);
        return 0;
}

int api_settings_put(struct api_req *r)
{
        return put_def(r, DEF_SETTINGS, NULL, false);
}

/* POST /api/v1/impact?days=N[&from=ISO] (operator): the body's definitions (one or more
 * YAML documents, or one JSON object) planned like `batchctl apply --dry-run`, nothing
 * written, with the difference between the plans of the next N days (default 7) with the
 * stored definitions and with these (docs/why.md). */
int api_impact(struct api_req *r)
{
        static const char *const known[] = {"days", "from", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        unsigned days = 7;
        if (api_query_uint(r, "days", OPS_IMPACT_DAYS_MAX, &days) < 0)
                return -1;
        int64_t from = api_now(r);
        struct batch_err err;
        const char *f = api_query(r, "from");
        if (f && iso_parse(f, tz_utc(), &from, &err) < 0)
                return api_problem(r, 400, "from: %s", err.msg);
        if (!r->body_len)
                return api_problem(r, 400, "definitions are required as the body");
        struct defset set = {0};
        struct diag_list diags = {0, NULL};
        if (defs_load_buffer(&set, "request body", r->body, r->body_len, &diags) < 0) {
                diag_list_release(&diags);
                defset_release(&set);
                return api_problem(r, 500, "out of memory");
        }
        int rc = 0;
        if (diags.n)
                rc = problem_diags(r, &diags);
        struct buf text;
        buf_init(&text, 0);
        /* Each document belongs to the token's tenant (named, or taken as it). */
        for (size_t i = 0; i < set.ndocs && rc == 0; i++) {
                struct def_doc *doc = &set.docs[i];
                char **tenant = doc_tenant_slot(doc);
                if (has_key(doc, "tenant") && strcmp(*tenant, r->tenant)) {
                        rc = api_problem(r, 403, "tenant \"%s\": this token belongs to tenant "
                                                 "\"%s\"", *tenant, r->tenant);
                        break;
                }
                char *t = strdup(r->tenant);
                if (!t) {
                        rc = api_problem(r, 500, "out of memory");
                        break;
                }
                free(*tenant);
                *tenant = t;
                if (i)
                        buf_puts(&text, "---\n");
                if (defs_emit_doc(doc, &text) < 0)
                        rc = api_problem(r, 500, "out of memory");
        }
        struct defs_apply a;
        defs_apply_init(&a);
        a.secrets = api_secrets(r);
        if (rc == 0) {
                int pr = defs_apply_plan_text(r->st, "request body", text.data, text.len, &a,
                                              &err);
                if (pr == BATCH_EINVAL)
                        rc = problem_diags(r, &a.diags);
                else if (pr < 0)
                        rc = api_store_problem(r, &err);
        }
        if (rc == 0) {
                api_json(r, 200);
                if (ops_impact_apply(&a, from, (int)days, &r->out, &err) < 0) {
                        r->out.len = 0;
                        rc = api_store_problem(r, &err);
                }
        }
        defs_apply_release(&a);
        buf_release(&text);
        diag_list_release(&diags);
        defset_release(&set);
        return rc;
}
