/* suggest.c: edit distance and closest-candidate lookup for error messages. */
#include "suggest.h"

#include <string.h>

int suggest_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        if (la > 64 || lb > 64)
                return 1000;
        int row[65];
        for (size_t j = 0; j <= lb; j++)
                row[j] = (int)j;
        for (size_t i = 1; i <= la; i++) {
                int diag = row[0];
                row[0] = (int)i;
                for (size_t j = 1; j <= lb; j++) {
                        int up = row[j];
                        int best = diag + (a[i - 1] != b[j - 1]);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diag = up;
                }
        }
        return row[lb];
}

const char *suggest_closest(const char *word, const char *const *cands, size_t n)
{
        const char *best = NULL;
        int bestd = 3;
        int limit = (int)(strlen(word) + 1) / 2;
        for (size_t i = 0; i < n; i++) {
                if (!cands[i])
                        continue;
                int d = suggest_distance(word, cands[i]);
                if (d < bestd && d <= limit) {
                        bestd = d;
                        best = cands[i];
                }
        }
        return best;
}
