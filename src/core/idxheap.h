/* idxheap.h: an indexed binary min-heap over a fixed set of items 0..n-1 (the
 * scheduler's jobs), each in the heap at most once with an int64 key. The smallest key
 * comes first; equal keys come by the smaller item, so the order is deterministic. An
 * item's key can be set, changed or removed in O(log n) because the heap knows where
 * each item sits. All memory is allocated by idxheap_init: the other operations never
 * fail. Pure (no I/O, no clock). Used by sched.c for the jobs' next due times, their
 * timers and the jobs left to decide in a pass (docs/internals/sched-index.md). */
#ifndef BATCH_CORE_IDXHEAP_H
#define BATCH_CORE_IDXHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idxheap_node {
        int64_t key;
        size_t item;
};

struct idxheap {
        size_t n, cap;              /* items in the heap, items there can be */
        struct idxheap_node *nodes; /* the heap, nodes[0] the smallest */
        size_t *pos;                /* by item: its index in nodes, or SIZE_MAX */
};

/* Makes *h an empty heap for items 0..cap-1. Returns 0 or BATCH_ENOMEM (then *h is
 * empty and idxheap_release is still safe). */
int idxheap_init(struct idxheap *h, size_t cap);

/* Makes *dst a copy of src with its own memory (the same items, keys and order).
 * Returns 0 or BATCH_ENOMEM (then *dst is empty and idxheap_release is still safe). */
int idxheap_copy(struct idxheap *dst, const struct idxheap *src);

/* Frees the heap's memory; *h is empty afterwards. Accepts a zeroed *h. */
void idxheap_release(struct idxheap *h);

/* Puts `item` in the heap with `key`, or moves it there when it already is. item < cap. */
void idxheap_set(struct idxheap *h, size_t item, int64_t key);

/* Takes `item` out of the heap (nothing when it is not in). */
void idxheap_remove(struct idxheap *h, size_t item);

/* True when `item` is in the heap. */
bool idxheap_contains(const struct idxheap *h, size_t item);

/* The smallest node, or NULL when the heap is empty (borrowed: valid until the next
 * change). */
const struct idxheap_node *idxheap_top(const struct idxheap *h);

/* Takes the smallest node out into *ret. Returns false when the heap is empty. */
bool idxheap_pop(struct idxheap *h, struct idxheap_node *ret);

#endif
