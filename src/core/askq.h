/* askq.h: a set of items (0..n-1) each waiting either to be acted on as soon as possible
 * or at a time, taken in that order: the "now" items first (the smaller item first), then
 * the timed items whose time has come (the earlier time first, equal times by the smaller
 * item). An item is in the set at most once; putting it again moves it. Every operation
 * costs O(log n) in the items waiting, so a caller's turn costs what is due, not what it
 * holds. All memory is allocated by askq_init. Pure (no I/O, no clock: `now` is an
 * argument). Used by the daemon for the next_due_api triggers' GETs (ASK and RETRY). */
#ifndef BATCH_CORE_ASKQ_H
#define BATCH_CORE_ASKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/idxheap.h"

struct askq {
        struct idxheap now; /* items to act on as soon as possible (key 0) */
        struct idxheap at;  /* items to act on at a time (key: that time) */
};

/* Makes *q an empty set for items 0..cap-1. Returns 0 or BATCH_ENOMEM (then *q is empty
 * and askq_release is still safe). */
int askq_init(struct askq *q, size_t cap);

/* Frees the set's memory; *q is empty afterwards. Accepts a zeroed *q. */
void askq_release(struct askq *q);

/* `item` is to be acted on as soon as possible (out of the timed part if it was there).
 * item < cap. */
void askq_now(struct askq *q, size_t item);

/* `item` is to be acted on at `at` (out of the "now" part if it was there). item < cap. */
void askq_at(struct askq *q, size_t item, int64_t at);

/* `item` waits for nothing (nothing when it was not in the set). */
void askq_remove(struct askq *q, size_t item);

/* Takes the next item due at `now` out of the set into *ret: a "now" item, else a timed
 * item whose time is <= now. Returns false (and leaves *ret) when none is due. */
bool askq_take(struct askq *q, int64_t now, size_t *ret);

/* The earliest time of a timed item, INT64_MAX when there is none ("now" items are not
 * counted: they are for the caller's current turn). */
int64_t askq_next_at(const struct askq *q);

#endif
