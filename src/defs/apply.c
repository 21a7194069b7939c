/* apply.c: applying definition files to the repository (see apply.h). */
#include "defs/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "defs/docindex.h"
#include "defs/emit.h"
#include "defs/load.h"
#include "defs/validate.h"
#include "ops/jobs.h"

static const char *const change_names[] = {"created", "changed", "unchanged", "deleted"};

const char *defs_change_name(enum defs_change_kind k)
{
        return k < DEFS_CHANGE_X_MAX ? change_names[k] : "?";
}

void defs_apply_init(struct defs_apply *a)
{
        memset(a, 0, sizeof(*a));
}

void defs_apply_release(struct defs_apply *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->changes[i].spec);
        free(a->changes);
        store_def_list_release(&a->stored);
        diag_list_release(&a->diags);
        defset_release(&a->set);
        memset(a, 0, sizeof(*a));
}

/* The keys whose canonical values differ between the new document and the stored
 * text, comma-separated into keys. */
static void changed_keys(const struct def_doc *now, const char *stored, char *keys, size_t len)
{
        struct defset old = {0};
        struct diag_list diags = {0, NULL};
        struct def_fields a = {0}, b = {0};
        keys[0] = '\0';
        defs_load_buffer(&old, "stored", stored, strlen(stored), &diags);
        defs_fields(now, &a);
        if (old.ndocs == 1)
                defs_fields(&old.docs[0], &b);
        size_t used = 0;
        for (int pass = 0; pass < 2; pass++) {
                const struct def_fields *x = pass ? &b : &a, *y = pass ? &a : &b;
                for (size_t i = 0; i < x->n; i++) {
                        const char *other = NULL;
                        for (size_t k = 0; k < y->n; k++)
                                if (!strcmp(y->items[k].key, x->items[i].key))
                                        other = y->items[k].value;
                        if (other && (pass || !strcmp(other, x->items[i].value)))
                                continue; /* same, or a difference already listed */
                        int w = snprintf(keys + used, len - used, "%s%s", used ? ", " : "",
                                         x->items[i].key);
                        if (w > 0 && (size_t)w < len - used)
                                used += (size_t)w;
                }
        }
        defs_fields_release(&a);
        defs_fields_release(&b);
        defset_release(&old);
        diag_list_release(&diags);
}

static bool same_def(const struct store_def *a, const struct store_def *b)
{
        return !strcmp(a->kind, b->kind) && !strcmp(a->tenant, b->tenant) &&
               !strcmp(a->name, b->name);
}

/* Whether a job document has a value under a secret key. */
static bool doc_has_secret(const struct def_doc *doc)
{
        if (doc->kind != DEF_JOB)
                return false;
        const struct def_map *maps[] = {&doc->u.job.exec_env, &doc->u.job.parameters};
        for (size_t m = 0; m < 2; m++)
                for (size_t i = 0; i < maps[m]->n; i++)
                        if (ops_key_is_secret(maps[m]->keys[i]))
                                return true;
        return false;
}

static int oom(struct batch_err *reterr)
{
        return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
}

/* plan_loaded's work, with the new documents indexed. */
static int plan_with_index(struct store *s, bool prune, const struct store_def *drop,
                           const struct doc_index *files, struct defs_apply *a,
                           struct batch_err *reterr)
{
        int rc = 0;
        size_t nfile_docs = files->n;
        bool dropped = false;
        /* What stays in the repository takes part in validation (parents, calendars). */
        for (size_t i = 0; i < a->stored.n; i++) {
                const struct store_def *d = &a->stored.items[i];
                if (drop && same_def(d, drop)) {
                        dropped = true;
                        continue;
                }
                if (doc_index_find(files, d->kind, d->tenant, d->name) ||
                    (prune && doc_index_has_tenant(files, d->tenant)))
                        continue;
                char label[600];
                snprintf(label, sizeof(label), "repository:%s/%s/%s", d->kind, d->tenant, d->name);
                if (defs_load_buffer(&a->set, label, d->spec, strlen(d->spec), &a->diags) < 0)
                        return oom(reterr);
        }
        if (drop && !dropped)
                return batch_err_set(reterr, BATCH_ENOENT, NULL, "no %s named \"%s\"", drop->kind,
                                     drop->name);
        if (defs_validate(&a->set, &a->diags) < 0)
                return oom(reterr);
        if (a->diags.n)
                return batch_err_set(reterr, BATCH_EINVAL, NULL, "%zu problem%s found",
                                     a->diags.n, a->diags.n == 1 ? "" : "s");
        a->changes = calloc(nfile_docs + a->stored.n + 1, sizeof(*a->changes));
        if (!a->changes)
                return oom(reterr);
        for (size_t i = 0; i < nfile_docs; i++) {
                struct def_doc *doc = &a->set.docs[i];
                struct defs_change *c = &a->changes[a->n++];
                c->kind = def_kind_name(doc->kind);
                c->tenant = def_doc_tenant(doc);
                c->name = def_doc_name(doc);
                struct store_def cur;
                struct batch_err err;
                int got = store_def_get(s, c->tenant, c->kind, c->name, &cur, &err);
                if (got < 0 && got != BATCH_ENOENT) {
                        if (reterr)
                                *reterr = err;
                        return got;
                }
                const char *stored = got < 0 ? NULL : cur.spec;
                struct buf text;
                buf_init(&text, 0);
                if (a->secrets)
                        rc = secrets_seal_doc(a->secrets, doc, stored, reterr);
                else if (doc_has_secret(doc))
                        rc = batch_err_set(reterr, BATCH_ENOENT, SECRETS_FIELD,
                                           "%s %s/%s has a secret value and there is no key "
                                           "to encrypt it", c->kind, c->tenant, c->name);
                if (rc == 0 && defs_emit_doc(doc, &text) < 0)
                        rc = oom(reterr);
                c->spec = buf_detach(&text);
                if (rc < 0) {
                        if (got == 0)
                                store_def_release(&cur);
                        return rc;
                }
                if (got < 0) {
                        c->what = DEFS_CREATED;
                        snprintf(c->keys, sizeof(c->keys), "created");
                } else {
                        c->what = strcmp(cur.spec, c->spec) ? DEFS_CHANGED : DEFS_UNCHANGED;
                        if (c->what == DEFS_CHANGED)
                                changed_keys(doc, cur.spec, c->keys, sizeof(c->keys));
                        store_def_release(&cur);
                }
                a->count[c->what]++;
        }
        for (size_t i = 0; (prune || drop) && i < a->stored.n; i++) {
                const struct store_def *d = &a->stored.items[i];
                if (drop ? !same_def(d, drop)
                         : doc_index_find(files, d->kind, d->tenant, d->name) ||
                                   !doc_index_has_tenant(files, d->tenant))
                        continue;
                struct defs_change *c = &a->changes[a->n++];
                c->what = DEFS_DELETED;
                c->kind = d->kind;
                c->tenant = d->tenant;
                c->name = d->name;
                a->count[c->what]++;
        }
        return 0;
}

/* The plan once the new documents (the first `nfile_docs` of a->set) are loaded: the
 * stored definitions that stay join them for validation, then each new document is
 * compared with its stored version. `drop` (or NULL) names one stored definition to
 * delete; with `prune`, so are the stored ones of the new documents' tenants that they
 * no longer hold. */
static int plan_loaded(struct store *s, bool prune, const struct store_def *drop,
                       struct defs_apply *a, struct batch_err *reterr)
{
        int rc;
        if ((rc = store_def_list(s, NULL, NULL, &a->stored, reterr)) < 0)
                return rc;
        size_t nfile_docs = a->set.ndocs;
        struct doc_index files;
        if (doc_index_build(&files, &a->set, nfile_docs) < 0) {
                doc_index_release(&files);
                return oom(reterr);
        }
        rc = plan_with_index(s, prune, drop, &files, a, reterr);
        doc_index_release(&files);
        return rc;
}

int defs_apply_plan(struct store *s, char *const *paths, size_t npaths, bool prune,
                    struct defs_apply *a, struct batch_err *reterr)
{
        if (defs_load_paths(&a->set, paths, npaths, &a->diags) < 0)
                return oom(reterr);
        return plan_loaded(s, prune, NULL, a, reterr);
}

int defs_apply_plan_text(struct store *s, const char *label, const char *text, size_t len,
                         struct defs_apply *a, struct batch_err *reterr)
{
        if (defs_load_buffer(&a->set, label, text, len, &a->diags) < 0)
                return oom(reterr);
        return plan_loaded(s, false, NULL, a, reterr);
}

int defs_apply_plan_delete(struct store *s, const char *tenant, const char *kind,
                           const char *name, struct defs_apply *a, struct batch_err *reterr)
{
        const struct store_def drop = {.tenant = (char *)tenant, .kind = (char *)kind,
                                       .name = (char *)name};
        return plan_loaded(s, false, &drop, a, reterr);
}

size_t defs_apply_writes(const struct defs_apply *a)
{
        return a->count[DEFS_CREATED] + a->count[DEFS_CHANGED] + a->count[DEFS_DELETED];
}

int defs_apply_write(struct store *s, const struct defs_apply *a, const char *actor,
                     int64_t now_s, struct batch_err *reterr)
{
        if (defs_apply_writes(a) == 0)
                return 0;
        int rc = store_begin(s, reterr);
        if (rc < 0)
                return rc;
        for (size_t i = 0; i < a->n; i++) {
                const struct defs_change *c = &a->changes[i];
                char object[600];
                snprintf(object, sizeof(object), "%s/%s/%s", c->kind, c->tenant, c->name);
                if (c->what == DEFS_CREATED || c->what == DEFS_CHANGED) {
                        struct store_def d = {.tenant = (char *)c->tenant,
                                              .kind = (char *)c->kind,
                                              .name = (char *)c->name,
                                              .spec = c->spec,
                                              .changed = (char *)c->keys,
                                              .changed_by = (char *)actor};
                        rc = store_def_put(s, &d, now_s, reterr);
                } else if (c->what == DEFS_DELETED) {
                        rc = store_def_delete(s, c->tenant, c->kind, c->name, actor, now_s,
                                              reterr);
                } else {
                        continue;
                }
                if (rc == 0)
                        rc = store_audit_add(s, now_s, actor, change_names[c->what], object,
                                             c->keys[0] ? c->keys : NULL, reterr);
                if (rc < 0) {
                        store_rollback(s);
                        return rc;
                }
        }
        if ((rc = store_commit(s, reterr)) < 0) {
                store_rollback(s);
                return rc;
        }
        return 0;
}
