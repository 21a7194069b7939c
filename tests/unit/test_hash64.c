/* test_hash64.c: hash64 (src/common/hash64.h), the API's ETag hash: the same bytes hash
 * alike, and a single changed byte anywhere, or another length, never does. */
#include "test.h"

#include <string.h>

#include "common/hash64.h"

/* Every single-byte change at every position of every length up to 80 (the word steps,
 * the tail, and both together) changes the hash: the header promises it. */
static void test_hash64_single_byte(void **state)
{
        (void)state;
        unsigned char buf[80];
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (unsigned char)(i * 37 + 11);
        for (size_t len = 1; len <= sizeof(buf); len++) {
                uint64_t h = hash64(buf, len);
                assert_true(h == hash64(buf, len)); /* the same bytes: the same hash */
                for (size_t pos = 0; pos < len; pos++) {
                        unsigned char saved = buf[pos];
                        for (unsigned x = 1; x < 256; x <<= 1) {
                                buf[pos] = (unsigned char)(saved ^ x);
                                if (hash64(buf, len) == h)
                                        fail_msg("len %zu: byte %zu ^ %#x gives the same hash",
                                                 len, pos, x);
                        }
                        buf[pos] = saved;
                }
        }
}

/* A body and the same body with trailing zero bytes (the tail's padding) differ, and so
 * do the lengths 0 to 16 of an all-zero buffer. */
static void test_hash64_lengths(void **state)
{
        (void)state;
        static const unsigned char zero[16];
        uint64_t seen[17];
        for (size_t len = 0; len <= 16; len++) {
                seen[len] = hash64(zero, len);
                for (size_t k = 0; k < len; k++)
                        assert_true(seen[k] != seen[len]);
        }
        assert_true(hash64(NULL, 0) == seen[0]);
        assert_true(hash64("a", 1) != hash64("a\0", 2));
        /* bodies alike but for their order of words */
        assert_true(hash64("AAAAAAAABBBBBBBB", 16) != hash64("BBBBBBBBAAAAAAAA", 16));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hash64_single_byte),
                cmocka_unit_test(test_hash64_lengths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
