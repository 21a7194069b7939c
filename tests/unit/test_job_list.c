/* ops_job_list (GET /api/v1/jobs, batchctl jobs list) on a real SQLite repository of
 * 2,500 jobs: walking the pages by their cursor gives every job that passes the filters
 * exactly once, in name order, whatever the page size, also where the matches of a page
 * are spread over several of the walk's batches (1,000 definitions read at a time). The
 * jobs j0000..j2499: every third (i % 3 == 0) of group "g", every seventh last changed for
 * troubleshooting (drift), every fifth disabled. */
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "ops/jobs.h"
#include "store/store.h"

#define NJOBS 2500

static struct store *repo;
static char dir[] = "/tmp/job-list-XXXXXX";

static int setup(void **state)
{
        (void)state;
        char path[64];
        if (!mkdtemp(dir))
                return -1;
        snprintf(path, sizeof(path), "%s/r.db", dir);
        struct batch_err err;
        if (store_open(path, &repo, &err) < 0 || store_begin(repo, &err) < 0)
                return -1;
        for (int i = 0; i < NJOBS; i++) {
                char name[16], spec[256];
                snprintf(name, sizeof(name), "j%04d", i);
                snprintf(spec, sizeof(spec),
                         "kind: job\nname: %s\nexecutor: {exec: {command: [/bin/true]}}\n%s"
                         "type: manual\n%s",
                         name, i % 3 == 0 ? "group: g\n" : "", i % 5 == 0 ? "enabled: false\n" : "");
                struct store_def d = {.tenant = (char *)"default", .kind = (char *)"job",
                                      .name = name, .spec = spec,
                                      .changed_by = (char *)(i % 7 == 0
                                                                     ? "ada" OPS_TROUBLESHOOTING_SUFFIX
                                                                     : "ada")};
                if (store_def_put(repo, &d, 1000, &err) < 0)
                        return -1;
        }
        return store_commit(repo, &err);
}

static int teardown(void **state)
{
        (void)state;
        store_close(repo);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

/* Walks every page of f (f->limit a page); checks each page's size and order and that
 * the names are exactly those i with want(i), in order. Returns the number of pages. */
static int walk(struct ops_job_filter f, bool (*want)(int i))
{
        int expect = 0, pages = 0;
        char cursor[32] = "";
        for (;;) {
                f.after = cursor[0] ? cursor : NULL;
                struct buf b;
                buf_init(&b, 0);
                struct batch_err err;
                assert_int_equal(ops_job_list(repo, "default", &f, NULL, &b, &err), 0);
                json_error_t je;
                json_t *doc = json_loads(b.data, 0, &je);
                buf_release(&b);
                assert_non_null(doc);
                json_t *items = json_object_get(doc, "items");
                assert_true(json_array_size(items) <= f.limit);
                size_t k;
                json_t *it;
                json_array_foreach(items, k, it) {
                        while (expect < NJOBS && !want(expect))
                                expect++;
                        char name[16];
                        snprintf(name, sizeof(name), "j%04d", expect++);
                        assert_string_equal(json_string_value(json_object_get(it, "name")), name);
                }
                pages++;
                json_t *next = json_object_get(doc, "next_cursor");
                if (json_is_null(next)) {
                        json_decref(doc);
                        break;
                }
                /* A next page exists only while a match is left, and starts after the
                 * last item of this one. */
                assert_int_equal(json_array_size(items), f.limit);
                assert_string_equal(json_string_value(next),
                                    json_string_value(json_object_get(
                                            json_array_get(items, f.limit - 1), "name")));
                snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
                json_decref(doc);
        }
        while (expect < NJOBS && !want(expect))
                expect++;
        assert_int_equal(expect, NJOBS); /* no match was left out at the end */
        return pages;
}

static bool all(int i) { (void)i; return true; }
static bool of_g(int i) { return i % 3 == 0; }
static bool drifted(int i) { return i % 7 == 0; }
static bool not_drifted(int i) { return i % 7 != 0; }
static bool g_drifted(int i) { return i % 21 == 0; }
static bool g_disabled(int i) { return i % 15 == 0; }
static bool none_of(int i) { (void)i; return false; }

static void test_unfiltered(void **state)
{
        (void)state;
        struct ops_job_filter f = {.enabled = -1, .drift = -1, .limit = 1000};
        assert_int_equal(walk(f, all), 3);
        f.limit = 7;
        assert_int_equal(walk(f, all), (NJOBS + 6) / 7);
        f.limit = 2500; /* exactly all: no further page */
        assert_int_equal(walk(f, all), 1);
}

static void test_filters_over_batches(void **state)
{
        (void)state;
        /* 834 of group g spread over three batches of 1,000 definitions. */
        struct ops_job_filter f = {.group = "g", .enabled = -1, .drift = -1, .limit = 300};
        assert_int_equal(walk(f, of_g), 3);
        f.limit = 1000;
        assert_int_equal(walk(f, of_g), 1);
        struct ops_job_filter d = {.enabled = -1, .drift = 1, .limit = 100};
        assert_int_equal(walk(d, drifted), (358 + 99) / 100); /* 0, 7, ..., 2499: 358 */
        d.drift = 0;
        d.limit = 1000;
        assert_int_equal(walk(d, not_drifted), 3); /* 2,142 */
        struct ops_job_filter gd = {.group = "g", .enabled = -1, .drift = 1, .limit = 50};
        assert_int_equal(walk(gd, g_drifted), (120 + 49) / 50); /* 0, 21, ..., 2499: 120 */
        struct ops_job_filter ge = {.group = "g", .enabled = 0, .drift = -1, .limit = 40};
        assert_int_equal(walk(ge, g_disabled), (167 + 39) / 40); /* 0, 15, ..., 2490: 167 */
        struct ops_job_filter none = {.group = "nosuch", .enabled = -1, .drift = -1, .limit = 10};
        assert_int_equal(walk(none, none_of), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unfiltered),
                cmocka_unit_test(test_filters_over_batches),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
