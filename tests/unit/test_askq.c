/* Tests of the set of items to act on now or at a time (src/core/askq.h): "now" items
 * before timed ones, timed items only once their time has come and by time, an item
 * moved between the two parts or removed, and a random sequence checked against a plain
 * array of states. */
#include "test.h"

#include <stdlib.h>

#include "core/askq.h"

static void test_order(void **state)
{
        (void)state;
        struct askq q;
        assert_int_equal(askq_init(&q, 10), 0);
        assert_int_equal(askq_next_at(&q), INT64_MAX);
        askq_at(&q, 3, 100);
        askq_now(&q, 7);
        askq_at(&q, 1, 50);
        askq_now(&q, 2);
        askq_at(&q, 9, 50);
        /* The timed items' earliest time; the "now" items do not count. */
        assert_int_equal(askq_next_at(&q), 50);
        size_t j = 99;
        /* At 49: the "now" items by item, then nothing (50 has not come). */
        assert_true(askq_take(&q, 49, &j));
        assert_int_equal(j, 2);
        assert_true(askq_take(&q, 49, &j));
        assert_int_equal(j, 7);
        assert_false(askq_take(&q, 49, &j));
        assert_int_equal(j, 7); /* left as it was */
        /* At 100: 1 and 9 (both 50, the smaller item first), then 3. */
        assert_true(askq_take(&q, 100, &j));
        assert_int_equal(j, 1);
        assert_true(askq_take(&q, 100, &j));
        assert_int_equal(j, 9);
        assert_int_equal(askq_next_at(&q), 100);
        assert_true(askq_take(&q, 100, &j));
        assert_int_equal(j, 3);
        assert_false(askq_take(&q, INT64_MAX, &j));
        assert_int_equal(askq_next_at(&q), INT64_MAX);
        askq_release(&q);
        askq_release(&q); /* a released set can be released again */
}

/* An item is in the set once: putting it again moves it between the parts. */
static void test_move_and_remove(void **state)
{
        (void)state;
        struct askq q;
        assert_int_equal(askq_init(&q, 4), 0);
        askq_now(&q, 0);
        askq_at(&q, 0, 30); /* now -> at 30 */
        askq_at(&q, 1, 10);
        askq_at(&q, 1, 40); /* 10 -> 40 */
        askq_at(&q, 2, 20);
        askq_now(&q, 2);    /* at 20 -> now */
        askq_at(&q, 3, 5);
        askq_remove(&q, 3); /* waits for nothing */
        askq_remove(&q, 3); /* again: nothing */
        assert_int_equal(askq_next_at(&q), 30);
        size_t j;
        assert_true(askq_take(&q, 0, &j));
        assert_int_equal(j, 2);
        assert_false(askq_take(&q, 29, &j));
        assert_true(askq_take(&q, 39, &j));
        assert_int_equal(j, 0);
        assert_false(askq_take(&q, 39, &j));
        assert_true(askq_take(&q, 40, &j));
        assert_int_equal(j, 1);
        assert_false(askq_take(&q, INT64_MAX, &j));
        askq_release(&q);
}

/* A set for no items at all is valid and empty. */
static void test_empty(void **state)
{
        (void)state;
        struct askq q;
        assert_int_equal(askq_init(&q, 0), 0);
        size_t j;
        assert_false(askq_take(&q, INT64_MAX, &j));
        assert_int_equal(askq_next_at(&q), INT64_MAX);
        askq_release(&q);
}

enum { NONE = -1, NOW = -2 }; /* the model's states besides a time >= 0 */

/* The item the model says askq_take(now) gives, or SIZE_MAX. */
static size_t model_take(const int64_t *st, size_t n, int64_t now)
{
        for (size_t i = 0; i < n; i++)
                if (st[i] == NOW)
                        return i;
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
                if (st[i] >= 0 && st[i] <= now && (best == SIZE_MAX || st[i] < st[best]))
                        best = i;
        return best;
}

static void test_random_against_model(void **state)
{
        (void)state;
        enum { N = 40, OPS = 20000 };
        int64_t st[N];
        struct askq q;
        assert_int_equal(askq_init(&q, N), 0);
        for (size_t i = 0; i < N; i++)
                st[i] = NONE;
        srand(20);
        for (int k = 0; k < OPS; k++) {
                size_t item = (size_t)rand() % N;
                int op = rand() % 10;
                int64_t now = rand() % 120;
                if (op < 2) {
                        askq_now(&q, item);
                        st[item] = NOW;
                } else if (op < 5) {
                        st[item] = rand() % 100;
                        askq_at(&q, item, st[item]);
                } else if (op < 6) {
                        askq_remove(&q, item);
                        st[item] = NONE;
                } else {
                        size_t want = model_take(st, N, now), got = SIZE_MAX;
                        assert_int_equal(askq_take(&q, now, &got), want != SIZE_MAX);
                        assert_int_equal(got, want);
                        if (want != SIZE_MAX)
                                st[want] = NONE;
                }
                int64_t next = INT64_MAX;
                for (size_t i = 0; i < N; i++)
                        if (st[i] >= 0 && st[i] < next)
                                next = st[i];
                assert_int_equal(askq_next_at(&q), next);
        }
        askq_release(&q);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order),
                cmocka_unit_test(test_move_and_remove),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_random_against_model),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
