/* test_acceptenc.c: table tests of acceptenc_gzip (src/common/acceptenc.h): which
 * Accept-Encoding values let batchd answer its web UI's files gzip-encoded, by the rules
 * of RFC 9110 §12.5.3 (weights, "*", q=0 as "not acceptable", the x-gzip alias). */
#include "test.h"

#include "common/acceptenc.h"

static void test_acceptenc(void **state)
{
        (void)state;
        static const struct {
                const char *value;
                bool gzip;
        } t[] = {
                {NULL, false},                          /* no header: identity */
                {"", false},
                {"gzip", true},
                {"gzip, deflate, br, zstd", true},       /* Chromium over http */
                {"deflate, gzip;q=1.0, *;q=0.5", true},
                {"GZIP", true},                          /* coding names are case-insensitive */
                {"x-gzip", true},                        /* §8.4.1.3: an alias of gzip */
                {"identity", false},
                {"br", false},
                {"deflate, br", false},
                {"*", true},                             /* any coding */
                {"*;q=0", false},
                {"br, *;q=0.1", true},
                {"gzip;q=0", false},                     /* q=0: not acceptable */
                {"gzip;q=0, *", false},                  /* listed: "*" does not apply */
                {"gzip;q=0.000", false},
                {"gzip;q=0.001", true},
                {"gzip ; Q=0.5", true},                  /* OWS around ";", "q" any case */
                {"gzip;q=1.000", true},
                {" \tgzip\t,br", true},
                {"gzip;q=1.5", false},                   /* bad weights: the element is ignored */
                {"gzip;q=2", false},
                {"gzip;q=0.0001", false},                /* at most three decimals */
                {"gzip;q=", false},
                {"gzip;level=9", false},                 /* no other parameter */
                {"gzip;q=0.5x", false},
                {"gzip;q=1.5, *", true},                 /* ...so "*" applies */
                {"gzipx", false},
                {"gz", false},
                {"gzip br", false},                      /* not a list */
                {"gzip;q=0, gzip", false},               /* the first naming it counts */
                {"gzip, gzip;q=0", true},
                {",,, gzip ,,", true},                   /* empty elements (§5.6.1) */
                {"\"gzip\"", false},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                if (acceptenc_gzip(t[i].value) != t[i].gzip)
                        fail_msg("Accept-Encoding \"%s\": want %s", t[i].value ? t[i].value : "(none)",
                                 t[i].gzip ? "gzip" : "identity");
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_acceptenc),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
