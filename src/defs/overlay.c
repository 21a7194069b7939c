/* overlay.c: per-environment overlays applied to loaded definitions (see overlay.h). The
 * merge is made on the canonical text (defs/emit.h: one line per top-level key), so
 * that the overlaid definition is loaded and checked by the one loader. */
#include "defs/overlay.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "defs/emit.h"
#include "defs/load.h"

static const char *const job_keys[] = {"enabled", "trigger", "executor", "alerts", NULL};
static const char *const settings_keys[] = {"time_offset", "alerts", NULL};

static bool listed(const char *const *list, const char *key)
{
        for (; *list; list++)
                if (!strcmp(*list, key))
                        return true;
        return false;
}

/* The top-level key of a key path ("trigger.cron" -> "trigger"), in out. */
static void top_key(const char *path, char *out, size_t len)
{
        size_t n = strcspn(path, ".[");
        if (n >= len)
                n = len - 1;
        memcpy(out, path, n);
        out[n] = '\0';
}

/* Whether the overlay document gives top-level key `key`. */
static bool gives(const struct def_doc *o, const char *key)
{
        char top[64];
        for (size_t i = 0; i < o->nkeys; i++) {
                top_key(o->keys[i].path, top, sizeof(top));
                if (!strcmp(top, key))
                        return true;
        }
        return false;
}

static const char *doc_tenant(const struct def_doc *d)
{
        const char *t = d->kind == DEF_JOB        ? d->u.job.tenant
                        : d->kind == DEF_SETTINGS ? d->u.settings.tenant
                                                  : d->u.calendar.tenant;
        return t ? t : "default";
}

/* The definition an overlay document applies to, or -1. */
static long target(const struct defset *set, const struct def_doc *o)
{
        for (size_t i = 0; i < set->ndocs; i++) {
                const struct def_doc *d = &set->docs[i];
                if (d->kind == o->kind && !strcmp(doc_tenant(d), doc_tenant(o)) &&
                    !strcmp(def_doc_name(d), def_doc_name(o)))
                        return (long)i;
        }
        return -1;
}

/* Checks the overlay document; 0 when it may be applied. */
static int check(const struct defset *set, const struct def_doc *o, struct diag_list *diags,
                 long *ret_target)
{
        *ret_target = -1;
        if (o->kind == DEF_CALENDAR) {
                int r = diag_add(diags, o->pos, "kind", "an overlay changes jobs and settings; a "
                                                        "calendar is the same in every environment");
                return r < 0 ? r : -1;
        }
        const char *const *allowed = o->kind == DEF_JOB ? job_keys : settings_keys;
        int bad = 0;
        char top[64];
        for (size_t i = 0; i < o->nkeys; i++) {
                const char *path = o->keys[i].path;
                top_key(path, top, sizeof(top));
                if (strcmp(path, top) || !strcmp(top, "kind") || !strcmp(top, "name") ||
                    !strcmp(top, "tenant") || listed(allowed, top))
                        continue;
                int r = diag_add(diags, o->keys[i].pos, path,
                                 o->kind == DEF_JOB
                                         ? "an overlay may change a job's enabled, trigger, "
                                           "executor and alerts (what differs between "
                                           "environments), not \"%s\""
                                         : "an overlay may change the settings' time_offset and "
                                           "alerts (what differs between environments), not "
                                           "\"%s\"",
                                 top);
                if (r < 0)
                        return r;
                bad = 1;
        }
        if (o->kind == DEF_JOB && !o->u.job.name) {
                int r = diag_add(diags, o->pos, NULL, "an overlay of a job needs the job's name");
                return r < 0 ? r : -1;
        }
        *ret_target = target(set, o);
        if (*ret_target < 0 && o->kind == DEF_JOB) {
                int r = diag_add(diags, def_doc_pos(o, "name"), "name",
                                 "the overlay names job \"%s\" of tenant \"%s\", which the "
                                 "definitions do not hold",
                                 o->u.job.name, doc_tenant(o));
                return r < 0 ? r : -1;
        }
        return bad ? -1 : 0;
}

static int cmp_field(const void *a, const void *b)
{
        return strcmp(((const struct def_field *)a)->key, ((const struct def_field *)b)->key);
}

/* The canonical text of `base` (NULL: defaults of the overlay's kind) with the keys the
 * overlay gives replaced by the overlay's, in *out. */
static int merged_text(const struct def_doc *base, const struct def_doc *o, struct buf *out)
{
        struct def_fields b = {0}, v = {0};
        struct def_doc empty = {0};
        if (!base) { /* settings never written: the overlay on the defaults */
                empty.kind = DEF_SETTINGS;
                empty.u.settings = (struct settings_def){
                        .tenant = (char *)doc_tenant(o), .window_start = 12 * 60,
                        .window_end = 12 * 60, .estimate_multiple = 3,
                        .min_execute_minutes = 30, .report_minute = 8 * 60};
                base = &empty;
        }
        int r = defs_fields(base, &b);
        if (r == 0)
                r = defs_fields(o, &v);
        struct def_field all[64];
        size_t n = 0, head = 0;
        for (size_t i = 0; r == 0 && i < b.n; i++) {
                const char *k = b.items[i].key;
                bool fixed = !strcmp(k, "kind") || !strcmp(k, "tenant") || !strcmp(k, "name");
                if (fixed)
                        head = n + 1;
                if (fixed || !gives(o, k))
                        all[n++] = b.items[i];
        }
        for (size_t i = 0; r == 0 && i < v.n && n < 64; i++)
                if (gives(o, v.items[i].key) && strcmp(v.items[i].key, "kind") &&
                    strcmp(v.items[i].key, "tenant") && strcmp(v.items[i].key, "name"))
                        all[n++] = v.items[i];
        qsort(all + head, n - head, sizeof(*all), cmp_field);
        for (size_t i = 0; r == 0 && i < n; i++)
                buf_printf(out, "%s: %s\n", all[i].key, all[i].value);
        if (r == 0 && out->err)
                r = BATCH_ENOMEM;
        defs_fields_release(&b);
        defs_fields_release(&v);
        return r;
}

/* Points the key positions of the overlaid document `m` at the overlay (keys it gave)
 * or at the base definition (the rest). */
static void place(struct def_doc *m, const struct def_doc *base, const struct def_doc *o)
{
        char top[64];
        for (size_t i = 0; i < m->nkeys; i++) {
                top_key(m->keys[i].path, top, sizeof(top));
                const struct def_doc *from = gives(o, top) || !base ? o : base;
                m->keys[i].pos = def_doc_pos(from, m->keys[i].path);
        }
        m->pos = base ? base->pos : o->pos;
}

int defs_overlay_apply(struct defset *set, const struct defset *ov, struct diag_list *diags)
{
        for (size_t i = 0; i < ov->ndocs; i++) {
                const struct def_doc *o = &ov->docs[i];
                long t;
                int r = check(set, o, diags, &t);
                if (r == BATCH_ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                struct buf text;
                buf_init(&text, 0);
                const struct def_doc *base = t >= 0 ? &set->docs[t] : NULL;
                if ((r = merged_text(base, o, &text)) < 0) {
                        buf_release(&text);
                        return r;
                }
                size_t before = set->ndocs;
                r = defs_load_buffer_as(set, o->pos.file ? o->pos.file : "overlay", text.data,
                                        text.len, o->kind, diags);
                buf_release(&text);
                if (r < 0)
                        return r;
                if (set->ndocs != before + 1)
                        continue; /* the loader reported why */
                base = t >= 0 ? &set->docs[t] : NULL; /* the array may have moved */
                place(&set->docs[before], base, o);
                if (t >= 0) {
                        def_doc_release(&set->docs[t]);
                        set->docs[t] = set->docs[before];
                        set->ndocs--;
                }
        }
        return 0;
}
