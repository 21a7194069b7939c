/* Tests of the daily report's forms (src/ops/report.c) on a report built by hand: the
 * HTML summary escapes every text and lists the jobs with findings first; CSV quotes per
 * RFC 4180 and defuses formulas; JSON carries nulls for unset figures; the .xlsx is a ZIP container. The
 * figures in the forms are checked end to end by tests/report/run.sh. report_daily_mail
 * (what the 08:00 e-mail will send) is built from a real SQLite file. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "ops/report.h"

static struct report_row row(const char *job, const char *display, enum inspect_severity sev,
                             unsigned scenarios)
{
        struct report_row r = {.job = (char *)job, .display_name = (char *)display,
                               .service = (char *)"", .checked = true,
                               .estimated_minutes = -1, .average_minutes = -1,
                               .scenarios = scenarios,
                               .severity = sev};
        r.freq.ok = !(scenarios & INSPECT_FREQUENCY_ISSUES);
        snprintf(r.frequency, sizeof(r.frequency), "%s",
                 r.freq.ok ? "ok" : "expected 2, found 1: missing 03:00");
        return r;
}

static void sample(struct report_daily *r, struct report_row *rows)
{
        rows[0] = row("alpha", "Alpha \"A\", first", INSPECT_INFORMATION, 0);
        rows[1] = row("beta", "<script>alert('x')</script> & co", INSPECT_ERROR,
                      INSPECT_FREQUENCY_ISSUES);
        rows[0].service = (char *)"=1+2"; /* a formula, in a spreadsheet */
        rows[1].total = 1;
        rows[1].success = 1;
        rows[1].process_date = (char *)"2026-12-01 2026-12-02";
        *r = (struct report_daily){.n = 2, .rows = rows, .scenarios = INSPECT_FREQUENCY_ISSUES,
                                   .severity = INSPECT_ERROR};
        snprintf(r->tenant, sizeof(r->tenant), "t<1>");
        snprintf(r->date, sizeof(r->date), "2026-12-02");
        snprintf(r->timezone, sizeof(r->timezone), "UTC");
}

static void test_html(void **state)
{
        (void)state;
        struct report_row rows[2];
        struct report_daily r;
        sample(&r, rows);
        char *html = report_daily_html(&r);
        assert_non_null(html);
        assert_null(strstr(html, "<script>"));
        assert_null(strstr(html, "t<1>"));
        assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert_non_null(strstr(html, "Alpha &quot;A&quot;, first"));
        assert_non_null(strstr(html, "t&lt;1&gt;"));
        assert_non_null(strstr(html, "<b>error</b>"));
        assert_non_null(strstr(html, "2 scheduled jobs, 1 with findings"));
        /* The job with findings comes first. */
        char *beta = strstr(html, "<td>beta</td>"), *alpha = strstr(html, "<td>alpha</td>");
        assert_non_null(beta);
        assert_non_null(alpha);
        assert_true(beta < alpha);
        /* The process dates of the day's instances, the last column (docs/report.md). */
        assert_non_null(strstr(html, "<th>Finding</th><th>Process date</th></tr>"));
        assert_non_null(strstr(html, "<td>2026-12-01 2026-12-02</td></tr>"));
        free(html);
}

static void test_csv_and_json(void **state)
{
        (void)state;
        struct report_row rows[2];
        struct report_daily r;
        sample(&r, rows);
        struct buf b;
        buf_init(&b, 0);
        report_daily_csv(&r, &b);
        /* The header, then RFC 4180 rows: quotes doubled, cells with a comma quoted, a
         * cell starting with = prefixed with ' (no formula), CRLF line ends. */
        assert_memory_equal(b.data, "job,display_name,service,schedule,frequency_check,", 50);
        assert_non_null(strstr(b.data, "\r\nalpha,\"Alpha \"\"A\"\", first\",'=1+2,,ok,0,,,0,0,0,0,"
                                       "0,0,0,0,0,information,All Successful,\r\n"));
        assert_non_null(strstr(b.data, "\r\nbeta,<script>alert('x')</script> & co,,,"
                                       "\"expected 2, found 1: missing 03:00\",0,,,1,1,0,0,0,0,0,"
                                       "0,0,error,Frequency Issues,2026-12-01 2026-12-02\r\n"));
        buf_release(&b);
        buf_init(&b, 0);
        report_daily_json(&r, &b);
        assert_non_null(strstr(b.data, "\"estimated_minutes\": null, \"average_minutes\": null"));
        assert_non_null(strstr(b.data, "\"service\": \"=1+2\""));
        assert_non_null(strstr(b.data, "\"finding\": \"All Successful\", \"process_date\": \"\"}"));
        assert_non_null(strstr(b.data, "\"process_date\": \"2026-12-01 2026-12-02\"}"));
        assert_non_null(strstr(b.data, "\"summary\": {\"jobs\": 2, \"information\": 1, "
                                       "\"warning\": 0, \"error\": 1}"));
        buf_release(&b);
}

static void test_xlsx(void **state)
{
        (void)state;
        struct report_row rows[2];
        struct report_daily r;
        sample(&r, rows);
        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(report_daily_xlsx(&r, &b, NULL), 0);
        assert_true(b.len > 1000);
        assert_memory_equal(b.data, "PK\003\004", 4);
        buf_release(&b);
}

/* report_daily_mail on a repository: a job due at 02:00 UTC daily that did not run on
 * 2026-12-02 gives an error ("missing 02:00") in the subject and the HTML, and an .xlsx. */
static void test_mail(void **state)
{
        (void)state;
        char dir[] = "/tmp/report-mail-XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/r.db", dir);
        struct store *s;
        struct batch_err err;
        assert_int_equal(store_open(path, &s, &err), 0);
        struct store_def d = {.tenant = (char *)"default", .kind = (char *)"job",
                              .name = (char *)"nightly", .changed_by = (char *)"test",
                              .spec = (char *)"kind: job\nname: nightly\ntype: scheduled\n"
                                              "executor: {exec: {command: [/bin/true]}}\n"
                                              "trigger: {cron: \"0 2 * * *\"}\n"};
        assert_int_equal(store_def_put(s, &d, 1000, &err), 0);
        char *subject = NULL, *html = NULL;
        struct buf x;
        buf_init(&x, 0);
        assert_int_equal(report_daily_mail(s, NULL, "2026-12-02", 0, &subject, &html, &x, &err),
                         0);
        assert_string_equal(subject,
                            "[batchd] daily inspection default 2026-12-02: error (Frequency Issues)");
        assert_non_null(strstr(html, "<td>nightly</td><td></td><td>expected 1, found 0: missing "
                                     "02:00</td>"));
        assert_non_null(strstr(html, "1 scheduled job, 1 with findings"));
        assert_memory_equal(x.data, "PK\003\004", 4);
        free(subject);
        free(html);
        buf_release(&x);
        /* A bad date: nothing is built. */
        subject = html = NULL;
        assert_int_equal(report_daily_mail(s, NULL, "2026-12-32", 0, &subject, &html, &x, &err),
                         BATCH_ERANGE);
        assert_null(subject);
        assert_null(html);
        assert_non_null(strstr(err.msg, "day 32 is out of range 1-31"));
        store_close(s);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_html),
                cmocka_unit_test(test_csv_and_json),
                cmocka_unit_test(test_xlsx),
                cmocka_unit_test(test_mail),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
