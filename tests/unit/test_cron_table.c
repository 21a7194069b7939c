/* Table tests for the cron engine (DESIGN.md §2.1).
 *
 * tests/data/cron_next.tsv holds expression, zone, start instant and the expected
 * fire times (local ISO 8601 with offset), optionally ending in "never" when the
 * expression has no more fire times. The expected values were derived from the
 * rules of §2.1 by a brute-force scan of real instants written independently of
 * the engine (docs/cron.md, "How the tests were derived"), and spot-checked by hand
 * for the DST days. This file also checks invalid expressions field by field,
 * never-firing expressions, and properties over random instants. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil.h"
#include "core/cron.h"
#include "sys/zoneinfo.h"

/* Parses "YYYY-MM-DDTHH:MM:SS(Z|±HH:MM)" into Unix seconds; written here rather than
 * taken from isotime.c so that the test does not trust the code under test. */
static int64_t parse_instant(const char *s)
{
        struct civil c;
        char tail[16] = "";
        if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%15s", &c.year, &c.mon, &c.day, &c.hour, &c.min,
                   &c.sec, tail) != 7)
                fail_msg("bad instant in the table: %s", s);
        int64_t local = civil_to_seconds(&c);
        if (!strcmp(tail, "Z"))
                return local;
        int oh, om;
        if (sscanf(tail + 1, "%2d:%2d", &oh, &om) != 2 || (tail[0] != '+' && tail[0] != '-'))
                fail_msg("bad offset in the table: %s", s);
        int off = (oh * 3600 + om * 60) * (tail[0] == '-' ? -1 : 1);
        return local - off;
}

static const struct tz *zone(const char *name)
{
        const struct tz *z;
        struct batch_err err;
        if (zoneinfo_get(name, &z, &err) < 0)
                fail_msg("%s", err.msg);
        return z;
}

static void test_table(void **state)
{
        (void)state;
        FILE *f = fopen(TEST_DATA_DIR "/cron_next.tsv", "r");
        assert_non_null(f);
        char line[4096];
        int cases = 0, fires = 0;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (!line[0] || line[0] == '#')
                        continue;
                char *cols[64];
                int n = 0;
                for (char *p = strtok(line, "\t"); p && n < 64; p = strtok(NULL, "\t"))
                        cols[n++] = p;
                assert_true(n >= 4);
                struct cron c;
                struct batch_err err;
                if (cron_parse(cols[0], &c, &err) < 0)
                        fail_msg("%s: %s", cols[0], err.msg);
                const struct tz *z = zone(cols[1]);
                int64_t t = parse_instant(cols[2]);
                for (int i = 3; i < n; i++) {
                        int64_t next = 0;
                        int r = cron_next(&c, z, t, &next);
                        if (!strcmp(cols[i], "never")) {
                                if (r != BATCH_ENEVER)
                                        fail_msg("%s in %s after %lld: expected no more fire "
                                                 "times, got %lld",
                                                 cols[0], cols[1], (long long)t, (long long)next);
                                break;
                        }
                        int64_t want = parse_instant(cols[i]);
                        if (r != 0 || next != want)
                                fail_msg("%s in %s: fire %d expected %s (%lld), got %lld (r=%d)",
                                         cols[0], cols[1], i - 2, cols[i], (long long)want,
                                         (long long)next, r);
                        /* prev mirrors next: the latest fire before want+1 is want, and
                         * the latest fire before want is the previous expected one. */
                        int64_t prev = 0;
                        assert_int_equal(cron_prev(&c, z, want + 1, &prev), 0);
                        assert_int_equal(prev, want);
                        if (i > 3) {
                                assert_int_equal(cron_prev(&c, z, want, &prev), 0);
                                assert_int_equal(prev, t);
                        }
                        t = next;
                        fires++;
                }
                cases++;
        }
        fclose(f);
        print_message("cron table: %d expressions, %d expected fire times\n", cases, fires);
        assert_true(cases >= 75);
        assert_true(fires >= 300);
}

static void test_never(void **state)
{
        (void)state;
        static const char *const never[] = {
                "0 0 30 2 *", "0 0 31 4 *", "0 0 31 6,9,11 *", "0 0 0 30 2 ?",
                "0 0 0 29 2 ? 2027", "0 0 0 31 2 ? *",
        };
        for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
                struct cron c;
                struct batch_err err;
                if (cron_parse(never[i], &c, &err) < 0)
                        fail_msg("%s: %s", never[i], err.msg);
                if (!cron_never(&c))
                        fail_msg("%s should never fire", never[i]);
                int64_t t;
                assert_int_equal(cron_next(&c, tz_utc(), 1767225600, &t), BATCH_ENEVER);
                assert_int_equal(cron_next(&c, zone("Europe/Berlin"), 1767225600, &t),
                                 BATCH_ENEVER);
        }
        /* 2027 has Mondays that are a month's fifth (e.g. 2027-03-29), so this one fires. */
        struct cron c;
        assert_int_equal(cron_parse("0 0 0 ? * MON#5 2027", &c, NULL), 0);
        assert_false(cron_never(&c));
}

struct bad {
        const char *expr;
        const char *field;
        const char *text; /* expected in the message */
};

static const struct bad bad[] = {
        {"60 * * * *", "minute", "\"60\" is out of range 0-59"},
        {"* 24 * * *", "hour", "\"24\" is out of range 0-23"},
        {"* * 32 * *", "day-of-month", "\"32\" is out of range 1-31"},
        {"* * 0 * *", "day-of-month", "\"0\" is out of range 1-31"},
        {"* * * 13 *", "month", "\"13\" is out of range 1-12"},
        {"* * * 0 *", "month", "out of range"},
        {"* * * * 8", "day-of-week", "\"8\" is out of range 0-7"},
        {"*/61 * * * *", "minute", "step"},
        {"5-2 * * * *", "minute", "start is greater than its end"},
        {"1,,2 * * * *", "minute", "empty list element"},
        {",1 * * * *", "minute", "empty list element"},
        {"1, * * * *", "minute", "empty list element"},
        {"1- * * * *", "minute", "without an end"},
        {"a * * * *", "minute", "not a number"},
        {"* * * FOO *", "month", "not a number or a name"},
        {"* * * * FUN", "day-of-week", "not a number or a name"},
        {"* * * * MON-", "day-of-week", "without an end"},
        {"* * * *", "expression", "found 4"},
        {"* * * * * * * *", "expression", "found 8"},
        {"* * * * * * * * *", "expression", "found more than 8"},
        {"", "expression", "found 0"},
        {"   ", "expression", "found 0"},
        {"@fortnightly", "expression", "not a known macro"},
        {"@", "expression", "not a known macro"},
        {"0 0 0 ? * MON#6", "day-of-week", "week number out of range 1-5"},
        {"0 0 0 ? * MON#0", "day-of-week", "week number out of range 1-5"},
        {"0 0 0 ? * MON#", "day-of-week", "needs a week number"},
        {"0 0 0 ? * 8L", "day-of-week", "out of range"},
        {"0 0 0 ? * L", "day-of-week", "needs a weekday before L"},
        {"* * * * * * 1969", "year", "\"1969\" is out of range 1970-2199"},
        {"* * * * * * 2200", "year", "out of range"},
        {"L * * * *", "minute", "allowed only in day-of-month and day-of-week"},
        {"* L * * *", "hour", "allowed only in day-of-month and day-of-week"},
        {"? * * * *", "minute", "allowed only in day-of-month and day-of-week"},
        {"* * L-31 * *", "day-of-month", "out of range L-0 to L-30"},
        {"* * L- * *", "day-of-month", "needs a number"},
        {"* * LX * *", "day-of-month", "not one of L, L-n or LW"},
        {"* * 32W * *", "day-of-month", "out of range"},
        {"* * 0W * *", "day-of-month", "out of range"},
        {"* * W * *", "day-of-month", "needs a day before W"},
        {"* * 1-5W * *", "day-of-month", "not nW"},
        {"1.5 * * * *", "minute", "unexpected characters"},
        {"* * * * 1#2#3", "day-of-week", "week number"},
        {"99999999999 * * * *", "minute", "out of range"},
        {"*/99999999999 * * * *", "minute", "step"},
        {"\xff\xfe * * * *", "minute", "\\xff\\xfe"},
        {"\x01 * * * *", "minute", "\\x01"},
        /* A reversed range is refused in every field, with or without a step. */
        {"30-10 * * * * *", "second", "\"30-10\" is a range whose start is greater than its end"},
        {"* 18-6 * * *", "hour", "\"18-6\" is a range whose start is greater than its end"},
        {"* 18-6/2 * * *", "hour", "start is greater than its end"},
        {"* * 20-10 * *", "day-of-month", "start is greater than its end"},
        {"* * * NOV-FEB *", "month", "\"NOV-FEB\" is a range whose start is greater"},
        {"* * * * FRI-MON", "day-of-week", "start is greater than its end"},
        {"0 0 0 1 1 ? 2030-2027", "year", "start is greater than its end"},
        /* A step of 0 is refused in every field and every form of step. */
        {"0/0 * * * * *", "second", "\"0/0\" has a step out of range 1-60"},
        {"*/0 * * * *", "minute", "\"*/0\" has a step out of range 1-60"},
        {"* 5-10/0 * * *", "hour", "\"5-10/0\" has a step out of range 1-24"},
        {"* * 1/0 * *", "day-of-month", "step out of range 1-31"},
        {"* * * */0 *", "month", "step out of range 1-12"},
        {"* * * * 1-1/0", "day-of-week", "\"1-1/0\" has a step out of range"},
        {"0 0 0 1 1 ? 2027/0", "year", "step out of range 1-230"},
        /* "?" means "no constraint" in one day field; in both it says nothing. */
        {"0 0 ? * ?", "day-of-week", "\"?\" cannot be used when day-of-month is \"?\" too"},
        {"0 0 0 ? * ?", "day-of-week", "day-of-month is \"?\" too"},
        {"0 0 0 ? * ? 2027", "day-of-week", "day-of-month is \"?\" too"},
};

static void test_invalid(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct cron c;
                struct batch_err err = {0};
                int r = cron_parse(bad[i].expr, &c, &err);
                if (r >= 0)
                        fail_msg("\"%s\" was accepted", bad[i].expr);
                assert_true(r == BATCH_ESYNTAX || r == BATCH_ERANGE);
                if (strcmp(err.field, bad[i].field))
                        fail_msg("\"%s\": field \"%s\", expected \"%s\" (%s)", bad[i].expr,
                                 err.field, bad[i].field, err.msg);
                if (!strstr(err.msg, bad[i].text))
                        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].expr, err.msg,
                                 bad[i].text);
                if (strncmp(err.msg, bad[i].field, strlen(bad[i].field)))
                        fail_msg("\"%s\": message \"%s\" does not start with the field",
                                 bad[i].expr, err.msg);
        }
        /* Very long input is refused, not read past its end. */
        char *longtext = malloc(5000);
        assert_non_null(longtext);
        memset(longtext, '1', 4999);
        longtext[4999] = '\0';
        struct cron c;
        struct batch_err err;
        assert_int_equal(cron_parse(longtext, &c, &err), BATCH_ESYNTAX);
        assert_string_equal(err.field, "expression");
        free(longtext);
        assert_int_equal(cron_parse(NULL, &c, &err), BATCH_EINVAL);
}

/* Properties over random instants and zones: next is strictly after t, prev is
 * strictly before t, and prev(next(t)) is the latest fire at or before t. */
static void test_properties(void **state)
{
        (void)state;
        static const char *const exprs[] = {
                "*/7 * * * *",  "30 2 * * *",      "0 * * * *",    "0 0 L * ?",
                "0 0 12 ? * 5#5", "0 */20 1-3 * * ?", "0 0 0 LW * ?", "15 1,2 * * SUN",
        };
        static const char *const zones[] = {"UTC", "Europe/Berlin", "America/New_York",
                                            "Australia/Lord_Howe", "Asia/Kolkata"};
        uint64_t rng = 0x9E3779B97F4A7C15ULL;
        for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
                struct cron c;
                assert_int_equal(cron_parse(exprs[e], &c, NULL), 0);
                for (size_t zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
                        const struct tz *z = zone(zones[zi]);
                        for (int k = 0; k < 400; k++) {
                                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                                int64_t t = 1767225600 + (int64_t)(rng % (6ULL * 365 * 86400));
                                int64_t n, p, p2;
                                assert_int_equal(cron_next(&c, z, t, &n), 0);
                                assert_true(n > t);
                                assert_int_equal(cron_prev(&c, z, n, &p), 0);
                                assert_true(p <= t);
                                assert_int_equal(cron_next(&c, z, p, &p2), 0);
                                assert_int_equal(p2, n);
                        }
                }
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_never),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_properties),
        };
        return cmocka_run_group_tests_name("cron", tests, NULL, NULL);
}
