/* deps.c: governing-instance search and the readiness decision of DESIGN §2.3. */
#include "deps.h"

#include "lifecycle.h"

long deps_governing(const int64_t *dues, size_t n, int64_t prev_due, int64_t due)
{
        /* The last index with dues[i] <= due. */
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (dues[mid] <= due)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0 || dues[lo - 1] <= prev_due)
                return -1;
        return (long)lo - 1;
}

static bool satisfied(const struct deps_parent *p)
{
        if (!p->enabled)
                return true;
        if (!p->has_governing)
                return !p->expected;
        if (p->mode == DEPS_COMPLETION)
                return state_is_final(p->governing_state);
        return state_is_success(p->governing_state);
}

enum deps_verdict deps_decide(const struct deps_parent *p, size_t n, size_t *blocking)
{
        for (size_t i = 0; i < n; i++) {
                if (!satisfied(&p[i])) {
                        if (blocking)
                                *blocking = i;
                        return DEPS_WAIT;
                }
        }
        return DEPS_READY;
}
