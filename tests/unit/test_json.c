/* test_json.c: table tests of json_put_string and json_put_stringn (src/common/json.h):
 * RFC 8259 escapes, NUL bytes inside a counted string, and the line separators that
 * JavaScript and YAML readers would break a line at. */
#include "test.h"

#include <string.h>

#include "common/json.h"

static void test_json_stringn(void **state)
{
        (void)state;
        static const struct {
                const char *in;
                size_t len;
                const char *want;
        } t[] = {
                {"plain", 5, "\"plain\""},
                {"", 0, "\"\""},
                {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
                {"l1\nl2\r\tx", 8, "\"l1\\nl2\\r\\tx\""},
                {"a\0b", 3, "\"a\\u0000b\""},             /* NUL is data, not the end */
                {"\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\""},
                {"\xe2\x80\xa8|\xe2\x80\xa9", 7, "\"\\u2028|\\u2029\""},
                {"\xc2\x85", 2, "\"\\u0085\""},
                {"\xc3\xa9t\xc3\xa9", 5, "\"\xc3\xa9t\xc3\xa9\""}, /* UTF-8 passes through */
                /* a separator cut by the length is not read past it */
                {"x\xe2\x80\xa8", 3, "\"x\xe2\x80\""},
                {"x\xc2\x85", 2, "\"x\xc2\""},
                {"abcdef", 3, "\"abc\""},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                struct buf b;
                buf_init(&b, 0);
                json_put_stringn(&b, t[i].in, t[i].len);
                assert_false(b.err);
                if (strcmp(b.data, t[i].want))
                        fail_msg("case %zu: got %s, want %s", i, b.data, t[i].want);
                buf_release(&b);
        }
}

static void test_json_string(void **state)
{
        (void)state;
        struct buf b;
        buf_init(&b, 0);
        json_put_string(&b, NULL);
        buf_puts(&b, " ");
        json_put_string(&b, "say \"hi\"\n");
        assert_false(b.err);
        assert_string_equal(b.data, "null \"say \\\"hi\\\"\\n\"");
        buf_release(&b);
}

/* The buffer's limit (common/buf.h): an append that would pass it fails, keeps what the
 * buffer held, and says so with `full`; a buffer that ran out of memory has err without
 * full. buf_release keeps the limit and clears both. */
static void test_buf_limit(void **state)
{
        (void)state;
        struct buf b;
        buf_init(&b, 8);
        buf_puts(&b, "12345678");
        assert_false(b.err);
        assert_false(b.full);
        buf_puts(&b, "9");
        assert_true(b.err);
        assert_true(b.full);
        assert_string_equal(b.data, "12345678");
        buf_printf(&b, "%d", 1); /* nothing more after a failure */
        assert_int_equal(b.len, 8);
        buf_release(&b);
        assert_false(b.err);
        assert_false(b.full);
        assert_int_equal(b.max, 8);
        buf_printf(&b, "%s", "too long a text");
        assert_true(b.full);
        assert_int_equal(b.len, 0);
        buf_release(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_stringn),
                cmocka_unit_test(test_json_string),
                cmocka_unit_test(test_buf_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
