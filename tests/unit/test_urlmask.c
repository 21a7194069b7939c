/* test_urlmask.c: table tests of urlmask_text and urlmask_one (src/common/urlmask.h): what a reader who
 * may not edit definitions sees of the URLs in them (docs/security.md). */
#include "test.h"

#include <string.h>

#include "common/urlmask.h"

static void test_urlmask(void **state)
{
        (void)state;
        static const struct {
                const char *in, *want;
                int changed;
        } t[] = {
                /* a key in the path, the query or the fragment is cut */
                {"url: https://hooks.slack.com/services/T000/B000/XXXX\n",
                 "url: https://hooks.slack.com/...\n", 1},
                {"u: http://h.example:8080/a?token=s3cret", "u: http://h.example:8080/...", 1},
                {"u: https://h.example?key=1", "u: https://h.example/...", 1},
                {"u: https://h.example#frag", "u: https://h.example/...", 1},
                /* user and password are dropped, host and port kept */
                {"smtp_url: smtp://alice:pw@mail.example:587\n",
                 "smtp_url: smtp://mail.example:587\n", 1},
                {"smtps://u:p@m.example/x", "smtps://m.example/...", 1},
                /* nothing secret: unchanged */
                {"u: https://h.example\n", "u: https://h.example\n", 0},
                {"u: https://h.example/\n", "u: https://h.example/\n", 0},
                {"u: https://h.example/...\n", "u: https://h.example/...\n", 0}, /* twice */
                {"no url here: a://", "no url here: a://", 0},
                {"://x/y", "://x/y", 0},       /* no scheme */
                /* quoted in YAML and JSON: the quote ends the URL */
                {"u: \"https://h.example/k/e/y\" # c", "u: \"https://h.example/...\" # c", 1},
                {"{\"u\":\"http://a:b@h/p\"}", "{\"u\":\"http://h/...\"}", 1},
                /* two in one text, and text between kept */
                {"a https://x/1 b http://y/2 c", "a https://x/... b http://y/... c", 2},
                {"x-http+s.1://h/p", "x-http+s.1://h/...", 1},
                {"", "", 0},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                struct buf b;
                buf_init(&b, 0);
                int n = urlmask_text(t[i].in, &b);
                assert_false(b.err);
                if (strcmp(b.data, t[i].want) || n != t[i].changed)
                        fail_msg("case %zu: \"%s\" -> \"%s\" (%d), want \"%s\" (%d)", i, t[i].in,
                                 b.data, n, t[i].want, t[i].changed);
                buf_release(&b);
        }
        /* a scheme starts with a letter: the digit before "http" is not part of it */
        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(urlmask_text("1http://x/y", &b), 1);
        assert_string_equal(b.data, "1http://x/...");
        buf_release(&b);
}

/* One URL for a message or a log line: origin, or origin and path; never the user, the
 * password, the query or the fragment. */
static void test_urlmask_one(void **state)
{
        (void)state;
        static const struct {
                const char *url;
                bool keep_path;
                const char *want;
        } t[] = {
                {"https://hooks.example/services/T0/B0?k=1#f", false, "https://hooks.example"},
                {"https://hooks.example/services/T0/B0?k=1#f", true,
                 "https://hooks.example/services/T0/B0"},
                {"smtp://alice:pw@mail.example:587", false, "smtp://mail.example:587"},
                {"http://u:p@svc.example:8080/batch/run?token=s", true,
                 "http://svc.example:8080/batch/run"},
                {"http://h.example", true, "http://h.example"},
                {"not a url", false, "(fallback)"},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char dst[128];
                urlmask_one(t[i].url, t[i].keep_path, "(fallback)", dst, sizeof(dst));
                if (strcmp(dst, t[i].want))
                        fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, t[i].url, dst,
                                 t[i].want);
        }
        char small[12]; /* cut to the capacity, terminated */
        urlmask_one("https://long-host.example/p", false, "", small, sizeof(small));
        assert_string_equal(small, "https://lon");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_urlmask),
                cmocka_unit_test(test_urlmask_one),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
