/* gate.h: how the connections to one SQLite file take turns at writing.
 *
 * SQLite lets one connection write at a time and tells the others SQLITE_BUSY; its
 * stock busy handler (sqlite3_busy_timeout) polls with sleeps growing to 100 ms and
 * gives up after the timeout. A connection that commits and begins again at once
 * (a partition committing every item) wins nearly every poll, so another one can wait
 * past any timeout. Two remedies (docs/internals/sqlite-writers.md):
 * - the gate: the connections of this process to one file (the same device and inode)
 *   queue for it first-come first-served, so a thread never starves another thread;
 * - sqlite_busy_init: the wait for other processes polls often (0.1 ms growing to
 *   2 ms, with jitter) for up to SQLITE_WRITE_WAIT_S seconds. */
#ifndef BATCH_STORE_SQLITE_GATE_H
#define BATCH_STORE_SQLITE_GATE_H

#include <stdint.h>
#include <sqlite3.h>

#include "common/err.h"

/* How long a writer waits for its turn: in the gate, then again for other processes. */
#define SQLITE_WRITE_WAIT_S 60

/* The busy handler's state for one connection (the caller keeps it as long as the
 * connection). */
struct sqlite_busy {
        int64_t start_us;        /* when the current wait began (monotonic) */
        uint64_t rnd;            /* jitter */
};

/* Installs the busy handler on db (replacing any busy timeout): SQLITE_BUSY is retried
 * for up to SQLITE_WRITE_WAIT_S seconds, then returned. b: the handler's state, owned
 * by the caller, valid until db is closed. */
void sqlite_busy_init(sqlite3 *db, struct sqlite_busy *b);

/* The gate of the file that db's main database is. *ret is NULL for a database that is
 * not a file (":memory:", temporary), whose gate calls then do nothing. Release with
 * sqlite_gate_put. BATCH_ENOMEM, or BATCH_EIO when the file cannot be looked at.
 * Thread-safe. */
struct sqlite_gate;
int sqlite_gate_get(sqlite3 *db, struct sqlite_gate **ret, struct batch_err *reterr);

/* Drops a reference from sqlite_gate_get. Accepts NULL. */
void sqlite_gate_put(struct sqlite_gate *g);

/* Waits for this thread's turn at writing the file, first-come first-served among the
 * connections of this process, for up to SQLITE_WRITE_WAIT_S seconds. 0: the turn is
 * the caller's until sqlite_gate_leave. BATCH_EIO when the wait timed out, or at once
 * when this thread holds the turn already (through another connection: waiting would
 * never end). g NULL: returns 0 at once. */
int sqlite_gate_enter(struct sqlite_gate *g, struct batch_err *reterr);

/* Ends the caller's turn (after COMMIT or ROLLBACK) and hands it to the longest waiting
 * connection. g NULL: does nothing. */
void sqlite_gate_leave(struct sqlite_gate *g);

#endif
