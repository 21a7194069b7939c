/* deps.h: the dependency view of one day, as the REST API and `batchctl deps` show it
 * (docs/api.md): the tenant's jobs with the state of their governing instance that day,
 * and the dependency edges with their mode. */
#ifndef BATCH_OPS_DEPS_H
#define BATCH_OPS_DEPS_H

#include "common/buf.h"
#include "common/err.h"
#include "core/tz.h"
#include "core/window.h"
#include "store/store.h"

/* The tenant's time zone: its settings' timezone, else UTC (also when the settings or
 * the zone cannot be read). Borrowed from the zoneinfo cache; never NULL. */
const struct tz *ops_tenant_zone(struct store *s, const char *tenant);

/* The tenant's zone (as ops_tenant_zone) and batch window (its settings', else the
 * whole-day default), for process dates (ops_process_date). */
struct ops_tenant_window {
        const struct tz *zone;
        struct window window;
};

void ops_tenant_window(struct store *s, const char *tenant, struct ops_tenant_window *ret);

/* Appends {"date", "timezone", "nodes": [...], "edges": [...]} for `date` (YYYY-MM-DD),
 * a day in the tenant's time zone (its settings' timezone, else UTC). A node is a job
 * ({"job", "group", "enabled", "state", "state_code", "instance_id", "due"}): its
 * governing instance that day is its latest instance due within the day (a submit's
 * due time is its submit time); without one, state, state_code, instance_id and due
 * are null. An edge {"from": parent, "to": child, "mode": "success"|"completion"}
 * joins two shown jobs. `group` (or NULL) keeps only that group's jobs.
 * Errors: BATCH_ESYNTAX for a date that does not parse, or the repository's. */
int ops_deps_view(struct store *s, const char *tenant, const char *date, const char *group,
                  struct buf *b, struct batch_err *reterr);

#endif
