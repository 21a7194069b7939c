/* jobs.c: job definitions as JSON for the API and batchctl (see jobs.h). */
#include "ops/jobs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/urlmask.h"
#include "core/isotime.h"
#include "core/lang.h"
#include "defs/emit.h"
#include "defs/load.h"
#include "defs/params.h"

bool ops_key_is_secret(const char *key)
{
        static const char *const words[] = {"secret", "password", "passwd", "token",
                                            "credential", "apikey", "api_key", NULL};
        char low[256];
        size_t n = 0;
        for (; key[n] && n < sizeof(low) - 1; n++)
                low[n] = (char)tolower((unsigned char)key[n]);
        low[n] = '\0';
        for (const char *const *w = words; *w; w++)
                if (strstr(low, *w))
                        return true;
        return false;
}

static void redact_map(struct def_map *m)
{
        for (size_t i = 0; i < m->n; i++) {
                if (!ops_key_is_secret(m->keys[i]))
                        continue;
                char *v = strdup("***");
                if (v) {
                        free(m->vals[i]);
                        m->vals[i] = v;
                }
        }
}

void ops_put_params_redacted(struct buf *b, const char *params)
{
        struct def_map m = {0, NULL, NULL};
        struct batch_err err;
        if (!params || params_parse(params, &m, &err) < 0) {
                buf_puts(b, "{}");
                return;
        }
        redact_map(&m);
        params_format(&m, b);
        def_map_release(&m);
}

int ops_load_spec(const char *spec, struct defset *set)
{
        struct diag_list diags = {0, NULL};
        memset(set, 0, sizeof(*set));
        int r = defs_load_buffer(set, "stored definition", spec, strlen(spec), &diags);
        bool bad = r < 0 || diags.n || set->ndocs != 1;
        diag_list_release(&diags);
        if (bad) {
                defset_release(set);
                return BATCH_EFORMAT;
        }
        return 0;
}

static const char *type_name(enum job_type t)
{
        return t == JOB_MANUAL ? "manual" : "scheduled";
}

const char *ops_display_name(const struct job_def *j, const char *lang)
{
        long i = lang_pick((const char *const *)j->display_names.keys, j->display_names.n, lang);
        if (i >= 0 && j->display_names.vals[i] && *j->display_names.vals[i])
                return j->display_names.vals[i];
        return j->display_name && *j->display_name ? j->display_name : NULL;
}

/* A JSON string of `text`, its URLs cut to their host when `mask_urls`. */
static void put_text(struct buf *b, const char *text, bool mask_urls)
{
        if (!mask_urls || !text) {
                json_put_string(b, text);
                return;
        }
        struct buf m;
        buf_init(&m, 0);
        urlmask_text(text, &m);
        json_put_string(b, m.data);
        buf_release(&m);
}

void ops_put_def(struct buf *b, const struct store_def *d, bool history, const char *lang,
                 bool mask_urls)
{
        char when[ISO_FORMAT_MAX];
        buf_puts(b, "{\"tenant\": ");
        json_put_string(b, d->tenant);
        buf_puts(b, ", \"kind\": ");
        json_put_string(b, d->kind);
        buf_puts(b, ", \"name\": ");
        json_put_string(b, d->name);
        if (d->version == 0) { /* never stored: the defaults */
                buf_puts(b, ", \"version\": 0, \"updated_at\": null, \"updated_by\": null");
        } else {
                buf_printf(b, ", \"version\": %lld, \"%s\": \"%s\", \"%s\": ",
                           (long long)d->version, history ? "changed_at" : "updated_at",
                           iso_format_utc(d->changed_at, when),
                           history ? "changed_by" : "updated_by");
                json_put_string(b, d->changed_by);
        }
        if (!history) {
                size_t n = d->changed_by ? strlen(d->changed_by) : 0;
                size_t k = sizeof(OPS_TROUBLESHOOTING_SUFFIX) - 1;
                bool drift = d->version && n > k &&
                             !strcmp(d->changed_by + n - k, OPS_TROUBLESHOOTING_SUFFIX);
                buf_printf(b, ", \"drift\": %s", drift ? "true" : "false");
        }
        if (history) {
                buf_puts(b, ", \"changed\": ");
                put_text(b, d->changed, mask_urls);
        }
        struct defset set;
        if (!d->spec || ops_load_spec(d->spec, &set) < 0) {
                buf_puts(b, ", \"spec\": ");
                put_text(b, d->spec, mask_urls);
                buf_puts(b, "}");
                return;
        }
        struct def_doc *doc = &set.docs[0];
        if (doc->kind == DEF_JOB) {
                struct job_def *j = &doc->u.job;
                redact_map(&j->exec_env);
                redact_map(&j->parameters);
                const char *dn = ops_display_name(j, lang);
                buf_puts(b, ", \"display_name\": ");
                if (dn)
                        json_put_string(b, dn);
                else
                        buf_puts(b, "null");
                buf_puts(b, ", \"group\": ");
                json_put_string(b, j->group);
                buf_printf(b, ", \"type\": \"%s\", \"enabled\": %s", type_name(j->type),
                           j->enabled ? "true" : "false");
                /* What a form needs without reading the YAML (the web UI's submit, docs/ui.md):
                 * the trigger, and the parameters with their defaults (secrets as ***). */
                buf_puts(b, ", \"cron\": ");
                json_put_string(b, j->cron);
                buf_puts(b, ", \"timezone\": ");
                json_put_string(b, j->timezone);
                buf_puts(b, ", \"parameters\": ");
                params_format(&j->parameters, b);
                /* The labels a node must have to run it (docs/definitions.md), when it
                 * names any: the canonical text. */
                if (j->node_labels) {
                        buf_puts(b, ", \"node_labels\": ");
                        json_put_string(b, j->node_labels);
                }
        }
        struct buf text;
        buf_init(&text, 0);
        defs_emit_doc(doc, &text);
        buf_puts(b, ", \"spec\": ");
        put_text(b, text.data ? text.data : "", mask_urls);
        buf_puts(b, "}");
        buf_release(&text);
        defset_release(&set);
}

static void info_of(const struct job_def *j, struct ops_job_info *ret)
{
        snprintf(ret->group, sizeof(ret->group), "%s", j->group ? j->group : "");
        snprintf(ret->type, sizeof(ret->type), "%s", type_name(j->type));
        ret->enabled = j->enabled;
        ret->allow_multiple_instances = j->allow_multiple_instances;
}

static int info_of_spec(const struct store_def *d, struct ops_job_info *ret,
                        struct batch_err *reterr)
{
        struct defset set;
        if (ops_load_spec(d->spec, &set) < 0 || set.docs[0].kind != DEF_JOB) {
                if (set.ndocs)
                        defset_release(&set);
                return batch_err_set(reterr, BATCH_EFORMAT, "spec",
                                     "the stored definition of job \"%s\" does not load", d->name);
        }
        info_of(&set.docs[0].u.job, ret);
        defset_release(&set);
        return 0;
}

int ops_job_info(struct store *s, const char *tenant, const char *job, struct ops_job_info *ret,
                 struct batch_err *reterr)
{
        struct store_def d;
        int r = store_def_get(s, tenant, "job", job, &d, reterr);
        if (r < 0)
                return r;
        r = info_of_spec(&d, ret, reterr);
        store_def_release(&d);
        return r;
}

int ops_job_list(struct store *s, const char *tenant, const struct ops_job_filter *f,
                 const char *lang, struct buf *b, struct batch_err *reterr)
{
        struct store_def_list l;
        int r = store_def_list(s, tenant, "job", &l, reterr);
        if (r < 0)
                return r;
        unsigned limit = f->limit ? f->limit : 100, n = 0;
        const char *last = NULL;
        bool more = false;
        buf_puts(b, "{\"items\": [");
        /* The store lists by name: skip to the cursor, then filter. */
        for (size_t i = 0; i < l.n; i++) {
                const struct store_def *d = &l.items[i];
                if (f->after && strcmp(d->name, f->after) <= 0)
                        continue;
                struct ops_job_info info;
                struct batch_err err;
                if ((f->group || f->type || f->enabled >= 0) && info_of_spec(d, &info, &err) < 0)
                        continue;
                if ((f->group && strcmp(info.group, f->group)) ||
                    (f->type && strcmp(info.type, f->type)) ||
                    (f->enabled >= 0 && info.enabled != (f->enabled == 1)))
                        continue;
                if (n == limit) {
                        more = true;
                        break;
                }
                buf_puts(b, n++ ? ",\n  " : "\n  ");
                ops_put_def(b, d, false, lang, f->mask_urls);
                last = d->name;
        }
        buf_puts(b, n ? "\n], \"next_cursor\": " : "], \"next_cursor\": ");
        if (more)
                json_put_string(b, last);
        else
                buf_puts(b, "null");
        buf_puts(b, "}\n");
        store_def_list_release(&l);
        return 0;
}
