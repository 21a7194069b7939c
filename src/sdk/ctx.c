/* ctx.c: what callbacks may ask the running step (struct batch_ctx), the step execution
 * row, dead letters, and the listener fan-out. */
#include "sdk/sdk-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *param_in(const struct batch_param *p, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(p[i].name, name))
                        return p[i].value;
        return NULL;
}

const char *batch_ctx_param(struct batch_ctx *ctx, const char *name)
{
        const struct batch_run_opts *o = ctx->run->opts;
        const char *v = param_in(o->params, o->nparams, name);
        if (!v)
                v = param_in(o->extra, o->nextra, name);
        if (v)
                return v;
        if (!strcmp(name, "#DueTime"))
                return getenv("BATCH_DUE_TIME");
        if (!strcmp(name, "#FirstDueTime"))
                return getenv("BATCH_FIRST_DUE_TIME");
        if (!strcmp(name, "#LastDueTime"))
                return getenv("BATCH_LAST_DUE_TIME");
        if (!strcmp(name, "#ProcessDate"))
                return getenv("BATCH_PROCESS_DATE");
        char env[200];
        size_t m = (size_t)snprintf(env, sizeof(env), "BATCH_PARAM_%s", name);
        if (m >= sizeof(env))
                return NULL;
        for (size_t i = 12; i < m; i++)
                env[i] = isalnum((unsigned char)env[i]) ? (char)toupper((unsigned char)env[i])
                                                        : '_';
        return getenv(env);
}

const char *batch_ctx_job_name(struct batch_ctx *ctx)
{
        return ctx->run->job->name;
}

const char *batch_ctx_step_name(struct batch_ctx *ctx)
{
        return ctx->step ? ctx->step->name : NULL;
}

int64_t batch_ctx_instance_id(struct batch_ctx *ctx)
{
        return ctx->run->instance_id;
}

int64_t batch_ctx_execution_id(struct batch_ctx *ctx)
{
        return ctx->run->execution_id;
}

const struct batch_counts *batch_ctx_counts(struct batch_ctx *ctx)
{
        return &ctx->counts;
}

const char *batch_ctx_state(struct batch_ctx *ctx)
{
        return ctx->state;
}

int batch_ctx_set_state(struct batch_ctx *ctx, const char *state)
{
        char *s = NULL;
        if (state && !sdk_text_ok(state))
                return BATCH_EINVAL;
        if (state && !(s = strdup(state)))
                return BATCH_ENOMEM;
        free(ctx->state);
        ctx->state = s;
        return 0;
}

int batch_ctx_set_exit(struct batch_ctx *ctx, const char *exit_status)
{
        if (!exit_status || !*exit_status || strlen(exit_status) >= SDK_EXIT_MAX ||
            !sdk_text_ok(exit_status))
                return BATCH_EINVAL;
        snprintf(ctx->exit, sizeof(ctx->exit), "%s", exit_status);
        return 0;
}

void *batch_ctx_sqlite(struct batch_ctx *ctx)
{
        const char *kind;
        void *h = store_native(ctx->run->st, &kind);
        return !strcmp(kind, "sqlite") ? h : NULL;
}

void *batch_ctx_postgres(struct batch_ctx *ctx)
{
        const char *kind;
        void *h = store_native(ctx->run->st, &kind);
        return !strcmp(kind, "postgres") ? h : NULL;
}

unsigned batch_ctx_partition(struct batch_ctx *ctx, unsigned *ret_count)
{
        if (ret_count)
                *ret_count = ctx->npartitions ? ctx->npartitions : 1;
        return ctx->partition;
}

int sdk_step_record(struct sdk_run *run, struct batch_ctx *ctx, const char *status,
                    const char *message, struct batch_err *reterr)
{
        const struct batch_counts *c = &ctx->counts;
        struct store_step st = {.execution_id = run->execution_id,
                                .name = ctx->step->name,
                                .status = (char *)status,
                                .read_count = c->read,
                                .write_count = c->write,
                                .commit_count = c->commit,
                                .rollback_count = c->rollback,
                                .read_skip_count = c->read_skip,
                                .process_skip_count = c->process_skip,
                                .write_skip_count = c->write_skip,
                                .filter_count = c->filter,
                                .exit_message = (char *)message};
        char metrics[512];
        if (run->job->http) {
                sdk_http_metrics_json(run->job->http, c, sdk_mono_us() - run->started_mono_us,
                                      metrics, sizeof(metrics));
                st.metrics = metrics;
        }
        return store_step_put(run->st, &st, sdk_wall_s(), NULL, reterr);
}

int sdk_dead_letter(struct sdk_run *run, const char *step, const char *item, const char *error,
                    struct batch_err *reterr)
{
        struct store_dead_letter d = {.instance_id = run->instance_id,
                                      .step = (char *)step,
                                      .item = (char *)(item ? item : ""),
                                      .error = (char *)(error ? error : "")};
        return store_dead_letter_add(run->st, &d, sdk_wall_s(), NULL, reterr);
}

#define EACH_LISTENER(run, l)                                                                     \
        for (struct batch_listener *l = (run)->job->listeners;                                    \
             l < (run)->job->listeners + (run)->job->nlisteners; l++)

void sdk_emit_before_step(struct sdk_run *run, struct batch_ctx *ctx)
{
        EACH_LISTENER(run, l) if (l->before_step_cb) l->before_step_cb(l->ud, ctx);
}

void sdk_emit_after_step(struct sdk_run *run, struct batch_ctx *ctx, const char *exit)
{
        EACH_LISTENER(run, l) if (l->after_step_cb) l->after_step_cb(l->ud, ctx, exit, &ctx->counts);
}

void sdk_emit_before_chunk(struct sdk_run *run, struct batch_ctx *ctx)
{
        EACH_LISTENER(run, l) if (l->before_chunk_cb) l->before_chunk_cb(l->ud, ctx);
}

void sdk_emit_after_chunk(struct sdk_run *run, struct batch_ctx *ctx, bool committed)
{
        EACH_LISTENER(run, l) if (l->after_chunk_cb) l->after_chunk_cb(l->ud, ctx, committed);
}

void sdk_emit_skip(struct sdk_run *run, struct batch_ctx *ctx, enum batch_skip_kind kind,
                   const char *item, const struct batch_err *err)
{
        EACH_LISTENER(run, l) if (l->skip_cb) l->skip_cb(l->ud, ctx, kind, item, err);
}
