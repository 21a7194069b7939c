/* lifecycle.h: the 13 instance states of DESIGN.md §3 (the seed's codes) and the
 * table of legal transitions between them (docs/states.md). Pure. */
#ifndef BATCH_CORE_LIFECYCLE_H
#define BATCH_CORE_LIFECYCLE_H

#include <stdbool.h>

enum instance_state {
        STATE_INIT = 0,
        STATE_DEPENDENCY_WAIT = 1,
        STATE_STARTING = 2,
        STATE_START_FAILED = 3,
        STATE_RUNNING = 4,
        STATE_SUCCESS = 5,
        STATE_FAILED = 6,
        STATE_TIMEOUT_FAILED = 7,
        STATE_TIMEOUT_SKIP = 8,
        STATE_CANCELED = 9,
        STATE_STOPPING = 10,
        STATE_STOP_FAILED = 11,
        STATE_MANUAL_SUCCESS = 12,
        STATE_X_MAX,
        STATE_X_INVALID = -1,
};

/* The state's name as DESIGN.md §3 writes it ("Dependency Wait"), or NULL when `s`
 * is not a state. Static. */
const char *state_name(int s);

/* The state whose code (decimal) or name (any case, with spaces, '_' or '-') is
 * `text`; STATE_X_INVALID when none. */
int state_parse(const char *text);

/* True for the final states 3, 5, 6, 7, 8, 9, 12: nothing more happens to the
 * instance unless an operator reruns it or marks it Manual Success. */
bool state_is_final(int s);

/* True when an instance in a final state counts as succeeded for `success`
 * dependencies: 5 Success and 12 Manual Success. */
bool state_is_success(int s);

/* True when `from` → `to` is a legal transition (docs/states.md). A state never
 * transitions to itself. Out-of-range codes are never legal. */
bool state_transition_ok(int from, int to);

#endif
