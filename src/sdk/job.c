/* job.c: building a job — steps, transitions, listeners, step settings — and freeing it. */
#include "sdk/sdk-internal.h"

#include <stdlib.h>
#include <string.h>

static bool valid_name(const char *s)
{
        if (!s || !*s || strlen(s) >= SDK_NAME_MAX || s[0] == '@')
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
                        return false;
        return true;
}

struct batch_job *batch_job_new(const char *name)
{
        if (!valid_name(name))
                return NULL;
        struct batch_job *job = calloc(1, sizeof(*job));
        if (job)
                snprintf(job->name, sizeof(job->name), "%s", name);
        return job;
}

struct batch_step *sdk_step_free(struct batch_step *st)
{
        if (!st)
                return NULL;
        if (st->reader.destroy_cb)
                st->reader.destroy_cb(st->reader.ud);
        if (st->has_processor && st->processor.destroy_cb)
                st->processor.destroy_cb(st->processor.ud);
        if (st->writer.destroy_cb)
                st->writer.destroy_cb(st->writer.ud);
        if (st->tasklet_destroy)
                st->tasklet_destroy(st->tasklet_ud);
        free(st);
        return NULL;
}

struct batch_job *batch_job_free(struct batch_job *job)
{
        if (!job)
                return NULL;
        for (size_t i = 0; i < job->nsteps; i++)
                sdk_step_free(job->steps[i]);
        free(job->steps);
        free(job->trans);
        free(job->listeners);
        free(job);
        return NULL;
}

static struct batch_step *step_alloc(const char *name, enum sdk_step_kind kind)
{
        if (!valid_name(name))
                return NULL;
        struct batch_step *st = calloc(1, sizeof(*st));
        if (!st)
                return NULL;
        st->kind = kind;
        snprintf(st->name, sizeof(st->name), "%s", name);
        st->skip_limit = 0;
        sdk_retry_default(&st->retry);
        return st;
}

struct batch_step *batch_chunk_step_new(const char *name, const struct batch_reader *reader,
                                        const struct batch_processor *processor,
                                        const struct batch_writer *writer,
                                        unsigned commit_interval)
{
        struct batch_step *st = NULL;
        bool ok = reader && writer && reader->read_cb && writer->write_cb &&
                  (!processor || processor->process_cb) && commit_interval >= 1;
        if (ok)
                st = step_alloc(name, SDK_STEP_CHUNK);
        if (!st) {
                /* The step takes the ud's even when it cannot be made. */
                if (reader && reader->destroy_cb)
                        reader->destroy_cb(reader->ud);
                if (processor && processor->destroy_cb)
                        processor->destroy_cb(processor->ud);
                if (writer && writer->destroy_cb)
                        writer->destroy_cb(writer->ud);
                return NULL;
        }
        st->reader = *reader;
        if (processor) {
                st->processor = *processor;
                st->has_processor = true;
        }
        st->writer = *writer;
        st->commit_interval = commit_interval;
        return st;
}

struct batch_step *batch_tasklet_step_new(const char *name, batch_tasklet_cb fn, void *ud,
                                          void (*destroy)(void *ud))
{
        struct batch_step *st = fn ? step_alloc(name, SDK_STEP_TASKLET) : NULL;
        if (!st) {
                if (destroy)
                        destroy(ud);
                return NULL;
        }
        st->tasklet = fn;
        st->tasklet_ud = ud;
        st->tasklet_destroy = destroy;
        return st;
}

struct batch_step *batch_partitioned_step_new(const char *name, unsigned partitions,
                                              unsigned threads, unsigned commit_interval,
                                              batch_partition_cb fn, void *ud,
                                              void (*destroy)(void *ud))
{
        struct batch_step *st = NULL;
        if (fn && partitions >= 1 && partitions <= 10000 && threads >= 1 && commit_interval >= 1 &&
            name && strlen(name) + 6 < SDK_NAME_MAX)
                st = step_alloc(name, SDK_STEP_PARTITIONED);
        if (!st) {
                if (destroy)
                        destroy(ud);
                return NULL;
        }
        st->partitions = partitions;
        st->threads = threads < partitions ? threads : partitions;
        st->commit_interval = commit_interval;
        st->partition_fn = fn;
        st->tasklet_ud = ud;
        st->tasklet_destroy = destroy;
        return st;
}

static struct batch_step *find_step(struct batch_job *job, const char *name)
{
        for (size_t i = 0; i < job->nsteps; i++)
                if (!strcmp(job->steps[i]->name, name))
                        return job->steps[i];
        return NULL;
}

int batch_job_add_step(struct batch_job *job, struct batch_step *step, struct batch_err *reterr)
{
        if (!job || !step) {
                sdk_step_free(step);
                return batch_err_set(reterr, BATCH_EINVAL, "step", "step: no step to add");
        }
        if (find_step(job, step->name)) {
                int r = batch_err_set(reterr, BATCH_EEXIST, "step",
                                      "step: job %s already has a step %s", job->name, step->name);
                sdk_step_free(step);
                return r;
        }
        struct batch_step **n = realloc(job->steps, (job->nsteps + 1) * sizeof(*n));
        if (!n) {
                sdk_step_free(step);
                return batch_err_set(reterr, BATCH_ENOMEM, "step", "step: out of memory");
        }
        job->steps = n;
        job->steps[job->nsteps++] = step;
        return 0;
}

int batch_job_on(struct batch_job *job, const char *from, const char *pattern, const char *to,
                 struct batch_err *reterr)
{
        if (!job || !from || !pattern || !to || strlen(from) >= SDK_NAME_MAX ||
            strlen(pattern) >= SDK_NAME_MAX || strlen(to) >= SDK_NAME_MAX || !*pattern)
                return batch_err_set(reterr, BATCH_EINVAL, "transition",
                                     "transition: step, pattern and target are required");
        struct sdk_transition *n = realloc(job->trans, (job->ntrans + 1) * sizeof(*n));
        if (!n)
                return batch_err_set(reterr, BATCH_ENOMEM, "transition", "out of memory");
        job->trans = n;
        struct sdk_transition *t = &job->trans[job->ntrans++];
        snprintf(t->from, sizeof(t->from), "%s", from);
        snprintf(t->pattern, sizeof(t->pattern), "%s", pattern);
        snprintf(t->to, sizeof(t->to), "%s", to);
        return 0;
}

int batch_job_add_listener(struct batch_job *job, const struct batch_listener *l,
                           struct batch_err *reterr)
{
        if (!job || !l)
                return batch_err_set(reterr, BATCH_EINVAL, "listener", "listener: none given");
        struct batch_listener *n = realloc(job->listeners, (job->nlisteners + 1) * sizeof(*n));
        if (!n)
                return batch_err_set(reterr, BATCH_ENOMEM, "listener", "out of memory");
        job->listeners = n;
        job->listeners[job->nlisteners++] = *l;
        return 0;
}

int batch_step_set_skip_limit(struct batch_step *step, int64_t skip_limit)
{
        if (!step || skip_limit < 0)
                return BATCH_EINVAL;
        step->skip_limit = skip_limit;
        return 0;
}

int batch_step_set_threads(struct batch_step *step, unsigned throttle)
{
        if (!step || step->kind != SDK_STEP_CHUNK || throttle < 1 || throttle > 256)
                return BATCH_EINVAL;
        step->threads = throttle;
        return 0;
}

int batch_step_set_retry(struct batch_step *step, const struct batch_retry_policy *p)
{
        if (!step || !p || p->max_attempts < 1 || p->initial_delay_us < 0 ||
            p->max_delay_us < p->initial_delay_us || p->multiplier < 1.0 || p->jitter < 0 ||
            p->jitter > 1)
                return BATCH_EINVAL;
        step->retry = *p;
        return 0;
}
