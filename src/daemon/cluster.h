/* cluster.h: this node's part in a cluster of batchd processes sharing one PostgreSQL
 * repository (DESIGN §9, docs/cluster.md): the planner lease, taken and renewed on the
 * monotonic clock, and the fence of the planner's transactions by the lease's epoch.
 * On SQLite there is one node: the cluster is off and the node always plans. */
#ifndef BATCH_DAEMON_CLUSTER_H
#define BATCH_DAEMON_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "batch_errors.h"

struct store;

#define CLUSTER_LEASE "planner"

struct cluster {
        bool on;                /* several nodes may share the repository (PostgreSQL) */
        char node[64];          /* this node's name: the lease's holder, executions' node */
        int ttl_s;              /* the lease's time to live */
        bool planning;          /* this node holds the lease and plans */
        int64_t epoch;          /* the epoch of its current or last term; 0: none yet */
        int64_t valid_until_ms; /* monotonic: it holds the lease until then; 0: not */
        int64_t next_try_ms;    /* monotonic: the next take or renewal */
        bool failing;           /* the last attempt failed (logged once per run of them) */
        uint64_t failures;      /* failed attempts so far (the daemon reopens its
                                   connection after each, daemon.c) */
};

/* What cluster_tick saw. */
enum cluster_change {
        CLUSTER_SAME,    /* nothing that needs the daemon */
        CLUSTER_GAINED,  /* a new term: restore from the repository, then plan */
        CLUSTER_STOPPED, /* planning stops now (a renewal failed); runs are kept */
        CLUSTER_EXPIRED, /* the lease is past (or another node's): the term is over */
};

/* Sets c up: on for a cluster (else the node always plans), node's name (NULL or "":
 * the host name), the lease's ttl in seconds. */
void cluster_init(struct cluster *c, bool on, const char *node, int ttl_s);

/* For the node's PostgreSQL sessions, before they are opened (libpq's PGOPTIONS, kept
 * when set): a session idle inside a transaction for a whole ttl is ended by the server,
 * so a planner stalled inside a fenced transaction (its lease row share-locked) cannot
 * keep a takeover waiting. 0, or -1 without memory. */
int cluster_session_limits(int ttl_s);

/* At monotonic time now_ms: takes or renews the lease when due (every ttl/3), on the
 * repository's connection outside any transaction, and says what changed. While
 * may_plan is false (the node's clock is off the database's, node.h) it neither takes
 * nor renews: a planner stops planning, and its lease runs out. A node that
 * stopped planning reports CLUSTER_EXPIRED once, when its lease's validity ends
 * (at once when another node took the lease). Always CLUSTER_SAME when off. */
enum cluster_change cluster_tick(struct cluster *c, struct store *st, int64_t now_ms,
                                 bool may_plan);

/* Gives the planner lease up now (a release: the row expires, keeping its epoch, so a
 * standby takes it at its next try), when this node plans: planning stops. For a
 * drained node (node.h), whose runs have all ended. Logs `why`. */
void cluster_hand_over(struct cluster *c, struct store *st, const char *why);

/* The fence (DESIGN §11.2): called first in each of the planner's transactions. 0 when
 * the lease still names this node at its epoch (the row then stays share-locked until
 * the transaction ends); otherwise an error (*reterr) and, when another holder has it,
 * the node stops planning at once and is past its lease (the next tick reports
 * CLUSTER_EXPIRED). 0 when off. */
int cluster_fence(struct cluster *c, struct store *st, struct batch_err *reterr);

/* Milliseconds from now_ms until cluster_tick has something to do (INT64_MAX when
 * off). */
int64_t cluster_wait_ms(const struct cluster *c, int64_t now_ms);

#endif
