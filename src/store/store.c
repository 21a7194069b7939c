/* store.c: backend selection by DSN and the wrappers every caller uses. */
#include "store.h"

#include "core/lifecycle.h"
#include "store/rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_open_flags(const char *dsn, unsigned flags, struct store **ret,
                     struct batch_err *reterr)
{
        if (!dsn || !*dsn)
                return batch_err_set(reterr, BATCH_EINVAL, "db", "db: no repository given");
        if (!strncmp(dsn, "postgresql://", 13) || !strncmp(dsn, "postgres://", 11))
                return store_postgres_ops.open(dsn, flags, ret, reterr);
        if (!strncmp(dsn, "sqlite:", 7))
                dsn += 7;
        return store_sqlite_ops.open(dsn, flags, ret, reterr);
}

int store_open(const char *dsn, struct store **ret, struct batch_err *reterr)
{
        return store_open_flags(dsn, 0, ret, reterr);
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

int store_instance_set_reason(struct store *s, int64_t id, int state, const char *reason,
                              int64_t now_s, struct batch_err *reterr)
{
        if (!state_name(state))
                return batch_err_set(reterr, BATCH_EINVAL, "state", "state: %d is not a state",
                                     state);
        return s->ops->instance_set_reason(s, id, state, reason, now_s, reterr);
}

int store_changes_after(struct store *s, const char *tenant, int64_t after_id, unsigned limit,
                        struct store_change_list *ret, struct batch_err *reterr)
{
        if (limit < 1 || limit > 10000)
                return batch_err_set(reterr, BATCH_EINVAL, "limit", "limit %u: 1 to 10000",
                                     limit);
        return s->ops->changes_after(s, tenant, after_id, limit, ret, reterr);
}

int store_change_last_id(struct store *s, int64_t *ret, struct batch_err *reterr)
{
        return s->ops->change_last_id(s, ret, reterr);
}

void store_change_list_release(struct store_change_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->n = 0;
        l->items = NULL;
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
        free(in->process_date);
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

int store_execution_start(struct store *s, const struct store_execution *e, int64_t now_s,
                          int64_t *ret_id, int *ret_attempt, struct batch_err *reterr)
{
        return s->ops->execution_start(s, e, now_s, ret_id, ret_attempt, reterr);
}

int store_execution_finish(struct store *s, int64_t id, int exit_status, const char *error,
                           int64_t now_s, struct batch_err *reterr)
{
        return s->ops->execution_finish(s, id, exit_status, error, now_s, reterr);
}

int store_execution_withdraw(struct store *s, int64_t id, struct batch_err *reterr)
{
        return s->ops->execution_withdraw(s, id, reterr);
}

int store_execution_list(struct store *s, int64_t instance_id, struct store_execution_list *ret,
                         struct batch_err *reterr)
{
        return s->ops->execution_list(s, instance_id, ret, reterr);
}

void store_execution_list_release(struct store_execution_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].node);
                free(l->items[i].log_path);
                free(l->items[i].error);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

static bool is_one_of(const char *v, const char *const *set)
{
        for (; v && *set; set++)
                if (strcmp(v, *set) == 0)
                        return true;
        return false;
}

int store_step_put(struct store *s, const struct store_step *st, int64_t now_s, int64_t *ret_id,
                   struct batch_err *reterr)
{
        static const char *const statuses[] = {"STARTED", "COMPLETED", "FAILED", "STOPPED", NULL};
        if (!st->name || !*st->name)
                return batch_err_set(reterr, BATCH_EINVAL, "name", "a step needs a name");
        if (!is_one_of(st->status, statuses))
                return batch_err_set(reterr, BATCH_EINVAL, "status",
                                     "step status \"%s\" is not one of STARTED, COMPLETED, "
                                     "FAILED, STOPPED",
                                     st->status ? st->status : "");
        const int64_t counts[] = {st->read_count,      st->write_count,        st->commit_count,
                                  st->rollback_count,  st->read_skip_count,    st->process_skip_count,
                                  st->write_skip_count, st->filter_count};
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
                if (counts[i] < 0)
                        return batch_err_set(reterr, BATCH_EINVAL, "count",
                                             "step %s: a count cannot be negative (%lld)", st->name,
                                             (long long)counts[i]);
        int64_t id = 0;
        int r = s->ops->step_put(s, st, now_s, &id, reterr);
        if (r == 0 && ret_id)
                *ret_id = id;
        return r;
}

int store_step_list(struct store *s, int64_t execution_id, struct store_step_list *ret,
                    struct batch_err *reterr)
{
        return s->ops->step_list(s, execution_id, ret, reterr);
}

int store_checkpoint_put(struct store *s, int64_t instance_id, const char *step, const char *data,
                         int64_t now_s, struct batch_err *reterr)
{
        if (!step || !*step || !data)
                return batch_err_set(reterr, BATCH_EINVAL, "step",
                                     "a checkpoint needs a step name and data");
        return s->ops->checkpoint_put(s, instance_id, step, data, now_s, reterr);
}

int store_checkpoint_get(struct store *s, int64_t instance_id, const char *step, char **ret,
                         struct batch_err *reterr)
{
        return s->ops->checkpoint_get(s, instance_id, step, ret, reterr);
}

int store_dead_letter_add(struct store *s, const struct store_dead_letter *d, int64_t now_s,
                          int64_t *ret_id, struct batch_err *reterr)
{
        if (!d->step || !*d->step || !d->item || !d->error)
                return batch_err_set(reterr, BATCH_EINVAL, "step",
                                     "a dead letter needs a step, an item and an error");
        return s->ops->dead_letter_add(s, d, now_s, ret_id, reterr);
}

int store_dead_letter_list(struct store *s, const struct store_dead_letter_filter *f,
                           struct store_dead_letter_list *ret, struct batch_err *reterr)
{
        return s->ops->dead_letter_list(s, f, ret, reterr);
}

int store_dead_letter_delete(struct store *s, int64_t id, struct batch_err *reterr)
{
        return s->ops->dead_letter_delete(s, id, reterr);
}

int store_alert_add(struct store *s, const struct store_alert *a, int64_t now_s, int64_t *ret_id,
                    struct batch_err *reterr)
{
        if (!a->tenant || !*a->tenant || !a->kind || !*a->kind || !a->message)
                return batch_err_set(reterr, BATCH_EINVAL, "kind",
                                     "an alert needs a tenant, a kind and a message");
        if (a->severity && strcmp(a->severity, "critical") && strcmp(a->severity, "warning") &&
            strcmp(a->severity, "info"))
                return batch_err_set(reterr, BATCH_EINVAL, "severity",
                                     "severity: \"%.40s\" is not critical, warning or info",
                                     a->severity);
        return s->ops->alert_add(s, a, now_s, ret_id, reterr);
}

int store_alert_get(struct store *s, int64_t id, struct store_alert *ret,
                    struct batch_err *reterr)
{
        return s->ops->alert_get(s, id, ret, reterr);
}

int store_alert_find(struct store *s, const struct store_alert_filter *f,
                     struct store_alert_list *ret, struct batch_err *reterr)
{
        if (!f->tenant)
                return batch_err_set(reterr, BATCH_EINVAL, "tenant", "an alert list needs a tenant");
        return s->ops->alert_find(s, f, ret, reterr);
}

int store_alert_recent(struct store *s, const char *tenant, const char *job, const char *kind,
                       int64_t since_s, struct store_alert_list *ret, struct batch_err *reterr)
{
        struct store_alert_filter f = {.tenant = tenant, .job = job, .kind = kind,
                                       .since = since_s, .limit = 1000};
        if (!job)
                return batch_err_set(reterr, BATCH_EINVAL, "job", "recent alerts need a job");
        return store_alert_find(s, &f, ret, reterr);
}

static bool one_of(const char *v, const char *const *names)
{
        for (; v && *names; names++)
                if (!strcmp(v, *names))
                        return true;
        return false;
}

static const char *const delivery_states[] = {"pending", "sent", "failed", "suppressed",
                                              "paused", NULL};

int store_delivery_add(struct store *s, const struct store_delivery *d, int64_t now_s,
                       int64_t *ret_id, struct batch_err *reterr)
{
        static const char *const channels[] = {"email", "webhook", NULL};
        if (!one_of(d->channel, channels))
                return batch_err_set(reterr, BATCH_EINVAL, "channel",
                                     "channel: a delivery goes by email or webhook");
        if (!one_of(d->state, delivery_states))
                return batch_err_set(reterr, BATCH_EINVAL, "state",
                                     "state: not a delivery state");
        if (!d->target || !*d->target || !d->message_id || !*d->message_id)
                return batch_err_set(reterr, BATCH_EINVAL, "target",
                                     "a delivery needs a target and a message id");
        return s->ops->delivery_add(s, d, now_s, ret_id, reterr);
}

int store_delivery_due(struct store *s, int64_t now_s, unsigned limit,
                       struct store_delivery_list *ret, struct batch_err *reterr)
{
        return s->ops->delivery_due(s, now_s, limit ? limit : 100, ret, reterr);
}

int store_delivery_update(struct store *s, int64_t id, const struct store_delivery *o,
                          int64_t now_s, struct batch_err *reterr)
{
        if (!one_of(o->state, delivery_states))
                return batch_err_set(reterr, BATCH_EINVAL, "state",
                                     "state: not a delivery state");
        return s->ops->delivery_update(s, id, o, now_s, reterr);
}

int store_delivery_claim(struct store *s, int64_t id, int64_t seen_next, int64_t until,
                         struct batch_err *reterr)
{
        if (s->ops->version < 9 || !s->ops->delivery_claim)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend cannot claim deliveries", s->ops->name);
        return s->ops->delivery_claim(s, id, seen_next, until, reterr);
}

int store_alert_unescalated(struct store *s, const char *tenant, int64_t from_s, int64_t to_s,
                            struct store_alert_list *ret, struct batch_err *reterr)
{
        return s->ops->alert_unescalated(s, tenant, from_s, to_s, ret, reterr);
}

int store_delivery_list(struct store *s, int64_t alert_id, struct store_delivery_list *ret,
                        struct batch_err *reterr)
{
        return s->ops->delivery_list(s, alert_id, ret, reterr);
}

int store_alert_list(struct store *s, const char *tenant, bool unacknowledged_only,
                     struct store_alert_list *ret, struct batch_err *reterr)
{
        return s->ops->alert_list(s, tenant, unacknowledged_only, ret, reterr);
}

int store_alert_ack(struct store *s, int64_t id, const char *actor, int64_t now_s,
                    struct batch_err *reterr)
{
        return s->ops->alert_ack(s, id, actor, now_s, reterr);
}

int store_token_add(struct store *s, const struct store_token *t, int64_t now_s, int64_t *ret_id,
                    struct batch_err *reterr)
{
        static const char *const roles[] = {"viewer", "operator", "admin", NULL};
        if (!t->tenant || !*t->tenant || !t->name || !*t->name || !t->hash || !*t->hash)
                return batch_err_set(reterr, BATCH_EINVAL, "name",
                                     "a token needs a tenant, a name and a hash");
        if (!is_one_of(t->role, roles))
                return batch_err_set(reterr, BATCH_EINVAL, "role",
                                     "role \"%s\" is not one of viewer, operator, admin",
                                     t->role ? t->role : "");
        return s->ops->token_add(s, t, now_s, ret_id, reterr);
}

int store_token_find(struct store *s, const char *hash, struct store_token *ret,
                     struct batch_err *reterr)
{
        return s->ops->token_find(s, hash, ret, reterr);
}

int store_token_list(struct store *s, const char *tenant, struct store_token_list *ret,
                     struct batch_err *reterr)
{
        return s->ops->token_list(s, tenant, ret, reterr);
}

int store_token_revoke(struct store *s, int64_t id, int64_t now_s, struct batch_err *reterr)
{
        return s->ops->token_revoke(s, id, now_s, reterr);
}

int store_node_heartbeat(struct store *s, const char *name, int capacity, int64_t now_s,
                         struct batch_err *reterr)
{
        return s->ops->node_heartbeat(s, name, capacity, now_s, reterr);
}

int store_node_list(struct store *s, struct store_node_list *ret, struct batch_err *reterr)
{
        return s->ops->node_list(s, ret, reterr);
}

int store_lease_acquire(struct store *s, const char *name, const char *holder, int64_t now_s,
                        int ttl_s, bool *ret_held, struct batch_err *reterr)
{
        if (ttl_s <= 0 || !name || !*name || !holder || !*holder)
                return batch_err_set(reterr, BATCH_EINVAL, "lease",
                                     "a lease needs a name, a holder and a positive ttl");
        return s->ops->lease_acquire(s, name, holder, now_s, ttl_s, ret_held, reterr);
}

int store_lease_release(struct store *s, const char *name, const char *holder,
                        struct batch_err *reterr)
{
        return s->ops->lease_release(s, name, holder, reterr);
}

void store_step_list_release(struct store_step_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].name);
                free(l->items[i].status);
                free(l->items[i].exit_message);
                free(l->items[i].metrics);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_dead_letter_list_release(struct store_dead_letter_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].job);
                free(l->items[i].step);
                free(l->items[i].item);
                free(l->items[i].error);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_delivery_list_release(struct store_delivery_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                struct store_delivery *d = &l->items[i];
                free(d->tenant);
                free(d->channel);
                free(d->target);
                free(d->state);
                free(d->last_answer);
                free(d->message_id);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_alert_release(struct store_alert *a)
{
        free(a->tenant);
        free(a->kind);
        free(a->message);
        free(a->acknowledged_by);
        free(a->job);
        free(a->severity);
        memset(a, 0, sizeof(*a));
}

void store_alert_list_release(struct store_alert_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_alert_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_token_release(struct store_token *t)
{
        free(t->tenant);
        free(t->name);
        free(t->role);
        free(t->hash);
        memset(t, 0, sizeof(*t));
}

void store_token_list_release(struct store_token_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_token_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_node_list_release(struct store_node_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].name);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

int store_request_add(struct store *s, const struct store_request *r, int64_t now_s,
                      int64_t *ret_id, struct batch_err *reterr)
{
        static const char *const actions[] = {"stop", "rerun", "mark-success", NULL};
        if (!is_one_of(r->action, actions))
                return batch_err_set(reterr, BATCH_EINVAL, "action",
                                     "action \"%s\" is not one of stop, rerun, mark-success",
                                     r->action ? r->action : "");
        if (!r->tenant || !*r->tenant || !r->actor || !*r->actor)
                return batch_err_set(reterr, BATCH_EINVAL, "actor",
                                     "a request needs a tenant and an actor");
        int64_t id = 0;
        int rc = s->ops->request_add(s, r, now_s, &id, reterr);
        if (rc == 0 && ret_id)
                *ret_id = id;
        return rc;
}

int store_request_pending(struct store *s, struct store_request_list *ret,
                          struct batch_err *reterr)
{
        return s->ops->request_pending(s, ret, reterr);
}

int store_request_finish(struct store *s, int64_t id, int result, const char *message,
                         int64_t now_s, struct batch_err *reterr)
{
        return s->ops->request_finish(s, id, result, message, now_s, reterr);
}

int store_request_get(struct store *s, int64_t id, struct store_request *ret,
                      struct batch_err *reterr)
{
        return s->ops->request_get(s, id, ret, reterr);
}

int store_clock_publish(struct store *s, const struct store_clock *c, struct batch_err *reterr)
{
        if (!c->holder || !*c->holder)
                return batch_err_set(reterr, BATCH_EINVAL, "holder", "holder: required");
        if (!(c->rate > 0))
                return batch_err_set(reterr, BATCH_EINVAL, "rate", "rate: %g is not > 0",
                                     c->rate);
        return s->ops->clock_publish(s, c, reterr);
}

int store_clock_withdraw(struct store *s, const char *holder, struct batch_err *reterr)
{
        return s->ops->clock_withdraw(s, holder, reterr);
}

int store_clock_get(struct store *s, struct store_clock *ret, struct batch_err *reterr)
{
        return s->ops->clock_get(s, ret, reterr);
}

void store_clock_release(struct store_clock *c)
{
        if (!c)
                return;
        free(c->holder);
        c->holder = NULL;
}

int store_data_version(struct store *s, int64_t *ret, struct batch_err *reterr)
{
        return s->ops->data_version(s, ret, reterr);
}

void store_request_release(struct store_request *r)
{
        free(r->tenant);
        free(r->action);
        free(r->actor);
        free(r->reason);
        free(r->message);
        memset(r, 0, sizeof(*r));
}

void store_request_list_release(struct store_request_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_request_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

int store_savepoint(struct store *s, struct batch_err *reterr)
{
        return s->ops->savepoint(s, reterr);
}

int store_savepoint_release(struct store *s, struct batch_err *reterr)
{
        return s->ops->savepoint_release(s, reterr);
}

void store_savepoint_rollback(struct store *s)
{
        s->ops->savepoint_rollback(s);
}

void *store_native(struct store *s, const char **ret_kind)
{
        if (ret_kind)
                *ret_kind = s->ops->name;
        return s->ops->native(s);
}

int store_request_list(struct store *s, int64_t instance_id, int64_t after_id,
                       struct store_request_list *ret, struct batch_err *reterr)
{
        memset(ret, 0, sizeof(*ret));
        return s->ops->request_list(s, instance_id, after_id, ret, reterr);
}

/* ---- report ----------------------------------------------------------------- */

static int cmp_stats(const void *a, const void *b)
{
        return strcmp(((const struct store_report_stats *)a)->job,
                      ((const struct store_report_stats *)b)->job);
}

static int cmp_due(const void *a, const void *b)
{
        const struct store_report_due *x = a, *y = b;
        int c = strcmp(x->job, y->job);
        return c ? c : (x->due < y->due ? -1 : x->due > y->due);
}

int store_report_stats(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, struct store_report_stats_list *ret,
                       struct batch_err *reterr)
{
        if (s->ops->version < 4 || !s->ops->report_stats)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no report figures", s->ops->name);
        struct store_report_stats_list l = {0};
        struct store_report_middle_list m = {0};
        int r = s->ops->report_stats(s, tenant, from, to, job, &l, reterr);
        if (r == 0)
                r = s->ops->report_middles(s, tenant, from, to, job, &m, reterr);
        if (r < 0) {
                store_report_stats_list_release(&l);
                store_report_middle_list_release(&m);
                return r;
        }
        if (l.n > 1)
                qsort(l.items, l.n, sizeof(*l.items), cmp_stats);
        /* The median is the middle duration, or the mean of the middle two. */
        for (size_t i = 0; i < m.n; i++) {
                struct store_report_stats key = {.job = m.items[i].job};
                struct store_report_stats *st =
                        l.n ? bsearch(&key, l.items, l.n, sizeof(*l.items), cmp_stats) : NULL;
                if (!st || st->timed == 0)
                        continue;
                st->p50_s += (double)m.items[i].dur_s / (st->timed % 2 ? 1.0 : 2.0);
        }
        store_report_middle_list_release(&m);
        *ret = l;
        return 0;
}

int store_report_dues(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_due_list *ret,
                      struct batch_err *reterr)
{
        if (s->ops->version < 4 || !s->ops->report_dues)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no report figures", s->ops->name);
        int r = s->ops->report_dues(s, tenant, from, to, job, ret, reterr);
        if (r == 0 && ret->n > 1)
                qsort(ret->items, ret->n, sizeof(*ret->items), cmp_due);
        return r;
}

static int cmp_pdate(const void *a, const void *b)
{
        const struct store_report_pdate *x = a, *y = b;
        int c = strcmp(x->job, y->job);
        if (c || !x->process_date || !y->process_date)
                return c ? c : (x->process_date == NULL) - (y->process_date == NULL);
        return strcmp(x->process_date, y->process_date);
}

int store_report_process_dates(struct store *s, const char *tenant, int64_t from, int64_t to,
                               struct store_report_pdate_list *ret, struct batch_err *reterr)
{
        if (s->ops->version < 10 || !s->ops->report_process_dates)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no process dates", s->ops->name);
        int r = s->ops->report_process_dates(s, tenant, from, to, ret, reterr);
        if (r == 0 && ret->n > 1)
                qsort(ret->items, ret->n, sizeof(*ret->items), cmp_pdate);
        return r;
}

void store_report_pdate_list_release(struct store_report_pdate_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].job);
                free(l->items[i].process_date);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_report_stats_list_release(struct store_report_stats_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_report_due_list_release(struct store_report_due_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_report_middle_list_release(struct store_report_middle_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

_Static_assert(STORE_ROLLUP_BUCKETS == ROLLUP_BUCKETS, "one histogram");

double store_rollup_median(const int64_t *hist, int64_t timed, int64_t sum, int64_t max)
{
        static const int64_t edge[ROLLUP_BUCKETS] = ROLLUP_EDGES;
        if (timed <= 0)
                return 0;
        if (timed <= 2)
                return (double)sum / (double)timed;
        double rank = (double)timed / 2, cum = 0;
        for (int b = 0; b < ROLLUP_BUCKETS; b++) {
                if (hist[b] == 0 || cum + (double)hist[b] < rank) {
                        cum += (double)hist[b];
                        continue;
                }
                double lo = (double)edge[b];
                double hi = b + 1 < ROLLUP_BUCKETS ? (double)edge[b + 1] : (double)max;
                if (hi > (double)max)
                        hi = (double)max;
                if (lo > hi)
                        lo = hi;
                return lo + (hi - lo) * (rank - cum) / (double)hist[b];
        }
        return (double)max;
}

static int need_v8(struct store *s, struct batch_err *reterr)
{
        if (s->ops->version < 8 || !s->ops->report_slots)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no runs figures", s->ops->name);
        return 0;
}

int store_report_slots(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, store_report_slot_fn *fn, void *ctx,
                       struct batch_err *reterr)
{
        int r = need_v8(s, reterr);
        return r < 0 ? r : s->ops->report_slots(s, tenant, from, to, job, fn, ctx, reterr);
}

static int cmp_due_time(const void *a, const void *b)
{
        const struct store_report_due *x = a, *y = b;
        return x->due < y->due ? -1 : x->due > y->due;
}

int store_report_live(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_due_list *ret,
                      struct batch_err *reterr)
{
        memset(ret, 0, sizeof(*ret));
        int r = need_v8(s, reterr);
        if (r == 0)
                r = s->ops->report_live(s, tenant, from, to, job, ret, reterr);
        if (r == 0 && ret->n > 1)
                qsort(ret->items, ret->n, sizeof(*ret->items), cmp_due_time);
        return r;
}

/* store_report_runs' sums per job, with the histograms for the median. */
struct runs_acc {
        struct store_report_stats_list l;
        size_t cap;
        int64_t (*hist)[STORE_ROLLUP_BUCKETS];
        int64_t *dur_sum;
};

static struct store_report_stats *runs_acc_job(struct runs_acc *a, const char *job,
                                               size_t *ret_i)
{
        for (size_t i = 0; i < a->l.n; i++)
                if (strcmp(a->l.items[i].job, job) == 0) {
                        *ret_i = i;
                        return &a->l.items[i];
                }
        if (a->l.n == a->cap) {
                size_t c = a->cap * 2 + 8;
                struct store_report_stats *g = realloc(a->l.items, c * sizeof(*g));
                int64_t(*h)[STORE_ROLLUP_BUCKETS] = g ? realloc(a->hist, c * sizeof(*h)) : NULL;
                int64_t *d = h ? realloc(a->dur_sum, c * sizeof(*d)) : NULL;
                if (g)
                        a->l.items = g;
                if (h)
                        a->hist = h;
                if (!d)
                        return NULL;
                a->dur_sum = d;
                a->cap = c;
        }
        *ret_i = a->l.n;
        struct store_report_stats *st = &a->l.items[a->l.n];
        memset(st, 0, sizeof(*st));
        memset(a->hist[a->l.n], 0, sizeof(a->hist[0]));
        a->dur_sum[a->l.n] = 0;
        if (!(st->job = strdup(job)))
                return NULL;
        a->l.n++;
        return st;
}

static int runs_acc_add(const struct store_report_slot *p, void *ctx, struct batch_err *reterr)
{
        struct runs_acc *a = ctx;
        size_t i;
        struct store_report_stats *st = runs_acc_job(a, p->job, &i);
        if (!st)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        st->total += p->total;
        st->success += p->success;
        st->failed += p->failed;
        st->skipped += p->skipped;
        st->canceled += p->canceled;
        st->timed += p->timed;
        if (p->dur_max > st->max_s)
                st->max_s = p->dur_max;
        a->dur_sum[i] += p->dur_sum;
        for (int b = 0; b < STORE_ROLLUP_BUCKETS; b++)
                a->hist[i][b] += p->hist[b];
        return 0;
}

int store_report_runs(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_stats_list *ret,
                      struct batch_err *reterr)
{
        struct runs_acc a = {0};
        struct store_report_due_list live = {0};
        int r = store_report_slots(s, tenant, from, to, job, runs_acc_add, &a, reterr);
        if (r == 0)
                r = store_report_live(s, tenant, from, to, job, &live, reterr);
        for (size_t i = 0; r == 0 && i < a.l.n; i++) {
                struct store_report_stats *st = &a.l.items[i];
                st->avg_s = st->timed ? (double)a.dur_sum[i] / (double)st->timed : 0;
                st->p50_s = store_rollup_median(a.hist[i], st->timed, a.dur_sum[i], st->max_s);
        }
        /* The instances not yet final: counted in total (11 Stop Failed as failed). */
        for (size_t i = 0; r == 0 && i < live.n; i++) {
                size_t k;
                struct store_report_stats *st = runs_acc_job(&a, live.items[i].job, &k);
                if (!st) {
                        r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                        break;
                }
                st->total++;
                st->failed += live.items[i].state == STATE_STOP_FAILED;
        }
        free(a.hist);
        free(a.dur_sum);
        store_report_due_list_release(&live);
        if (r < 0) {
                store_report_stats_list_release(&a.l);
                return r;
        }
        if (a.l.n > 1)
                qsort(a.l.items, a.l.n, sizeof(*a.l.items), cmp_stats);
        *ret = a.l;
        return 0;
}

/* ---- remote runs and next_due_api answers (ops version 5, schema 8) ------------- */

static int need_v5(struct store *s, struct batch_err *reterr)
{
        if (s->ops->version < 5 || !s->ops->remote_run_add)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no remote runs", s->ops->name);
        return 0;
}

static bool remote_status_ok(const char *status)
{
        return status && (!strcmp(status, "success") || !strcmp(status, "failed") ||
                          !strcmp(status, "stopped"));
}

int store_remote_run_add(struct store *s, int64_t execution_id, int64_t instance_id,
                         const char *token_hash, int64_t now_s, struct batch_err *reterr)
{
        int r = need_v5(s, reterr);
        if (r < 0)
                return r;
        if (!token_hash || !*token_hash)
                return batch_err_set(reterr, BATCH_EINVAL, "token", "a remote run needs a token");
        return s->ops->remote_run_add(s, execution_id, instance_id, token_hash, now_s, reterr);
}

int store_remote_run_find(struct store *s, const char *token_hash, struct store_remote_run *ret,
                          struct batch_err *reterr)
{
        int r = need_v5(s, reterr);
        return r < 0 ? r : s->ops->remote_run_find(s, token_hash, ret, reterr);
}

int store_remote_run_report(struct store *s, int64_t execution_id, const char *status,
                            const char *message, int64_t now_s, struct batch_err *reterr)
{
        int r = need_v5(s, reterr);
        if (r < 0)
                return r;
        if (!remote_status_ok(status))
                return batch_err_set(reterr, BATCH_EINVAL, "status",
                                     "a final status is success, failed or stopped");
        return s->ops->remote_run_report(s, execution_id, status, message, now_s, reterr);
}

int store_remote_run_reports(struct store *s, struct store_remote_run_list *ret,
                             struct batch_err *reterr)
{
        ret->n = 0;
        ret->items = NULL;
        int r = need_v5(s, reterr);
        return r < 0 ? r : s->ops->remote_run_reports(s, ret, reterr);
}

int store_next_due_put(struct store *s, const char *tenant, const char *job, int64_t due,
                       int64_t now_s, struct batch_err *reterr)
{
        int r = need_v5(s, reterr);
        return r < 0 ? r : s->ops->next_due_put(s, tenant, job, due, now_s, reterr);
}

int store_next_due_get(struct store *s, const char *tenant, const char *job, int64_t *ret_due,
                       struct batch_err *reterr)
{
        int r = need_v5(s, reterr);
        return r < 0 ? r : s->ops->next_due_get(s, tenant, job, ret_due, reterr);
}

void store_remote_run_release(struct store_remote_run *r)
{
        if (!r)
                return;
        free(r->tenant);
        free(r->reported_status);
        free(r->reported_message);
        memset(r, 0, sizeof(*r));
}

void store_remote_run_list_release(struct store_remote_run_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                store_remote_run_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

int store_purge_step(struct store *s, int64_t cutoff, unsigned limit, struct store_purge *ret,
                     struct batch_err *reterr)
{
        memset(ret, 0, sizeof(*ret));
        if (limit == 0)
                return batch_err_set(reterr, BATCH_EINVAL, "limit", "the limit must be positive");
        return s->ops->purge_step(s, cutoff, limit, ret, reterr);
}

void store_purge_release(struct store_purge *p)
{
        for (size_t i = 0; i < p->nlogs; i++)
                free(p->logs[i]);
        free(p->logs);
        p->logs = NULL;
        p->nlogs = 0;
}
