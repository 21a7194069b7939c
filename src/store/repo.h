/* repo.h: the job repository written once (repo.c) over an SQL driver (sql.h). An
 * engine's store (sqlite/sqlite.c, postgres/postgres.c) starts with struct repo, opens
 * its connection, applies its migrations, and calls repo_prepare; the repo_* functions
 * are entries of its struct store_ops. docs/internals/store.md. */
#ifndef BATCH_STORE_REPO_H
#define BATCH_STORE_REPO_H

#include "store/sql.h"
#include "store/store.h"

struct repo {
        struct store base;
        const struct sql_driver *drv;
        struct sql_conn *conn;
        struct sql_stmt **stmt; /* repo.c's statements, prepared by repo_prepare */
        int *nparams;           /* the parameters of each */
        struct sql_stmt **list_stmt; /* instance lists by their conditions, on first use */
};

/* Prepares the repository's statements on r->conn (set r->drv and r->conn first): each
 * statement's {NAME} tokens are replaced from the driver's dialect table. BATCH_EIO
 * naming the statement that failed; r is then ready for repo_finish only. */
int repo_prepare(struct repo *r, struct batch_err *reterr);

/* Finalizes what repo_prepare prepared (any part of it). */
void repo_finish(struct repo *r);

/* The operations (store.h has their contracts). */
int repo_def_put(struct store *s, const struct store_def *d, int64_t now_s,
                 struct batch_err *reterr);
int repo_def_get(struct store *s, const char *tenant, const char *kind, const char *name,
                 struct store_def *ret, struct batch_err *reterr);
int repo_def_list(struct store *s, const char *tenant, const char *kind,
                  struct store_def_list *ret, struct batch_err *reterr);
int repo_def_delete(struct store *s, const char *tenant, const char *kind, const char *name,
                    const char *actor, int64_t now_s, struct batch_err *reterr);
int repo_def_history(struct store *s, const char *tenant, const char *kind, const char *name,
                     struct store_def_list *ret, struct batch_err *reterr);
int repo_audit_add(struct store *s, int64_t now_s, const char *actor, const char *action,
                   const char *object, const char *detail, struct batch_err *reterr);
int repo_token_add(struct store *s, const struct store_token *t, int64_t now_s, int64_t *ret_id,
                   struct batch_err *reterr);
int repo_token_find(struct store *s, const char *hash, struct store_token *ret,
                    struct batch_err *reterr);
int repo_token_list(struct store *s, const char *tenant, struct store_token_list *ret,
                    struct batch_err *reterr);
int repo_token_revoke(struct store *s, int64_t id, int64_t now_s, struct batch_err *reterr);
int repo_node_heartbeat(struct store *s, const char *name, int capacity, int64_t now_s,
                        struct batch_err *reterr);
int repo_node_list(struct store *s, struct store_node_list *ret, struct batch_err *reterr);
int repo_lease_acquire(struct store *s, const char *name, const char *holder, int64_t now_s,
                       int ttl_s, bool *ret_held, struct batch_err *reterr);
int repo_lease_release(struct store *s, const char *name, const char *holder,
                       struct batch_err *reterr);
int repo_clock_publish(struct store *s, const struct store_clock *c, struct batch_err *reterr);
int repo_clock_withdraw(struct store *s, const char *holder, struct batch_err *reterr);
int repo_clock_get(struct store *s, struct store_clock *ret, struct batch_err *reterr);
int repo_request_add(struct store *s, const struct store_request *rq, int64_t now_s,
                     int64_t *ret_id, struct batch_err *reterr);
int repo_request_pending(struct store *s, struct store_request_list *ret,
                         struct batch_err *reterr);
int repo_request_list(struct store *s, int64_t instance_id, int64_t after_id,
                      struct store_request_list *ret, struct batch_err *reterr);
int repo_request_finish(struct store *s, int64_t id, int result, const char *message,
                        int64_t now_s, struct batch_err *reterr);
int repo_request_get(struct store *s, int64_t id, struct store_request *ret,
                     struct batch_err *reterr);
int repo_data_version(struct store *s, int64_t *ret, struct batch_err *reterr);
int repo_step_put(struct store *s, const struct store_step *in, int64_t now_s, int64_t *ret_id,
                  struct batch_err *reterr);
int repo_step_list(struct store *s, int64_t execution_id, struct store_step_list *ret,
                   struct batch_err *reterr);
int repo_checkpoint_put(struct store *s, int64_t instance_id, const char *step,
                        const char *data, int64_t now_s, struct batch_err *reterr);
int repo_checkpoint_get(struct store *s, int64_t instance_id, const char *step, char **ret,
                        struct batch_err *reterr);
int repo_dead_letter_add(struct store *s, const struct store_dead_letter *d, int64_t now_s,
                         int64_t *ret_id, struct batch_err *reterr);
int repo_dead_letter_list(struct store *s, const struct store_dead_letter_filter *f,
                          struct store_dead_letter_list *ret, struct batch_err *reterr);
int repo_dead_letter_delete(struct store *s, int64_t id, struct batch_err *reterr);
int repo_alert_add(struct store *s, const struct store_alert *al, int64_t now_s, int64_t *ret_id,
                   struct batch_err *reterr);
int repo_alert_list(struct store *s, const char *tenant, bool unacknowledged_only,
                    struct store_alert_list *ret, struct batch_err *reterr);
int repo_alert_find(struct store *s, const struct store_alert_filter *f,
                    struct store_alert_list *ret, struct batch_err *reterr);
int repo_alert_unescalated(struct store *s, const char *tenant, int64_t from_s, int64_t to_s,
                           struct store_alert_list *ret, struct batch_err *reterr);
int repo_alert_ack(struct store *s, int64_t id, const char *actor, int64_t now_s,
                   struct batch_err *reterr);
int repo_alert_get(struct store *s, int64_t id, struct store_alert *ret,
                   struct batch_err *reterr);
int repo_delivery_add(struct store *s, const struct store_delivery *d, int64_t now_s,
                      int64_t *ret_id, struct batch_err *reterr);
int repo_delivery_due(struct store *s, int64_t now_s, unsigned limit,
                      struct store_delivery_list *ret, struct batch_err *reterr);
int repo_delivery_list(struct store *s, int64_t alert_id, struct store_delivery_list *ret,
                       struct batch_err *reterr);
int repo_delivery_update(struct store *s, int64_t id, const struct store_delivery *o,
                         int64_t now_s, struct batch_err *reterr);
int repo_remote_run_add(struct store *s, int64_t execution_id, int64_t instance_id,
                        const char *token_hash, int64_t now_s, struct batch_err *reterr);
int repo_remote_run_find(struct store *s, const char *token_hash, struct store_remote_run *ret,
                         struct batch_err *reterr);
int repo_remote_run_report(struct store *s, int64_t execution_id, const char *status,
                           const char *message, int64_t now_s, struct batch_err *reterr);
int repo_remote_run_reports(struct store *s, struct store_remote_run_list *ret,
                            struct batch_err *reterr);
int repo_next_due_put(struct store *s, const char *tenant, const char *job, int64_t due,
                      int64_t now_s, struct batch_err *reterr);
int repo_next_due_get(struct store *s, const char *tenant, const char *job, int64_t *ret_due,
                      struct batch_err *reterr);
int repo_instance_create(struct store *s, const struct store_instance *in, const char *actor,
                         int64_t now_s, int64_t *ret_id, struct batch_err *reterr);
int repo_instance_get(struct store *s, int64_t id, struct store_instance *ret,
                      struct batch_err *reterr);
int repo_instance_list(struct store *s, const struct store_instance_filter *f,
                       struct store_instance_list *ret, struct batch_err *reterr);
int repo_instance_transition(struct store *s, int64_t id, int from, int to, const char *actor,
                             const char *reason, int64_t now_s, struct batch_err *reterr);
int repo_instance_set_reason(struct store *s, int64_t id, int state, const char *reason,
                             int64_t now_s, struct batch_err *reterr);
int repo_instance_history(struct store *s, int64_t id, struct store_transition_list *ret,
                          struct batch_err *reterr);
int repo_changes_after(struct store *s, const char *tenant, int64_t after_id, unsigned limit,
                       struct store_change_list *ret, struct batch_err *reterr);
int repo_change_last_id(struct store *s, int64_t *ret, struct batch_err *reterr);
int repo_execution_start(struct store *s, const struct store_execution *e, int64_t now_s,
                         int64_t *ret_id, int *ret_attempt, struct batch_err *reterr);
int repo_execution_finish(struct store *s, int64_t id, int exit_status, const char *error,
                          int64_t now_s, struct batch_err *reterr);
int repo_execution_withdraw(struct store *s, int64_t id, struct batch_err *reterr);
int repo_execution_list(struct store *s, int64_t instance_id, struct store_execution_list *ret,
                        struct batch_err *reterr);
int repo_report_stats(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_stats_list *ret,
                      struct batch_err *reterr);
int repo_report_middles(struct store *s, const char *tenant, int64_t from, int64_t to,
                        const char *job, struct store_report_middle_list *ret,
                        struct batch_err *reterr);
int repo_report_dues(struct store *s, const char *tenant, int64_t from, int64_t to,
                     const char *job, struct store_report_due_list *ret,
                     struct batch_err *reterr);
int repo_purge_step(struct store *s, int64_t cutoff, unsigned limit, struct store_purge *ret,
                    struct batch_err *reterr);

#endif
