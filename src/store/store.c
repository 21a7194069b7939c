/* store.c: backend selection by DSN and the wrappers every caller uses. */
#include "store.h"

#include "core/lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_open(const char *dsn, struct store **ret, struct batch_err *reterr)
{
        if (!dsn || !*dsn)
                return batch_err_set(reterr, BATCH_EINVAL, "db", "db: no repository given");
        if (!strncmp(dsn, "postgresql://", 13) || !strncmp(dsn, "postgres://", 11))
                return store_postgres_ops.open(dsn, ret, reterr);
        if (!strncmp(dsn, "sqlite:", 7))
                dsn += 7;
        return store_sqlite_ops.open(dsn, ret, reterr);
}

void store_close(struct store *s)
{
        if (s)
                s->ops->close(s);
}

int store_default_path(char *buf, size_t len)
{
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;
        if (state && *state)
                n = snprintf(buf, len, "%s/batchd/batchd.db", state);
        else if (home && *home)
                n = snprintf(buf, len, "%s/.local/state/batchd/batchd.db", home);
        else
                return BATCH_EINVAL;
        return n < 0 || (size_t)n >= len ? BATCH_EINVAL : 0;
}

int store_begin(struct store *s, struct batch_err *reterr)
{
        return s->ops->begin(s, reterr);
}

int store_commit(struct store *s, struct batch_err *reterr)
{
        return s->ops->commit(s, reterr);
}

void store_rollback(struct store *s)
{
        s->ops->rollback(s);
}

int store_schema_version(struct store *s, int *ret, struct batch_err *reterr)
{
        return s->ops->schema_version(s, ret, reterr);
}

int store_def_put(struct store *s, const struct store_def *d, int64_t now_s,
                  struct batch_err *reterr)
{
        return s->ops->def_put(s, d, now_s, reterr);
}

int store_def_get(struct store *s, const char *tenant, const char *kind, const char *name,
                  struct store_def *ret, struct batch_err *reterr)
{
        return s->ops->def_get(s, tenant, kind, name, ret, reterr);
}

int store_def_list(struct store *s, const char *tenant, const char *kind,
                   struct store_def_list *ret, struct batch_err *reterr)
{
        return s->ops->def_list(s, tenant, kind, ret, reterr);
}

int store_def_delete(struct store *s, const char *tenant, const char *kind, const char *name,
                     const char *actor, int64_t now_s, struct batch_err *reterr)
{
        return s->ops->def_delete(s, tenant, kind, name, actor, now_s, reterr);
}

int store_def_history(struct store *s, const char *tenant, const char *kind, const char *name,
                      struct store_def_list *ret, struct batch_err *reterr)
{
        return s->ops->def_history(s, tenant, kind, name, ret, reterr);
}

int store_audit_add(struct store *s, int64_t now_s, const char *actor, const char *action,
                    const char *object, const char *detail, struct batch_err *reterr)
{
        return s->ops->audit_add(s, now_s, actor, action, object, detail, reterr);
}

void store_def_release(struct store_def *d)
{
        free(d->tenant);
        free(d->kind);
        free(d->name);
        free(d->spec);
        free(d->changed);
        free(d->changed_by);
        memset(d, 0, sizeof(*d));
}

void store_def_list_release(struct store_def_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_def_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

int store_instance_create(struct store *s, const struct store_instance *in, const char *actor,
                          int64_t now_s, int64_t *ret_id, struct batch_err *reterr)
{
        if (!in->tenant || !in->job || !in->trace_id || !state_name(in->state))
                return batch_err_set(reterr, BATCH_EINVAL, "instance",
                                     "instance: tenant, job, trace id and a valid state are "
                                     "required");
        return s->ops->instance_create(s, in, actor, now_s, ret_id, reterr);
}

int store_instance_get(struct store *s, int64_t id, struct store_instance *ret,
                       struct batch_err *reterr)
{
        return s->ops->instance_get(s, id, ret, reterr);
}

int store_instance_list(struct store *s, const struct store_instance_filter *f,
                        struct store_instance_list *ret, struct batch_err *reterr)
{
        if (!f->tenant)
                return batch_err_set(reterr, BATCH_EINVAL, "tenant", "tenant: required");
        return s->ops->instance_list(s, f, ret, reterr);
}

int store_instance_transition(struct store *s, int64_t id, int from, int to, const char *actor,
                              const char *reason, int64_t now_s, struct batch_err *reterr)
{
        if (!state_transition_ok(from, to))
                return batch_err_set(reterr, BATCH_EINVAL, "state",
                                     "state: %s -> %s is not a legal transition (docs/states.md)",
                                     state_name(from) ? state_name(from) : "?",
                                     state_name(to) ? state_name(to) : "?");
        return s->ops->instance_transition(s, id, from, to, actor, reason, now_s, reterr);
}

int store_instance_history(struct store *s, int64_t id, struct store_transition_list *ret,
                           struct batch_err *reterr)
{
        return s->ops->instance_history(s, id, ret, reterr);
}

void store_instance_release(struct store_instance *in)
{
        free(in->tenant);
        free(in->job);
        free(in->reason);
        free(in->params);
        free(in->trace_id);
        memset(in, 0, sizeof(*in));
}

void store_instance_list_release(struct store_instance_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_instance_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_transition_list_release(struct store_transition_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].actor);
                free(l->items[i].reason);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}
