/* pause.c: pause-period membership. */
#include "pause.h"

bool pause_contains(const struct pause_period *p, size_t n, int64_t t)
{
        for (size_t i = 0; i < n; i++)
                if (t >= p[i].from && t < p[i].to)
                        return true;
        return false;
}

const char *pause_admit(const struct pause_period *p, size_t n, int64_t t)
{
        return pause_contains(p, n, t) ? PAUSE_REASON : NULL;
}
