/* chunk.c: the chunk step — read up to commit_interval items (retrying transient errors,
 * skipping bad ones), process them, write them, and commit the chunk with its
 * checkpoint, counts and dead letters; on a write failure roll back and write the
 * chunk again item by item to isolate the bad item (the chunk scan). */
#include "sdk/sdk-internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dead {
        enum batch_skip_kind kind;
        char *item;
        char *error;
};

struct chunk {
        void **in;               /* inputs of the items to write (freed after the chunk) */
        void **out;              /* their outputs, parallel to in */
        size_t n, cap, capout;
        void **drop;             /* inputs already done with (filtered, skipped) */
        size_t ndrop, capdrop;
        struct dead *dead;
        size_t ndead, capdead;
        struct batch_counts delta;
        bool eof;
        int64_t seq;             /* threaded steps: the chunk's number in read order */
        char *pos;               /* threaded steps: the reader's position after it */
        int rc;                  /* threaded steps: how reading/processing it ended */
        struct batch_err err;
};

struct step_run {
        struct sdk_run *run;
        struct batch_step *step;
        struct batch_ctx *ctx;
        struct chunk *c;         /* the chunk being worked on */
        struct chunk own;
        bool threaded;           /* a worker of a multi-threaded step */
        uint64_t seed;
};

static bool grow(void ***arr, size_t *cap, size_t need)
{
        if (need <= *cap)
                return true;
        size_t n = *cap ? *cap * 2 : 64;
        while (n < need)
                n *= 2;
        void **a = realloc(*arr, n * sizeof(**arr));
        if (!a)
                return false;
        *arr = a;
        *cap = n;
        return true;
}

static void free_out(struct step_run *sr, void *in, void *out)
{
        struct batch_step *st = sr->step;
        if (out && out != in && st->has_processor && st->processor.free_cb)
                st->processor.free_cb(st->processor.ud, out);
}

static void free_in(struct step_run *sr, void *in)
{
        if (in && sr->step->reader.free_cb)
                sr->step->reader.free_cb(sr->step->reader.ud, in);
}

/* Frees the chunk's items and dead letters and empties it (its arrays stay for the next
 * chunk). The items are looked at only when there is a callback to free them. */
static void chunk_clear(struct step_run *sr)
{
        struct chunk *c = sr->c;
        struct batch_step *st = sr->step;
        if (st->reader.free_cb || (st->has_processor && st->processor.free_cb)) {
                for (size_t i = 0; i < c->n; i++) {
                        free_out(sr, c->in[i], c->out[i]);
                        free_in(sr, c->in[i]);
                }
        }
        if (st->reader.free_cb)
                for (size_t i = 0; i < c->ndrop; i++)
                        free_in(sr, c->drop[i]);
        for (size_t i = 0; i < c->ndead; i++) {
                free(c->dead[i].item);
                free(c->dead[i].error);
        }
        c->n = c->ndrop = c->ndead = 0;
        memset(&c->delta, 0, sizeof(c->delta));
}

static void chunk_free(struct step_run *sr)
{
        chunk_clear(sr);
        free(sr->c->in);
        free(sr->c->out);
        free(sr->c->drop);
        free(sr->c->dead);
        free(sr->c->pos);
        memset(sr->c, 0, sizeof(*sr->c));
}

static int64_t skips(const struct batch_counts *a, const struct batch_counts *b)
{
        return a->read_skip + a->process_skip + a->write_skip + b->read_skip + b->process_skip +
               b->write_skip;
}

static char *item_text(struct step_run *sr, const void *item)
{
        struct batch_reader *r = &sr->step->reader;
        char *t = r->text_cb ? r->text_cb(r->ud, item) : NULL;
        if (!t) {
                char buf[64];
                snprintf(buf, sizeof(buf), "(item %lld of the chunk)",
                         (long long)(sr->ctx->counts.read + sr->c->delta.read));
                t = strdup(buf);
        }
        return t;
}

/* Records a skip: counts it, keeps the dead letter for the chunk's transaction, tells the
 * listeners, and fails with BATCH_ESKIPLIMIT past the limit. */
static int skip(struct step_run *sr, enum batch_skip_kind kind, char *text,
                const struct batch_err *why, struct batch_err *reterr)
{
        struct chunk *c = sr->c;
        if (kind == BATCH_SKIP_READ)
                c->delta.read_skip++;
        else if (kind == BATCH_SKIP_PROCESS)
                c->delta.process_skip++;
        else
                c->delta.write_skip++;
        sdk_emit_skip(sr->run, sr->ctx, kind, text, why);
        if (c->ndead == c->capdead) {
                size_t n = c->capdead ? c->capdead * 2 : 16;
                struct dead *d = realloc(c->dead, n * sizeof(*d));
                if (!d) {
                        free(text);
                        return batch_err_set(reterr, BATCH_ENOMEM, "skip", "out of memory");
                }
                c->dead = d;
                c->capdead = n;
        }
        c->dead[c->ndead++] = (struct dead){kind, text, strdup(why->msg)};
        /* A worker of a multi-threaded step leaves the limit to the committing thread. */
        if (!sr->threaded && skips(&sr->ctx->counts, &c->delta) > sr->step->skip_limit)
                return batch_err_set(reterr, BATCH_ESKIPLIMIT, "skip",
                                     "step %s: skip limit %lld exceeded (last: %s)",
                                     sr->step->name, (long long)sr->step->skip_limit, why->msg);
        return 0;
}

/* Clears an error record cheaply (it is written only on failure). */
static void err_clear(struct batch_err *e)
{
        e->code = 0;
        e->field[0] = '\0';
        e->msg[0] = '\0';
}

static int retry_exhausted(struct step_run *sr, const char *what, unsigned tries,
                           const struct batch_err *last, struct batch_err *reterr)
{
        return batch_err_set(reterr, BATCH_ERETRYLIMIT, what,
                             "step %s: %s failed %u times with a transient error, the last: %s",
                             sr->step->name, what, tries, last->msg);
}

static void backoff(struct step_run *sr, unsigned attempt)
{
        sdk_sleep_us(sdk_backoff_us(&sr->step->retry, attempt, &sr->seed));
}

/* After a read that failed with BATCH_ETRANSIENT (the first try): the retries, with
 * backoff, up to the policy's attempts. Returns like read_cb: 1 item, 0 end, < 0 error
 * (BATCH_ESKIP included; BATCH_ERETRYLIMIT when the tries ran out). */
static int read_again(struct step_run *sr, void **item, struct batch_err *err)
{
        struct batch_reader *r = &sr->step->reader;
        for (unsigned attempt = 1;; attempt++) {
                if (attempt >= sr->step->retry.max_attempts) {
                        struct batch_err last = *err;
                        return retry_exhausted(sr, "read", attempt, &last, err);
                }
                backoff(sr, attempt);
                *item = NULL;
                err_clear(err);
                int rc = r->read_cb(r->ud, item, err);
                if (rc != BATCH_ETRANSIENT)
                        return rc;
        }
}

static int process_one(struct step_run *sr, void *in, void **out, struct batch_err *err)
{
        struct batch_processor *p = &sr->step->processor;
        for (unsigned attempt = 1;; attempt++) {
                *out = NULL;
                err_clear(err);
                int rc = p->process_cb(p->ud, sr->ctx, in, out, err);
                if (rc != BATCH_ETRANSIENT)
                        return rc;
                if (attempt >= sr->step->retry.max_attempts) {
                        struct batch_err last = *err;
                        return retry_exhausted(sr, "process", attempt, &last, err);
                }
                backoff(sr, attempt);
        }
}

/* Reads up to commit_interval records into the chunk (read skips counted). The loop keeps
 * the reader's callback, the chunk's arrays, fill and read count in locals (the reader
 * cannot see the chunk) and writes them back before anything that looks at the chunk
 * (skip, item_text) and at the end; retries are off this path (read_again). So an item
 * costs the reader's call and one slot in each array. */
static int fill_read(struct step_run *sr, struct batch_err *reterr)
{
        struct chunk *c = sr->c;
        struct batch_step *st = sr->step;
        int (*const read)(void *, void **, struct batch_err *) = st->reader.read_cb;
        void *const ud = st->reader.ud;
        const unsigned limit = st->commit_interval;
        void **ins = c->in, **outs = c->out;
        size_t n = c->n, room = c->cap < c->capout ? c->cap : c->capout;
        int64_t nread = c->delta.read;
        int rc = 0;
        for (unsigned taken = 0; taken < limit;) {
                void *in = NULL;
                struct batch_err err;
                err_clear(&err);
                rc = read(ud, &in, &err);
                if (rc == BATCH_ETRANSIENT)
                        rc = read_again(sr, &in, &err);
                if (rc == 0) {
                        c->eof = true;
                        break;
                }
                taken++;
                if (rc == BATCH_ESKIP) {
                        c->n = n;
                        c->delta.read = nread;
                        if ((rc = skip(sr, BATCH_SKIP_READ, item_text(sr, NULL), &err, reterr)) < 0)
                                break;
                        continue;
                }
                if (rc < 0) {
                        *reterr = err;
                        break;
                }
                nread++;
                if (n == room) {
                        if (!grow(&c->in, &c->cap, n + 1) || !grow(&c->out, &c->capout, n + 1)) {
                                free_in(sr, in);
                                rc = batch_err_set(reterr, BATCH_ENOMEM, "chunk", "out of memory");
                                break;
                        }
                        ins = c->in;
                        outs = c->out;
                        room = c->cap < c->capout ? c->cap : c->capout;
                }
                ins[n] = in;
                outs[n++] = in;
                rc = 0;
        }
        c->n = n;
        c->delta.read = nread;
        return rc < 0 ? rc : 0;
}

/* Passes the chunk's items through the processor, keeping the ones to write. */
static int fill_process(struct step_run *sr, struct batch_err *reterr)
{
        struct chunk *c = sr->c;
        if (!sr->step->has_processor)
                return 0;
        size_t kept = 0;
        for (size_t i = 0; i < c->n; i++) {
                void *in = c->in[i], *out = in;
                struct batch_err err;
                int rc = process_one(sr, in, &out, &err);
                if (rc == 1 || rc == BATCH_ESKIP) {
                        if (!grow(&c->drop, &c->capdrop, c->ndrop + 1))
                                rc = batch_err_set(reterr, BATCH_ENOMEM, "chunk", "out of memory");
                        else
                                c->drop[c->ndrop++] = in;
                        if (rc == 1) {
                                c->delta.filter++;
                                continue;
                        }
                        if (rc == BATCH_ESKIP)
                                rc = skip(sr, BATCH_SKIP_PROCESS, item_text(sr, in), &err, reterr);
                        if (rc < 0) {
                                /* Not yet processed items stay for chunk_clear. */
                                memmove(c->in + kept, c->in + i + 1, (c->n - i - 1) * sizeof(void *));
                                memmove(c->out + kept, c->out + i + 1,
                                        (c->n - i - 1) * sizeof(void *));
                                c->n = kept + (c->n - i - 1);
                                return rc;
                        }
                        continue;
                }
                if (rc < 0) {
                        *reterr = err;
                        /* Items from i on keep out == in; the processed ones keep theirs. */
                        memmove(c->in + kept, c->in + i, (c->n - i) * sizeof(void *));
                        memmove(c->out + kept, c->out + i, (c->n - i) * sizeof(void *));
                        c->n = kept + (c->n - i);
                        return rc;
                }
                c->in[kept] = in;
                c->out[kept++] = out;
        }
        c->n = kept;
        return 0;
}

static int fill(struct step_run *sr, struct batch_err *reterr)
{
        int rc = fill_read(sr, reterr);
        return rc < 0 ? rc : fill_process(sr, reterr);
}

static int write_items(struct step_run *sr, void *const *items, size_t n, struct batch_err *err)
{
        struct batch_writer *w = &sr->step->writer;
        err_clear(err);
        return w->write_cb(w->ud, sr->ctx, items, n, err);
}

/* Undoes a failed write: the savepoint (repository writers) or the writer's own undo. */
static void undo(struct step_run *sr)
{
        struct batch_writer *w = &sr->step->writer;
        if (w->in_repository)
                store_savepoint_rollback(sr->run->st);
        else if (w->rollback_cb)
                w->rollback_cb(w->ud);
        sr->c->delta.rollback++;
}

static int mark(struct step_run *sr, struct batch_err *reterr)
{
        return sr->step->writer.in_repository ? store_savepoint(sr->run->st, reterr) : 0;
}

static int keep(struct step_run *sr, struct batch_err *reterr)
{
        return sr->step->writer.in_repository ? store_savepoint_release(sr->run->st, reterr) : 0;
}

/* The chunk scan: writes item by item, skipping those that fail with BATCH_ESKIP. */
static int scan(struct step_run *sr, struct batch_err *reterr)
{
        struct chunk *c = sr->c;
        for (size_t i = 0; i < c->n; i++) {
                for (unsigned attempt = 1;; attempt++) {
                        struct batch_err err;
                        int rc = mark(sr, reterr);
                        if (rc < 0)
                                return rc;
                        rc = write_items(sr, &c->out[i], 1, &err);
                        if (rc == 0) {
                                if ((rc = keep(sr, reterr)) < 0)
                                        return rc;
                                c->delta.write++;
                                break;
                        }
                        undo(sr);
                        if (rc == BATCH_ETRANSIENT && attempt < sr->step->retry.max_attempts) {
                                backoff(sr, attempt);
                                continue;
                        }
                        if (rc == BATCH_ETRANSIENT)
                                return retry_exhausted(sr, "write", attempt, &err, reterr);
                        if (rc != BATCH_ESKIP) {
                                *reterr = err;
                                return rc;
                        }
                        if ((rc = skip(sr, BATCH_SKIP_WRITE, item_text(sr, c->in[i]), &err,
                                       reterr)) < 0)
                                return rc;
                        break;
                }
        }
        return 0;
}

/* Writes the whole chunk; on BATCH_ESKIP falls back to the scan. BATCH_ETRANSIENT is
 * returned to the caller, which retries the chunk. */
static int write_chunk(struct step_run *sr, struct batch_err *reterr)
{
        struct chunk *c = sr->c;
        if (c->n == 0)
                return 0;
        int rc = mark(sr, reterr);
        if (rc < 0)
                return rc;
        struct batch_err err;
        rc = write_items(sr, c->out, c->n, &err);
        if (rc == 0) {
                c->delta.write += (int64_t)c->n;
                return keep(sr, reterr);
        }
        undo(sr);
        if (rc == BATCH_ESKIP)
                return scan(sr, reterr);
        *reterr = err;
        return rc;
}

static int positions(struct step_run *sr, struct sdk_checkpoint *cp, struct batch_err *reterr)
{
        struct batch_step *st = sr->step;
        int rc;
        if (sr->c->pos) { /* taken when the chunk was read (threaded steps) */
                cp->reader = sr->c->pos;
                sr->c->pos = NULL;
        } else if (st->reader.position_cb &&
            (rc = st->reader.position_cb(st->reader.ud, &cp->reader, reterr)) < 0)
                return rc;
        if (st->writer.position_cb &&
            (rc = st->writer.position_cb(st->writer.ud, &cp->writer, reterr)) < 0)
                return rc;
        return 0;
}

/* The chunk's transaction part: dead letters, counts, checkpoint, commit. */
static int record_chunk(struct step_run *sr, struct sdk_checkpoint *cp, struct batch_err *reterr)
{
        struct chunk *c = sr->c;
        int rc = 0;
        for (size_t i = 0; i < c->ndead && rc == 0; i++)
                rc = sdk_dead_letter(sr->run, sr->step->name, c->dead[i].item,
                                     c->dead[i].error, reterr);
        if (rc < 0)
                return rc;
        if ((rc = sdk_checkpoint_save(sr->run, sr->step->name, cp, reterr)) < 0)
                return rc;
        struct batch_counts saved = sr->ctx->counts;
        sdk_counts_add(&sr->ctx->counts, &c->delta);
        sr->ctx->counts.commit++;
        rc = sdk_step_record(sr->run, sr->ctx, "STARTED", NULL, reterr);
        if (rc == 0)
                rc = store_commit(sr->run->st, reterr);
        if (rc < 0)
                sr->ctx->counts = saved;
        return rc;
}

/* Writes and commits the chunk, retrying it on transient write errors. */
static int commit_chunk(struct step_run *sr, struct batch_err *reterr)
{
        struct sdk_run *run = sr->run;
        struct batch_step *st = sr->step;
        struct chunk *c = sr->c;
        /* What the scan changes is recomputed on each try. */
        int64_t write0 = c->delta.write, wskip0 = c->delta.write_skip;
        size_t ndead0 = c->ndead;
        for (unsigned attempt = 1;; attempt++) {
                struct sdk_checkpoint cp = {.gen = run->gen, .state = sr->ctx->state};
                int rc;
                if (st->writer.in_repository) {
                        if ((rc = store_begin(run->st, reterr)) < 0)
                                return rc;
                        rc = write_chunk(sr, reterr);
                } else {
                        rc = write_chunk(sr, reterr);
                        if (rc == 0 && st->writer.flush_cb)
                                rc = st->writer.flush_cb(st->writer.ud, reterr);
                        if (rc == 0)
                                rc = store_begin(run->st, reterr);
                }
                if (rc == 0)
                        rc = positions(sr, &cp, reterr);
                if (rc == 0)
                        rc = record_chunk(sr, &cp, reterr);
                cp.state = NULL; /* borrowed from ctx */
                sdk_checkpoint_release(&cp);
                if (rc == 0)
                        return 0;
                store_rollback(run->st);
                if (rc != BATCH_ETRANSIENT)
                        return rc;
                /* Retry the whole chunk. */
                c->delta.write = write0;
                c->delta.write_skip = wskip0;
                while (c->ndead > ndead0) {
                        c->ndead--;
                        free(c->dead[c->ndead].item);
                        free(c->dead[c->ndead].error);
                }
                if (attempt >= st->retry.max_attempts) {
                        struct batch_err last = *reterr;
                        return retry_exhausted(sr, "write", attempt, &last, reterr);
                }
                backoff(sr, attempt);
        }
}

/* Ends the step: the final row and, when completed, the checkpoint marked done. */
static int finish(struct step_run *sr, const char *status, const char *message,
                  struct batch_err *reterr)
{
        struct sdk_run *run = sr->run;
        int rc = store_begin(run->st, reterr);
        if (rc < 0)
                return rc;
        if (!strcmp(status, "COMPLETED")) {
                struct sdk_checkpoint cp = {.gen = run->gen, .done = true,
                                            .state = sr->ctx->state};
                snprintf(cp.exit, sizeof(cp.exit), "%s", sr->ctx->exit);
                rc = sdk_checkpoint_save(run, sr->step->name, &cp, reterr);
        }
        if (rc == 0)
                rc = sdk_step_record(run, sr->ctx, status, message, reterr);
        if (rc == 0)
                rc = store_commit(run->st, reterr);
        if (rc < 0)
                store_rollback(run->st);
        return rc;
}

/* ---- multi-threaded chunk steps ------------------------------------------------------
 * `throttle` workers each take the reader (under a lock) for one chunk, noting its number
 * and the reader's position after it, then process it in parallel. The step's own
 * thread writes and commits the chunks strictly in number order, so the checkpoint it
 * commits is always the low-water mark of the contiguous finished chunks: a restart
 * resumes exactly after the last committed chunk, and chunks processed but not yet
 * committed are simply read again. Writers are called from one thread only. */

struct mt {
        struct step_run *main;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct chunk **ready;    /* ring of finished chunks, by seq % window */
        unsigned window;
        int64_t next_seq;        /* the next chunk to read */
        int64_t next_commit;     /* the next chunk to commit */
        bool eof, quit;
        int64_t last_seq;        /* number of the chunk that hit the end (-1: not yet) */
};

static void *mt_worker(void *arg)
{
        struct mt *m = arg;
        struct step_run w = *m->main;
        w.threaded = true;
        w.seed ^= (uint64_t)(uintptr_t)&w;
        for (;;) {
                struct chunk *c = calloc(1, sizeof(*c));
                pthread_mutex_lock(&m->lock);
                /* Do not run more than `window` chunks ahead of the commits. */
                while (!m->quit && !m->eof && m->next_seq - m->next_commit >= m->window)
                        pthread_cond_wait(&m->cond, &m->lock);
                if (m->quit || m->eof || !c) {
                        pthread_mutex_unlock(&m->lock);
                        free(c);
                        break;
                }
                c->seq = m->next_seq++;
                w.c = c;
                c->rc = fill_read(&w, &c->err);
                if (c->rc == 0 && w.step->reader.position_cb)
                        c->rc = w.step->reader.position_cb(w.step->reader.ud, &c->pos, &c->err);
                if (c->eof || c->rc < 0) {
                        m->eof = true;
                        m->last_seq = c->seq;
                }
                pthread_mutex_unlock(&m->lock);
                if (c->rc == 0)
                        c->rc = fill_process(&w, &c->err);
                pthread_mutex_lock(&m->lock);
                m->ready[c->seq % m->window] = c;
                pthread_cond_broadcast(&m->cond);
                pthread_mutex_unlock(&m->lock);
        }
        return NULL;
}

/* Commits the chunks in order; returns like the single-threaded loop. */
static int mt_run(struct step_run *sr, unsigned throttle, bool *stopped, struct batch_err *err)
{
        struct mt m = {.main = sr, .window = 2 * throttle, .last_seq = -1};
        m.ready = calloc(m.window, sizeof(*m.ready));
        pthread_t *tids = calloc(throttle, sizeof(*tids));
        if (!m.ready || !tids) {
                free(m.ready);
                free(tids);
                return batch_err_set(err, BATCH_ENOMEM, "step", "out of memory");
        }
        pthread_mutex_init(&m.lock, NULL);
        pthread_cond_init(&m.cond, NULL);
        unsigned started = 0;
        for (unsigned t = 0; t < throttle; t++)
                if (pthread_create(&tids[t], NULL, mt_worker, &m) == 0)
                        started++;
        int rc = started ? 0 : batch_err_set(err, BATCH_EIO, "step", "cannot start threads");
        struct chunk *mine = sr->c;
        while (rc == 0) {
                if (sdk_stop_requested(sr->run)) {
                        *stopped = true;
                        break;
                }
                pthread_mutex_lock(&m.lock);
                struct chunk *c;
                while (!(c = m.ready[m.next_commit % m.window]))
                        pthread_cond_wait(&m.cond, &m.lock);
                m.ready[m.next_commit % m.window] = NULL;
                pthread_mutex_unlock(&m.lock);
                sr->c = c;
                sdk_emit_before_chunk(sr->run, sr->ctx);
                rc = c->rc;
                if (rc < 0)
                        *err = c->err;
                if (rc == 0 && skips(&sr->ctx->counts, &c->delta) > sr->step->skip_limit)
                        rc = batch_err_set(err, BATCH_ESKIPLIMIT, "skip",
                                           "step %s: skip limit %lld exceeded", sr->step->name,
                                           (long long)sr->step->skip_limit);
                if (rc == 0 && (c->n || c->ndead || c->delta.read || c->delta.filter))
                        rc = commit_chunk(sr, err);
                bool last = c->eof;
                if (rc < 0)
                        sr->ctx->counts.rollback += c->delta.rollback ? c->delta.rollback : 1;
                sdk_emit_after_chunk(sr->run, sr->ctx, rc == 0);
                chunk_free(sr);
                free(c);
                pthread_mutex_lock(&m.lock);
                m.next_commit++;
                pthread_cond_broadcast(&m.cond);
                pthread_mutex_unlock(&m.lock);
                if (last)
                        break;
        }
        pthread_mutex_lock(&m.lock);
        m.quit = true;
        pthread_cond_broadcast(&m.cond);
        pthread_mutex_unlock(&m.lock);
        for (unsigned t = 0; t < started; t++)
                pthread_join(tids[t], NULL);
        /* Chunks read but not committed are read again by the next run. */
        for (unsigned k = 0; k < m.window; k++) {
                if (!m.ready[k])
                        continue;
                sr->c = m.ready[k];
                chunk_free(sr);
                free(m.ready[k]);
        }
        sr->c = mine;
        free(m.ready);
        free(tids);
        pthread_mutex_destroy(&m.lock);
        pthread_cond_destroy(&m.cond);
        return rc;
}

int sdk_chunk_step_run(struct sdk_run *run, struct batch_step *step,
                       const struct sdk_checkpoint *cp, char ret_exit[SDK_EXIT_MAX],
                       struct batch_err *reterr)
{
        struct batch_ctx ctx = {.run = run, .step = step, .partition = step->partition,
                                .npartitions = step->partitions ? step->partitions : 1};
        snprintf(ctx.exit, sizeof(ctx.exit), "%s", BATCH_EXIT_COMPLETED);
        if (cp && cp->state && !(ctx.state = strdup(cp->state)))
                return batch_err_set(reterr, BATCH_ENOMEM, "step", "out of memory");
        struct step_run sr = {.run = run, .step = step, .ctx = &ctx,
                              .seed = (uint64_t)sdk_mono_us() ^ ((uint64_t)getpid() << 32)};
        sr.c = &sr.own;
        struct batch_err err = {0};
        const char *status = "COMPLETED";
        bool reader_open = false, writer_open = false;
        sdk_emit_before_step(run, &ctx);
        int rc = sdk_step_record(run, &ctx, "STARTED", NULL, reterr);
        if (rc < 0)
                goto out;
        rc = step->reader.open_cb
                     ? step->reader.open_cb(step->reader.ud, &ctx, cp ? cp->reader : NULL, &err)
                     : 0;
        reader_open = rc == 0;
        if (rc == 0 && step->writer.open_cb)
                rc = step->writer.open_cb(step->writer.ud, &ctx, cp ? cp->writer : NULL, &err);
        writer_open = rc == 0;
        if (rc == 0 && step->threads > 1) {
                bool stopped = false;
                rc = mt_run(&sr, step->threads, &stopped, &err);
                if (rc == 0 && stopped)
                        status = "STOPPED";
        }
        while (rc == 0 && step->threads <= 1) {
                if (sdk_stop_requested(run)) {
                        status = "STOPPED";
                        break;
                }
                sdk_emit_before_chunk(run, &ctx);
                rc = fill(&sr, &err);
                if (rc == 0 && (sr.c->n || sr.c->ndead || sr.c->delta.read || sr.c->delta.filter))
                        rc = commit_chunk(&sr, &err);
                bool eof = sr.c->eof;
                if (rc < 0) /* the failed chunk: its undos, or the one rollback */
                        ctx.counts.rollback += sr.c->delta.rollback ? sr.c->delta.rollback : 1;
                sdk_emit_after_chunk(run, &ctx, rc == 0);
                chunk_clear(&sr);
                if (rc < 0 || eof)
                        break;
        }
        if (rc < 0)
                status = "FAILED";
        snprintf(step->message, sizeof(step->message), "%s", rc < 0 ? err.msg : "");
        if (!strcmp(status, "FAILED"))
                snprintf(ctx.exit, sizeof(ctx.exit), "%s", BATCH_EXIT_FAILED);
        else if (!strcmp(status, "STOPPED"))
                snprintf(ctx.exit, sizeof(ctx.exit), "%s", BATCH_EXIT_STOPPED);
        if (writer_open && step->writer.close_cb)
                step->writer.close_cb(step->writer.ud);
        if (reader_open && step->reader.close_cb)
                step->reader.close_cb(step->reader.ud);
        rc = finish(&sr, status, rc < 0 ? err.msg : status[0] == 'S' ? "stop requested" : NULL,
                    reterr);
out:
        chunk_free(&sr);
        snprintf(ret_exit, SDK_EXIT_MAX, "%s", ctx.exit);
        sdk_counts_add(&run->total, &ctx.counts);
        sdk_emit_after_step(run, &ctx, ctx.exit);
        free(ctx.state);
        return rc;
}
