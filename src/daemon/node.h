/* node.h: this batchd as one node among those sharing the repository (docs/daemon.md,
 * "Nodes"): its heartbeat, which upserts its row in `nodes` every heartbeat_interval
 * (monotonic clock) with its labels, capacity, runs in flight, API address and clock
 * offset; the offset of its clock against the database's, measured at each heartbeat,
 * round-trip corrected, and the verdict whether it may plan; and the operator's drain,
 * read back from its row. Used by the scheduler's loop only (one thread); what the API
 * shows goes through the metrics' atomics. */
#ifndef BATCH_DAEMON_NODE_H
#define BATCH_DAEMON_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "api/metrics.h"
#include "common/err.h"
#include "core/labels.h"
#include "daemon/clock.h"
#include "store/store.h"

/* The lease of a node is this many heartbeat intervals after its last heartbeat. */
#define NODE_LEASE_BEATS 3

struct node {
        char name[64];
        char labels[LABELS_TEXT_MAX];  /* canonical */
        char api_url[512];             /* or "" */
        bool same_machine;             /* SQLite: the database's clock is this machine's */
        int64_t interval_ms;           /* heartbeat_interval */
        int64_t max_skew_us;           /* max_clock_skew */
        int64_t started_at;            /* Unix seconds on the database's clock */
        int64_t next_beat_ms;          /* monotonic; 0: at the next tick */
        int64_t next_state_ms;         /* monotonic: the next look at the operator's state */
        int64_t offset_us;             /* the last measured offset */
        bool measured;                 /* offset_us and may_plan hold a verdict (logged) */
        bool may_plan;
        bool draining;
        bool beat_failing;             /* the last heartbeat failed (logged once) */
        /* A node of a cluster: until when (monotonic ms) its own lease holds, from the
         * start of its last recorded heartbeat (core/lease.h's margin), 0: never; and
         * the state directory whose lease file tells its supervisors (docs/cluster.md). */
        int64_t valid_until_ms;
        const char *lease_dir;         /* NULL: not a node of a cluster */
        struct batchd_metrics *m;      /* where the API reads the above; may be NULL */
};

/* Sets n up for node `name` (NULL: the host name) with `labels` (NULL: none), checked
 * as the config checks them; `same_machine` for an SQLite repository. Nothing is
 * written until node_tick. BATCH_EINVAL with the reason (a host name that is not a valid
 * node name asks for node_name). */
int node_init(struct node *n, const char *name, const char *labels, bool same_machine,
              struct batchd_metrics *m, struct batch_err *reterr);

/* Applies heartbeat_interval (seconds), max_clock_skew (seconds) and labels (NULL:
 * none; already checked), at start and on SIGHUP; the next heartbeat carries them. */
void node_configure(struct node *n, long interval_s, double max_skew_s, const char *labels);

/* Sets the address the node's API answers on, as other nodes reach it ("" for none). */
void node_set_api_url(struct node *n, const char *url);

/* The scheduler's loop calls this every turn, outside its transaction, with the
 * monotonic time, runs in flight and run slots. Every interval it measures the clock
 * and writes the heartbeat; every second it reads back the operator's state. Failures
 * are logged once per change and leave the last verdicts in force. */
void node_tick(struct node *n, struct store *st, struct dclock *clock, int64_t mono_ms,
               int running, int capacity);

/* Makes n a node of a cluster whose supervisors read its lease's validity from the
 * lease file in `state_dir` (kept): each recorded heartbeat rewrites it. */
void node_publish_lease(struct node *n, const char *state_dir);

/* Whether this node's own lease (its last recorded heartbeat + NODE_LEASE_BEATS
 * intervals, less core/lease.h's margin) holds at monotonic now_ms: while it does, the
 * other nodes do not count its runs lost, so it may claim and run instances. Always true
 * outside a cluster. */
bool node_holds(const struct node *n, int64_t mono_ms);

/* Milliseconds from monotonic mono_ms until node_tick's next heartbeat. */
int64_t node_wait_ms(const struct node *n, int64_t mono_ms);

/* Whether this node may plan now: its clock was measured and is within max_clock_skew
 * of the database's (always once measured on SQLite). The planner role asks this before
 * planning; a draining node should give the planner role up too (node_may_launch). */
bool node_may_plan(const struct node *n);

/* Whether this node may start new runs: false while its row is draining (its runs in
 * flight go on). */
bool node_may_launch(const struct node *n);

#endif
