/* test_nextdue.c: the next_due_api answer (src/core/nextdue.c) as a table: each answer
 * with its zone and the instant it means, or the error it gets. DST rules of DESIGN
 * §2.1: a wall time in a spring-forward gap is the first instant after the gap, one in a
 * fall-back overlap its first occurrence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/isotime.h"
#include "core/nextdue.h"
#include "sys/zoneinfo.h"

struct row {
        const char *answer;
        const char *zone;
        int rc;               /* 0, BATCH_ESYNTAX or BATCH_ERANGE */
        const char *want;     /* the instant in UTC, or a part of the message */
        int adjust;           /* 0 exact, 1 moved out of a gap, 2 first of two */
};

static const struct row rows[] = {
        {"2026-03-02T23:30:00", "Europe/Berlin", 0, "2026-03-02T22:30:00Z", 0},
        {"\"2026-03-02T23:30:00\"\n", "Europe/Berlin", 0, "2026-03-02T22:30:00Z", 0},
        {" \t2026-07-01T08:00:00\r\n", "UTC", 0, "2026-07-01T08:00:00Z", 0},
        {"2026-07-01T08:00:00", "Europe/Berlin", 0, "2026-07-01T06:00:00Z", 0},
        {"2024-02-29T00:00:00", "UTC", 0, "2024-02-29T00:00:00Z", 0},
        /* Spring forward in Berlin: 02:00-03:00 does not exist on 2026-03-29. */
        {"2026-03-29T02:30:00", "Europe/Berlin", 0, "2026-03-29T01:00:00Z", 1},
        {"2026-03-29T02:00:00", "Europe/Berlin", 0, "2026-03-29T01:00:00Z", 1},
        {"2026-03-29T03:00:00", "Europe/Berlin", 0, "2026-03-29T01:00:00Z", 0},
        /* Fall back in Berlin: 02:00-03:00 happens twice on 2026-10-25; the first (CEST). */
        {"2026-10-25T02:30:00", "Europe/Berlin", 0, "2026-10-25T00:30:00Z", 2},
        /* New York: 02:00-03:00 skipped on 2026-03-08, 01:00-02:00 twice on 2026-11-01. */
        {"2026-03-08T02:15:00", "America/New_York", 0, "2026-03-08T07:00:00Z", 1},
        {"2026-11-01T01:30:00", "America/New_York", 0, "2026-11-01T05:30:00Z", 2},
        /* Lord Howe moves by 30 minutes: 02:00-02:30 skipped on 2026-10-04. */
        {"2026-10-04T02:10:00", "Australia/Lord_Howe", 0, "2026-10-03T15:30:00Z", 1},
        /* Refused. */
        {"", "UTC", BATCH_ESYNTAX, "\"\" is not a time of the form yyyy-MM-ddTHH:mm:ss", 0},
        {"garbage", "UTC", BATCH_ESYNTAX, "\"garbage\" is not a time", 0},
        {"<html><body>500 Internal Server Error</body></html>", "UTC", BATCH_ESYNTAX,
         "\"<html><body>500 Internal Server Error</b...\" is not a time", 0},
        {"2026-03-02T23:30", "UTC", BATCH_ESYNTAX, "is not a time", 0},
        {"2026-03-02T23:30:00Z", "UTC", BATCH_ESYNTAX, "is not a time", 0},
        {"2026-03-02T23:30:00.000", "UTC", BATCH_ESYNTAX, "is not a time", 0},
        {"2026-03-02 23:30:00", "UTC", BATCH_ESYNTAX, "is not a time", 0},
        {"2026-03-02", "UTC", BATCH_ESYNTAX, "is not a time", 0},
        {"\"2026-03-02T23:30:00", "UTC", BATCH_ESYNTAX, "is not a time", 0},
        {"2026-0x-02T23:30:00", "UTC", BATCH_ESYNTAX, "is not a time", 0},
        {"2026-02-29T10:00:00", "UTC", BATCH_ERANGE, "the day is out of range", 0},
        {"2026-13-01T00:00:00", "UTC", BATCH_ERANGE, "the month is out of range", 0},
        {"2026-00-01T00:00:00", "UTC", BATCH_ERANGE, "the month is out of range", 0},
        {"2026-03-02T24:00:00", "UTC", BATCH_ERANGE, "the hour is out of range", 0},
        {"2026-03-02T23:60:00", "UTC", BATCH_ERANGE, "the minute is out of range", 0},
        {"2026-03-02T23:59:60", "UTC", BATCH_ERANGE, "the second is out of range", 0},
        {"0000-01-01T00:00:00", "UTC", BATCH_ERANGE, "the year is out of range", 0},
};

static void test_table(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                const struct row *r = &rows[i];
                const struct tz *z;
                assert_int_equal(zoneinfo_get(r->zone, &z, NULL), 0);
                int64_t t = 12345;
                int adjust = -1;
                struct batch_err err = {0};
                int rc = nextdue_parse(r->answer, strlen(r->answer), z, &t, &adjust, &err);
                if (rc != r->rc)
                        fail_msg("row %zu \"%s\": rc %d, expected %d (%s)", i, r->answer, rc,
                                 r->rc, err.msg);
                if (rc == 0) {
                        char iso[ISO_FORMAT_MAX];
                        iso_format_utc(t, iso);
                        if (strcmp(iso, r->want) || adjust != r->adjust)
                                fail_msg("row %zu \"%s\" in %s: %s (adjust %d), expected %s "
                                         "(adjust %d)", i, r->answer, r->zone, iso, adjust,
                                         r->want, r->adjust);
                } else {
                        assert_int_equal(t, 12345); /* unchanged */
                        if (!strstr(err.msg, r->want))
                                fail_msg("row %zu: message \"%s\" lacks \"%s\"", i, err.msg,
                                         r->want);
                }
        }
}

static void test_too_long(void **state)
{
        (void)state;
        char big[NEXTDUE_ANSWER_MAX + 2];
        memset(big, ' ', sizeof(big));
        memcpy(big, "2026-03-02T23:30:00", 19);
        const struct tz *z;
        assert_int_equal(zoneinfo_get("UTC", &z, NULL), 0);
        int64_t t;
        struct batch_err err;
        assert_int_equal(nextdue_parse(big, sizeof(big), z, &t, NULL, &err), BATCH_ESYNTAX);
        assert_non_null(strstr(err.msg, "bytes long"));
        /* At the limit, trailing spaces are fine. */
        assert_int_equal(nextdue_parse(big, NEXTDUE_ANSWER_MAX, z, &t, NULL, &err), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_too_long),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
