/* test_cronfire.c: table tests of cron_fire_classify (src/core/cronfire.h), expected
 * values from docs/cron.md's DST rules in Berlin's rule (CET/CEST; 2026: 02:00 local
 * jumps to 03:00 at 03-29 01:00Z, 03:00 CEST falls back to 02:00 CET at 10-25 01:00Z):
 * a fire whose wall time is in the gap is moved to the transition; a wall time of the
 * repeated hour is its first occurrence, or the second for interval-like expressions. */
#include "test.h"

#include <stdint.h>
#include <string.h>

#include "core/civil.h"
#include "core/cronfire.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
        return civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static void test_classify_table(void **state)
{
        (void)state;
        struct tz *berlin = NULL;
        struct batch_err err;
        assert_int_equal(tz_parse_posix("Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", &berlin, &err), 0);
        static const struct {
                const char *expr;
                int zone;              /* 0 UTC, 1 Berlin */
                int ay, am, ad, ah, ami; /* cron_next strictly after this, UTC */
                int fy, fm, fd, fh, fmi; /* the fire instant expected, UTC */
                enum cron_fire_kind kind;
                int32_t offset, from, to;
        } t[] = {
                {"30 2 * * *", 1, 2026, 3, 27, 12, 0, 2026, 3, 28, 1, 30, CRON_FIRE_PLAIN, 3600, 3600, 3600},
                {"30 2 * * *", 1, 2026, 3, 28, 12, 0, 2026, 3, 29, 1, 0, CRON_FIRE_GAP_MOVED, 7200, 3600, 7200},
                {"0 3 * * *", 1, 2026, 3, 28, 12, 0, 2026, 3, 29, 1, 0, CRON_FIRE_PLAIN, 7200, 7200, 7200},
                {"*/15 2 * * *", 1, 2026, 3, 28, 12, 0, 2026, 3, 29, 1, 0, CRON_FIRE_GAP_MOVED, 7200, 3600, 7200},
                {"30 2 * * *", 1, 2026, 10, 24, 12, 0, 2026, 10, 25, 0, 30, CRON_FIRE_OVERLAP_FIRST, 7200, 7200, 3600},
                {"30 * * * *", 1, 2026, 10, 25, 0, 45, 2026, 10, 25, 1, 30, CRON_FIRE_OVERLAP_SECOND, 3600, 7200, 3600},
                {"30 3 * * *", 1, 2026, 10, 24, 12, 0, 2026, 10, 25, 2, 30, CRON_FIRE_PLAIN, 3600, 3600, 3600},
                {"30 2 * * *", 0, 2026, 3, 28, 12, 0, 2026, 3, 29, 2, 30, CRON_FIRE_PLAIN, 0, 0, 0},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                struct cron c;
                assert_int_equal(cron_parse(t[i].expr, &c, &err), 0);
                const struct tz *z = t[i].zone ? berlin : tz_utc();
                int64_t fire;
                assert_int_equal(cron_next(&c, z, utc(t[i].ay, t[i].am, t[i].ad, t[i].ah, t[i].ami), &fire), 0);
                assert_int_equal(fire, utc(t[i].fy, t[i].fm, t[i].fd, t[i].fh, t[i].fmi));
                struct cron_fire_note n;
                cron_fire_classify(&c, z, fire, &n);
                if (n.kind != t[i].kind || n.offset != t[i].offset || n.dst_from != t[i].from ||
                    n.dst_to != t[i].to)
                        fail_msg("row %zu (%s): kind %s offset %d from %d to %d", i, t[i].expr,
                                 cron_fire_kind_name(n.kind), n.offset, n.dst_from, n.dst_to);
        }
        tz_free(berlin);
}

static void test_names(void **state)
{
        (void)state;
        assert_string_equal(cron_fire_kind_name(CRON_FIRE_PLAIN), "plain");
        assert_string_equal(cron_fire_kind_name(CRON_FIRE_GAP_MOVED), "dst_gap_moved");
        assert_string_equal(cron_fire_kind_name(CRON_FIRE_OVERLAP_FIRST), "dst_overlap_first");
        assert_string_equal(cron_fire_kind_name(CRON_FIRE_OVERLAP_SECOND), "dst_overlap_second");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_classify_table),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests_name("cronfire", tests, NULL, NULL);
}
