/* window.c: batch-window membership and occurrences on the local wall clock. */
#include "window.h"

#include "civil.h"

void window_init_default(struct window *w)
{
        w->start = w->end = 12 * 60;
}

bool window_is_whole_day(const struct window *w)
{
        return w->start == w->end;
}

static bool wraps(const struct window *w)
{
        return w->end <= w->start;
}

bool window_contains(const struct window *w, const struct tz *z, int64_t t)
{
        if (window_is_whole_day(w))
                return true;
        int64_t s = civil_floormod(tz_to_local(z, t), 86400);
        int64_t a = w->start * 60, b = w->end * 60;
        return wraps(w) ? (s >= a || s < b) : (s >= a && s < b);
}

/* The instant of wall time `minute` on local day `day` (gap: first instant after;
 * overlap: first occurrence). */
static int64_t wall(const struct tz *z, int64_t day, int minute)
{
        int64_t out[2];
        tz_from_local(z, day * 86400 + minute * 60, out);
        return out[0];
}

static void occurrence(const struct window *w, const struct tz *z, int64_t label,
                       struct window_occurrence *out)
{
        out->label_day = label;
        out->open = wall(z, label, w->start);
        out->close = wall(z, label + (wraps(w) ? 1 : 0), w->end);
}

void window_occurrence_at(const struct window *w, const struct tz *z, int64_t t,
                          struct window_occurrence *out)
{
        int64_t local = tz_to_local(z, t);
        int64_t day = civil_floordiv(local, 86400);
        int64_t s = local - day * 86400;
        int64_t a = w->start * 60, b = w->end * 60;
        int64_t label;
        if (window_is_whole_day(w))
                label = s < a ? day - 1 : day;
        else if (wraps(w))
                label = s < b ? day - 1 : day; /* before `end`: yesterday's; else today's */
        else
                label = s < b ? day : day + 1; /* today's until `end`, then tomorrow's */
        occurrence(w, z, label, out);
        /* Around DST the wall-clock label can name an occurrence that already closed. */
        while (out->close <= t)
                occurrence(w, z, out->label_day + 1, out);
}

int64_t window_next_open(const struct window *w, const struct tz *z, int64_t t)
{
        if (window_is_whole_day(w))
                return INT64_MAX;
        struct window_occurrence o;
        window_occurrence_at(w, z, t, &o);
        while (o.open <= t)
                occurrence(w, z, o.label_day + 1, &o);
        return o.open;
}

int64_t window_next_close(const struct window *w, const struct tz *z, int64_t t)
{
        if (window_is_whole_day(w))
                return INT64_MAX;
        struct window_occurrence o;
        window_occurrence_at(w, z, t, &o);
        return o.close;
}

const char *window_admit(enum window_policy policy, const struct window *w, const struct tz *z,
                         int64_t due)
{
        switch (policy) {
        case WINDOW_POLICY_ONLY_IN:
                return window_contains(w, z, due) ? NULL : WINDOW_REASON_OUTSIDE;
        case WINDOW_POLICY_NOT_IN:
                return window_contains(w, z, due) ? WINDOW_REASON_INSIDE : NULL;
        case WINDOW_POLICY_ANY:
                break;
        }
        return NULL;
}
