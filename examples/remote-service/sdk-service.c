/* sdk-service.c: a remote job service built on libbatch's batch_service (include/batch.h,
 * docs/sdk.md "Serving jobs to batchd"): two chunk jobs that batchd runs as remote (http
 * executor) jobs. The tests (tests/daemon/sdkservice.sh) run it on 127.0.0.1.
 *
 *   sdk-service --db REPO [--port N] [--port-file F] [--context-path /batch]
 *               [--bearer-file F] [--progress-ms N]
 *
 * Jobs (remote names):
 *   count       reads the numbers 1..items (parameter `items`, default 200) in chunks of
 *               10, each chunk taking `chunk_ms` (default 20) milliseconds, and writes
 *               nothing anywhere (a writer that only counts); restartable: its position
 *               is the next number.
 *   count-fail  the same, but item `fail_at` (default 55) is a fatal error: FAILED. With
 *               `fail_once_file` (a path) it fails only when that file does not exist,
 *               and creates it: the retry resumes from the last checkpoint and succeeds.
 * SIGTERM or SIGINT: stops listening, stops the runs after their chunk, exits. */
#include <batch.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct counter {
        long next, end, chunk_ms, fail_at;
        bool can_fail;
        char once[1024]; /* fail_once_file, or "" */
};

static long param(struct batch_ctx *ctx, const char *name, long def)
{
        const char *v = batch_ctx_param(ctx, name);
        return v && *v ? atol(v) : def;
}

static int c_open(void *ud, struct batch_ctx *ctx, const char *position, struct batch_err *e)
{
        (void)e;
        struct counter *c = ud;
        c->next = position ? atol(position) : 1;
        c->end = param(ctx, "items", 200);
        c->chunk_ms = param(ctx, "chunk_ms", 20);
        c->fail_at = c->can_fail ? param(ctx, "fail_at", 55) : 0;
        const char *once = batch_ctx_param(ctx, "fail_once_file");
        snprintf(c->once, sizeof(c->once), "%s", c->can_fail && once ? once : "");
        return 0;
}

static int c_read(void *ud, void **ret, struct batch_err *e)
{
        struct counter *c = ud;
        if (c->next > c->end)
                return 0;
        if (c->next == c->fail_at) {
                FILE *f = c->once[0] ? fopen(c->once, "wx") : NULL;
                if (!c->once[0] || f) {
                        if (f)
                                fclose(f);
                        return batch_err_set(e, BATCH_EINVAL, "item", "item %ld cannot be read",
                                             c->next);
                }
        }
        if (c->next % 10 == 1 && c->chunk_ms > 0) {
                struct timespec ts = {c->chunk_ms / 1000, (c->chunk_ms % 1000) * 1000000L};
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
        *ret = (void *)(intptr_t)c->next++;
        return 1;
}

static int c_position(void *ud, char **ret, struct batch_err *e)
{
        struct counter *c = ud;
        char buf[32];
        snprintf(buf, sizeof(buf), "%ld", c->next);
        if (!(*ret = strdup(buf)))
                return batch_err_set(e, BATCH_ENOMEM, NULL, "out of memory");
        return 0;
}

static int c_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                   struct batch_err *e)
{
        (void)ud, (void)ctx, (void)items, (void)n, (void)e;
        return 0;
}

static struct batch_job *counting_job(const char *name, struct counter *c)
{
        struct batch_reader r = {.open_cb = c_open, .read_cb = c_read,
                                 .position_cb = c_position, .ud = c};
        struct batch_writer w = {.write_cb = c_write};
        struct batch_job *job = batch_job_new(name);
        struct batch_step *step = batch_chunk_step_new("count", &r, NULL, &w, 10);
        if (!job || !step || batch_job_add_step(job, step, NULL) < 0) {
                fprintf(stderr, "sdk-service: out of memory\n");
                exit(1);
        }
        return job;
}

int main(int argc, char **argv)
{
        struct batch_service_opts o = {.listen = "127.0.0.1:0"};
        const char *port_file = NULL;
        char listen[64], bearer[512] = "";
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!v) {
                        fprintf(stderr, "sdk-service: %s needs a value\n", a);
                        return 2;
                }
                if (!strcmp(a, "--db")) {
                        o.db = v;
                } else if (!strcmp(a, "--port")) {
                        snprintf(listen, sizeof(listen), "127.0.0.1:%s", v);
                        o.listen = listen;
                } else if (!strcmp(a, "--port-file")) {
                        port_file = v;
                } else if (!strcmp(a, "--context-path")) {
                        o.context_path = v;
                } else if (!strcmp(a, "--progress-ms")) {
                        o.progress_ms = atol(v);
                } else if (!strcmp(a, "--bearer-file")) {
                        FILE *f = fopen(v, "r");
                        if (!f || !fgets(bearer, sizeof(bearer), f)) {
                                perror(v);
                                return 1;
                        }
                        fclose(f);
                        bearer[strcspn(bearer, "\r\n")] = '\0';
                        o.bearer_token = bearer;
                } else {
                        fprintf(stderr, "usage: sdk-service --db REPO [--port N] [--port-file F] "
                                        "[--context-path P] [--bearer-file F] [--progress-ms N]\n");
                        return 2;
                }
                i++;
        }
        /* SIGTERM and SIGINT are taken by sigwait: blocked before any thread starts. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        struct counter plain = {0}, failing = {.can_fail = true};
        struct batch_job *count = counting_job("count", &plain);
        struct batch_job *count_fail = counting_job("count-fail", &failing);
        struct batch_service *svc;
        struct batch_err err;
        if (batch_service_new(&o, &svc, &err) < 0 ||
            batch_service_add_job(svc, "count", count, &err) < 0 ||
            batch_service_add_job(svc, "count-fail", count_fail, &err) < 0 ||
            batch_service_start(svc, &err) < 0) {
                fprintf(stderr, "sdk-service: %s\n", err.msg);
                return 1;
        }
        if (port_file) {
                char tmp[4096];
                snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
                FILE *f = fopen(tmp, "w");
                if (!f || fprintf(f, "%u\n", batch_service_port(svc)) < 0 || fclose(f) != 0 ||
                    rename(tmp, port_file) < 0) {
                        perror(port_file);
                        return 1;
                }
        }
        fprintf(stderr, "sdk-service: listening on port %u\n", batch_service_port(svc));
        int sig;
        sigwait(&set, &sig);
        batch_service_free(svc);
        batch_job_free(count);
        batch_job_free(count_fail);
        return 0;
}
