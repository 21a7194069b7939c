/* test_logline.c: table tests of logline_render (src/common/logline.h): the log's two
 * formats carry the same fields (docs/daemon.md, "Logs"), a line is always one line, and
 * the format names a config value may take. */
#include "test.h"

#include <string.h>

#include "common/logline.h"

static void test_render(void **state)
{
        (void)state;
        static const struct {
                struct logline l;
                const char *json, *text;
        } t[] = {
                /* every field */
                {{1796586458123, "info", "started attempt 1 (pid 42)", "nightly", 7, 9,
                  "4bf92f3577b34da6a3ce929d0e0e4736"},
                 "{\"time\": \"2026-12-06T19:47:38.123Z\", \"level\": \"info\", \"msg\": "
                 "\"started attempt 1 (pid 42)\", \"job\": \"nightly\", \"instance_id\": 7, "
                 "\"execution_id\": 9, \"trace_id\": \"4bf92f3577b34da6a3ce929d0e0e4736\"}\n",
                 "2026-12-06T19:47:38.123Z INFO  started attempt 1 (pid 42) job=nightly "
                 "instance_id=7 execution_id=9 trace_id=4bf92f3577b34da6a3ce929d0e0e4736\n"},
                /* no ids: only time, level and message; milliseconds kept with zeros */
                {{5, "warn", "a warning", NULL, 0, 0, NULL},
                 "{\"time\": \"1970-01-01T00:00:00.005Z\", \"level\": \"warn\", \"msg\": \"a "
                 "warning\"}\n",
                 "1970-01-01T00:00:00.005Z WARN  a warning\n"},
                /* before the epoch: the millisecond part stays positive */
                {{-1, "error", "x", NULL, 3, 0, NULL},
                 "{\"time\": \"1969-12-31T23:59:59.999Z\", \"level\": \"error\", \"msg\": \"x\", "
                 "\"instance_id\": 3}\n",
                 "1969-12-31T23:59:59.999Z ERROR x instance_id=3\n"},
                /* a message with a line break and quotes stays one line; a job with a
                 * space or '=' is quoted */
                {{1000, "info", "two\nlines \"q\"\t\x01", "a b=c", 0, 4, NULL},
                 "{\"time\": \"1970-01-01T00:00:01.000Z\", \"level\": \"info\", \"msg\": "
                 "\"two\\nlines \\\"q\\\"\\t\\u0001\", \"job\": \"a b=c\", \"execution_id\": "
                 "4}\n",
                 "1970-01-01T00:00:01.000Z INFO  two\\nlines \"q\"\\t\\x01 job=\"a b=c\" "
                 "execution_id=4\n"},
                /* a value with a quote or backslash is quoted and escaped; an empty one too */
                {{1000, "info", "m", "q\"\\", 0, 0, ""},
                 "{\"time\": \"1970-01-01T00:00:01.000Z\", \"level\": \"info\", \"msg\": \"m\", "
                 "\"job\": \"q\\\"\\\\\", \"trace_id\": \"\"}\n",
                 "1970-01-01T00:00:01.000Z INFO  m job=\"q\\\"\\\\\" trace_id=\"\"\n"},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                struct buf j, x;
                buf_init(&j, 0);
                buf_init(&x, 0);
                logline_render(&j, LOG_FORMAT_JSON, &t[i].l);
                logline_render(&x, LOG_FORMAT_TEXT, &t[i].l);
                assert_false(j.err || x.err);
                if (strcmp(j.data, t[i].json))
                        fail_msg("case %zu json:\n%s want\n%s", i, j.data, t[i].json);
                if (strcmp(x.data, t[i].text))
                        fail_msg("case %zu text:\n%s want\n%s", i, x.data, t[i].text);
                /* one line each: the only '\n' is the last byte */
                assert_ptr_equal(strchr(j.data, '\n'), j.data + j.len - 1);
                assert_ptr_equal(strchr(x.data, '\n'), x.data + x.len - 1);
                buf_release(&j);
                buf_release(&x);
        }
}

static void test_names(void **state)
{
        (void)state;
        assert_int_equal(log_format_from_name("json"), LOG_FORMAT_JSON);
        assert_int_equal(log_format_from_name("text"), LOG_FORMAT_TEXT);
        assert_int_equal(log_format_from_name("JSON"), LOG_FORMAT_INVALID);
        assert_int_equal(log_format_from_name(""), LOG_FORMAT_INVALID);
        assert_int_equal(log_format_from_name("logfmt"), LOG_FORMAT_INVALID);
        assert_int_equal(log_format_from_name(NULL), LOG_FORMAT_INVALID);
        assert_string_equal(log_format_name(LOG_FORMAT_JSON), "json");
        assert_string_equal(log_format_name(LOG_FORMAT_TEXT), "text");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_render),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
