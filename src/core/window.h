/* window.h: the tenant's batch window (DESIGN.md §2.2). Pure.
 *
 * A moment is inside when its local clock time in the tenant's zone is in
 * [start, end); when end <= start the window wraps past midnight; start == end is
 * the whole day. An occurrence of the window is labelled with the date on which it
 * starts. Occurrence boundaries are wall times: one in a spring-forward gap means
 * the first instant after the gap, one in a fall-back overlap its first occurrence. */
#ifndef BATCH_CORE_WINDOW_H
#define BATCH_CORE_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/tz.h"

struct window {
        int start; /* minutes after midnight, 0..1439 */
        int end;   /* minutes after midnight, 0..1439 */
};

/* One occurrence of the window: open over [open, close), labelled `label_day`
 * (days since 1970-01-01 of the local date on which it starts). */
struct window_occurrence {
        int64_t open;
        int64_t close;
        int64_t label_day;
};

/* The default window, 12:00-12:00: the whole day. */
void window_init_default(struct window *w);

/* True when start == end: every moment is inside. */
bool window_is_whole_day(const struct window *w);

/* True when instant t is inside the window. */
bool window_contains(const struct window *w, const struct tz *z, int64_t t);

/* The occurrence that contains t or, when t is outside, the next one. For the
 * whole-day window, occurrences run from `start` to `start` on the next day. */
void window_occurrence_at(const struct window *w, const struct tz *z, int64_t t,
                          struct window_occurrence *out);

/* The first instant > t at which the window opens (INT64_MAX for the whole-day window,
 * which never opens or closes). */
int64_t window_next_open(const struct window *w, const struct tz *z, int64_t t);

/* The first instant > t at which the window closes (INT64_MAX for the whole day). */
int64_t window_next_close(const struct window *w, const struct tz *z, int64_t t);

/* A job's window policy (DESIGN.md §2: `window`). */
enum window_policy { WINDOW_POLICY_ANY, WINDOW_POLICY_ONLY_IN, WINDOW_POLICY_NOT_IN };

#define WINDOW_REASON_OUTSIDE "outside batch window"
#define WINDOW_REASON_INSIDE "inside batch window"

/* Whether an instance due at `due` may run under `policy`. Returns NULL when it may,
 * else the Timeout Skip reason (static): WINDOW_REASON_OUTSIDE for only_in_window,
 * WINDOW_REASON_INSIDE for not_in_window. */
const char *window_admit(enum window_policy policy, const struct window *w, const struct tz *z,
                         int64_t due);

#endif
