/* deps.h: dependency governance (DESIGN.md §2.3), as pure decisions.
 *
 * A child instance due at T waits until, for every enabled parent P, the parent
 * instance that governs it has finished: the instance of P with the latest due time
 * in (child's previous due time, T]. `success` mode needs it to end in 5 Success or
 * 12 Manual Success, `completion` mode in any final state. A disabled parent is
 * ignored (its own parents are not inherited). */
#ifndef BATCH_CORE_DEPS_H
#define BATCH_CORE_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum deps_mode { DEPS_SUCCESS, DEPS_COMPLETION };

/* What the scheduler knows about one parent for one child instance. */
struct deps_parent {
        bool enabled;
        enum deps_mode mode;
        bool expected;       /* the parent's schedule has a due time in (prev, T] */
        bool has_governing;  /* an instance of the parent is due in (prev, T] */
        int governing_state; /* its state, when has_governing */
};

enum deps_verdict {
        DEPS_READY,   /* every enabled parent is satisfied */
        DEPS_WAIT,    /* some parent has not finished as required (yet) */
};

/* The index, in dues[0..n) sorted ascending, of the governing instance: the latest
 * due time in (prev_due, due]; -1 when there is none. prev_due may be INT64_MIN (the
 * child's first instance). O(log n). */
long deps_governing(const int64_t *dues, size_t n, int64_t prev_due, int64_t due);

/* Decides for a child instance with parents p[0..n). A parent is satisfied when it is
 * disabled; when it has no governing instance and none is expected (its schedule has
 * no due time in the interval: nothing governs the child); or when its governing
 * instance ended as its mode requires. A governing instance that ended in a failure
 * under `success` mode keeps the child waiting (until an operator reruns or marks the
 * parent Manual Success, or the child is superseded). On DEPS_WAIT, *blocking (if not
 * NULL) is the index of the first parent that blocks. */
enum deps_verdict deps_decide(const struct deps_parent *p, size_t n, size_t *blocking);

#endif
