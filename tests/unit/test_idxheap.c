/* Tests of the indexed min-heap (src/core/idxheap.h): the smallest key first, equal keys
 * by the smaller item, keys changed and items removed anywhere in the heap, and a long
 * random sequence of operations checked against a plain array of keys. */
#include "test.h"

#include <stdlib.h>

#include "core/idxheap.h"

/* Pops every node and checks they come as the (key, item) pairs in want[]. */
static void drain(struct idxheap *h, const struct idxheap_node *want, size_t n)
{
        struct idxheap_node got;
        for (size_t i = 0; i < n; i++) {
                assert_true(idxheap_pop(h, &got));
                assert_int_equal(got.key, want[i].key);
                assert_int_equal(got.item, want[i].item);
                assert_false(idxheap_contains(h, got.item));
        }
        assert_false(idxheap_pop(h, &got));
        assert_null(idxheap_top(h));
}

static void test_order_and_ties(void **state)
{
        (void)state;
        struct idxheap h;
        assert_int_equal(idxheap_init(&h, 8), 0);
        assert_null(idxheap_top(&h));
        /* Inserted out of order; items 2, 5 and 7 share key 30: they come 2, 5, 7. */
        idxheap_set(&h, 5, 30);
        idxheap_set(&h, 1, 50);
        idxheap_set(&h, 7, 30);
        idxheap_set(&h, 0, -4);
        idxheap_set(&h, 2, 30);
        idxheap_set(&h, 6, INT64_MIN);
        assert_int_equal(h.n, 6);
        assert_int_equal(idxheap_top(&h)->item, 6);
        const struct idxheap_node want[] = {{INT64_MIN, 6}, {-4, 0}, {30, 2}, {30, 5}, {30, 7},
                                            {50, 1}};
        drain(&h, want, 6);
        idxheap_release(&h);
        idxheap_release(&h); /* a released heap can be released again */
}

/* Setting an item already in the heap moves it: up, down, or not at all. */
static void test_update(void **state)
{
        (void)state;
        struct idxheap h;
        assert_int_equal(idxheap_init(&h, 6), 0);
        for (size_t i = 0; i < 6; i++)
                idxheap_set(&h, i, (int64_t)(10 * (i + 1))); /* 10, 20, ... 60 */
        idxheap_set(&h, 4, 5);   /* 50 -> 5: first now */
        idxheap_set(&h, 0, 100); /* 10 -> 100: last now */
        idxheap_set(&h, 2, 30);  /* unchanged */
        idxheap_set(&h, 3, 20);  /* 40 -> 20: ties with item 1, after it */
        assert_int_equal(h.n, 6);
        const struct idxheap_node want[] = {{5, 4}, {20, 1}, {20, 3}, {30, 2}, {60, 5}, {100, 0}};
        drain(&h, want, 6);
        idxheap_release(&h);
}

/* Removing the top, a leaf, an inner node, an absent item. */
static void test_remove(void **state)
{
        (void)state;
        struct idxheap h;
        assert_int_equal(idxheap_init(&h, 10), 0);
        for (size_t i = 0; i < 10; i++)
                idxheap_set(&h, i, (int64_t)((i * 7) % 10)); /* keys 0 7 4 1 8 5 2 9 6 3 */
        idxheap_remove(&h, 0); /* the top (key 0) */
        idxheap_remove(&h, 7); /* key 9 */
        idxheap_remove(&h, 2); /* key 4 */
        idxheap_remove(&h, 2); /* not in the heap any more: nothing */
        assert_false(idxheap_contains(&h, 2));
        assert_true(idxheap_contains(&h, 3));
        assert_false(idxheap_contains(&h, 10)); /* out of range: never in */
        assert_int_equal(h.n, 7);
        const struct idxheap_node want[] = {{1, 3}, {2, 6}, {3, 9}, {5, 5}, {6, 8}, {7, 1},
                                            {8, 4}};
        drain(&h, want, 7);
        /* Emptied, the heap takes items again. */
        idxheap_set(&h, 9, 1);
        assert_int_equal(idxheap_top(&h)->item, 9);
        idxheap_release(&h);
}

/* An empty set of items: nothing to hold, but a valid heap. */
static void test_empty(void **state)
{
        (void)state;
        struct idxheap h;
        assert_int_equal(idxheap_init(&h, 0), 0);
        struct idxheap_node n;
        assert_false(idxheap_pop(&h, &n));
        assert_false(idxheap_contains(&h, 0));
        idxheap_release(&h);
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint32_t rnd(uint32_t n)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return (uint32_t)(rng % n);
}

#define NITEMS 200

/* The smallest (key, item) among the items marked present, as a model of the heap. */
static bool model_min(const int64_t *key, const bool *in, struct idxheap_node *ret)
{
        bool found = false;
        for (size_t i = 0; i < NITEMS; i++)
                if (in[i] && (!found || key[i] < ret->key)) {
                        *ret = (struct idxheap_node){key[i], i};
                        found = true;
                }
        return found;
}

/* 20,000 random sets, removals and pops, few distinct keys so ties are common: after each,
 * the heap's top and size are the model's. */
static void test_random_against_model(void **state)
{
        (void)state;
        struct idxheap h;
        assert_int_equal(idxheap_init(&h, NITEMS), 0);
        int64_t key[NITEMS];
        bool in[NITEMS] = {false};
        size_t n = 0;
        for (int step = 0; step < 20000; step++) {
                size_t item = rnd(NITEMS);
                uint32_t op = rnd(10);
                if (op < 6) {
                        n += !in[item];
                        key[item] = (int64_t)rnd(50) - 25;
                        in[item] = true;
                        idxheap_set(&h, item, key[item]);
                } else if (op < 8) {
                        n -= in[item];
                        in[item] = false;
                        idxheap_remove(&h, item);
                } else {
                        struct idxheap_node want = {0}, got;
                        bool any = model_min(key, in, &want);
                        assert_int_equal(idxheap_pop(&h, &got), any);
                        if (any) {
                                assert_int_equal(got.key, want.key);
                                assert_int_equal(got.item, want.item);
                                in[want.item] = false;
                                n--;
                        }
                }
                assert_int_equal(h.n, n);
                assert_int_equal(idxheap_contains(&h, item), in[item]);
                struct idxheap_node want = {0};
                if (model_min(key, in, &want)) {
                        assert_int_equal(idxheap_top(&h)->key, want.key);
                        assert_int_equal(idxheap_top(&h)->item, want.item);
                }
        }
        idxheap_release(&h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order_and_ties),
                cmocka_unit_test(test_update),
                cmocka_unit_test(test_remove),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_random_against_model),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
