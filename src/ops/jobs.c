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

/* Whether d's last change was made for troubleshooting in a runtime environment (its
 * updated_by ends in OPS_TROUBLESHOOTING_SUFFIX): the "drift" of ops_put_def. */
static bool is_drift(const struct store_def *d)
{
        size_t n = d->changed_by ? strlen(d->changed_by) : 0;
        size_t k = sizeof(OPS_TROUBLESHOOTING_SUFFIX) - 1;
        return d->version && n > k && !strcmp(d->changed_by + n - k, OPS_TROUBLESHOOTING_SUFFIX);
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
                buf_printf(b, ", \"drift\": %s", is_drift(d) ? "true" : "false");
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

bool ops_spec_may_be_of_group(const char *spec, const char *group)
{
        if (strpbrk(group, "\"\\"))
                return true;
        for (const unsigned char *p = (const unsigned char *)group; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return true;
        return strstr(spec, group) != NULL;
}

/* Whether job definition d passes filter f (its text parsed only when a filter needs it;
 * a text that does not load passes none of them). */
static bool job_matches(const struct store_def *d, const struct ops_job_filter *f)
{
        if (f->drift >= 0 && is_drift(d) != (f->drift == 1))
                return false;
        if (!f->group && !f->type && f->enabled < 0)
                return true;
        if (f->group && !ops_spec_may_be_of_group(d->spec, f->group))
                return false;
        struct ops_job_info info;
        struct batch_err err;
        if (info_of_spec(d, &info, &err) < 0)
                return false;
        return !(f->group && strcmp(info.group, f->group)) &&
               !(f->type && strcmp(info.type, f->type)) &&
               !(f->enabled >= 0 && info.enabled != (f->enabled == 1));
}

int ops_job_walk(struct store *s, const char *tenant, const char *after, unsigned batch,
                 int (*fn)(const struct store_def *d, void *arg), void *arg,
                 struct batch_err *reterr)
{
        if (batch == 0)
                batch = 1000;
        char *seen = NULL; /* the last definition read: where the next batch starts */
        int r = 0;
        for (;;) {
                struct store_def_list l;
                r = store_def_list_after(s, tenant, "job", seen ? seen : after, batch, &l, reterr);
                if (r < 0)
                        break;
                for (size_t i = 0; i < l.n && r == 0; i++)
                        r = fn(&l.items[i], arg);
                bool done = r != 0 || l.n < batch;
                free(seen);
                seen = l.n ? strdup(l.items[l.n - 1].name) : NULL;
                if (!done && !seen)
                        r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                store_def_list_release(&l);
                if (done || r)
                        break;
        }
        free(seen);
        return r < 0 ? r : 0;
}

/* ops_job_list's walk: the page so far. */
struct job_page {
        const struct ops_job_filter *f;
        const char *lang;
        struct buf *b;
        unsigned limit, n;
        char *last;             /* the last item written: the next page's cursor */
        bool more;              /* a further match exists */
        struct batch_err *reterr;
};

static int page_add(const struct store_def *d, void *arg)
{
        struct job_page *p = arg;
        if (!job_matches(d, p->f))
                return 0;
        if (p->n == p->limit) {
                p->more = true;
                return 1;
        }
        buf_puts(p->b, p->n++ ? ",\n  " : "\n  ");
        ops_put_def(p->b, d, false, p->lang, p->f->mask_urls);
        free(p->last);
        p->last = strdup(d->name);
        return p->last ? 0 : batch_err_set(p->reterr, BATCH_ENOMEM, NULL, "out of memory");
}

int ops_job_list(struct store *s, const char *tenant, const struct ops_job_filter *f,
                 const char *lang, struct buf *b, struct batch_err *reterr)
{
        struct job_page p = {.f = f, .lang = lang, .b = b, .limit = f->limit ? f->limit : 100,
                             .reterr = reterr};
        /* Read one more than the page without a filter, else batches of 1,000 (at most
         * 10,000) until the page and one more match are found: a page costs its own rows,
         * not the tenant's whole list. */
        bool filtered = f->group || f->type || f->enabled >= 0 || f->drift >= 0;
        unsigned cap = p.limit < 10000 ? p.limit : 10000;
        buf_puts(b, "{\"items\": [");
        int r = ops_job_walk(s, tenant, f->after, filtered ? (cap > 1000 ? cap : 1000) : cap + 1,
                             page_add, &p, reterr);
        if (r < 0) {
                free(p.last);
                return r;
        }
        buf_puts(b, p.n ? "\n], \"next_cursor\": " : "], \"next_cursor\": ");
        if (p.more)
                json_put_string(b, p.last);
        else
                buf_puts(b, "null");
        buf_puts(b, "}\n");
        free(p.last);
        return 0;
}
