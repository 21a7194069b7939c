/* node.c: this batchd as a node among those sharing the repository (see node.h). */
#include "daemon/node.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lease.h"
#include "daemon/config.h"
#include "daemon/dlog.h"
#include "daemon/supervisor.h"

int node_init(struct node *n, const char *name, const char *labels, bool same_machine,
              struct batchd_metrics *m, struct batch_err *reterr)
{
        memset(n, 0, sizeof(*n));
        char host[256] = "";
        bool from_host = !name;
        if (from_host) {
                if (gethostname(host, sizeof(host) - 1) < 0)
                        host[0] = '\0';
                /* The host name as far as its first dot: the node's short name. */
                char *dot = strchr(host, '.');
                if (dot && dot != host)
                        *dot = '\0';
                name = host;
        }
        char why[400];
        if (!cfg_check(CFG_NODE_NAME, name, false, why, sizeof(why)))
                return batch_err_set(reterr, BATCH_EINVAL, "node_name",
                                     from_host ? "the host name %s; set node_name (--node-name)"
                                               : "node_name: %s",
                                     why);
        snprintf(n->name, sizeof(n->name), "%s", name);
        if (labels) {
                int r = labels_parse(labels, n->labels, sizeof(n->labels), reterr);
                if (r < 0)
                        return r;
        }
        n->same_machine = same_machine;
        n->interval_ms = 5000;
        n->max_skew_us = 2000000;
        n->m = m;
        if (m) {
                snprintf(m->node_name, sizeof(m->node_name), "%s", n->name);
                atomic_store(&m->node_max_skew_us, (int_fast64_t)n->max_skew_us);
        }
        return 0;
}

void node_configure(struct node *n, long interval_s, double max_skew_s, const char *labels)
{
        n->interval_ms = interval_s * 1000;
        n->max_skew_us = (int64_t)(max_skew_s * 1e6 + 0.5);
        struct batch_err err;
        if (!labels)
                n->labels[0] = '\0';
        else if (labels_parse(labels, n->labels, sizeof(n->labels), &err) < 0)
                dlog("error", NULL, 0, 0, NULL, "labels: %s; the labels in force are kept",
                     err.msg);
        if (n->m)
                atomic_store(&n->m->node_max_skew_us, (int_fast64_t)n->max_skew_us);
        /* The new values go out with the next tick. */
        n->next_beat_ms = 0;
}

void node_set_api_url(struct node *n, const char *url)
{
        snprintf(n->api_url, sizeof(n->api_url), "%s", url ? url : "");
}

/* Measures this node's clock against the database's: the database's time read between
 * two readings of ours, compared with their middle (which is off by at most half the
 * round trip). *ret_db_us: the database's time at the middle. */
static int measure(struct node *n, struct store *st, struct dclock *clock, int64_t *ret_db_us,
                   int64_t *ret_rtt_us, struct batch_err *reterr)
{
        int64_t before = dclock_now_us(clock), db;
        int r = store_db_now_us(st, &db, reterr);
        int64_t after = dclock_now_us(clock);
        if (r < 0)
                return r;
        *ret_db_us = db;
        *ret_rtt_us = after - before;
        /* SQLite is on this machine: its clock is ours (a virtual clock is a test's). */
        n->offset_us = n->same_machine ? 0 : before + (after - before) / 2 - db;
        return 0;
}

/* The verdict on the last measurement, logged the first time and when it changes. Skewed only when certain:
 * the offset exceeds the bound by more than half the round trip. */
static void judge(struct node *n, int64_t rtt_us)
{
        int64_t off = n->offset_us < 0 ? -n->offset_us : n->offset_us;
        bool ok = off - rtt_us / 2 <= n->max_skew_us;
        if (ok != n->may_plan || !n->measured)
                dlog(ok ? "info" : "warn", NULL, 0, 0, NULL,
                     ok ? "clock: node %s is %.3f s from the database's clock, within "
                          "max_clock_skew %.3f s: it may plan"
                        : "clock: node %s is %.3f s from the database's clock, more than "
                          "max_clock_skew %.3f s: it does not plan until that is fixed",
                     n->name, (double)n->offset_us / 1e6, (double)n->max_skew_us / 1e6);
        n->may_plan = ok;
        n->measured = true;
        if (n->m) {
                atomic_store(&n->m->node_offset_us, (int_fast64_t)n->offset_us);
                atomic_store(&n->m->node_measured, 1);
                atomic_store(&n->m->node_may_plan, ok ? 1 : 0);
        }
}

static void note_failure(struct node *n, bool failed, const char *msg)
{
        if (failed && !n->beat_failing)
                dlog("error", NULL, 0, 0, NULL, "node %s: heartbeat failed: %s (tried again "
                     "every interval; the last clock verdict stays)", n->name, msg);
        else if (!failed && n->beat_failing)
                dlog("info", NULL, 0, 0, NULL, "node %s: heartbeat recorded again", n->name);
        n->beat_failing = failed;
}

static void read_state(struct node *n, struct store *st)
{
        struct store_node row;
        struct batch_err err;
        if (store_node_get(st, n->name, &row, &err) < 0)
                return;
        bool draining = !strcmp(row.state, "draining");
        store_node_release(&row);
        if (draining != n->draining)
                dlog("info", NULL, 0, 0, NULL,
                     draining ? "node %s: draining: it starts no new runs; those in flight "
                                "finish"
                              : "node %s: active: it starts runs again",
                     n->name);
        n->draining = draining;
        if (n->m)
                atomic_store(&n->m->node_draining, draining ? 1 : 0);
}

void node_tick(struct node *n, struct store *st, struct dclock *clock, int64_t mono_ms,
               int running, int capacity)
{
        if (mono_ms >= n->next_beat_ms) {
                n->next_beat_ms = mono_ms + n->interval_ms;
                int64_t db_us, rtt_us;
                struct batch_err err;
                if (measure(n, st, clock, &db_us, &rtt_us, &err) < 0) {
                        /* The state is still read below: a drain must hold. */
                        note_failure(n, true, err.msg);
                        goto state;
                }
                judge(n, rtt_us);
                int64_t db_s = db_us / 1000000;
                if (!n->started_at)
                        n->started_at = db_s;
                char *labels = n->labels, *url = n->api_url[0] ? n->api_url : NULL;
                struct store_node row = {
                        .name = n->name, .capacity = capacity, .started_at = n->started_at,
                        .heartbeat_at = db_s, .labels = labels, .api_url = url,
                        .running = running, .clock_offset_us = n->offset_us,
                        .plan_ok = n->may_plan,
                        .lease_expires_at = db_s + NODE_LEASE_BEATS * n->interval_ms / 1000};
                int r = store_node_report(st, &row, &err);
                note_failure(n, r < 0, r < 0 ? err.msg : NULL);
                /* The row's lease counts from the database's time, read after mono_ms:
                 * counted from mono_ms less the margin, the validity ends before any
                 * other node can see the lease passed (as the planner lease's). */
                if (r == 0 && n->lease_dir) {
                        n->valid_until_ms = lease_valid_until_ms(
                                mono_ms, (int)(NODE_LEASE_BEATS * n->interval_ms / 1000));
                        if (run_lease_write(n->lease_dir, n->valid_until_ms) < 0)
                                dlog("error", NULL, 0, 0, NULL, "node %s: cannot write the "
                                     "lease file in %s: %s", n->name, n->lease_dir,
                                     strerror(errno));
                }
                n->next_state_ms = 0;
        }
state:
        if (mono_ms >= n->next_state_ms) {
                n->next_state_ms = mono_ms + 1000;
                read_state(n, st);
        }
}

bool node_may_plan(const struct node *n)
{
        return n->measured && n->may_plan;
}

bool node_may_launch(const struct node *n)
{
        return !n->draining;
}

void node_publish_lease(struct node *n, const char *state_dir)
{
        /* The file is left as it is until the first heartbeat: the runs a restarted
         * node's predecessor left go on under the validity it wrote. */
        n->lease_dir = state_dir;
}

bool node_holds(const struct node *n, int64_t mono_ms)
{
        return !n->lease_dir || lease_holds(n->valid_until_ms, mono_ms);
}

int64_t node_wait_ms(const struct node *n, int64_t mono_ms)
{
        return n->next_beat_ms > mono_ms ? n->next_beat_ms - mono_ms : 0;
}
