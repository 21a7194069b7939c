/* wo_test.h: shared pieces of the HTTP client's tests — start the real work-order API
 * server (examples/workorder-api, path in $WO_SERVER) on 127.0.0.1 with given options,
 * read its counters, queue forced statuses, revoke tokens, stop it. */
#ifndef BATCH_TESTS_WO_TEST_H
#define BATCH_TESTS_WO_TEST_H

#include "test.h"

#pragma GCC diagnostic ignored "-Wunused-function"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"

#define WO_SECRET "wo-client-secret-for-tests"

struct wo {
        pid_t pid;
        char dir[64];
        char base[64];
        struct batch_http *admin; /* no auth: /admin routes */
};

static void wo_sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) < 0)
                ;
}

/* Starts the server with the given extra options (NULL-terminated). */
static void wo_start(struct wo *w, const char *const *extra)
{
        const char *bin = getenv("WO_SERVER");
        if (!bin)
                fail_msg("WO_SERVER is not set (run through make test-http)");
        snprintf(w->dir, sizeof(w->dir), "/tmp/wo-test-XXXXXX");
        assert_non_null(mkdtemp(w->dir));
        char port_file[128];
        snprintf(port_file, sizeof(port_file), "%s/port", w->dir);
        setenv("WO_SECRET", WO_SECRET, 1);
        const char *argv[64];
        size_t n = 0;
        argv[n++] = bin;
        argv[n++] = "--port-file";
        argv[n++] = port_file;
        argv[n++] = "--client-id";
        argv[n++] = "batch";
        argv[n++] = "--client-secret-env";
        argv[n++] = "WO_SECRET";
        for (size_t i = 0; extra && extra[i] && n < 62; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        w->pid = fork();
        assert_true(w->pid >= 0);
        if (w->pid == 0) {
                /* a failed test longjmps past wo_stop: the server dies with us */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                execv(bin, (char *const *)argv);
                _exit(127);
        }
        /* wait for the port file (generous deadline: a busy machine) */
        for (int i = 0; i < 600; i++) {
                FILE *f = fopen(port_file, "r");
                unsigned port = 0;
                if (f) {
                        int ok = fscanf(f, "%u", &port);
                        fclose(f);
                        if (ok == 1 && port) {
                                snprintf(w->base, sizeof(w->base), "http://127.0.0.1:%u", port);
                                struct batch_http_options o = {.base_url = w->base};
                                w->admin = batch_http_new(&o, NULL);
                                assert_non_null(w->admin);
                                return;
                        }
                }
                int st;
                if (waitpid(w->pid, &st, WNOHANG) == w->pid)
                        fail_msg("workorder-api exited at start (status %d)", st);
                wo_sleep_ms(100);
        }
        fail_msg("workorder-api did not start within 60 s");
}

static void wo_stop(struct wo *w)
{
        if (w->pid > 0) {
                kill(w->pid, SIGTERM);
                waitpid(w->pid, NULL, 0);
                w->pid = 0;
        }
        w->admin = batch_http_free(w->admin);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", w->dir);
}

/* A JSON answer of an admin route (caller decrefs). */
static json_t *wo_admin(struct wo *w, const char *method, const char *path, const char *body)
{
        struct batch_http_request rq = {.method = method, .path = path, .body = body};
        struct batch_http_response rs;
        struct batch_err err;
        int rc = batch_http_send(w->admin, &rq, &rs, &err);
        if (rc < 0)
                fail_msg("%s %s: %s", method, path, err.msg);
        if (rs.status != 200)
                fail_msg("%s %s: HTTP %ld %s", method, path, rs.status, rs.body);
        json_t *o = json_loads(rs.body, 0, NULL);
        batch_http_response_release(&rs);
        assert_non_null(o);
        return o;
}

/* One counter of GET /admin/counts. */
static long long wo_count(struct wo *w, const char *name)
{
        json_t *o = wo_admin(w, "GET", "/admin/counts", NULL);
        json_t *v = json_object_get(o, name);
        long long n = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
        json_decref(o);
        return n;
}

/* Queues forced statuses for the next /api/workorders requests. */
static void wo_force(struct wo *w, const char *json)
{
        json_decref(wo_admin(w, "POST", "/admin/faults", json));
}

/* A client of the server with client credentials. */
static struct batch_http *wo_client(struct wo *w, unsigned max_attempts)
{
        struct batch_http_options o = {
                .base_url = w->base,
                .auth = BATCH_HTTP_AUTH_CLIENT_CREDENTIALS,
                .client_id = "batch",
                .client_secret = WO_SECRET,
                .max_attempts = max_attempts,
                .backoff_base_ms = 20,
                .backoff_max_ms = 200,
        };
        struct batch_err err;
        struct batch_http *h = batch_http_new(&o, &err);
        if (!h)
                fail_msg("batch_http_new: %s", err.msg);
        return h;
}

/* GET path, expecting 200. */
static void wo_get_ok(struct batch_http *h, const char *path, unsigned *ret_attempts)
{
        struct batch_http_request rq = {.method = "GET", .path = path};
        struct batch_http_response rs;
        struct batch_err err;
        int rc = batch_http_send(h, &rq, &rs, &err);
        if (rc < 0)
                fail_msg("GET %s: %s", path, err.msg);
        if (rs.status != 200)
                fail_msg("GET %s: HTTP %ld", path, rs.status);
        if (ret_attempts)
                *ret_attempts = rs.attempts;
        batch_http_response_release(&rs);
}

#endif
