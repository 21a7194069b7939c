/* hash64.h: a fast 64-bit hash of a byte string, to tell whether a body changed (the
 * API's ETags). Not cryptographic: anyone can make two bodies with the same hash. */
#ifndef BATCH_COMMON_HASH64_H
#define BATCH_COMMON_HASH64_H

#include <stddef.h>
#include <stdint.h>

/* The hash of len bytes at data (data may be NULL when len is 0). It reads eight bytes
 * per step: 1.7-3 us for a 7 KB answer here, where FNV-1a's byte steps took 14-15 us
 * (docs/performance.md, "REST API load"). Each step and the final mix are
 * bijective, so two inputs of the same length that differ in one 8-byte word (in
 * particular in a single byte) never hash alike. The value depends on the machine's
 * byte order; it is not for storage or for other machines. */
uint64_t hash64(const void *data, size_t len);

#endif
