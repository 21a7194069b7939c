/* jobset.h: a set of the numbers 0..n-1 (the scheduler's jobs) as a bitmap with a summary
 * bitmap over its words, so that walking the members in increasing order costs about the
 * members plus n/4096 words, not n. Adding, removing and testing are O(1); all memory is
 * allocated by jobset_init. Pure (no I/O, no clock). Used by sched.c for the jobs to decide
 * in a pass and the jobs to prune (docs/internals/sched-index.md). */
#ifndef BATCH_CORE_JOBSET_H
#define BATCH_CORE_JOBSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jobset {
        size_t cap;     /* members are < cap */
        size_t n;       /* members */
        uint64_t *bits; /* bit i: i is a member */
        uint64_t *sum;  /* bit w: bits[w] is not zero */
};

/* Makes *s an empty set for the numbers 0..cap-1. Returns 0 or BATCH_ENOMEM (then *s is
 * empty and jobset_release is still safe). */
int jobset_init(struct jobset *s, size_t cap);

/* Makes *dst a copy of src with its own memory. Returns 0 or BATCH_ENOMEM (then *dst
 * is empty and jobset_release is still safe). */
int jobset_copy(struct jobset *dst, const struct jobset *src);

/* Frees the set's memory; *s is empty afterwards. Accepts a zeroed *s. */
void jobset_release(struct jobset *s);

/* Adds i (< cap); nothing when it is a member already. */
void jobset_add(struct jobset *s, size_t i);

/* Removes i; nothing when it is not a member. */
void jobset_remove(struct jobset *s, size_t i);

/* True when i is a member (false for i >= cap). */
bool jobset_has(const struct jobset *s, size_t i);

/* The smallest member >= from, or SIZE_MAX when there is none. */
size_t jobset_next(const struct jobset *s, size_t from);

#endif
