/* test_httprule.c: table tests of the HTTP client's pure rules (src/core/httprule.h):
 * backoff with full jitter and Retry-After, Retry-After parsing, JWT claims, token
 * lifetime, refresh due, classification, redacted excerpts, Idempotency-Key. */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/httprule.h"

static void test_backoff(void **state)
{
        (void)state;
        static const struct {
                unsigned retry;
                int64_t base, cap;
                uint64_t rnd;
                int64_t retry_after, max_ra;
                int64_t want;
        } t[] = {
                /* full jitter: rnd % (ceiling + 1), ceiling = min(cap, base * 2^(retry-1)) */
                {1, 100, 10000, 0, -1, 0, 0},
                {1, 100, 10000, 100, -1, 0, 100},       /* the top of [0, 100] */
                {1, 100, 10000, 101, -1, 0, 0},         /* wraps */
                {2, 100, 10000, 150, -1, 0, 150},       /* ceiling 200 */
                {3, 100, 10000, 401, -1, 0, 401 % 401}, /* ceiling 400 */
                {3, 100, 10000, 399, -1, 0, 399},
                {10, 100, 10000, 10000, -1, 0, 10000},  /* capped: 100 * 512 > 10000 */
                {10, 100, 10000, 10001, -1, 0, 0},
                {64, 100, 10000, 5000, -1, 0, 5000},    /* no overflow for huge retries */
                {200, 1, INT64_MAX, 7, -1, 0, 7},
                {0, 100, 10000, 50, -1, 0, 0},          /* retry 0: no wait */
                /* Retry-After replaces the draw, capped */
                {1, 100, 10000, 99, 3000000, 60000000, 3000000},
                {1, 100, 10000, 99, 0, 60000000, 0},
                {1, 100, 10000, 99, 120000000, 60000000, 60000000},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                int64_t got = httprule_backoff_us(t[i].retry, t[i].base, t[i].cap, t[i].rnd,
                                                  t[i].retry_after, t[i].max_ra);
                if (got != t[i].want)
                        fail_msg("row %zu: got %lld, want %lld", i, (long long)got,
                                 (long long)t[i].want);
        }
}

static void test_retry_after(void **state)
{
        (void)state;
        /* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example). */
        static const struct {
                const char *v;
                int64_t now;
                int rc;
                int64_t want_us;
        } t[] = {
                {"0", 0, 0, 0},
                {"1", 0, 0, 1000000},
                {"120", 0, 0, 120000000},
                {" 7 ", 0, 0, 7000000},
                {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30, 0, 30000000},
                {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777, 0, 0},
                {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 99, 0, 0}, /* past */
                {"Mon, 06 Nov 1994 08:49:37 GMT", 0, -1, 0},             /* wrong weekday */
                {"Sun, 31 Nov 1994 08:49:37 GMT", 0, -1, 0},             /* no such day */
                {"Sun, 06 Nov 1994 08:49:37 UTC", 0, -1, 0},
                {"Sunday, 06-Nov-94 08:49:37 GMT", 0, -1, 0},            /* obsolete: ignored */
                {"-1", 0, -1, 0},
                {"1.5", 0, -1, 0},
                {"", 0, -1, 0},
                {"soon", 0, -1, 0},
                {"99999999999999999999", 0, -1, 0},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                int64_t got = -42;
                int rc = httprule_retry_after(t[i].v, t[i].now, &got);
                if (rc != t[i].rc || (rc == 0 && got != t[i].want_us))
                        fail_msg("row %zu (%s): rc %d got %lld", i, t[i].v, rc, (long long)got);
        }
        int64_t x;
        assert_int_equal(httprule_retry_after(NULL, 0, &x), -1);
}

static void test_jwt_claims(void **state)
{
        (void)state;
        /* payloads, base64url without padding:
         * {"sub":"mes","exp":1700000060,"iat":1700000000}
         * {"exp":1700000002}
         * {"sub":"a","nested":{"exp":5},"list":[1,{"iat":2}],"s":"x\"exp\":9"}
         * {"exp":"soon"}   (not a number: absent)
         * []                (not an object) */
        static const struct {
                const char *tok;
                int rc;
                int64_t exp, iat;
        } t[] = {
                {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXMiLCJleHAiOjE3MDAwMDAwNjAsImlhdCI6MTcwMDAwMDAwMH0.sig",
                 0, 1700000060, 1700000000},
                {"h.eyJleHAiOjE3MDAwMDAwMDJ9.s", 0, 1700000002, -1},
                {"h.eyJzdWIiOiJhIiwibmVzdGVkIjp7ImV4cCI6NX0sImxpc3QiOlsxLHsiaWF0IjoyfV0sInMiOiJ4XCJleHBcIjo5In0.s",
                 0, -1, -1},
                {"h.eyJleHAiOiJzb29uIn0.s", 0, -1, -1},
                {"h.W10.s", -1, 0, 0},
                {"opaque-token-123", -1, 0, 0},
                {"a.b", -1, 0, 0},
                {"a.b.c.d", -1, 0, 0},
                {"h.!!!!.s", -1, 0, 0},
                {"h..s", -1, 0, 0},
                {"h.eyJleHAiOjE3MDAw.s", -1, 0, 0}, /* {"exp":1700 — truncated JSON */
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                int64_t exp = -7, iat = -7;
                int rc = httprule_jwt_claims(t[i].tok, &exp, &iat);
                if (rc != t[i].rc || (rc == 0 && (exp != t[i].exp || iat != t[i].iat)))
                        fail_msg("row %zu: rc %d exp %lld iat %lld", i, rc, (long long)exp,
                                 (long long)iat);
        }
}

static void test_lifetime_and_due(void **state)
{
        (void)state;
        static const struct {
                int64_t exp, iat, expires_in, now, want;
        } t[] = {
                {1060, 1000, 30, 5000, 60},  /* exp - iat wins, whatever the clock says */
                {1060, -1, 30, 1000, 60},    /* exp - now */
                {1060, -1, 30, 2000, 1},     /* already past: 1 */
                {-1, -1, 30, 1000, 30},      /* fallback: expires_in */
                {-1, -1, 0, 1000, -1},       /* unknown */
                {1000, 1000, 30, 0, 1},      /* zero lifetime: 1 */
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                int64_t got = httprule_token_lifetime_s(t[i].exp, t[i].iat, t[i].expires_in, t[i].now);
                if (got != t[i].want)
                        fail_msg("row %zu: got %lld", i, (long long)got);
        }
        static const struct {
                int64_t now, obtained, lifetime;
                double f;
                bool want;
        } d[] = {
                {0, 0, 2000000, 0.9, false},
                {1799999, 0, 2000000, 0.9, false},
                {1800000, 0, 2000000, 0.9, true},    /* 90 % of 2 s */
                {5000000, 0, 2000000, 0.9, true},
                {10000 + 899, 10000, 1000, 0.9, false},
                {10000 + 900, 10000, 1000, 0.9, true},
                {99999999, 0, -1, 0.9, false},       /* unknown lifetime: never */
        };
        for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
                if (httprule_refresh_due(d[i].now, d[i].obtained, d[i].lifetime, d[i].f) != d[i].want)
                        fail_msg("due row %zu", i);
}

static void test_classify(void **state)
{
        (void)state;
        static const struct {
                long status;
                bool transport;
                enum httprule_class want;
        } t[] = {
                {200, false, HTTPRULE_DONE}, {201, false, HTTPRULE_DONE}, {204, false, HTTPRULE_DONE},
                {304, false, HTTPRULE_DONE}, {400, false, HTTPRULE_DONE}, {403, false, HTTPRULE_DONE},
                {404, false, HTTPRULE_DONE}, {409, false, HTTPRULE_DONE}, {412, false, HTTPRULE_DONE},
                {401, false, HTTPRULE_AUTH}, {408, false, HTTPRULE_RETRY}, {425, false, HTTPRULE_RETRY},
                {429, false, HTTPRULE_RETRY}, {500, false, HTTPRULE_RETRY}, {502, false, HTTPRULE_RETRY},
                {503, false, HTTPRULE_RETRY}, {599, false, HTTPRULE_RETRY}, {0, true, HTTPRULE_RETRY},
                {0, false, HTTPRULE_DONE},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                if (httprule_classify(t[i].status, t[i].transport) != t[i].want)
                        fail_msg("row %zu: status %ld", i, t[i].status);
}

static void test_excerpt(void **state)
{
        (void)state;
        static const struct {
                const char *in;
                size_t max;
                const char *want;
        } t[] = {
                {"{\"error\":\"boom\"}", 100, "{\"error\":\"boom\"}"},
                {"{\"access_token\":\"abc.def\",\"x\":1}", 100, "{\"access_token\":\"[redacted]\",\"x\":1}"},
                {"{\"refresh_token\" : \"r1\", \"Client_Secret\":\"s\"}", 100,
                 "{\"refresh_token\" : \"[redacted]\", \"Client_Secret\":\"[redacted]\"}"},
                {"{\"password\":\"p\\\"w\",\"user\":\"u\"}", 100, "{\"password\":\"[redacted]\",\"user\":\"u\"}"},
                {"{\"note\":\"token\"}", 100, "{\"note\":\"token\"}"}, /* a value, not a name */
                {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln rejected", 100, "Bearer [redacted] rejected"},
                {"{\"m\":\"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln\"}", 100, "{\"m\":\"[redacted]\"}"},
                {"jwe eyJhbGciOiJkaXIifQ..aXY.Y3Q.dGFn end", 100, "jwe [redacted] end"},
                {"access_token=eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln&x=1", 100, "access_token=[redacted]&x=1"},
                {"eyJ.only.dots", 100, "[redacted]"},
                {"eyJnotajwt", 100, "eyJnotajwt"},
                {"line1\nline2\ttab", 100, "line1 line2 tab"},
                {"abcdefghij", 4, "abcd"},
                {"caf\xc3\xa9 \xff!", 100, "caf\xc3\xa9 ?!"},
                {"", 100, ""},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char out[200];
                size_t n = httprule_excerpt(t[i].in, strlen(t[i].in), t[i].max, out, sizeof(out));
                if (strcmp(out, t[i].want) || n != strlen(out))
                        fail_msg("row %zu: got '%s', want '%s'", i, out, t[i].want);
        }
}

static void test_idempotency_key(void **state)
{
        (void)state;
        char out[64];
        assert_int_equal(httprule_idempotency_key(42, "sync", "1007", out, sizeof(out)), 0);
        assert_string_equal(out, "batch-42-sync-1007");
        assert_int_equal(httprule_idempotency_key(7, "s:0", "a b/c", out, sizeof(out)), 0);
        assert_string_equal(out, "batch-7-s%3A0-a%20b%2Fc");
        /* a hyphen inside step or key is encoded, so the three parts stay apart */
        assert_int_equal(httprule_idempotency_key(1, "a-b", "c", out, sizeof(out)), 0);
        assert_string_equal(out, "batch-1-a%2Db-c");
        assert_int_equal(httprule_idempotency_key(1, "step", "key", out, 12), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_backoff),        cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_jwt_claims),     cmocka_unit_test(test_lifetime_and_due),
                cmocka_unit_test(test_classify),       cmocka_unit_test(test_excerpt),
                cmocka_unit_test(test_idempotency_key),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
