/* test_isoformat.c: iso_format and iso_format_utc (src/core/isotime.c) as a table: each
 * instant (Unix seconds, computed with GNU date, not with this code) and zone with the
 * RFC 3339 text it is written as — both sides of Berlin's spring-forward and of New
 * York's fall-back, a half-hour offset, the first and last second of four-digit years,
 * and years that need more or fewer digits (printf's widths). */
#include "test.h"

#include "core/isotime.h"
#include "sys/zoneinfo.h"

struct row {
        int64_t t;
        const char *zone; /* NULL: iso_format_utc */
        const char *want;
};

static const struct row rows[] = {
        {0, NULL, "1970-01-01T00:00:00Z"},
        {0, "UTC", "1970-01-01T00:00:00+00:00"},
        {1774745999, "Europe/Berlin", "2026-03-29T01:59:59+01:00"},
        {1774746000, "Europe/Berlin", "2026-03-29T03:00:00+02:00"},
        {1774746000, NULL, "2026-03-29T01:00:00Z"},
        {1793511000, "America/New_York", "2026-11-01T01:30:00-04:00"},
        {1793514600, "America/New_York", "2026-11-01T01:30:00-05:00"},
        {0, "Asia/Kolkata", "1970-01-01T05:30:00+05:30"},
        {253402300799, NULL, "9999-12-31T23:59:59Z"},
        {253402300800, NULL, "10000-01-01T00:00:00Z"},
        {-62167219200, NULL, "0000-01-01T00:00:00Z"},
        {-62167219201, NULL, "-001-12-31T23:59:59Z"},
};

static void test_table(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                char buf[ISO_FORMAT_MAX];
                if (rows[i].zone) {
                        const struct tz *z;
                        assert_int_equal(zoneinfo_get(rows[i].zone, &z, NULL), 0);
                        iso_format(rows[i].t, z, buf);
                } else {
                        iso_format_utc(rows[i].t, buf);
                }
                print_message("  %lld %s: %s\n", (long long)rows[i].t,
                              rows[i].zone ? rows[i].zone : "(utc)", buf);
                assert_string_equal(buf, rows[i].want);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_table)};
        return cmocka_run_group_tests(tests, NULL, NULL);
}
