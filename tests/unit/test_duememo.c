/* test_duememo.c: the memo of a job's due sequence (src/core/duememo.c). A table of
 * queries in the order the scheduler makes them, each with the due time cron and
 * calendar give (DESIGN §2.1, §2.2) and whether the memo answers it from the gap it
 * holds (the gap then stays); then random queries on a job in Europe/Berlin across both
 * of its 2026 DST changes, each against sched_job_next_due / sched_job_prev_due. */
#include "test.h"

#include <string.h>

#include "core/duememo.h"
#include "core/isotime.h"
#include "sys/zoneinfo.h"

static int64_t T(const char *iso)
{
        int64_t t;
        assert_int_equal(iso_parse(iso, tz_utc(), &t, NULL), 0);
        return t;
}

static struct sched_job_spec job(const char *cron, const struct tz *z, bool workday_only)
{
        struct sched_job_spec j = {.name = "j", .enabled = true, .has_cron = true,
                                   .cron_text = cron, .zone = z, .workday_only = workday_only,
                                   .estimated_minutes = -1, .max_minutes = -1};
        assert_int_equal(cron_parse(cron, &j.cron, NULL), 0);
        return j;
}

struct query {
        char op;          /* 'n': next after x, 'p': last before x */
        const char *x, *want;
        bool from_gap;    /* answered from the gap held (which stays) */
};

static void run(const struct sched_job_spec *j, const struct query *q, size_t n)
{
        struct due_memo m;
        due_memo_init(&m);
        for (size_t i = 0; i < n; i++) {
                struct due_memo was = m;
                int64_t got = q[i].op == 'n' ? due_memo_next(&m, j, T(q[i].x))
                                             : due_memo_prev(&m, j, T(q[i].x));
                char a[ISO_FORMAT_MAX];
                print_message("  %c %s -> %s%s\n", q[i].op, q[i].x, iso_format_utc(got, a),
                              memcmp(&was, &m, sizeof(m)) ? "" : " (from the gap)");
                assert_int_equal(got, T(q[i].want));
                assert_int_equal(memcmp(&was, &m, sizeof(m)) == 0, q[i].from_gap);
        }
}

/* Daily at 22:00 UTC: create_dues and create_due's queries for the dues of 2026-12-01
 * and 2026-12-02. */
static void test_daily(void **state)
{
        (void)state;
        struct sched_job_spec j = job("0 22 * * *", tz_utc(), false);
        static const struct query q[] = {
                {'n', "2026-12-01T11:59:59Z", "2026-12-01T22:00:00Z", false},
                {'n', "2026-12-01T21:59:59Z", "2026-12-01T22:00:00Z", true},
                {'n', "2026-12-01T11:00:00Z", "2026-12-01T22:00:00Z", false}, /* before it */
                {'p', "2026-12-01T22:00:01Z", "2026-12-01T22:00:00Z", true},  /* b is a due */
                {'p', "2026-12-01T22:00:00Z", "2026-11-30T22:00:00Z", false},
                {'p', "2026-12-01T10:00:00Z", "2026-11-30T22:00:00Z", true},
                {'n', "2026-11-30T22:00:00Z", "2026-12-01T22:00:00Z", true},
                {'n', "2026-12-01T22:00:00Z", "2026-12-02T22:00:00Z", false},
                {'p', "2026-12-02T22:00:00Z", "2026-12-01T22:00:00Z", true},  /* a was b */
                {'p', "2026-12-02T22:00:01Z", "2026-12-02T22:00:00Z", true},
                {'n', "2026-12-02T21:59:59Z", "2026-12-02T22:00:00Z", true},
                {'n', "2026-12-02T22:00:00Z", "2026-12-03T22:00:00Z", false},
        };
        run(&j, q, sizeof(q) / sizeof(q[0]));
}

/* 06:00 UTC on workdays of the default calendar (Monday to Friday): 2026-12-04 is a
 * Friday, the next workday Monday 2026-12-07. */
static void test_workdays(void **state)
{
        (void)state;
        struct sched_job_spec j = job("0 6 * * *", tz_utc(), true);
        static const struct query q[] = {
                {'n', "2026-12-04T06:00:00Z", "2026-12-07T06:00:00Z", false},
                {'n', "2026-12-05T12:00:00Z", "2026-12-07T06:00:00Z", true},
                {'p', "2026-12-07T06:00:00Z", "2026-12-04T06:00:00Z", false},
                {'p', "2026-12-06T00:00:00Z", "2026-12-04T06:00:00Z", true},
                {'p', "2026-12-07T06:00:01Z", "2026-12-07T06:00:00Z", true},
                {'n', "2026-12-07T06:00:00Z", "2026-12-08T06:00:00Z", false},
        };
        run(&j, q, sizeof(q) / sizeof(q[0]));
}

/* Random queries, clustered as the scheduler's are, against the functions themselves:
 * 02:30 in Berlin (no such time on 2026-03-29, twice on 2026-10-25), every 5 minutes in
 * Berlin, and 06:00 on Berlin's workdays. */
static void test_random_berlin(void **state)
{
        (void)state;
        const struct tz *berlin;
        assert_int_equal(zoneinfo_get("Europe/Berlin", &berlin, NULL), 0);
        struct sched_job_spec jobs[] = {job("30 2 * * *", berlin, false),
                                        job("*/5 * * * *", berlin, false),
                                        job("0 6 * * *", berlin, true)};
        uint64_t seed = 42;
        for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++) {
                struct due_memo m;
                due_memo_init(&m);
                int64_t cursor = T("2026-03-20T00:00:00Z"), end = T("2026-11-05T00:00:00Z");
                int64_t last = cursor;
                size_t hits = 0, n = 0;
                while (cursor < end) {
                        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                        unsigned r = (unsigned)(seed >> 33);
                        /* near the cursor (up to two days either side), or at the last
                         * answer, a second before or after it */
                        int64_t x = cursor + (int64_t)(r % 345601) - 172800;
                        if ((r & 6) != 0)
                                x = last + (int64_t)((r >> 3) % 3) - 1;
                        struct due_memo was = m;
                        if (r & 1)
                                assert_int_equal(last = due_memo_next(&m, &jobs[k], x),
                                                 sched_job_next_due(&jobs[k], x));
                        else
                                assert_int_equal(last = due_memo_prev(&m, &jobs[k], x),
                                                 sched_job_prev_due(&jobs[k], x));
                        hits += !memcmp(&was, &m, sizeof(m));
                        n++;
                        cursor += (int64_t)(r >> 20) % 1800;
                        if (last < cursor - 172800 || last > cursor + 172800)
                                last = cursor;
                }
                print_message("  %s: %zu queries, %zu from the gap\n", jobs[k].cron_text, n, hits);
                assert_true(n > 1000 && hits > n / 10);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_daily),
                cmocka_unit_test(test_workdays),
                cmocka_unit_test(test_random_berlin),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
