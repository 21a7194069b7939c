/* cluster.c: the planner lease and the fence (see cluster.h, docs/cluster.md). */
#include "daemon/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lease.h"
#include "daemon/dlog.h"
#include "store/store.h"

void cluster_init(struct cluster *c, bool on, const char *node, int ttl_s)
{
        memset(c, 0, sizeof(*c));
        c->on = on;
        c->ttl_s = ttl_s < LEASE_TTL_MIN ? LEASE_TTL_MIN : ttl_s;
        if (node && *node)
                snprintf(c->node, sizeof(c->node), "%s", node);
        else if (gethostname(c->node, sizeof(c->node) - 1) < 0 || !c->node[0])
                snprintf(c->node, sizeof(c->node), "localhost");
        c->planning = !on;
}

/* Planning stops: `why` logged. */
static enum cluster_change stop(struct cluster *c, int64_t now_ms, const char *why)
{
        c->planning = false;
        dlog("warn", NULL, 0, 0, NULL, "node %s stops planning: %s; its term ends in %lld ms "
             "unless it renews the lease", c->node, why,
             (long long)(c->valid_until_ms > now_ms ? c->valid_until_ms - now_ms : 0));
        return CLUSTER_STOPPED;
}

int cluster_session_limits(int ttl_s)
{
        const char *old = getenv("PGOPTIONS");
        char opts[1024];
        snprintf(opts, sizeof(opts), "%s%s-c idle_in_transaction_session_timeout=%d",
                 old ? old : "", old && *old ? " " : "",
                 (ttl_s < LEASE_TTL_MIN ? LEASE_TTL_MIN : ttl_s) * 1000);
        return setenv("PGOPTIONS", opts, 1);
}

enum cluster_change cluster_tick(struct cluster *c, struct store *st, int64_t now_ms,
                                 bool may_plan)
{
        if (!c->on)
                return CLUSTER_SAME;
        if (!may_plan) {
                if (c->planning)
                        return stop(c, now_ms, "its clock is off the database's (max_clock_skew)");
        } else if (now_ms >= c->next_try_ms) {
                c->next_try_ms = now_ms + lease_interval_ms(c->ttl_s);
                struct batch_err err = {0};
                bool held = false;
                int64_t epoch = 0;
                /* The expiry is counted on the database's clock (now 0), read after the
                 * start of the attempt (now_ms), so the holder's validity ends before it
                 * on every node, whatever their own wall clocks say. */
                int rc = store_lease_acquire(st, CLUSTER_LEASE, c->node, 0, c->ttl_s, c->epoch,
                                             &held, &epoch, &err);
                if (rc < 0) {
                        if (!c->failing)
                                dlog("error", NULL, 0, 0, NULL, "node %s: the planner lease "
                                     "cannot be taken or renewed: %s", c->node, err.msg);
                        c->failing = true;
                        c->failures++;
                        if (c->planning)
                                return stop(c, now_ms, "the lease could not be renewed");
                } else if (held) {
                        if (c->failing)
                                dlog("info", NULL, 0, 0, NULL, "node %s: the lease's "
                                     "repository answers again", c->node);
                        c->failing = false;
                        bool same = c->planning && epoch == c->epoch;
                        c->epoch = epoch;
                        c->valid_until_ms = lease_valid_until_ms(now_ms, c->ttl_s);
                        if (same)
                                return CLUSTER_SAME;
                        c->planning = true;
                        dlog("info", NULL, 0, 0, NULL, "node %s holds the planner lease "
                             "(epoch %lld, ttl %d s): planning", c->node, (long long)epoch,
                             c->ttl_s);
                        return CLUSTER_GAINED;
                } else {
                        c->failing = false;
                        if (c->planning || c->valid_until_ms) {
                                /* Another node holds it: this node's term is over. */
                                if (c->planning)
                                        stop(c, now_ms, "another node holds the lease");
                                c->valid_until_ms = 0;
                                return CLUSTER_EXPIRED;
                        }
                }
        }
        if (c->planning && !lease_holds(c->valid_until_ms, now_ms))
                return stop(c, now_ms, "its lease ran out before a renewal");
        if (!c->planning && c->valid_until_ms && !lease_holds(c->valid_until_ms, now_ms)) {
                c->valid_until_ms = 0;
                return CLUSTER_EXPIRED;
        }
        return CLUSTER_SAME;
}

void cluster_hand_over(struct cluster *c, struct store *st, const char *why)
{
        if (!c->on || !c->planning)
                return;
        struct batch_err err = {0};
        if (store_lease_release(st, CLUSTER_LEASE, c->node, &err) < 0)
                dlog("error", NULL, 0, 0, NULL, "node %s: the planner lease cannot be given "
                     "up (it runs out by itself): %s", c->node, err.msg);
        c->planning = false;
        c->valid_until_ms = 0;
        dlog("info", NULL, 0, 0, NULL, "node %s gives the planner lease up: %s", c->node, why);
}

int cluster_fence(struct cluster *c, struct store *st, struct batch_err *reterr)
{
        if (!c->on)
                return 0;
        int rc = store_lease_check(st, CLUSTER_LEASE, c->node, c->epoch, reterr);
        if (rc == BATCH_ESTALE) {
                c->planning = false;
                c->valid_until_ms = 1; /* past: the next tick ends the term */
                dlog("warn", NULL, 0, 0, NULL, "node %s stops planning: %s (fenced: this "
                     "turn's writes are rolled back)", c->node, reterr ? reterr->msg : "");
        }
        return rc;
}

int64_t cluster_wait_ms(const struct cluster *c, int64_t now_ms)
{
        if (!c->on)
                return INT64_MAX;
        int64_t at = c->next_try_ms;
        if (c->valid_until_ms && c->valid_until_ms < at)
                at = c->valid_until_ms;
        return at > now_ms ? at - now_ms : 0;
}
