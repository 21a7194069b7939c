/* Unit tests for tz.c and zoneinfo.c: known transitions from published rules,
 * local-time mapping in gaps and overlaps, POSIX rule strings, malformed TZif
 * data, zone-name checks, and a differential test against glibc's localtime_r
 * (run in a forked child, since it needs the process-wide TZ). */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/civil.h"
#include "core/tz.h"
#include "sys/zoneinfo.h"

#define H 3600

static const struct tz *zone(const char *name)
{
        const struct tz *z = NULL;
        struct batch_err err;
        int r = zoneinfo_get(name, &z, &err);
        if (r < 0)
                fail_msg("zoneinfo_get(%s): %s", name, err.msg);
        return z;
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
        return civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

/* Asserts the offset changes from `before` to `after` exactly at instant t. */
static void transition(const struct tz *z, int64_t t, int32_t before, int32_t after)
{
        struct tz_segment s;
        assert_int_equal(tz_offset_at(z, t - 1), before);
        assert_int_equal(tz_offset_at(z, t), after);
        tz_segment_at(z, t, &s);
        assert_int_equal(s.start, t);
        assert_int_equal(s.offset, after);
        tz_segment_at(z, t - 1, &s);
        assert_int_equal(s.end, t);
}

/* Day of the last Sunday of a month, computed independently of tz.c. */
static int last_sunday(int y, int m)
{
        int d = civil_days_in_month(y, m);
        while (civil_weekday(civil_days_from_date(y, m, d)) != 0)
                d--;
        return d;
}

static void test_utc(void **state)
{
        (void)state;
        const struct tz *u = tz_utc();
        struct tz_segment s;
        assert_string_equal(tz_name(u), "UTC");
        assert_true(tz_is_fixed(u));
        tz_segment_at(u, 123456789, &s);
        assert_true(s.start == INT64_MIN && s.end == INT64_MAX && s.offset == 0);
        assert_null(tz_free(u));
        assert_null(tz_free(NULL));
        assert_ptr_equal(zone("UTC"), u);
        assert_ptr_equal(zone("Etc/UTC"), u);
        assert_ptr_equal(zone("Z"), u);
}

static void test_berlin(void **state)
{
        (void)state;
        const struct tz *z = zone("Europe/Berlin");
        assert_string_equal(tz_name(z), "Europe/Berlin");
        assert_false(tz_is_fixed(z));
        transition(z, 1774746000, H, 2 * H); /* 2026-03-29 01:00Z */
        transition(z, 1792890000, 2 * H, H); /* 2026-10-25 01:00Z */
        struct tz_segment s;
        tz_segment_at(z, 1774746000 + 86400 * 30, &s);
        assert_true(s.is_dst);
        assert_int_equal(tz_to_local(z, 1774746000), 1774746000 + 2 * H);
        /* Past 2037 (footer rule, tabulated), past 2201 (computed) and near 9999. */
        const int years[] = { 2038, 2150, 2200, 2201, 2202, 2500, 9999, 50000 };
        for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
                int y = years[i];
                transition(z, utc(y, 3, last_sunday(y, 3), 1, 0), H, 2 * H);
                transition(z, utc(y, 10, last_sunday(y, 10), 1, 0), 2 * H, H);
        }
        /* Far past the computed range the last offset holds. */
        tz_segment_at(z, INT64_MAX, &s);
        assert_int_equal(s.end, INT64_MAX);
        assert_true(s.offset == H || s.offset == 2 * H);
        tz_segment_at(z, INT64_MIN, &s);
        assert_int_equal(s.start, INT64_MIN);
}

static void test_new_york(void **state)
{
        (void)state;
        const struct tz *z = zone("America/New_York");
        transition(z, 1772953200, -5 * H, -4 * H); /* 2026-03-08 07:00Z */
        transition(z, 1793512800, -4 * H, -5 * H); /* 2026-11-01 06:00Z */
        /* Second Sunday of March 2150 is the 8th; first Sunday of November the 1st. */
        transition(z, utc(2150, 3, 8, 7, 0), -5 * H, -4 * H);
        transition(z, utc(2150, 11, 1, 6, 0), -4 * H, -5 * H);
}

static void test_lord_howe(void **state)
{
        (void)state;
        const struct tz *z = zone("Australia/Lord_Howe");
        transition(z, 1775314800, 11 * H, 10 * H + 1800); /* 2026-04-05 02:00 +11 */
        transition(z, 1791041400, 10 * H + 1800, 11 * H); /* 2026-10-04 02:00 +10:30 */
        int64_t out[2];
        /* 2026-10-04 02:10 local does not exist: first instant after is 15:30Z. */
        assert_int_equal(tz_from_local(z, utc(2026, 10, 4, 2, 10), out), 0);
        assert_int_equal(out[0], 1791041400);
        /* 2026-04-05 01:45 local happens twice, at +11 then at +10:30. */
        assert_int_equal(tz_from_local(z, utc(2026, 4, 5, 1, 45), out), 2);
        assert_int_equal(out[0], utc(2026, 4, 5, 1, 45) - 11 * H);
        assert_int_equal(out[1], utc(2026, 4, 5, 1, 45) - 10 * H - 1800);
}

static void test_kolkata(void **state)
{
        (void)state;
        const struct tz *z = zone("Asia/Kolkata");
        const int64_t ts[] = { 0, 1774746000, utc(2150, 6, 1, 0, 0), utc(9000, 1, 1, 0, 0) };
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(tz_offset_at(z, ts[i]), 5 * H + 1800);
        struct tz_segment s;
        tz_segment_at(z, 1774746000, &s);
        assert_int_equal(s.end, INT64_MAX);
}

static void test_from_local(void **state)
{
        (void)state;
        const struct tz *z = zone("Europe/Berlin");
        int64_t out[2];
        /* 2026-03-29 02:30 local is in the gap; the first instant after is 01:00Z. */
        assert_int_equal(tz_from_local(z, utc(2026, 3, 29, 2, 30), out), 0);
        assert_int_equal(out[0], 1774746000);
        assert_int_equal(tz_from_local(z, utc(2026, 3, 29, 2, 0), out), 0);
        assert_int_equal(out[0], 1774746000);
        assert_int_equal(tz_from_local(z, utc(2026, 3, 29, 3, 0), out), 1);
        assert_int_equal(out[0], 1774746000);
        assert_int_equal(tz_from_local(z, utc(2026, 3, 29, 1, 59) + 59, out), 1);
        assert_int_equal(out[0], 1774746000 - 1);
        /* 2026-10-25 02:30 local happens at 00:30Z and at 01:30Z. */
        assert_int_equal(tz_from_local(z, utc(2026, 10, 25, 2, 30), out), 2);
        assert_int_equal(out[0], utc(2026, 10, 25, 0, 30));
        assert_int_equal(out[1], utc(2026, 10, 25, 1, 30));
        assert_int_equal(tz_from_local(z, utc(2026, 10, 25, 3, 0), out), 1);
        assert_int_equal(out[0], utc(2026, 10, 25, 2, 0));
        /* New York gap and a gap computed from the rule far in the future. */
        z = zone("America/New_York");
        assert_int_equal(tz_from_local(z, utc(2026, 3, 8, 2, 30), out), 0);
        assert_int_equal(out[0], 1772953200);
        assert_int_equal(tz_from_local(z, utc(2026, 11, 1, 1, 30), out), 2);
        assert_int_equal(out[1] - out[0], H);
        assert_int_equal(tz_from_local(z, utc(3000, 3, 9, 2, 30), out), 0); /* 2nd Sun */
        assert_int_equal(out[0], utc(3000, 3, 9, 7, 0));
        /* Round trip: every instant is among the solutions of its own wall time. */
        const char *names[] = { "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                "Europe/Dublin", "America/Sao_Paulo", "Pacific/Apia" };
        uint64_t x = 88172645463325252ULL;
        for (size_t k = 0; k < 6; k++) {
                z = zone(names[k]);
                for (int i = 0; i < 20000; i++) {
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        int64_t t = (int64_t)(x % 12000000000ULL) - 2000000000;
                        int n = tz_from_local(z, tz_to_local(z, t), out);
                        assert_true(n == 1 || n == 2);
                        assert_true(out[0] == t || (n == 2 && out[1] == t));
                }
        }
}

/* Walks runs from 1800 to 2400 checking they tile the line with differing offsets. */
static void check_runs(const struct tz *z)
{
        struct tz_segment s, p;
        int64_t t = utc(1800, 1, 1, 0, 0), end = utc(2400, 1, 1, 0, 0);
        tz_segment_at(z, t, &p);
        while (p.end != INT64_MAX && p.end < end) {
                tz_segment_at(z, p.end, &s);
                assert_int_equal(s.start, p.end);
                assert_true(s.end > s.start);
                assert_int_not_equal(s.offset, p.offset);
                tz_segment_at(z, s.end - 1, &p);
                assert_int_equal(p.start, s.start);
                assert_int_equal(p.end, s.end);
                p = s;
        }
}

static void test_runs(void **state)
{
        (void)state;
        const char *names[] = { "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                "Asia/Kolkata", "Europe/Dublin", "Africa/Casablanca",
                                "Pacific/Apia", "America/Nuuk" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                check_runs(zone(names[i]));
}

static struct tz *posix(const char *rule)
{
        struct tz *z = NULL;
        struct batch_err err;
        if (tz_parse_posix("test", rule, &z, &err) < 0)
                fail_msg("tz_parse_posix(%s): %s", rule, err.msg);
        return z;
}

static void test_posix(void **state)
{
        (void)state;
        struct tz *z = posix("CET-1CEST,M3.5.0,M10.5.0/3");
        assert_string_equal(tz_name(z), "test");
        transition(z, 1774746000, H, 2 * H);
        transition(z, 1792890000, 2 * H, H);
        transition(z, utc(1900, 3, last_sunday(1900, 3), 1, 0), H, 2 * H);
        transition(z, utc(2400, 10, last_sunday(2400, 10), 1, 0), 2 * H, H);
        check_runs(z);
        z = tz_free(z);

        z = posix("<+0530>-5:30");
        assert_true(tz_is_fixed(z));
        assert_int_equal(tz_offset_at(z, 0), 19800);
        z = tz_free(z);

        z = posix("<-0330>3:30");
        assert_int_equal(tz_offset_at(z, 0), -12600);
        z = tz_free(z);

        /* Default rule for a DST name without one: US rules. */
        z = posix("EST5EDT");
        transition(z, 1772953200, -5 * H, -4 * H);
        z = tz_free(z);

        /* Negative rule times (TZif v3): Nuuk, -02/-01, changes at -1:00 and 0:00. */
        z = posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
        transition(z, utc(2026, 3, 29, 1, 0), -2 * H, -H); /* Sat 23:00 local -02 */
        transition(z, utc(2026, 10, 25, 1, 0), -H, -2 * H);
        z = tz_free(z);

        /* Large rule times: Jn and n dates with /25 hours. */
        z = posix("XXX3YYY,J60/25,300/-1");
        transition(z, utc(2027, 3, 2, 4, 0), -3 * H, -2 * H); /* J60 = Mar 1, +25h */
        transition(z, utc(2027, 10, 28, 1, 0), -2 * H, -3 * H); /* n=300: Oct 28, -1h */
        transition(z, utc(2028, 3, 2, 4, 0), -3 * H, -2 * H); /* leap year: J60 still Mar 1 */
        z = tz_free(z);

        /* DST all year (the tz database's idiom): one offset forever. */
        z = posix("EST5EDT,0/0,J365/25");
        assert_true(tz_is_fixed(z));
        assert_int_equal(tz_offset_at(z, 1774746000), -4 * H);
        assert_int_equal(tz_offset_at(z, utc(3000, 1, 1, 0, 0)), -4 * H);
        z = tz_free(z);

        /* Negative DST (Dublin): winter is the "daylight" time, one hour behind. */
        z = posix("IST-1GMT0,M10.5.0,M3.5.0/1");
        struct tz_segment s;
        tz_segment_at(z, utc(2026, 1, 15, 0, 0), &s);
        assert_int_equal(s.offset, 0);
        assert_true(s.is_dst);
        tz_segment_at(z, utc(2026, 7, 15, 0, 0), &s);
        assert_int_equal(s.offset, H);
        assert_false(s.is_dst);
        transition(z, 1774746000, 0, H);
        transition(z, 1792890000, H, 0);
        z = tz_free(z);

        const char *bad[] = { "",
                              "CET",
                              "CE-1",
                              "CET-1CEST,M3.5.0",
                              "CET-1CEST,M13.5.0,M10.5.0",
                              "CET-1CEST,M3.6.0,M10.5.0",
                              "CET-1CEST,M3.5.7,M10.5.0",
                              "CET-1CEST,J0,J100",
                              "CET-1CEST,366,300",
                              "CET-1CEST,M3.5.0/168,M10.5.0",
                              "CET-25",
                              "CET-1:60",
                              "<+05>",
                              "<+05-5",
                              "<+5>-5",
                              "CET-1 ",
                              "CET-1CEST-2x",
                              "CET-1CEST;M3.5.0,M10.5.0" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct batch_err err = { 0 };
                struct tz *w = NULL;
                assert_int_equal(tz_parse_posix("x", bad[i], &w, &err), BATCH_EFORMAT);
                assert_int_equal(err.code, BATCH_EFORMAT);
                assert_null(w);
        }
}

/* ---- TZif inputs ------------------------------------------------------------ */

static unsigned char *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        unsigned char *buf = malloc(1 << 20);
        assert_non_null(buf);
        *len = fread(buf, 1, 1 << 20, f);
        fclose(f);
        return buf;
}

static void put32(unsigned char *p, uint32_t v)
{
        p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
        p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Builds a v2 TZif file: an empty v1 block, then n transitions at times[] to
 * types idx[] of types {0: +0, 1: +1h dst}, and footer. Returns its length. */
static size_t build(unsigned char *b, const int64_t *times, const unsigned char *idx, uint32_t n,
                    const char *footer)
{
        size_t o = 0;
        memset(b, 0, 44);
        memcpy(b, "TZif2", 5);
        put32(b + 36, 1); /* typecnt */
        put32(b + 40, 4); /* charcnt */
        o = 44;
        memset(b + o, 0, 6), o += 6;
        memcpy(b + o, "UTC", 4), o += 4;
        memset(b + o, 0, 44);
        memcpy(b + o, "TZif2", 5);
        put32(b + o + 32, n);
        put32(b + o + 36, 2);
        put32(b + o + 40, 8);
        o += 44;
        for (uint32_t i = 0; i < n; i++) {
                put32(b + o, (uint32_t)((uint64_t)times[i] >> 32));
                put32(b + o + 4, (uint32_t)times[i]);
                o += 8;
        }
        if (n)
                memcpy(b + o, idx, n);
        o += n;
        const unsigned char types[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x0e, 0x10, 1, 4 };
        memcpy(b + o, types, 12), o += 12;
        memcpy(b + o, "UTC\0DST", 8), o += 8;
        size_t fl = strlen(footer);
        b[o++] = '\n';
        memcpy(b + o, footer, fl), o += fl;
        b[o++] = '\n';
        return o;
}

static int parse(const unsigned char *b, size_t len, struct batch_err *err)
{
        struct tz *z = NULL;
        int r = tz_parse("t", b, len, &z, err);
        if (r == 0) {
                assert_non_null(z);
                int64_t out[2];
                tz_offset_at(z, 0);
                tz_from_local(z, 1774746000, out);
                tz_free(z);
        } else {
                assert_null(z);
        }
        return r;
}

static void test_tzif_built(void **state)
{
        (void)state;
        unsigned char b[4096];
        struct batch_err err;
        const int64_t t2[] = { 1000, 2000 };
        const unsigned char i2[] = { 1, 0 };
        size_t len = build(b, t2, i2, 2, "UTC0");
        struct tz *z = NULL;
        assert_int_equal(tz_parse("built", b, len, &z, &err), 0);
        assert_int_equal(tz_offset_at(z, 999), 0);
        transition(z, 1000, 0, H);
        transition(z, 2000, H, 0);
        assert_int_equal(tz_offset_at(z, 1774746000), 0);
        z = tz_free(z);

        /* No transitions: the footer alone decides, even a DST rule. */
        len = build(b, NULL, NULL, 0, "CET-1CEST,M3.5.0,M10.5.0/3");
        assert_int_equal(tz_parse("built", b, len, &z, &err), 0);
        transition(z, 1774746000, H, 2 * H);
        z = tz_free(z);

        /* Empty footer: the last type holds. */
        len = build(b, t2, i2, 2, "");
        assert_int_equal(parse(b, len, &err), 0);

        /* Times not ascending, a type index out of range, a bad footer. */
        const int64_t t3[] = { 2000, 1000 };
        len = build(b, t3, i2, 2, "UTC0");
        assert_int_equal(parse(b, len, &err), BATCH_EFORMAT);
        assert_non_null(strstr(err.msg, "ascending"));
        const unsigned char i3[] = { 1, 2 };
        len = build(b, t2, i3, 2, "UTC0");
        assert_int_equal(parse(b, len, &err), BATCH_EFORMAT);
        len = build(b, t2, i2, 2, "CET-1CEST,M3.5.0");
        assert_int_equal(parse(b, len, &err), BATCH_EFORMAT);
        assert_non_null(strstr(err.msg, "footer"));

        /* Extreme 64-bit transition times are accepted and kept in order. */
        const int64_t t4[] = { INT64_MIN, -(INT64_C(1) << 59), INT64_MAX };
        const unsigned char i4[] = { 1, 0, 1 };
        len = build(b, t4, i4, 3, "EST5EDT");
        assert_int_equal(tz_parse("built", b, len, &z, &err), 0);
        assert_int_equal(tz_offset_at(z, INT64_MIN), H);
        assert_int_equal(tz_offset_at(z, 0), 0);
        assert_int_equal(tz_offset_at(z, INT64_MAX), H);
        check_runs(z);
        z = tz_free(z);
}

static void test_tzif_malformed(void **state)
{
        (void)state;
        size_t len;
        unsigned char *real = slurp("/usr/share/zoneinfo/Europe/Berlin", &len);
        unsigned char *b = malloc(len);
        struct batch_err err;
        assert_int_equal(parse(real, len, &err), 0);

        /* Every truncation is refused. */
        for (size_t n = 0; n < len; n++) {
                memcpy(b, real, n);
                err.code = 0;
                assert_int_equal(parse(b, n, &err), BATCH_EFORMAT);
                assert_int_equal(err.code, BATCH_EFORMAT);
        }
        /* Bad magic, bad version. */
        memcpy(b, real, len);
        b[0] = 'X';
        assert_int_equal(parse(b, len, &err), BATCH_EFORMAT);
        assert_non_null(strstr(err.msg, "magic"));
        memcpy(b, real, len);
        b[4] = '9';
        assert_int_equal(parse(b, len, &err), BATCH_EFORMAT);
        /* Huge counts in either header. */
        unsigned char *h2 = memmem(real + 4, len - 4, "TZif", 4);
        assert_non_null(h2);
        size_t o2 = (size_t)(h2 - real);
        for (int field = 0; field < 6; field++) {
                const size_t at[2] = { 20 + 4 * (size_t)field, o2 + 20 + 4 * (size_t)field };
                for (int k = 0; k < 2; k++) {
                        memcpy(b, real, len);
                        put32(b + at[k], 0xffffffffu);
                        assert_int_equal(parse(b, len, &err), BATCH_EFORMAT);
                        memcpy(b, real, len);
                        put32(b + at[k], get32(b + at[k]) + 1); /* off by one */
                        int r = parse(b, len, &err);
                        assert_true(r == 0 || r == BATCH_EFORMAT);
                }
        }
        /* Random byte flips never crash. */
        uint64_t x = 0x9e3779b97f4a7c15ULL;
        for (int i = 0; i < 20000; i++) {
                memcpy(b, real, len);
                for (int k = 0; k < 3; k++) {
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        b[x % len] = (unsigned char)(x >> 32);
                }
                int r = parse(b, len, &err);
                assert_true(r == 0 || r == BATCH_EFORMAT);
        }
        /* Trailing garbage after the footer is ignored. */
        unsigned char *big = malloc(len + 10);
        memcpy(big, real, len);
        memset(big + len, 'x', 10);
        assert_int_equal(parse(big, len + 10, &err), 0);
        free(big);
        free(b);
        free(real);
}

/* ---- zoneinfo ----------------------------------------------------------- */

static void test_zoneinfo_names(void **state)
{
        (void)state;
        const struct tz *z = NULL;
        struct batch_err err;
        assert_int_equal(zoneinfo_get("Mars/Olympus", &z, &err), BATCH_ENOZONE);
        assert_non_null(strstr(err.msg, "unknown time zone \"Mars/Olympus\""));
        const char *refused[] = { "../etc/passwd", "/etc/localtime", "", "Europe/../../etc/passwd",
                                  "..", "Europe/Berlin\n", "Europe Berlin", "Europe/Berlin;",
                                  "Europe" /* a directory */, "Europe/" };
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                err.code = 0;
                assert_int_equal(zoneinfo_get(refused[i], &z, &err), BATCH_ENOZONE);
                assert_int_equal(err.code, BATCH_ENOZONE);
                assert_non_null(strstr(err.msg, "unknown time zone"));
        }
        char longname[300];
        memset(longname, 'A', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        assert_int_equal(zoneinfo_get(longname, &z, &err), BATCH_ENOZONE);
        /* A file in the directory that is not TZif. */
        assert_int_equal(zoneinfo_get("zone.tab", &z, &err), BATCH_EFORMAT);
        /* The cache hands out the same zone. */
        const struct tz *a = zone("Europe/Berlin"), *b = zone("Europe/Berlin");
        assert_ptr_equal(a, b);
        assert_non_null(zone("Etc/GMT+5"));
        assert_int_equal(tz_offset_at(zone("Etc/GMT+5"), 0), -5 * H);
}

static void test_zoneinfo_dir(void **state)
{
        (void)state;
        char dir[] = "/tmp/batch-tz-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[256];
        snprintf(path, sizeof(path), "%s/Test", dir);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/Test/Zone", dir);
        unsigned char b[4096];
        const int64_t t[] = { 1000 };
        const unsigned char i[] = { 1 };
        size_t len = build(b, t, i, 1, "<+01>-1");
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(b, 1, len, f);
        fclose(f);

        const struct tz *z = NULL;
        struct batch_err err;
        zoneinfo_set_dir(dir);
        assert_int_equal(zoneinfo_get("Test/Zone", &z, &err), 0);
        assert_int_equal(tz_offset_at(z, 5000), H);
        assert_int_equal(zoneinfo_get("Europe/Berlin", &z, &err), BATCH_ENOZONE);
        zoneinfo_set_dir(NULL);
        assert_int_equal(zoneinfo_get("Test/Zone", &z, &err), BATCH_ENOZONE);
        assert_non_null(zone("Europe/Berlin"));
        zoneinfo_cache_clear();
        assert_non_null(zone("Europe/Berlin"));
        unlink(path);
        snprintf(path, sizeof(path), "%s/Test", dir);
        rmdir(path);
        rmdir(dir);
}

/* ---- differential test against glibc ------------------------------------- */

struct diff {
        const struct tz *z;
        int fd;
        long bad;
};

static void check_at(struct diff *d, int64_t t)
{
        time_t tt = (time_t)t;
        struct tm tm;
        if (!localtime_r(&tt, &tm))
                return;
        int32_t ours = tz_offset_at(d->z, t);
        if (tm.tm_gmtoff != ours) {
                if (d->bad++ < 10)
                        dprintf(d->fd, "%s at %lld: glibc %ld, tz %d\n", tz_name(d->z),
                                (long long)t, tm.tm_gmtoff, ours);
        }
}

/* In the child: compares every zone, returns the number of mismatches. */
static long diff_child(int fd)
{
        const char *names[] = { "Europe/Berlin",    "America/New_York", "Australia/Lord_Howe",
                                "Asia/Kolkata",     "America/Sao_Paulo", "Europe/Dublin",
                                "Pacific/Apia",     "Africa/Casablanca", "America/Nuuk",
                                "Antarctica/Troll", "America/Santiago",  "Asia/Tehran" };
        const int64_t from = 0, to = utc(2100, 1, 1, 0, 0);
        long bad = 0;
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
                char env[300];
                snprintf(env, sizeof(env), ":%s", names[k]);
                setenv("TZ", env, 1);
                tzset();
                const struct tz *z;
                struct batch_err err;
                if (zoneinfo_get(names[k], &z, &err) < 0) {
                        dprintf(fd, "%s: %s\n", names[k], err.msg);
                        bad++;
                        continue;
                }
                struct diff d = { z, fd, 0 };
                /* Every transition we know, +-1 s and +-1 h. */
                struct tz_segment s;
                tz_segment_at(z, from, &s);
                while (s.end < to) {
                        const int64_t deltas[] = { -3600, -1, 0, 1, 3600 };
                        for (int i = 0; i < 5; i++)
                                check_at(&d, s.end + deltas[i]);
                        tz_segment_at(z, s.end, &s);
                }
                /* A scan every 3 hours catches transitions we would have missed. */
                for (int64_t t = from; t < to; t += 3 * 3600 + 17)
                        check_at(&d, t);
                uint64_t x = 0x2545f4914f6cdd1dULL + k;
                for (int i = 0; i < 20000; i++) {
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        check_at(&d, from + (int64_t)(x % (uint64_t)(to - from)));
                }
                bad += d.bad;
        }
        return bad;
}

static void test_glibc_differential(void **state)
{
        (void)state;
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                long bad = diff_child(p[1]);
                _exit(bad > 100 ? 100 : (int)bad);
        }
        close(p[1]);
        char buf[4096];
        size_t n = 0;
        ssize_t r;
        while ((r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
                n += (size_t)r;
        buf[n] = '\0';
        close(p[0]);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                fail_msg("glibc differential: status %d\n%s", st, buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utc),
                cmocka_unit_test(test_berlin),
                cmocka_unit_test(test_new_york),
                cmocka_unit_test(test_lord_howe),
                cmocka_unit_test(test_kolkata),
                cmocka_unit_test(test_from_local),
                cmocka_unit_test(test_runs),
                cmocka_unit_test(test_posix),
                cmocka_unit_test(test_tzif_built),
                cmocka_unit_test(test_tzif_malformed),
                cmocka_unit_test(test_zoneinfo_names),
                cmocka_unit_test(test_zoneinfo_dir),
                cmocka_unit_test(test_glibc_differential),
        };
        return cmocka_run_group_tests_name("tz", tests, NULL, NULL);
}
