/* test_http_client.c: the HTTP client's token and retry rules against the real
 * work-order API server on 127.0.0.1 (expected values from issue 17 and
 * docs/http-client.md): 16 threads on an expired token cause one refresh, a 401 is
 * refreshed and retried, a refused refresh leads to a new login, a 429's Retry-After is
 * waited for, 5xx are retried and then given up as a skippable error with a redacted
 * message, and a PUT retried after a lost answer is applied once thanks to its
 * Idempotency-Key. */
#include "wo_test.h"

#include <pthread.h>

static struct batch_http_metrics metrics(struct batch_http *h)
{
        struct batch_http_metrics m;
        batch_http_metrics(h, &m);
        return m;
}

/* ---- 16 threads, one refresh ------------------------------------------------------ */

struct herd {
        struct batch_http *h;
        pthread_barrier_t *go;
        int failures;
};

static void *herd_main(void *arg)
{
        struct herd *t = arg;
        pthread_barrier_wait(t->go);
        struct batch_http_request rq = {.method = "GET", .path = "/api/workorders?after=0&limit=2"};
        struct batch_http_response rs;
        if (batch_http_send(t->h, &rq, &rs, NULL) < 0 || rs.status != 200)
                t->failures++;
        else
                batch_http_response_release(&rs);
        return NULL;
}

static void run_herd(struct batch_http *h)
{
        enum { N = 16 };
        pthread_t th[N];
        struct herd t[N];
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, N);
        for (int i = 0; i < N; i++) {
                t[i] = (struct herd){h, &go, 0};
                assert_int_equal(pthread_create(&th[i], NULL, herd_main, &t[i]), 0);
        }
        int failures = 0;
        for (int i = 0; i < N; i++) {
                pthread_join(th[i], NULL);
                failures += t[i].failures;
        }
        pthread_barrier_destroy(&go);
        assert_int_equal(failures, 0);
}

/* The token expired (2 s lifetime, the client waited 2.5 s): 16 threads at once make
 * one refresh, proactive, and no request is refused. */
static void test_herd_expired_one_refresh(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--access-ttl", "2", "--refresh-ttl", "60", "--leeway", "0", NULL};
        wo_start(&w, opts);
        struct batch_http *h = wo_client(&w, 4);
        wo_get_ok(h, "/api/workorders?limit=1", NULL); /* logs in */
        assert_int_equal(wo_count(&w, "logins"), 1);
        wo_sleep_ms(2500);
        run_herd(h);
        assert_int_equal(wo_count(&w, "refreshes"), 1);
        assert_int_equal(wo_count(&w, "logins"), 1);
        assert_int_equal(wo_count(&w, "unauthorized"), 0);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.refresh_proactive, 1);
        assert_int_equal(m.refresh_on_401, 0);
        assert_int_equal(m.logins, 1);
        assert_int_equal(m.by_class[2], 17);
        batch_http_free(h);
        wo_stop(&w);
}

/* The server revoked every access token: 16 threads get 401 at once and make one
 * refresh between them (the others see the token already replaced), then succeed. */
static void test_herd_revoked_one_refresh(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--access-ttl", "600", NULL};
        wo_start(&w, opts);
        struct batch_http *h = wo_client(&w, 4);
        wo_get_ok(h, "/api/workorders?limit=1", NULL);
        json_decref(wo_admin(&w, "POST", "/admin/revoke", NULL));
        run_herd(h);
        assert_int_equal(wo_count(&w, "refreshes"), 1);
        assert_int_equal(wo_count(&w, "logins"), 1);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.refresh_on_401, 1);
        assert_int_equal(m.refresh_proactive, 0);
        assert_int_equal(m.retries, 0);
        assert_true(m.auth_retries >= 1 && m.auth_retries <= 16);
        assert_int_equal(m.by_class[2], 17);
        batch_http_free(h);
        wo_stop(&w);
}

/* One 401: refreshed once and the request repeated (2 attempts), no transient retry. */
static void test_401_refresh_retry(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--access-ttl", "600", NULL};
        wo_start(&w, opts);
        struct batch_http *h = wo_client(&w, 4);
        wo_get_ok(h, "/api/workorders?limit=1", NULL);
        wo_force(&w, "{\"next\":[401]}");
        unsigned attempts = 0;
        wo_get_ok(h, "/api/workorders/3", &attempts);
        assert_int_equal(attempts, 2);
        assert_int_equal(wo_count(&w, "refreshes"), 1);
        assert_int_equal(wo_count(&w, "faults_401"), 1);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.refresh_on_401, 1);
        assert_int_equal(m.retries, 0);
        assert_int_equal(m.by_class[4], 1);
        batch_http_free(h);
        wo_stop(&w);
}

/* The refresh token was revoked too: the refresh is refused, the client logs in again
 * and the request succeeds. */
static void test_refused_refresh_relogin(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--access-ttl", "600", NULL};
        wo_start(&w, opts);
        struct batch_http *h = wo_client(&w, 4);
        wo_get_ok(h, "/api/workorders?limit=1", NULL);
        json_decref(wo_admin(&w, "POST", "/admin/revoke?refresh=1", NULL));
        wo_get_ok(h, "/api/workorders/5", NULL);
        assert_int_equal(wo_count(&w, "refresh_refused"), 1);
        assert_int_equal(wo_count(&w, "logins"), 2);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.refresh_on_401, 1);
        assert_int_equal(m.refresh_failures, 1);
        assert_int_equal(m.reauths, 1);
        assert_int_equal(m.logins, 2);
        batch_http_free(h);
        wo_stop(&w);
}

/* The refresh token expired on its own (1 s access, 2 s refresh, not sliding): the
 * proactive refresh after 2.5 s is refused and the client logs in again. */
static void test_expired_refresh_relogin(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--access-ttl", "1", "--refresh-ttl", "2", "--leeway", "0", NULL};
        wo_start(&w, opts);
        struct batch_http *h = wo_client(&w, 4);
        wo_get_ok(h, "/api/workorders?limit=1", NULL);
        wo_sleep_ms(2500);
        wo_get_ok(h, "/api/workorders?limit=1", NULL);
        assert_int_equal(wo_count(&w, "refresh_refused"), 1);
        assert_int_equal(wo_count(&w, "logins"), 2);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.refresh_proactive, 1);
        assert_int_equal(m.refresh_failures, 1);
        assert_int_equal(m.reauths, 1);
        batch_http_free(h);
        wo_stop(&w);
}

/* A 429 with Retry-After: 2 — the next try comes no sooner than 2 s later (measured by
 * the server), even though the backoff ceiling is 200 ms. */
static void test_429_retry_after(void **state)
{
        (void)state;
        struct wo w;
        wo_start(&w, NULL);
        struct batch_http *h = wo_client(&w, 4);
        wo_get_ok(h, "/api/workorders?limit=1", NULL);
        wo_force(&w, "{\"next\":[429],\"retry_after\":2}");
        unsigned attempts = 0;
        wo_get_ok(h, "/api/workorders/9", &attempts);
        assert_int_equal(attempts, 2);
        long long gap = wo_count(&w, "gap_after_429_ms");
        if (gap < 2000)
                fail_msg("the retry came %lld ms after the 429, Retry-After said 2 s", gap);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.retries, 1);
        assert_int_equal(m.by_class[4], 1);
        batch_http_free(h);
        wo_stop(&w);
}

/* 5xx every time: max_attempts tries, then BATCH_ESKIP with a message naming the
 * request, the status, the tries and the body, and no token in it. Two 503s then a 200:
 * success on the third try. */
static void test_5xx_retries_then_skip(void **state)
{
        (void)state;
        struct wo w;
        wo_start(&w, NULL);
        struct batch_http *h = wo_client(&w, 3);
        wo_get_ok(h, "/api/workorders?limit=1", NULL);
        wo_force(&w, "{\"next\":[503,502]}");
        unsigned attempts = 0;
        wo_get_ok(h, "/api/workorders/2", &attempts);
        assert_int_equal(attempts, 3);
        wo_force(&w, "{\"next\":[500,500,500,500]}");
        struct batch_http_request rq = {.method = "PUT", .path = "/api/workorders/4",
                                        .body = "{\"status\":\"synced\",\"version\":1}"};
        struct batch_http_response rs;
        struct batch_err err;
        assert_int_equal(batch_http_send(h, &rq, &rs, &err), BATCH_ESKIP);
        if (!strstr(err.msg, "PUT /api/workorders/4: HTTP 500 after 3 tries: ") ||
            !strstr(err.msg, "injected failure"))
                fail_msg("message: %s", err.msg);
        assert_null(strstr(err.msg, "eyJ"));
        assert_int_equal(wo_count(&w, "applied_total"), 0);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.retries, 2 + 2);
        assert_int_equal(m.by_class[5], 2 + 3);
        batch_http_free(h);
        wo_stop(&w);
}

/* Nothing listens: a transport error, retried, then BATCH_ESKIP naming it. A login
 * with a wrong secret: BATCH_EAUTH (fatal), without the secret in the message. */
static void test_connect_error_and_bad_login(void **state)
{
        (void)state;
        struct batch_http_options o = {.base_url = "http://127.0.0.1:9", .max_attempts = 2,
                                       .backoff_base_ms = 10, .connect_timeout_ms = 2000};
        struct batch_http *h = batch_http_new(&o, NULL);
        struct batch_http_request rq = {.method = "GET", .path = "/x"};
        struct batch_http_response rs;
        struct batch_err err;
        assert_int_equal(batch_http_send(h, &rq, &rs, &err), BATCH_ESKIP);
        if (!strstr(err.msg, "GET /x: ") || !strstr(err.msg, "after 2 tries"))
                fail_msg("message: %s", err.msg);
        struct batch_http_metrics m = metrics(h);
        assert_int_equal(m.by_class[0], 2);
        batch_http_free(h);

        struct wo w;
        wo_start(&w, NULL);
        struct batch_http_options bad = {.base_url = w.base,
                                         .auth = BATCH_HTTP_AUTH_CLIENT_CREDENTIALS,
                                         .client_id = "batch",
                                         .client_secret = "not-the-secret"};
        h = batch_http_new(&bad, NULL);
        rq.path = "/api/workorders";
        assert_int_equal(batch_http_send(h, &rq, &rs, &err), BATCH_EAUTH);
        if (!strstr(err.msg, "refused with HTTP 401"))
                fail_msg("message: %s", err.msg);
        assert_null(strstr(err.msg, "not-the-secret"));
        assert_int_equal(wo_count(&w, "login_refused"), 1);
        batch_http_free(h);

        /* options are checked, naming the one that is wrong */
        struct batch_http_options none = {.base_url = w.base,
                                          .auth = BATCH_HTTP_AUTH_PASSWORD, .username = "u"};
        assert_null(batch_http_new(&none, &err));
        assert_int_equal(err.code, BATCH_EINVAL);
        assert_string_equal(err.field, "username");
        struct batch_http_options nourl = {.base_url = "ftp://x"};
        assert_null(batch_http_new(&nourl, &err));
        assert_string_equal(err.field, "base_url");
        wo_stop(&w);
}

/* Every PUT is applied but its answer lost (500 after applying): with an Idempotency-
 * Key the retry gets the stored answer and the work order is updated once; without
 * one the retry finds the version moved on (409). */
static void test_idempotent_retry_applies_once(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--fail-after-apply", "1", NULL};
        wo_start(&w, opts);
        struct batch_http *h = wo_client(&w, 4);
        struct batch_http_request rq = {.method = "PUT", .path = "/api/workorders/7",
                                        .body = "{\"status\":\"synced\"}",
                                        .if_match = "\"1\"",
                                        .idempotency_key = "batch-1-sync-7"};
        struct batch_http_response rs;
        struct batch_err err;
        if (batch_http_send(h, &rq, &rs, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(rs.status, 200);
        assert_int_equal(rs.attempts, 2);
        batch_http_response_release(&rs);
        /* the same key again (a restarted chunk): the stored answer, nothing applied */
        if (batch_http_send(h, &rq, &rs, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(rs.status, 200);
        batch_http_response_release(&rs);
        json_t *o = wo_admin(&w, "GET", "/admin/workorders/7", NULL);
        assert_int_equal(json_integer_value(json_object_get(o, "applied")), 1);
        assert_int_equal(json_integer_value(json_object_get(o, "version")), 2);
        json_decref(o);

        rq.path = "/api/workorders/8";
        rq.idempotency_key = NULL;
        if (batch_http_send(h, &rq, &rs, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(rs.status, 409);
        batch_http_response_release(&rs);
        assert_int_equal(wo_count(&w, "applied_total"), 2);
        batch_http_free(h);
        wo_stop(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_herd_expired_one_refresh),
                cmocka_unit_test(test_herd_revoked_one_refresh),
                cmocka_unit_test(test_401_refresh_retry),
                cmocka_unit_test(test_refused_refresh_relogin),
                cmocka_unit_test(test_expired_refresh_relogin),
                cmocka_unit_test(test_429_retry_after),
                cmocka_unit_test(test_5xx_retries_then_skip),
                cmocka_unit_test(test_connect_error_and_bad_login),
                cmocka_unit_test(test_idempotent_retry_applies_once),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
