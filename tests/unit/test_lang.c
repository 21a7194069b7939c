/* Unit tests for lang.c: Accept-Language ranges (RFC 9110 §12.5.4) and RFC 4647 lookup
 * against a job's display_names tags; POSIX locale settings as preferences. */
#include "test.h"

#include <string.h>

#include "core/lang.h"

static const char *const tags[] = {"de", "zh-CN", "fr-CA", "pt-BR", "en-GB"};
#define NT (sizeof(tags) / sizeof(tags[0]))

static void test_pick(void **state)
{
        (void)state;
        assert_int_equal(lang_pick(tags, NT, "de"), 0);
        assert_int_equal(lang_pick(tags, NT, "DE"), 0);             /* case ignored */
        assert_int_equal(lang_pick(tags, NT, "de-CH"), 0);          /* lookup shortens */
        assert_int_equal(lang_pick(tags, NT, "de-Latn-CH-x-a"), 0);
        assert_int_equal(lang_pick(tags, NT, "zh-cn"), 1);
        assert_int_equal(lang_pick(tags, NT, "zh"), 1);             /* extends: zh -> zh-CN */
        assert_int_equal(lang_pick(tags, NT, "zh-TW"), -1);         /* not another region */
        assert_int_equal(lang_pick(tags, NT, "fr"), 2);
        assert_int_equal(lang_pick(tags, NT, "ja"), -1);
        assert_int_equal(lang_pick(tags, NT, "ja, pt;q=0.5"), 3);
        /* by q, not by order; ties keep their order */
        assert_int_equal(lang_pick(tags, NT, "en-GB;q=0.4, fr-CA;q=0.9, de;q=0.5"), 2);
        assert_int_equal(lang_pick(tags, NT, "en-GB;q=0.5, de;q=0.5"), 4);
        assert_int_equal(lang_pick(tags, NT, "de;q=0, fr"), 2);     /* q=0: not acceptable */
        assert_int_equal(lang_pick(tags, NT, "de;q=0"), -1);
        /* "*": any language, so the untranslated text, unless something came before */
        assert_int_equal(lang_pick(tags, NT, "*"), -1);
        assert_int_equal(lang_pick(tags, NT, "ja, *;q=0.5, de;q=0.1"), -1);
        assert_int_equal(lang_pick(tags, NT, "de, *;q=0.5"), 0);
        /* whitespace and the Q of q= */
        assert_int_equal(lang_pick(tags, NT, "  ja ,\tfr-CA ; Q=0.8 "), 2);
        assert_int_equal(lang_pick(tags, NT, "ja,de;q=1.000"), 0);
}

static void test_malformed(void **state)
{
        (void)state;
        assert_int_equal(lang_pick(tags, NT, NULL), -1);
        assert_int_equal(lang_pick(tags, NT, ""), -1);
        assert_int_equal(lang_pick(NULL, 0, "de"), -1);
        /* a broken element is skipped, the others still count */
        assert_int_equal(lang_pick(tags, NT, "de;q=2, fr"), 2);
        assert_int_equal(lang_pick(tags, NT, "de;q=0.1234, fr"), 2);
        assert_int_equal(lang_pick(tags, NT, "de;x=1, fr"), 2);
        assert_int_equal(lang_pick(tags, NT, "d*e, fr"), 2);
        assert_int_equal(lang_pick(tags, NT, ",,,;;;==="), -1);
        assert_int_equal(lang_pick(tags, NT, "de_DE"), -1); /* not a tag: '_' */
        char big[4096];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(lang_pick(tags, NT, big), -1);
}

static void test_locale(void **state)
{
        (void)state;
        char out[128];
        lang_from_locale(NULL, NULL, NULL, "de_DE.UTF-8", out, sizeof(out));
        assert_string_equal(out, "de-DE");
        lang_from_locale(NULL, NULL, NULL, "de_DE.UTF-8@euro", out, sizeof(out));
        assert_string_equal(out, "de-DE");
        lang_from_locale(NULL, NULL, NULL, "fr", out, sizeof(out));
        assert_string_equal(out, "fr");
        /* LC_ALL before LC_MESSAGES before LANG */
        lang_from_locale(NULL, "pt_BR.UTF-8", "fr_FR", "de_DE", out, sizeof(out));
        assert_string_equal(out, "pt-BR");
        lang_from_locale(NULL, "", "fr_FR", "de_DE", out, sizeof(out));
        assert_string_equal(out, "fr-FR");
        /* C and POSIX: no preference, and LANGUAGE is then ignored (as gettext does) */
        lang_from_locale("de", NULL, NULL, "C.UTF-8", out, sizeof(out));
        assert_string_equal(out, "");
        lang_from_locale(NULL, "POSIX", NULL, "de_DE", out, sizeof(out));
        assert_string_equal(out, "");
        lang_from_locale(NULL, NULL, NULL, NULL, out, sizeof(out));
        assert_string_equal(out, "");
        /* GNU LANGUAGE first */
        lang_from_locale("zh_CN:fr", NULL, NULL, "de_DE.UTF-8", out, sizeof(out));
        assert_string_equal(out, "zh-CN, fr, de-DE");
        /* and it picks as expected */
        assert_int_equal(lang_pick(tags, NT, out), 1);
        /* too small a buffer: cut, still terminated */
        char small[4];
        lang_from_locale(NULL, NULL, NULL, "de_DE", small, sizeof(small));
        assert_int_equal(strlen(small), 3);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pick),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_locale),
        };
        return cmocka_run_group_tests_name("lang", tests, NULL, NULL);
}
