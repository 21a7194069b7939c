/* partition.c: partitioned steps — N chunk steps "NAME:i", each with its own reader,
 * writer and checkpoint, run on a bounded pool of threads, each thread with its own
 * repository connection. A partition's fatal error ends only that partition; a restart
 * skips the partitions whose checkpoint says they completed (sdk_run_step). */
#include "sdk/sdk-internal.h"
#include "common/buf.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct part {
        struct batch_step *step;  /* the partition's chunk step */
        char exit[SDK_EXIT_MAX];
        struct batch_counts counts;
        int rc;                   /* < 0: the repository failed */
        struct batch_err err;
};

struct pool {
        struct sdk_run *run;
        struct batch_step *parent;
        struct part *parts;
        unsigned next;
        pthread_mutex_t lock;
};

static void *worker(void *arg)
{
        struct pool *p = arg;
        struct sdk_run run = *p->run; /* own connection, own totals */
        memset(&run.total, 0, sizeof(run.total));
        run.stop = false;
        struct batch_err err;
        int orc = store_open(p->run->opts->db, &run.st, &err);
        for (;;) {
                pthread_mutex_lock(&p->lock);
                unsigned i = p->next++;
                pthread_mutex_unlock(&p->lock);
                if (i >= p->parent->partitions)
                        break;
                struct part *pt = &p->parts[i];
                if (orc < 0) {
                        pt->rc = orc;
                        pt->err = err;
                        snprintf(pt->exit, sizeof(pt->exit), "%s", BATCH_EXIT_FAILED);
                        continue;
                }
                struct batch_counts before = run.total;
                pt->rc = sdk_run_step(&run, pt->step, pt->exit, &pt->err);
                pt->counts = run.total;
                pt->counts.read -= before.read;
                pt->counts.write -= before.write;
                pt->counts.commit -= before.commit;
                pt->counts.rollback -= before.rollback;
                pt->counts.read_skip -= before.read_skip;
                pt->counts.process_skip -= before.process_skip;
                pt->counts.write_skip -= before.write_skip;
                pt->counts.filter -= before.filter;
        }
        if (orc == 0)
                store_close(run.st);
        return NULL;
}

/* The partition's chunk step, made by the program's factory. */
static int make_part(struct batch_step *parent, unsigned i, struct batch_step **ret,
                     struct batch_err *reterr)
{
        struct batch_reader r = {0};
        struct batch_processor pr = {0};
        struct batch_writer w = {0};
        int rc = parent->partition_fn(parent->tasklet_ud, i, parent->partitions, &r, &pr, &w,
                                      reterr);
        if (rc < 0)
                return rc;
        char name[SDK_NAME_MAX + 16]; /* the parent's name is short enough (job.c) */
        snprintf(name, sizeof(name), "%s:%u", parent->name, i);
        struct batch_step *st = calloc(1, sizeof(*st));
        if (!st)
                return batch_err_set(reterr, BATCH_ENOMEM, "step", "out of memory");
        st->kind = SDK_STEP_CHUNK;
        memcpy(st->name, name, SDK_NAME_MAX - 1);
        st->reader = r;
        st->processor = pr;
        st->has_processor = pr.process_cb != NULL;
        st->writer = w;
        st->commit_interval = parent->commit_interval;
        st->skip_limit = parent->skip_limit;
        st->retry = parent->retry;
        st->partition = i;
        st->partitions = parent->partitions;
        if (!r.read_cb || !w.write_cb) {
                sdk_step_free(st);
                return batch_err_set(reterr, BATCH_EINVAL, "partition",
                                     "partition %u of %s: no reader or writer", i, parent->name);
        }
        *ret = st;
        return 0;
}

int sdk_partitioned_step_run(struct sdk_run *run, struct batch_step *step,
                             char ret_exit[SDK_EXIT_MAX], struct batch_err *reterr)
{
        struct batch_ctx ctx = {.run = run, .step = step, .npartitions = step->partitions};
        struct part *parts = calloc(step->partitions, sizeof(*parts));
        if (!parts)
                return batch_err_set(reterr, BATCH_ENOMEM, "step", "out of memory");
        sdk_emit_before_step(run, &ctx);
        int rc = sdk_step_record(run, &ctx, "STARTED", NULL, reterr);
        struct batch_err ferr = {0};
        int frc = 0;
        for (unsigned i = 0; rc == 0 && frc == 0 && i < step->partitions; i++)
                frc = make_part(step, i, &parts[i].step, &ferr);
        if (rc == 0 && frc == 0) {
                struct pool pool = {.run = run, .parent = step, .parts = parts};
                pthread_mutex_init(&pool.lock, NULL);
                pthread_t *tids = calloc(step->threads, sizeof(*tids));
                unsigned started = 0;
                for (unsigned t = 0; tids && t < step->threads; t++)
                        if (pthread_create(&tids[t], NULL, worker, &pool) == 0)
                                started++;
                if (started == 0)
                        worker(&pool); /* no thread: run them here */
                for (unsigned t = 0; t < started; t++)
                        pthread_join(tids[t], NULL);
                free(tids);
                pthread_mutex_destroy(&pool.lock);
        }
        /* The step's own row: the partitions' counts summed, and what each did. */
        const char *status = "COMPLETED";
        struct buf msg;
        buf_init(&msg, 0);
        if (frc < 0) {
                status = "FAILED";
                buf_puts(&msg, ferr.msg);
        }
        for (unsigned i = 0; rc == 0 && frc == 0 && i < step->partitions; i++) {
                struct part *pt = &parts[i];
                const struct batch_counts *k = &pt->counts;
                sdk_counts_add(&ctx.counts, k);
                if (pt->rc < 0)
                        snprintf(pt->exit, sizeof(pt->exit), "%s", BATCH_EXIT_FAILED);
                if (!strcmp(pt->exit, BATCH_EXIT_FAILED))
                        status = "FAILED";
                else if (!strcmp(pt->exit, BATCH_EXIT_STOPPED) && strcmp(status, "FAILED"))
                        status = "STOPPED";
                buf_printf(&msg,
                           "%spartition %u: %s, written %" PRId64 ", skipped %" PRId64
                           ", filtered %" PRId64,
                           i ? "; " : "", i, pt->exit, k->write,
                           k->read_skip + k->process_skip + k->write_skip, k->filter);
                if (pt->rc < 0)
                        buf_printf(&msg, " (%s)", pt->err.msg);
                else if (pt->step->message[0])
                        buf_printf(&msg, " (%s)", pt->step->message);
        }
        snprintf(ctx.exit, sizeof(ctx.exit), "%s", status);
        if (rc == 0) {
                rc = store_begin(run->st, reterr);
                if (rc == 0 && !strcmp(status, "COMPLETED")) {
                        struct sdk_checkpoint cp = {.gen = run->gen, .done = true};
                        snprintf(cp.exit, sizeof(cp.exit), "%s", status);
                        rc = sdk_checkpoint_save(run, step->name, &cp, reterr);
                }
                if (rc == 0)
                        rc = sdk_step_record(run, &ctx, status, msg.err ? NULL : msg.data,
                                             reterr);
                if (rc == 0)
                        rc = store_commit(run->st, reterr);
                if (rc < 0)
                        store_rollback(run->st);
        }
        buf_release(&msg);
        for (unsigned i = 0; i < step->partitions; i++)
                sdk_step_free(parts[i].step);
        free(parts);
        snprintf(ret_exit, SDK_EXIT_MAX, "%s", ctx.exit);
        sdk_counts_add(&run->total, &ctx.counts);
        sdk_emit_after_step(run, &ctx, ctx.exit);
        return rc;
}
