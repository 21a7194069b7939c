/* suggest.h: "did you mean" suggestions by edit distance. */
#ifndef BATCH_COMMON_SUGGEST_H
#define BATCH_COMMON_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a and b (case-sensitive); strings longer than 64
 * bytes count as far from everything (returns 1000). */
int suggest_distance(const char *a, const char *b);

/* The candidate closest to `word` when it is close enough to be a likely typo
 * (distance <= 2, and less than half the word's length), else NULL. `cands` is an
 * array of n strings; NULL entries are skipped. Returns a borrowed pointer. */
const char *suggest_closest(const char *word, const char *const *cands, size_t n);

#endif
