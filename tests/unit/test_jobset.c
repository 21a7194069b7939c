/* Tests of the set of job numbers (src/core/jobset.h): members walked in increasing order
 * across word (64) and summary word (4,096) boundaries, removal, and a long random
 * sequence of operations checked against a plain array of flags. */
#include "test.h"

#include <stdlib.h>

#include "core/jobset.h"

static void test_walk_across_boundaries(void **state)
{
        (void)state;
        struct jobset s;
        assert_int_equal(jobset_init(&s, 10000), 0);
        assert_int_equal(jobset_next(&s, 0), SIZE_MAX);
        const size_t members[] = {9999, 4096, 0, 63, 64, 4095, 8191, 8192, 127};
        for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
                jobset_add(&s, members[i]);
        jobset_add(&s, 64); /* again: still one member */
        assert_int_equal(s.n, 9);
        const size_t want[] = {0, 63, 64, 127, 4095, 4096, 8191, 8192, 9999};
        size_t k = jobset_next(&s, 0);
        for (size_t i = 0; i < 9; i++) {
                assert_int_equal(k, want[i]);
                assert_true(jobset_has(&s, k));
                k = jobset_next(&s, k + 1);
        }
        assert_int_equal(k, SIZE_MAX);
        /* From a point between members, and from past the end. */
        assert_int_equal(jobset_next(&s, 65), 127);
        assert_int_equal(jobset_next(&s, 128), 4095);
        assert_int_equal(jobset_next(&s, 4097), 8191);
        assert_int_equal(jobset_next(&s, 10000), SIZE_MAX);
        assert_false(jobset_has(&s, 1));
        assert_false(jobset_has(&s, 10000));
        /* Removing empties words and summary words: the walk skips them. */
        jobset_remove(&s, 4095);
        jobset_remove(&s, 4096);
        jobset_remove(&s, 4096); /* not a member any more: nothing */
        jobset_remove(&s, 127);
        assert_int_equal(s.n, 6);
        assert_int_equal(jobset_next(&s, 65), 8191);
        jobset_release(&s);
        jobset_release(&s);
}

static void test_empty(void **state)
{
        (void)state;
        struct jobset s;
        assert_int_equal(jobset_init(&s, 0), 0);
        assert_int_equal(jobset_next(&s, 0), SIZE_MAX);
        assert_false(jobset_has(&s, 0));
        jobset_release(&s);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(uint32_t n)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return (uint32_t)(rng % n);
}

#define CAP 9000

/* 20,000 random adds and removes (in clusters, so words fill and empty): after each, the
 * size, the membership and a walk from a random point are the model's. */
static void test_random_against_model(void **state)
{
        (void)state;
        struct jobset s;
        assert_int_equal(jobset_init(&s, CAP), 0);
        static bool in[CAP];
        size_t n = 0;
        for (int step = 0; step < 20000; step++) {
                size_t i = (rnd(8) * 1117 + rnd(200)) % CAP;
                if (rnd(2)) {
                        n += !in[i];
                        in[i] = true;
                        jobset_add(&s, i);
                } else {
                        n -= in[i];
                        in[i] = false;
                        jobset_remove(&s, i);
                }
                assert_int_equal(s.n, n);
                assert_int_equal(jobset_has(&s, i), in[i]);
                size_t from = rnd(CAP + 10), want = SIZE_MAX;
                for (size_t k = from; k < CAP; k++)
                        if (in[k]) {
                                want = k;
                                break;
                        }
                assert_int_equal(jobset_next(&s, from), want);
        }
        jobset_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_walk_across_boundaries),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_random_against_model),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
