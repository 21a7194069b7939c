/* load.c: YAML definition files → struct defset, with libyaml's document API.
 *
 * Keys are described by tables (STYLE.md §G): name, type, offset into the object
 * being filled, limits. One walker checks every mapping against its table, so
 * unknown keys, wrong types and out-of-range values all get a diagnostic that
 * names file:line:column and the key path, and loading goes on to find the rest. */
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/buf.h"
#include "common/suggest.h"
#include "core/civil.h"
#include "core/isotime.h"
#include "core/labels.h"

struct ctx {
        struct defset *set;
        struct diag_list *diags;
        const char *file;
        yaml_document_t *y;
        struct def_doc *doc;
        enum def_kind default_kind; /* of a document without `kind` */
        int oom;
};

enum ftype { T_STR, T_INT, T_BOOL, T_ENUM, T_MAP, T_LIST, T_SUB, T_FN };

struct key {
        const char *name;
        enum ftype type;
        size_t off;
        int min, max;
        const char *const *enums;
        const struct key *sub;
        void (*fn)(struct ctx *cx, void *obj, yaml_node_t *val, const char *path);
};

#define KEY_MAX 40

static struct def_pos pos_of(struct ctx *cx, const yaml_node_t *n)
{
        struct def_pos p = {cx->file, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
        return p;
}

static void report(struct ctx *cx, const yaml_node_t *n, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void report(struct ctx *cx, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
        char buf[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (diag_add(cx->diags, pos_of(cx, n), path, "%s", buf) < 0)
                cx->oom = 1;
}

static const char *type_name(const yaml_node_t *n)
{
        switch (n->type) {
        case YAML_SCALAR_NODE: return "a single value";
        case YAML_SEQUENCE_NODE: return "a list";
        case YAML_MAPPING_NODE: return "a mapping";
        default: return "nothing";
        }
}

static const char *scalar(const yaml_node_t *n)
{
        return (const char *)n->data.scalar.value;
}

/* A scalar's text, or NULL with a diagnostic. Embedded NUL bytes are refused. */
static const char *need_scalar(struct ctx *cx, const yaml_node_t *n, const char *path,
                               const char *what)
{
        if (n->type != YAML_SCALAR_NODE) {
                report(cx, n, path, "must be %s, not %s", what, type_name(n));
                return NULL;
        }
        if (strlen(scalar(n)) != n->data.scalar.length) {
                report(cx, n, path, "contains a NUL byte");
                return NULL;
        }
        return scalar(n);
}

static char *xstrdup(struct ctx *cx, const char *s)
{
        char *d = strdup(s);
        if (!d)
                cx->oom = 1;
        return d;
}

static void set_str(struct ctx *cx, char **slot, const char *s)
{
        free(*slot);
        *slot = xstrdup(cx, s);
}

static void path_join(char *buf, size_t len, const char *prefix, const char *key)
{
        if (prefix && *prefix)
                snprintf(buf, len, "%s.%s", prefix, key);
        else
                snprintf(buf, len, "%s", key);
}

static void remember_key(struct ctx *cx, const char *path, const yaml_node_t *n)
{
        struct def_doc *d = cx->doc;
        if (cx->set->no_key_positions)
                return;
        struct def_keypos *k = realloc(d->keys, (d->nkeys + 1) * sizeof(*k));
        if (!k) {
                cx->oom = 1;
                return;
        }
        d->keys = k;
        k[d->nkeys].path = xstrdup(cx, path);
        k[d->nkeys].pos = pos_of(cx, n);
        if (k[d->nkeys].path)
                d->nkeys++;
}

static int parse_int(const char *s, long *ret)
{
        char *end;
        if (!*s)
                return -1;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (*end || errno)
                return -1;
        *ret = v;
        return 0;
}

static void list_push(struct ctx *cx, struct def_list *l, const char *s)
{
        char **items = realloc(l->items, (l->n + 1) * sizeof(*items));
        if (!items) {
                cx->oom = 1;
                return;
        }
        l->items = items;
        if ((items[l->n] = xstrdup(cx, s)))
                l->n++;
}

static void map_put(struct ctx *cx, struct def_map *m, const char *k, const char *v)
{
        char **keys = realloc(m->keys, (m->n + 1) * sizeof(*keys));
        if (!keys) {
                cx->oom = 1;
                return;
        }
        m->keys = keys;
        char **vals = realloc(m->vals, (m->n + 1) * sizeof(*vals));
        if (!vals) {
                cx->oom = 1;
                return;
        }
        m->vals = vals;
        keys[m->n] = xstrdup(cx, k);
        vals[m->n] = xstrdup(cx, v);
        if (keys[m->n] && vals[m->n])
                m->n++;
        else {
                free(keys[m->n]);
                free(vals[m->n]);
        }
}

static void read_list(struct ctx *cx, struct def_list *l, yaml_node_t *n, const char *path)
{
        if (n->type != YAML_SEQUENCE_NODE) {
                report(cx, n, path, "must be a list, not %s", type_name(n));
                return;
        }
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
                yaml_node_t *e = yaml_document_get_node(cx->y, *it);
                const char *s = e ? need_scalar(cx, e, path, "a single value") : NULL;
                if (s)
                        list_push(cx, l, s);
        }
}

static void read_map(struct ctx *cx, struct def_map *m, yaml_node_t *n, const char *path)
{
        if (n->type != YAML_MAPPING_NODE) {
                report(cx, n, path, "must be a mapping of names to values, not %s", type_name(n));
                return;
        }
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
                yaml_node_t *k = yaml_document_get_node(cx->y, p->key);
                yaml_node_t *v = yaml_document_get_node(cx->y, p->value);
                if (!k || !v)
                        continue;
                const char *ks = need_scalar(cx, k, path, "a name");
                const char *vs = need_scalar(cx, v, path, "a single value");
                if (!ks || !vs)
                        continue;
                bool dupkey = false;
                for (size_t i = 0; i < m->n; i++)
                        dupkey |= !strcmp(m->keys[i], ks);
                if (dupkey)
                        report(cx, k, path, "has the key \"%.80s\" twice", ks);
                else
                        map_put(cx, m, ks, vs);
        }
}

static void walk(struct ctx *cx, void *obj, yaml_node_t *n, const struct key *table,
                 const char *prefix);

static void read_value(struct ctx *cx, void *obj, const struct key *k, yaml_node_t *v,
                       const char *path)
{
        char *base = obj;
        const char *s;
        long iv;
        switch (k->type) {
        case T_STR:
                if ((s = need_scalar(cx, v, path, "a single value")))
                        set_str(cx, (char **)(base + k->off), s);
                break;
        case T_INT:
                if (!(s = need_scalar(cx, v, path, "a whole number")))
                        break;
                if (parse_int(s, &iv) < 0)
                        report(cx, v, path, "\"%.80s\" is not a whole number", s);
                else if (iv < k->min || iv > k->max)
                        report(cx, v, path, "%ld is out of range %d to %d", iv, k->min, k->max);
                else
                        *(int *)(base + k->off) = (int)iv;
                break;
        case T_BOOL:
                if (!(s = need_scalar(cx, v, path, "true or false")))
                        break;
                if (!strcasecmp(s, "true"))
                        *(bool *)(base + k->off) = true;
                else if (!strcasecmp(s, "false"))
                        *(bool *)(base + k->off) = false;
                else
                        report(cx, v, path, "\"%.80s\" is not true or false", s);
                break;
        case T_ENUM: {
                if (!(s = need_scalar(cx, v, path, "a single value")))
                        break;
                size_t i, n = 0;
                for (i = 0; k->enums[i]; i++)
                        if (!strcmp(s, k->enums[i]))
                                break;
                if (k->enums[i]) {
                        *(int *)(base + k->off) = (int)i;
                        break;
                }
                char allowed[200] = "";
                for (n = 0; k->enums[n]; n++)
                        snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
                                 "%s%s", n ? ", " : "", k->enums[n]);
                const char *near = suggest_closest(s, k->enums, n);
                if (near)
                        report(cx, v, path, "\"%.80s\" is not one of %s; did you mean \"%s\"?", s,
                               allowed, near);
                else
                        report(cx, v, path, "\"%.80s\" is not one of %s", s, allowed);
                break;
        }
        case T_MAP:
                read_map(cx, (struct def_map *)(base + k->off), v, path);
                break;
        case T_LIST:
                read_list(cx, (struct def_list *)(base + k->off), v, path);
                break;
        case T_SUB:
                walk(cx, obj, v, k->sub, path);
                break;
        case T_FN:
                k->fn(cx, obj, v, path);
                break;
        }
}

static void walk(struct ctx *cx, void *obj, yaml_node_t *n, const struct key *table,
                 const char *prefix)
{
        if (n->type != YAML_MAPPING_NODE) {
                report(cx, n, prefix, "must be a mapping (key: value), not %s", type_name(n));
                return;
        }
        const char *names[KEY_MAX];
        size_t nnames = 0;
        for (const struct key *k = table; k->name && nnames < KEY_MAX; k++)
                names[nnames++] = k->name;
        uint64_t seen = 0;
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
                yaml_node_t *kn = yaml_document_get_node(cx->y, p->key);
                yaml_node_t *vn = yaml_document_get_node(cx->y, p->value);
                if (!kn || !vn)
                        continue;
                const char *ks = need_scalar(cx, kn, prefix, "a key name");
                if (!ks)
                        continue;
                char path[160];
                path_join(path, sizeof(path), prefix, ks);
                size_t i;
                for (i = 0; i < nnames; i++)
                        if (!strcmp(names[i], ks))
                                break;
                if (i == nnames) {
                        const char *near = suggest_closest(ks, names, nnames);
                        if (near)
                                report(cx, kn, path, "unknown key \"%.80s\"; did you mean \"%s\"?",
                                       ks, near);
                        else
                                report(cx, kn, path, "unknown key \"%.80s\"", ks);
                        continue;
                }
                if (seen >> i & 1) {
                        report(cx, kn, path, "the key \"%s\" appears twice", ks);
                        continue;
                }
                seen |= 1ULL << i;
                remember_key(cx, path, kn);
                read_value(cx, obj, &table[i], vn, path);
        }
}

/* ---- special keys -------------------------------------------------------- */

static void fn_ignore(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        (void)cx, (void)obj, (void)v, (void)path;
}

static const struct key exec_keys[] = {
        {"command", T_LIST, offsetof(struct job_def, exec_command), 0, 0, NULL, NULL, NULL},
        {"env", T_MAP, offsetof(struct job_def, exec_env), 0, 0, NULL, NULL, NULL},
        {"workdir", T_STR, offsetof(struct job_def, exec_workdir), 0, 0, NULL, NULL, NULL},
        {"user", T_STR, offsetof(struct job_def, exec_user), 0, 0, NULL, NULL, NULL},
        {"shell", T_BOOL, offsetof(struct job_def, exec_shell), 0, 0, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key credential_keys[] = {
        {"bearer_file", T_STR, offsetof(struct job_def, http_bearer_file), 0, 0, NULL, NULL, NULL},
        {"bearer_env", T_STR, offsetof(struct job_def, http_bearer_env), 0, 0, NULL, NULL, NULL},
        {"basic_file", T_STR, offsetof(struct job_def, http_basic_file), 0, 0, NULL, NULL, NULL},
        {"basic_env", T_STR, offsetof(struct job_def, http_basic_env), 0, 0, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static void fn_credentials(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        walk(cx, obj, v, credential_keys, path);
}

static const struct key http_keys[] = {
        {"service", T_STR, offsetof(struct job_def, http_service), 0, 0, NULL, NULL, NULL},
        {"context_path", T_STR, offsetof(struct job_def, http_context_path), 0, 0, NULL, NULL,
         NULL},
        {"remote_job", T_STR, offsetof(struct job_def, http_remote_job), 0, 0, NULL, NULL, NULL},
        {"poll_seconds", T_INT, offsetof(struct job_def, http_poll_seconds), 1, 86400, NULL, NULL,
         NULL},
        {"timeout_seconds", T_INT, offsetof(struct job_def, http_timeout_seconds), 1, 3600, NULL,
         NULL, NULL},
        {"stop_timeout_seconds", T_INT, offsetof(struct job_def, http_stop_timeout_seconds), 1,
         86400, NULL, NULL, NULL},
        {"credentials", T_FN, 0, 0, 0, NULL, NULL, fn_credentials},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static void fn_exec(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        struct job_def *j = obj;
        if (j->executor == EXECUTOR_HTTP)
                report(cx, v, path, "an executor is either exec or http, not both");
        j->executor = EXECUTOR_EXEC;
        walk(cx, obj, v, exec_keys, path);
}

static void fn_http(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        struct job_def *j = obj;
        if (j->executor == EXECUTOR_EXEC)
                report(cx, v, path, "an executor is either exec or http, not both");
        j->executor = EXECUTOR_HTTP;
        walk(cx, obj, v, http_keys, path);
}

static const struct key executor_keys[] = {
        {"exec", T_FN, 0, 0, 0, NULL, NULL, fn_exec},
        {"http", T_FN, 0, 0, 0, NULL, NULL, fn_http},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key trigger_keys[] = {
        {"cron", T_STR, offsetof(struct job_def, cron), 0, 0, NULL, NULL, NULL},
        {"timezone", T_STR, offsetof(struct job_def, timezone), 0, 0, NULL, NULL, NULL},
        {"next_due_api", T_STR, offsetof(struct job_def, next_due_api), 0, 0, NULL, NULL, NULL},
        {"timeout_seconds", T_INT, offsetof(struct job_def, next_due_timeout_seconds), 1, 3600,
         NULL, NULL, NULL},
        {"attempts", T_INT, offsetof(struct job_def, next_due_attempts), 1, 10, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static void fn_factor(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        struct job_def *j = obj;
        const char *s = need_scalar(cx, v, path, "a number");
        if (!s)
                return;
        char *end;
        double f = strtod(s, &end);
        if (!*s || *end || !(f >= 1.0 && f <= 10.0))
                report(cx, v, path, "\"%.80s\" is not a number from 1 to 10", s);
        else
                j->retry_factor = f;
}

static const struct key retry_keys[] = {
        {"attempts", T_INT, offsetof(struct job_def, retry_attempts), 0, 100, NULL, NULL, NULL},
        {"backoff_seconds", T_INT, offsetof(struct job_def, retry_backoff_seconds), 0, 86400,
         NULL, NULL, NULL},
        {"factor", T_FN, 0, 0, 0, NULL, NULL, fn_factor},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key job_alert_keys[] = {
        {"on", T_LIST, offsetof(struct job_def, alert_on), 0, 0, NULL, NULL, NULL},
        {"email", T_LIST, offsetof(struct job_def, alert_email), 0, 0, NULL, NULL, NULL},
        {"webhook", T_LIST, offsetof(struct job_def, alert_webhook), 0, 0, NULL, NULL, NULL},
        {"after_failures", T_INT, offsetof(struct job_def, alert_after_failures), 1, 1000, NULL,
         NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* Checks that v is a list and calls fn for each item with its path "path[i]". */
static void each_item(struct ctx *cx, void *obj, yaml_node_t *v, const char *path,
                      const char *what,
                      void (*fn)(struct ctx *cx, void *obj, yaml_node_t *item, const char *ipath))
{
        if (v->type != YAML_SEQUENCE_NODE) {
                report(cx, v, path, "must be a list of %s, not %s", what, type_name(v));
                return;
        }
        size_t idx = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++, idx++) {
                yaml_node_t *e = yaml_document_get_node(cx->y, *it);
                if (!e || cx->oom)
                        continue;
                char ipath[160];
                snprintf(ipath, sizeof(ipath), "%s[%zu]", path, idx);
                fn(cx, obj, e, ipath);
        }
}

static const char *const mode_names[] = {"success", "completion", NULL};

static void dep_item(struct ctx *cx, void *obj, yaml_node_t *e, const char *ipath)
{
        struct job_def *j = obj;
        struct job_dep dep = {NULL, DEPS_SUCCESS};
        const struct key dep_keys[] = {
                {"job", T_STR, offsetof(struct job_dep, job), 0, 0, NULL, NULL, NULL},
                {"mode", T_ENUM, offsetof(struct job_dep, mode), 0, 0, mode_names, NULL, NULL},
                {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
        };
        remember_key(cx, ipath, e);
        walk(cx, &dep, e, dep_keys, ipath);
        if (!dep.job) {
                if (e->type == YAML_MAPPING_NODE)
                        report(cx, e, ipath, "a dependency needs a job");
                return;
        }
        struct job_dep *deps = realloc(j->deps, (j->ndeps + 1) * sizeof(*deps));
        if (!deps) {
                free(dep.job);
                cx->oom = 1;
                return;
        }
        j->deps = deps;
        deps[j->ndeps++] = dep;
}

static void fn_deps(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        each_item(cx, obj, v, path, "{job: NAME, mode: success|completion}", dep_item);
}

/* node_labels: the labels a node must have (docs/definitions.md), as a list of labels or
 * as one comma-separated text, either way read with labels_parse's rules into its
 * canonical text; none (an empty list or text) leaves the key unset. A list item is one
 * label and a problem with it is reported at the item. */
static void fn_node_labels(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        struct job_def *j = obj;
        char canon[LABELS_TEXT_MAX];
        struct batch_err err;
        struct buf text;
        buf_init(&text, 0);
        if (v->type == YAML_SEQUENCE_NODE) {
                bool bad = false;
                for (yaml_node_item_t *it = v->data.sequence.items.start;
                     it < v->data.sequence.items.top; it++) {
                        yaml_node_t *e = yaml_document_get_node(cx->y, *it);
                        const char *s = e ? need_scalar(cx, e, path, "a label") : NULL;
                        if (!s) {
                                bad = true;
                                continue;
                        }
                        int n = labels_parse(s, canon, sizeof(canon), &err);
                        if (n == 1) {
                                buf_printf(&text, "%s%s", text.len ? "," : "", s);
                                continue;
                        }
                        bad = true;
                        if (n < 0)
                                report(cx, e, path, "%s", err.msg);
                        else
                                report(cx, e, path, "\"%.80s\" is %s; a list item is one label "
                                                    "(NAME or NAME=VALUE)",
                                       s, n ? "more than one label" : "no label");
                }
                if (bad) {
                        buf_release(&text);
                        return;
                }
        } else {
                const char *s = need_scalar(cx, v, path, "a list of labels or one text "
                                                         "\"a, b=c\"");
                if (!s) {
                        buf_release(&text);
                        return;
                }
                buf_puts(&text, s);
        }
        if (text.err) {
                cx->oom = 1;
                buf_release(&text);
                return;
        }
        int n = labels_parse(text.data ? text.data : "", canon, sizeof(canon), &err);
        buf_release(&text);
        if (n < 0) {
                report(cx, v, path, "%s", err.msg);
                return;
        }
        free(j->node_labels);
        j->node_labels = n ? xstrdup(cx, canon) : NULL;
}

static const char *const type_names[] = {"scheduled", "manual", NULL};
static const char *const window_names[] = {"any", "only_in_window", "not_in_window", NULL};
static const char *const window_end_names[] = {"continue", "terminate", NULL};
static const char *const catchup_names[] = {"latest", "all", "none", NULL};

static const struct key job_keys[] = {
        {"kind", T_FN, 0, 0, 0, NULL, NULL, fn_ignore},
        {"tenant", T_STR, offsetof(struct job_def, tenant), 0, 0, NULL, NULL, NULL},
        {"name", T_STR, offsetof(struct job_def, name), 0, 0, NULL, NULL, NULL},
        {"display_name", T_STR, offsetof(struct job_def, display_name), 0, 0, NULL, NULL, NULL},
        {"display_names", T_MAP, offsetof(struct job_def, display_names), 0, 0, NULL, NULL, NULL},
        {"description", T_STR, offsetof(struct job_def, description), 0, 0, NULL, NULL, NULL},
        {"group", T_STR, offsetof(struct job_def, group), 0, 0, NULL, NULL, NULL},
        {"type", T_ENUM, offsetof(struct job_def, type), 0, 0, type_names, NULL, NULL},
        {"enabled", T_BOOL, offsetof(struct job_def, enabled), 0, 0, NULL, NULL, NULL},
        {"executor", T_SUB, 0, 0, 0, NULL, executor_keys, NULL},
        {"estimated_minutes", T_INT, offsetof(struct job_def, estimated_minutes), 0, 525600,
         NULL, NULL, NULL},
        {"max_minutes", T_INT, offsetof(struct job_def, max_minutes), 1, 525600, NULL, NULL,
         NULL},
        {"node_labels", T_FN, 0, 0, 0, NULL, NULL, fn_node_labels},
        {"allow_multiple_instances", T_BOOL, offsetof(struct job_def, allow_multiple_instances),
         0, 0, NULL, NULL, NULL},
        {"trigger", T_SUB, 0, 0, 0, NULL, trigger_keys, NULL},
        {"window", T_ENUM, offsetof(struct job_def, window), 0, 0, window_names, NULL, NULL},
        {"on_window_end", T_ENUM, offsetof(struct job_def, on_window_end), 0, 0, window_end_names,
         NULL, NULL},
        {"workday_only", T_BOOL, offsetof(struct job_def, workday_only), 0, 0, NULL, NULL, NULL},
        {"calendar", T_STR, offsetof(struct job_def, calendar), 0, 0, NULL, NULL, NULL},
        {"depends_on", T_FN, 0, 0, 0, NULL, NULL, fn_deps},
        {"parameters", T_MAP, offsetof(struct job_def, parameters), 0, 0, NULL, NULL, NULL},
        {"retry", T_SUB, 0, 0, 0, NULL, retry_keys, NULL},
        {"catchup", T_ENUM, offsetof(struct job_def, catchup), 0, 0, catchup_names, NULL, NULL},
        {"alerts", T_SUB, 0, 0, 0, NULL, job_alert_keys, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* ---- calendars ----------------------------------------------------------- */

static const char *const weekday_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT",
                                            NULL};

static void fn_workdays(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        struct calendar_def *c = obj;
        struct def_list l = {0, NULL};
        read_list(cx, &l, v, path);
        c->workdays = 0;
        for (size_t i = 0; i < l.n; i++) {
                int wd;
                for (wd = 0; weekday_names[wd]; wd++)
                        if (!strcasecmp(l.items[i], weekday_names[wd]))
                                break;
                if (weekday_names[wd])
                        c->workdays |= (uint8_t)(1u << wd);
                else
                        report(cx, v, path, "\"%.80s\" is not a weekday (MON, TUE, WED, THU, "
                                            "FRI, SAT, SUN)", l.items[i]);
                free(l.items[i]);
        }
        free(l.items);
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

/* Reads a list of YYYY-MM-DD dates into a sorted array of day numbers. */
static void read_dates(struct ctx *cx, yaml_node_t *v, const char *path, int64_t **ret,
                       size_t *nret)
{
        if (v->type != YAML_SEQUENCE_NODE) {
                report(cx, v, path, "must be a list of dates (YYYY-MM-DD), not %s", type_name(v));
                return;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
                yaml_node_t *e = yaml_document_get_node(cx->y, *it);
                const char *s = e ? need_scalar(cx, e, path, "a date (YYYY-MM-DD)") : NULL;
                if (!s)
                        continue;
                int y, m, d;
                char extra;
                if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || strlen(s) != 10 ||
                    m < 1 || m > 12 || d < 1 || y < 1 || d > civil_days_in_month(y, m)) {
                        report(cx, e, path, "\"%.80s\" is not a date (YYYY-MM-DD)", s);
                        continue;
                }
                int64_t *days = realloc(*ret, (*nret + 1) * sizeof(*days));
                if (!days) {
                        cx->oom = 1;
                        return;
                }
                *ret = days;
                days[(*nret)++] = civil_days_from_date(y, m, d);
        }
        if (*nret)
                qsort(*ret, *nret, sizeof(**ret), cmp_i64);
}

static void fn_holidays(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        struct calendar_def *c = obj;
        read_dates(cx, v, path, &c->holidays, &c->nholidays);
}

static void fn_extra(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        struct calendar_def *c = obj;
        read_dates(cx, v, path, &c->extra_workdays, &c->nextra);
}

static const struct key calendar_keys[] = {
        {"kind", T_FN, 0, 0, 0, NULL, NULL, fn_ignore},
        {"tenant", T_STR, offsetof(struct calendar_def, tenant), 0, 0, NULL, NULL, NULL},
        {"name", T_STR, offsetof(struct calendar_def, name), 0, 0, NULL, NULL, NULL},
        {"workdays", T_FN, 0, 0, 0, NULL, NULL, fn_workdays},
        {"holidays", T_FN, 0, 0, 0, NULL, NULL, fn_holidays},
        {"extra_workdays", T_FN, 0, 0, 0, NULL, NULL, fn_extra},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* ---- settings ------------------------------------------------------------ */

/* "HH:MM" → minutes after midnight, or -1. */
static int parse_hhmm(const char *s)
{
        int h, m;
        char extra;
        if (strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 ||
            m < 0 || m > 59)
                return -1;
        return h * 60 + m;
}

static void fn_window_time(struct ctx *cx, yaml_node_t *v, const char *path, int *slot)
{
        const char *s = need_scalar(cx, v, path, "a time HH:MM");
        if (!s)
                return;
        int m = parse_hhmm(s);
        if (m < 0)
                report(cx, v, path, "\"%.80s\" is not a time of day HH:MM (00:00-23:59)", s);
        else
                *slot = m;
}

static void fn_window_start(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        fn_window_time(cx, v, path, &((struct settings_def *)obj)->window_start);
}

static void fn_window_end(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        fn_window_time(cx, v, path, &((struct settings_def *)obj)->window_end);
}

static const struct key window_keys[] = {
        {"start", T_FN, 0, 0, 0, NULL, NULL, fn_window_start},
        {"end", T_FN, 0, 0, 0, NULL, NULL, fn_window_end},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct pause_text {
        char *from, *to;
};

/* Reads one pause period {from, to} and appends it to *list (*n items). */
static void read_pause(struct ctx *cx, struct pause_def **list, size_t *n, yaml_node_t *e,
                       const char *ipath)
{
        struct pause_text pt = {NULL, NULL};
        const struct key keys[] = {
                {"from", T_STR, offsetof(struct pause_text, from), 0, 0, NULL, NULL, NULL},
                {"to", T_STR, offsetof(struct pause_text, to), 0, 0, NULL, NULL, NULL},
                {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
        };
        walk(cx, &pt, e, keys, ipath);
        struct pause_def pd;
        struct batch_err err;
        if (!pt.from || !pt.to) {
                if (e->type == YAML_MAPPING_NODE)
                        report(cx, e, ipath, "a pause period needs both from and to");
        } else if (iso_parse(pt.from, tz_utc(), &pd.from, &err) < 0 ||
                   iso_parse(pt.to, tz_utc(), &pd.to, &err) < 0) {
                report(cx, e, ipath, "%s", err.msg);
        } else if (pd.from >= pd.to) {
                report(cx, e, ipath, "the pause period ends (%s) before it starts (%s)", pt.to,
                       pt.from);
        } else {
                struct pause_def *p = realloc(*list, (*n + 1) * sizeof(*p));
                if (!p)
                        cx->oom = 1;
                else {
                        *list = p;
                        p[(*n)++] = pd;
                }
        }
        free(pt.from);
        free(pt.to);
}

static void pause_item(struct ctx *cx, void *obj, yaml_node_t *e, const char *ipath)
{
        struct settings_def *st = obj;
        read_pause(cx, &st->pauses, &st->npauses, e, ipath);
}

static void alert_pause_item(struct ctx *cx, void *obj, yaml_node_t *e, const char *ipath)
{
        struct settings_def *st = obj;
        read_pause(cx, &st->alert_pauses, &st->nalert_pauses, e, ipath);
}

static void fn_alert_pause(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        each_item(cx, obj, v, path, "{from: TIME, to: TIME}", alert_pause_item);
}

/* A secret written into a definition: refused, naming the keys that take it instead. */
static void fn_password(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        (void)obj;
        report(cx, v, path, "a password is never stored in definitions: give password_file "
                            "(a file holding it) or password_env (an environment variable)");
}

static void fn_secret(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        (void)obj;
        report(cx, v, path, "a secret is never stored in definitions: give webhook_secret_file "
                            "(a file holding it) or webhook_secret_env (an environment "
                            "variable)");
}

static void fn_pause(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        each_item(cx, obj, v, path, "{from: TIME, to: TIME}", pause_item);
}

static const struct key offset_keys[] = {
        {"enabled", T_BOOL, offsetof(struct settings_def, offset_enabled), 0, 0, NULL, NULL, NULL},
        {"days", T_INT, offsetof(struct settings_def, offset_days), -36500, 36500, NULL, NULL,
         NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key timeout_keys[] = {
        {"estimate_multiple", T_INT, offsetof(struct settings_def, estimate_multiple), 1, 1000,
         NULL, NULL, NULL},
        {"min_execute_minutes", T_INT, offsetof(struct settings_def, min_execute_minutes), 0,
         525600, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key smtp_keys[] = {
        {"url", T_STR, offsetof(struct settings_def, smtp_url), 0, 0, NULL, NULL, NULL},
        {"starttls", T_BOOL, offsetof(struct settings_def, smtp_starttls), 0, 0, NULL, NULL, NULL},
        {"user", T_STR, offsetof(struct settings_def, smtp_user), 0, 0, NULL, NULL, NULL},
        {"password", T_FN, 0, 0, 0, NULL, NULL, fn_password},
        {"password_file", T_STR, offsetof(struct settings_def, smtp_password_file), 0, 0, NULL,
         NULL, NULL},
        {"password_env", T_STR, offsetof(struct settings_def, smtp_password_env), 0, 0, NULL, NULL,
         NULL},
        {"from", T_STR, offsetof(struct settings_def, smtp_from), 0, 0, NULL, NULL, NULL},
        {"ca_file", T_STR, offsetof(struct settings_def, smtp_ca_file), 0, 0, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key escalate_keys[] = {
        {"after_minutes", T_INT, offsetof(struct settings_def, escalate_after_minutes), 1, 10080,
         NULL, NULL, NULL},
        {"email", T_LIST, offsetof(struct settings_def, escalate_email), 0, 0, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key settings_alert_keys[] = {
        {"email", T_LIST, offsetof(struct settings_def, alert_email), 0, 0, NULL, NULL, NULL},
        {"webhook", T_LIST, offsetof(struct settings_def, alert_webhook), 0, 0, NULL, NULL, NULL},
        {"on", T_LIST, offsetof(struct settings_def, alert_on), 0, 0, NULL, NULL, NULL},
        {"escalate", T_SUB, 0, 0, 0, NULL, escalate_keys, NULL},
        {"smtp", T_SUB, 0, 0, 0, NULL, smtp_keys, NULL},
        {"webhook_secret", T_FN, 0, 0, 0, NULL, NULL, fn_secret},
        {"webhook_secret_file", T_STR, offsetof(struct settings_def, webhook_secret_file), 0, 0,
         NULL, NULL, NULL},
        {"webhook_secret_env", T_STR, offsetof(struct settings_def, webhook_secret_env), 0, 0,
         NULL, NULL, NULL},
        {"pause", T_FN, 0, 0, 0, NULL, NULL, fn_alert_pause},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static void fn_report_time(struct ctx *cx, void *obj, yaml_node_t *v, const char *path)
{
        fn_window_time(cx, v, path, &((struct settings_def *)obj)->report_minute);
}

static const struct key report_keys[] = {
        {"enabled", T_BOOL, offsetof(struct settings_def, report_enabled), 0, 0, NULL, NULL,
         NULL},
        {"time", T_FN, 0, 0, 0, NULL, NULL, fn_report_time},
        {"email", T_LIST, offsetof(struct settings_def, report_email), 0, 0, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const struct key settings_keys[] = {
        {"kind", T_FN, 0, 0, 0, NULL, NULL, fn_ignore},
        {"tenant", T_STR, offsetof(struct settings_def, tenant), 0, 0, NULL, NULL, NULL},
        {"timezone", T_STR, offsetof(struct settings_def, timezone), 0, 0, NULL, NULL, NULL},
        {"batch_window", T_SUB, 0, 0, 0, NULL, window_keys, NULL},
        {"pause", T_FN, 0, 0, 0, NULL, NULL, fn_pause},
        {"time_offset", T_SUB, 0, 0, 0, NULL, offset_keys, NULL},
        {"timeouts", T_SUB, 0, 0, 0, NULL, timeout_keys, NULL},
        {"alerts", T_SUB, 0, 0, 0, NULL, settings_alert_keys, NULL},
        {"report", T_SUB, 0, 0, 0, NULL, report_keys, NULL},
        {"scheduler_user", T_STR, offsetof(struct settings_def, scheduler_user), 0, 0, NULL, NULL,
         NULL},
        {"min_schedule_interval_minutes", T_INT, offsetof(struct settings_def, min_interval_minutes),
         0, 1440, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* ---- documents and files ------------------------------------------------- */

static const char *const kind_names[] = {"job", "calendar", "settings", NULL};

static void load_doc(struct ctx *cx, yaml_node_t *root)
{
        enum def_kind kind = cx->default_kind;
        if (root->type == YAML_MAPPING_NODE) {
                for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
                     p < root->data.mapping.pairs.top; p++) {
                        yaml_node_t *k = yaml_document_get_node(cx->y, p->key);
                        yaml_node_t *v = yaml_document_get_node(cx->y, p->value);
                        if (!k || !v || k->type != YAML_SCALAR_NODE || strcmp(scalar(k), "kind"))
                                continue;
                        const char *s = need_scalar(cx, v, "kind", "job, calendar or settings");
                        if (!s)
                                return;
                        int i;
                        for (i = 0; kind_names[i]; i++)
                                if (!strcmp(s, kind_names[i]))
                                        break;
                        if (!kind_names[i]) {
                                const char *near = suggest_closest(s, kind_names, 3);
                                report(cx, v, "kind",
                                       "\"%.80s\" is not one of job, calendar, settings%s%s%s", s,
                                       near ? "; did you mean \"" : "", near ? near : "",
                                       near ? "\"?" : "");
                                return;
                        }
                        kind = (enum def_kind)i;
                }
        } else {
                report(cx, root, NULL,
                       "a definition document must be a mapping (key: value), not %s",
                       type_name(root));
                return;
        }
        struct def_doc *docs = realloc(cx->set->docs, (cx->set->ndocs + 1) * sizeof(*docs));
        if (!docs) {
                cx->oom = 1;
                return;
        }
        cx->set->docs = docs;
        struct def_doc *d = &docs[cx->set->ndocs++];
        memset(d, 0, sizeof(*d));
        d->kind = kind;
        d->pos = pos_of(cx, root);
        cx->doc = d;
        switch (kind) {
        case DEF_JOB: {
                struct job_def *j = &d->u.job;
                j->enabled = true;
                j->type = -1;
                j->estimated_minutes = -1;
                j->max_minutes = -1;
                j->retry_backoff_seconds = 60;
                j->retry_factor = 2.0;
                walk(cx, j, root, job_keys, NULL);
                if ((int)j->type == -1)
                        j->type = (j->cron || j->next_due_api) ? JOB_SCHEDULED : JOB_MANUAL;
                if (!j->tenant)
                        j->tenant = xstrdup(cx, "default");
                break;
        }
        case DEF_CALENDAR: {
                struct calendar_def *c = &d->u.calendar;
                c->workdays = 0x3E; /* Monday to Friday */
                walk(cx, c, root, calendar_keys, NULL);
                if (!c->tenant)
                        c->tenant = xstrdup(cx, "default");
                break;
        }
        case DEF_SETTINGS: {
                struct settings_def *st = &d->u.settings;
                st->window_start = st->window_end = 12 * 60;
                st->estimate_multiple = 3;
                st->min_execute_minutes = 30;
                st->report_minute = 8 * 60;
                walk(cx, st, root, settings_keys, NULL);
                if (!st->tenant)
                        st->tenant = xstrdup(cx, "default");
                break;
        }
        }
}

static const char *intern_file(struct ctx *cx, const char *file)
{
        char **files = realloc(cx->set->files, (cx->set->nfiles + 1) * sizeof(*files));
        if (!files)
                return NULL;
        cx->set->files = files;
        if (!(files[cx->set->nfiles] = strdup(file)))
                return NULL;
        return files[cx->set->nfiles++];
}

int defs_load_buffer(struct defset *set, const char *file, const char *data, size_t len,
                     struct diag_list *diags)
{
        return defs_load_buffer_as(set, file, data, len, DEF_JOB, diags);
}

int defs_load_buffer_as(struct defset *set, const char *file, const char *data, size_t len,
                        enum def_kind default_kind, struct diag_list *diags)
{
        struct ctx cx = {.set = set, .diags = diags, .default_kind = default_kind};
        if (!(cx.file = intern_file(&cx, file)))
                return BATCH_ENOMEM;
        struct def_pos top = {cx.file, 1, 1};
        if (len == 0)
                return diag_add(diags, top, NULL, "the file is empty: no definitions");

        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser))
                return BATCH_ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
        size_t ndocs = 0;
        for (;;) {
                yaml_document_t y;
                if (!yaml_parser_load(&parser, &y)) {
                        struct def_pos p = {cx.file, (int)parser.problem_mark.line + 1,
                                            (int)parser.problem_mark.column + 1};
                        if (parser.error == YAML_MEMORY_ERROR)
                                cx.oom = 1;
                        else if (diag_add(diags, p, NULL, "YAML syntax error: %s%s%s",
                                          parser.problem ? parser.problem : "unreadable",
                                          parser.context ? " " : "",
                                          parser.context ? parser.context : "") < 0)
                                cx.oom = 1;
                        break;
                }
                yaml_node_t *root = yaml_document_get_root_node(&y);
                if (!root) {
                        yaml_document_delete(&y);
                        break;
                }
                cx.y = &y;
                bool empty = root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0;
                if (!empty) {
                        load_doc(&cx, root);
                        ndocs++;
                }
                yaml_document_delete(&y);
                if (cx.oom)
                        break;
        }
        yaml_parser_delete(&parser);
        if (cx.oom)
                return BATCH_ENOMEM;
        if (ndocs == 0 && (diags->n == 0 || diags->items[diags->n - 1].pos.file != cx.file))
                return diag_add(diags, top, NULL, "the file has no definitions");
        return 0;
}

static int load_file(struct defset *set, const char *path, struct diag_list *diags)
{
        struct def_pos top = {NULL, 0, 0};
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;
                if (fd >= 0)
                        close(fd);
                top.file = path;
                return diag_add(diags, top, NULL, "cannot read %s: %s", path, strerror(e));
        }
        if (!S_ISREG(st.st_mode) || st.st_size > DEFS_FILE_MAX) {
                close(fd);
                return diag_add(diags, top, NULL, "%s: %s", path,
                                S_ISREG(st.st_mode) ? "larger than the 4 MiB limit for a "
                                                      "definition file"
                                                    : "not a regular file");
        }
        char *buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                close(fd);
                return BATCH_ENOMEM;
        }
        size_t got = 0;
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        close(fd);
        int r = defs_load_buffer(set, path, buf, got, diags);
        free(buf);
        return r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool yaml_name(const char *name)
{
        size_t n = strlen(name);
        return name[0] != '.' && ((n > 5 && !strcmp(name + n - 5, ".yaml")) ||
                                  (n > 4 && !strcmp(name + n - 4, ".yml")));
}

/* Appends the *.yaml and *.yml files under `dir` (recursively, skipping hidden
 * entries) to *names. */
static int collect(const char *dir, char ***names, size_t *n, struct diag_list *diags, int depth)
{
        DIR *d = opendir(dir);
        if (!d) {
                struct def_pos p = {NULL, 0, 0};
                return diag_add(diags, p, NULL, "cannot read directory %s: %s", dir,
                                strerror(errno));
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                size_t len = strlen(dir) + strlen(de->d_name) + 2;
                char *path = malloc(len);
                if (!path) {
                        r = BATCH_ENOMEM;
                        break;
                }
                snprintf(path, len, "%s/%s", dir, de->d_name);
                struct stat st;
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 16) {
                        r = collect(path, names, n, diags, depth + 1);
                        free(path);
                        continue;
                }
                if (!yaml_name(de->d_name)) {
                        free(path);
                        continue;
                }
                char **nn = realloc(*names, (*n + 1) * sizeof(*nn));
                if (!nn) {
                        free(path);
                        r = BATCH_ENOMEM;
                        break;
                }
                *names = nn;
                nn[(*n)++] = path;
        }
        closedir(d);
        return r;
}

int defs_load_paths(struct defset *set, char *const *paths, size_t npaths,
                    struct diag_list *diags)
{
        for (size_t i = 0; i < npaths; i++) {
                struct stat st;
                if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                        char **names = NULL;
                        size_t n = 0;
                        int r = collect(paths[i], &names, &n, diags, 0);
                        if (n)
                                qsort(names, n, sizeof(*names), cmp_str);
                        for (size_t k = 0; k < n; k++) {
                                if (r == 0)
                                        r = load_file(set, names[k], diags);
                                free(names[k]);
                        }
                        free(names);
                        if (r < 0)
                                return r;
                        continue;
                }
                int r = load_file(set, paths[i], diags);
                if (r < 0)
                        return r;
        }
        return 0;
}
