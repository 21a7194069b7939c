/* test_http_group.c: related items all or nothing (batch_group_apply) in a real SDK job
 * on a temporary SQLite repository against the real work-order API: two production
 * orders of 5 work orders each; work order 8 always fails, so its group PO-2 (6..10)
 * ends with none applied — 6 and 7 were applied and compensated — and the group is one
 * dead letter naming the failed item, while PO-1 (1..5) is applied. A compensation that
 * fails too makes the step fail (fatal), naming what stays applied. */
#include "wo_test.h"

#include <sqlite3.h>

struct group {
        char po[16];
        long ids[5];
        long versions[5];
};

struct src {
        struct group g[2];
        size_t next, n;
        struct batch_http *http;
        bool break_compensation;
};

static int rd(void *ud, void **ret, struct batch_err *err)
{
        (void)err;
        struct src *s = ud;
        if (s->next == s->n)
                return 0;
        *ret = &s->g[s->next++];
        return 1;
}

static int pos(void *ud, char **ret, struct batch_err *err)
{
        (void)err;
        char b[16];
        snprintf(b, sizeof(b), "%zu", ((struct src *)ud)->next);
        *ret = strdup(b);
        return 0;
}

static int opn(void *ud, struct batch_ctx *ctx, const char *p, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        ((struct src *)ud)->next = p ? (size_t)atoi(p) : 0;
        return 0;
}

static char *text(void *ud, const void *item)
{
        (void)ud;
        const struct group *g = item;
        char b[128];
        snprintf(b, sizeof(b), "{\"po\":\"%s\",\"ids\":[%ld,%ld,%ld,%ld,%ld]}", g->po, g->ids[0],
                 g->ids[1], g->ids[2], g->ids[3], g->ids[4]);
        return strdup(b);
}

/* items of the group: pointers to its ids */
struct member {
        struct src *s;
        struct group *g;
        int k;
};

static int put(struct src *s, struct batch_ctx *ctx, long id, long version, const char *status,
               const char *suffix, struct batch_err *err)
{
        char path[48], ifm[24], body[64], key[128], item[32];
        snprintf(path, sizeof(path), "/api/workorders/%ld", id);
        snprintf(ifm, sizeof(ifm), "\"%ld\"", version);
        snprintf(body, sizeof(body), "{\"status\":\"%s\"}", status);
        snprintf(item, sizeof(item), "%ld%s", id, suffix);
        assert_int_equal(batch_http_idempotency_key(ctx, item, key, sizeof(key)), 0);
        struct batch_http_request rq = {.method = "PUT", .path = path, .body = body,
                                        .if_match = ifm, .idempotency_key = key};
        struct batch_http_response rs;
        int rc = batch_http_send(s->http, &rq, &rs, err);
        if (rc < 0)
                return rc;
        long st = rs.status;
        batch_http_response_release(&rs);
        if (st != 200)
                return batch_err_set(err, BATCH_ESKIP, "status", "PUT %s: HTTP %ld", path, st);
        return 0;
}

static int apply(void *ud, struct batch_ctx *ctx, void *item, struct batch_err *err)
{
        (void)ud;
        struct member *m = item;
        return put(m->s, ctx, m->g->ids[m->k], m->g->versions[m->k], "synced", "", err);
}

static int compensate(void *ud, struct batch_ctx *ctx, void *item, struct batch_err *err)
{
        (void)ud;
        struct member *m = item;
        if (m->s->break_compensation && m->k == 0)
                return batch_err_set(err, BATCH_ESKIP, "undo", "undo refused (test)");
        /* back to the state before: the version the apply made is one more */
        return put(m->s, ctx, m->g->ids[m->k], m->g->versions[m->k] + 1, "released", "-undo", err);
}

static int process(void *ud, struct batch_ctx *ctx, void *in, void **out, struct batch_err *err)
{
        struct src *s = ud;
        struct group *g = in;
        struct member m[5];
        void *items[5];
        for (int k = 0; k < 5; k++) {
                m[k] = (struct member){s, g, k};
                items[k] = &m[k];
        }
        struct batch_group_ops ops = {.apply_cb = apply, .compensate_cb = compensate};
        int rc = batch_group_apply(ctx, g->po, items, 5, &ops, err);
        if (rc < 0)
                return rc;
        *out = in;
        return 0;
}

static int wr(void *ud, struct batch_ctx *ctx, void *const *items, size_t n, struct batch_err *err)
{
        (void)ud;
        (void)ctx;
        (void)items;
        (void)n;
        (void)err;
        return 0;
}

static void run_job(struct wo *w, const char *db, bool break_comp, struct batch_result *res)
{
        struct src *s = calloc(1, sizeof(*s));
        s->n = 2;
        s->break_compensation = break_comp;
        for (int g = 0; g < 2; g++) {
                snprintf(s->g[g].po, sizeof(s->g[g].po), "PO-%d", g + 1);
                for (int k = 0; k < 5; k++) {
                        s->g[g].ids[k] = g * 5 + k + 1;
                        s->g[g].versions[k] = 1;
                }
        }
        s->http = wo_client(w, 2);
        struct batch_job *job = batch_job_new("groups");
        struct batch_reader r = {.open_cb = opn, .read_cb = rd, .position_cb = pos, .text_cb = text, .ud = s};
        struct batch_processor p = {.process_cb = process, .ud = s};
        struct batch_writer wt = {.write_cb = wr};
        struct batch_step *st = batch_chunk_step_new("apply", &r, &p, &wt, 10);
        batch_step_set_skip_limit(st, 5);
        assert_int_equal(batch_job_add_step(job, st, NULL), 0);
        struct batch_run_opts o = {.db = db};
        struct batch_err err;
        if (batch_job_run(job, &o, res, &err) < 0)
                fail_msg("run: %s", err.msg);
        batch_job_free(job);
        batch_http_free(s->http);
        free(s);
}

static const char *wo_status(struct wo *w, long id, long long *ret_applied)
{
        static char st[32];
        char path[48];
        snprintf(path, sizeof(path), "/admin/workorders/%ld", id);
        json_t *o = wo_admin(w, "GET", path, NULL);
        snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(o, "status")));
        *ret_applied = json_integer_value(json_object_get(o, "applied"));
        json_decref(o);
        return st;
}

static char *query1(const char *db, const char *sql)
{
        sqlite3 *c;
        assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &q, NULL), SQLITE_OK);
        char *r = NULL;
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
                r = strdup((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        sqlite3_close(c);
        return r ? r : strdup("(null)");
}

static void test_group_all_or_nothing(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--workorders", "10", "--fail-ids", "8", NULL};
        wo_start(&w, opts);
        char db[128];
        snprintf(db, sizeof(db), "%s/repo.db", w.dir);
        struct batch_result res;
        run_job(&w, db, false, &res);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_int_equal(res.counts.write, 1);
        assert_int_equal(res.counts.process_skip, 1);
        /* PO-1 applied, PO-2 none: 6 and 7 applied then compensated, 8 failed, 9 and 10
         * never tried */
        long long applied;
        for (long id = 1; id <= 5; id++) {
                assert_string_equal(wo_status(&w, id, &applied), "synced");
                assert_int_equal(applied, 1);
        }
        static const long long want_applied[] = {2, 2, 0, 0, 0}; /* apply + undo */
        for (long id = 6; id <= 10; id++) {
                assert_string_equal(wo_status(&w, id, &applied), "released");
                assert_int_equal(applied, want_applied[id - 6]);
        }
        /* the group is one dead letter with all its ids and the reason */
        char *n = query1(db, "SELECT count(*) FROM dead_letters");
        assert_string_equal(n, "1");
        free(n);
        char *item = query1(db, "SELECT item FROM dead_letters");
        assert_string_equal(item, "{\"po\":\"PO-2\",\"ids\":[6,7,8,9,10]}");
        free(item);
        char *e = query1(db, "SELECT error FROM dead_letters");
        if (!strstr(e, "group PO-2: item 3 of 5 failed, 2 applied item(s) compensated: PUT "
                       "/api/workorders/8: HTTP 500 after 2 tries"))
                fail_msg("dead letter error: %s", e);
        free(e);
        wo_stop(&w);
}

static void test_group_failed_compensation_is_fatal(void **state)
{
        (void)state;
        struct wo w;
        const char *opts[] = {"--workorders", "10", "--fail-ids", "8", NULL};
        wo_start(&w, opts);
        char db[128];
        snprintf(db, sizeof(db), "%s/repo.db", w.dir);
        struct batch_result res;
        run_job(&w, db, true, &res);
        assert_string_equal(res.exit_status, "FAILED");
        char *m = query1(db, "SELECT exit_message FROM step_executions WHERE name = 'apply'");
        if (!strstr(m, "group PO-2: item 3 of 5 failed") || !strstr(m, "compensation of item(s) 1 failed too"))
                fail_msg("exit message: %s", m);
        free(m);
        long long applied;
        assert_string_equal(wo_status(&w, 6, &applied), "synced"); /* left applied, as said */
        assert_string_equal(wo_status(&w, 7, &applied), "released");
        wo_stop(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_group_all_or_nothing),
                cmocka_unit_test(test_group_failed_compensation_is_fatal),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
