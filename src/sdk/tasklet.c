/* tasklet.c: the tasklet step — one function called until it says it is finished, each
 * call in its own repository transaction with the step's checkpoint and counts. */
#include "sdk/sdk-internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int call(struct sdk_run *run, struct batch_step *step, struct batch_ctx *ctx,
                bool *ret_more, struct batch_err *err)
{
        uint64_t seed = (uint64_t)sdk_mono_us() ^ (uint64_t)getpid();
        for (unsigned attempt = 1;; attempt++) {
                int rc = store_begin(run->st, err);
                if (rc < 0)
                        return rc;
                memset(err, 0, sizeof(*err));
                rc = step->tasklet(step->tasklet_ud, ctx, err);
                if (rc >= 0) {
                        struct sdk_checkpoint cp = {.gen = run->gen, .done = rc == 0,
                                                    .state = ctx->state};
                        snprintf(cp.exit, sizeof(cp.exit), "%s", rc == 0 ? ctx->exit : "");
                        ctx->counts.commit++;
                        int r2 = sdk_checkpoint_save(run, step->name, &cp, err);
                        if (r2 == 0)
                                r2 = sdk_step_record(run, ctx, rc == 0 ? "COMPLETED" : "STARTED",
                                                     NULL, err);
                        if (r2 == 0)
                                r2 = store_commit(run->st, err);
                        if (r2 < 0) {
                                ctx->counts.commit--;
                                store_rollback(run->st);
                                return r2;
                        }
                        *ret_more = rc == 1;
                        return 0;
                }
                store_rollback(run->st);
                ctx->counts.rollback++;
                if (rc != BATCH_ETRANSIENT)
                        return rc;
                if (attempt >= step->retry.max_attempts) {
                        struct batch_err last = *err;
                        return batch_err_set(err, BATCH_ERETRYLIMIT, "tasklet",
                                             "step %s: failed %u times with a transient error, "
                                             "the last: %s",
                                             step->name, attempt, last.msg);
                }
                sdk_sleep_us(sdk_backoff_us(&step->retry, attempt, &seed));
        }
}

int sdk_tasklet_step_run(struct sdk_run *run, struct batch_step *step,
                         const struct sdk_checkpoint *cp, char ret_exit[SDK_EXIT_MAX],
                         struct batch_err *reterr)
{
        struct batch_ctx ctx = {.run = run, .step = step, .npartitions = 1};
        snprintf(ctx.exit, sizeof(ctx.exit), "%s", BATCH_EXIT_COMPLETED);
        if (cp && cp->state && !(ctx.state = strdup(cp->state)))
                return batch_err_set(reterr, BATCH_ENOMEM, "step", "out of memory");
        sdk_emit_before_step(run, &ctx);
        int rc = sdk_step_record(run, &ctx, "STARTED", NULL, reterr);
        struct batch_err err = {0};
        bool more = true;
        const char *status = NULL;
        while (rc == 0 && more) {
                if (sdk_stop_requested(run)) {
                        status = "STOPPED";
                        break;
                }
                if (call(run, step, &ctx, &more, &err) < 0)
                        status = "FAILED";
                if (status)
                        break;
        }
        if (rc == 0 && status) {
                snprintf(ctx.exit, sizeof(ctx.exit), "%s", status);
                rc = sdk_step_record(run, &ctx, status,
                                     status[0] == 'F' ? err.msg : "stop requested", reterr);
        }
        snprintf(ret_exit, SDK_EXIT_MAX, "%s", ctx.exit);
        sdk_counts_add(&run->total, &ctx.counts);
        sdk_emit_after_step(run, &ctx, ctx.exit);
        free(ctx.state);
        return rc;
}
