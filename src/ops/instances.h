/* instances.h: what the REST API and batchctl (on a repository) do with instances, as
 * one implementation: JSON renderings, submit, and the operator's requests. The API
 * sends these JSON texts as they are; batchctl prints them or renders tables from
 * them, so both surfaces show the same data. */
#ifndef BATCH_OPS_INSTANCES_H
#define BATCH_OPS_INSTANCES_H

#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "core/procdate.h"
#include "defs/defs.h"
#include "ops/deps.h"
#include "store/store.h"

struct secrets;

/* The process date of an instance due at `due` (DESIGN §8): its own `ProcessDate`
 * parameter (a submit's, as given: an operator's choice, e.g. to rerun a day) when
 * `params` (may be NULL) has one that is not encrypted, else the date core/procdate.h
 * gives for the tenant's window w in zone z, written to out. Returns the parameter's
 * value (borrowed from params) or out. */
const char *ops_process_date(const struct def_map *params, const struct window *w,
                             const struct tz *z, int64_t due, char out[PROCDATE_TEXT_MAX]);

/* Room for an instance's process date as ops_instance_process_date writes it: a date, or
 * an operator's ProcessDate parameter (cut at 63 bytes). */
#define OPS_PROCESS_DATE_MAX 64

/* The process date of instance *in, written to out: the one stored when it was created
 * (store_instance.process_date, fixed then so that a later change of the window or the
 * zone does not rewrite history), else (an instance created without one: before
 * migration 10, or an SDK program's by-hand run) ops_process_date with its parameters
 * and window w in zone z as they are now. Returns out. */
char *ops_instance_process_date(const struct store_instance *in, const struct window *w,
                                const struct tz *z, char out[OPS_PROCESS_DATE_MAX]);

/* Appends the JSON object of an instance to b, with "has_failure" (a data failure:
 * skip_count > 0, DESIGN §8), "skip_count" and, when tw (the instance's tenant's
 * window, ops_tenant_window) is given, "process_date" (ops_instance_process_date). */
void ops_put_instance(struct buf *b, const struct store_instance *in,
                      const struct ops_tenant_window *tw);

/* Appends {"items": [...], "next_cursor": "ID" | null} for the filter to b, each item
 * with its process date. Errors of the store are returned with *reterr set. */
int ops_instance_list(struct store *s, const struct store_instance_filter *f, struct buf *b,
                      struct batch_err *reterr);

/* Appends `, "steps": [...]`: an execution's SDK step executions as the API shows them
 * (name, status, the eight counts, exit_message, started_at, updated_at, metrics). */
void ops_put_steps(struct buf *b, const struct store_step_list *st);

/* Appends the instance `id` of `tenant` with its process date, "submitted_by" (the
 * actor that created it: the tenant's scheduler user for a scheduled instance, else its
 * submitter, "token:NAME" or "batchctl"), its state history, its executions and
 * their step executions (the eight counts) to b. BATCH_ENOENT when the tenant has no
 * such instance. */
int ops_instance_detail(struct store *s, const char *tenant, int64_t id, struct buf *b,
                        struct batch_err *reterr);

/* The time to stamp a submit or a request with, Unix seconds (*ret_now): the clock the
 * running batchd published in the repository (a virtual clock, docs/daemon.md), so that
 * an instance's whole history is on one clock; real time when none is published.
 * Errors of the store are returned with *reterr set. */
int ops_clock_now(struct store *s, int64_t *ret_now, struct batch_err *reterr);

/* Creates an instance of job `job` now (`now` Unix seconds) with `params` (a flat JSON
 * object text, or NULL) and audits it; *ret_id is its id. The values of secret keys are
 * stored encrypted with `secrets` (secrets_seal_map) and shown as "***" in the audit.
 * BATCH_ENOENT: no such job (or, with field SECRETS_FIELD, no usable key for a secret);
 * BATCH_EEXIST: the job does not allow multiple instances and one is live (the message
 * names it); BATCH_EINVAL: the job is not submittable (disabled); BATCH_ESYNTAX: bad
 * parameters; BATCH_EFORMAT: an encrypted value that does not decrypt. Nothing is
 * changed on error. */
int ops_submit(struct store *s, struct secrets *secrets, const char *tenant, const char *job,
               const char *params, const char *actor, int64_t now, int64_t *ret_id,
               struct batch_err *reterr);

/* Queues an operator's request ("stop", "rerun" or "mark-success") on instance `id` of
 * `tenant` for the daemon, with its audit row, in one transaction; *ret_id is the
 * request's id. BATCH_ENOENT when the tenant has no such instance. */
int ops_request(struct store *s, const char *tenant, int64_t id, const char *action,
                const char *actor, const char *reason, int64_t now, int64_t *ret_id,
                struct batch_err *reterr);

/* Waits up to `timeout_ms` for the daemon to carry out request `rid`; *ret is the
 * request (release with store_request_release). Returns 1 when it is done, 0 when
 * still queued (*ret left empty), or a negative error. */
int ops_request_wait(struct store *s, int64_t rid, int timeout_ms, struct store_request *ret,
                     struct batch_err *reterr);

#endif
