/* jobset.c: a set of small numbers as a two-level bitmap (see jobset.h). */
#include "core/jobset.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int jobset_init(struct jobset *s, size_t cap)
{
        *s = (struct jobset){0};
        size_t words = (cap + 63) / 64, sums = (words + 63) / 64;
        s->bits = calloc(words ? words : 1, sizeof(*s->bits));
        s->sum = calloc(sums ? sums : 1, sizeof(*s->sum));
        if (!s->bits || !s->sum) {
                jobset_release(s);
                return BATCH_ENOMEM;
        }
        s->cap = cap;
        return 0;
}

int jobset_copy(struct jobset *dst, const struct jobset *src)
{
        int rc = jobset_init(dst, src->cap);
        if (rc < 0)
                return rc;
        size_t words = (src->cap + 63) / 64, sums = (words + 63) / 64;
        memcpy(dst->bits, src->bits, words * sizeof(*dst->bits));
        memcpy(dst->sum, src->sum, sums * sizeof(*dst->sum));
        dst->n = src->n;
        return 0;
}

void jobset_release(struct jobset *s)
{
        free(s->bits);
        free(s->sum);
        *s = (struct jobset){0};
}

void jobset_add(struct jobset *s, size_t i)
{
        uint64_t bit = 1ULL << (i % 64);
        if (s->bits[i / 64] & bit)
                return;
        s->bits[i / 64] |= bit;
        s->sum[i / 4096] |= 1ULL << (i / 64 % 64);
        s->n++;
}

void jobset_remove(struct jobset *s, size_t i)
{
        if (!jobset_has(s, i))
                return;
        s->bits[i / 64] &= ~(1ULL << (i % 64));
        if (!s->bits[i / 64])
                s->sum[i / 4096] &= ~(1ULL << (i / 64 % 64));
        s->n--;
}

bool jobset_has(const struct jobset *s, size_t i)
{
        return i < s->cap && (s->bits[i / 64] >> (i % 64) & 1);
}

size_t jobset_next(const struct jobset *s, size_t from)
{
        if (from >= s->cap || !s->n)
                return SIZE_MAX;
        size_t w = from / 64;
        uint64_t m = s->bits[w] & (~0ULL << (from % 64));
        if (m)
                return w * 64 + (size_t)__builtin_ctzll(m);
        /* The next non-empty word after w, from the summary. */
        size_t words = (s->cap + 63) / 64, sums = (words + 63) / 64;
        w++;
        for (size_t k = w / 64; k < sums && w < words; k++, w = k * 64) {
                uint64_t sm = s->sum[k] & (~0ULL << (w % 64));
                if (sm) {
                        size_t nw = k * 64 + (size_t)__builtin_ctzll(sm);
                        return nw * 64 + (size_t)__builtin_ctzll(s->bits[nw]);
                }
        }
        return SIZE_MAX;
}
