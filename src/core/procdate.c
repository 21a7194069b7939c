/* procdate.c: the process date of a due time (see procdate.h). */
#include "core/procdate.h"

#include "core/civil.h"

int64_t procdate_day(const struct window *w, const struct tz *z, int64_t due)
{
        struct window_occurrence o;
        /* The occurrence containing `due`, or the next one when it is outside. */
        window_occurrence_at(w, z, due, &o);
        return o.label_day;
}

char *procdate_format(const struct window *w, const struct tz *z, int64_t due,
                      char out[PROCDATE_TEXT_MAX])
{
        int y, m, d;
        civil_date_from_days(procdate_day(w, z, due), &y, &m, &d);
        /* Years 0..9999 (instants of Unix seconds that tz handles fall in them). */
        unsigned v[3] = {(unsigned)(y < 0 ? 0 : y > 9999 ? 9999 : y), (unsigned)m, (unsigned)d};
        char *p = out;
        for (int i = 0; i < 3; i++) {
                unsigned n = v[i], width = i ? 2 : 4;
                for (unsigned k = width; k-- > 0; n /= 10)
                        p[k] = (char)('0' + n % 10);
                p += width;
                *p++ = i < 2 ? '-' : '\0';
        }
        return out;
}
