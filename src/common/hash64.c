/* hash64.c: see hash64.h. */
#include "common/hash64.h"

#include <string.h>

#define HASH64_K 0x9e3779b97f4a7c15ull /* odd: multiplying by it is a bijection */

/* One step: mixes a word into the state; a bijection of the word for a given state. */
static uint64_t step(uint64_t h, uint64_t w)
{
        h ^= w;
        h = (h << 31) | (h >> 33);
        return h * HASH64_K;
}

uint64_t hash64(const void *data, size_t len)
{
        const unsigned char *p = data;
        uint64_t h = 0xcbf29ce484222325ull ^ ((uint64_t)len * HASH64_K);
        size_t i = 0;
        for (; i + 8 <= len; i += 8) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                h = step(h, w);
        }
        if (i < len) {
                uint64_t w = 0; /* the tail, zero-padded (the length is in h already) */
                memcpy(&w, p + i, len - i);
                h = step(h, w);
        }
        /* final avalanche (each line a bijection), so that the ETag's leading digits vary */
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 33;
        return h;
}
