/* nodes.c: nodes as JSON, drain and undrain (see nodes.h). */
#include "ops/nodes.h"

#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "core/isotime.h"

const char *ops_node_status(const struct store_node *n, int64_t db_now_s)
{
        if (db_now_s > n->lease_expires_at)
                return "lost";
        if (n->state && !strcmp(n->state, "draining"))
                return n->running > 0 ? "draining" : "drained";
        return "active";
}

static void put_time(struct buf *b, const char *key, int64_t t)
{
        char iso[ISO_FORMAT_MAX];
        buf_printf(b, ", \"%s\": ", key);
        json_put_string(b, t ? iso_format_utc(t, iso) : NULL);
}

void ops_put_node(struct buf *b, const struct store_node *n, int64_t db_now_s)
{
        buf_puts(b, "{\"name\": ");
        json_put_string(b, n->name);
        buf_puts(b, ", \"state\": ");
        json_put_string(b, n->state);
        buf_printf(b, ", \"status\": \"%s\", \"capacity\": %d, \"running\": %d, \"labels\": [",
                   ops_node_status(n, db_now_s), n->capacity, n->running);
        const char *l = n->labels ? n->labels : "";
        for (bool first = true; *l; first = false) {
                const char *comma = strchr(l, ',');
                size_t len = comma ? (size_t)(comma - l) : strlen(l);
                if (!first)
                        buf_puts(b, ", ");
                json_put_stringn(b, l, len);
                l += len + (comma != NULL);
        }
        buf_puts(b, "], \"api_url\": ");
        json_put_string(b, n->api_url);
        put_time(b, "started_at", n->started_at);
        put_time(b, "heartbeat_at", n->heartbeat_at);
        int64_t age = db_now_s - n->heartbeat_at;
        buf_printf(b, ", \"heartbeat_age_seconds\": %lld", (long long)(age < 0 ? 0 : age));
        put_time(b, "lease_expires_at", n->lease_expires_at);
        buf_printf(b, ", \"clock_offset_seconds\": %.3f, \"may_plan\": %s}",
                   (double)n->clock_offset_us / 1e6, n->plan_ok ? "true" : "false");
}

int ops_node_set_state(struct store *s, const char *name, const char *state, const char *actor,
                       int64_t now_s, bool *ret_changed, struct batch_err *reterr)
{
        int r = store_begin(s, reterr);
        if (r < 0)
                return r;
        bool changed = false;
        char object[96];
        snprintf(object, sizeof(object), "node %s", name);
        r = store_node_set_state(s, name, state, &changed, reterr);
        if (r == 0 && changed)
                r = store_audit_add(s, now_s, actor,
                                    strcmp(state, "draining") ? "node-undrain" : "node-drain",
                                    object, NULL, reterr);
        if (r == 0)
                r = store_commit(s, reterr);
        if (r < 0) {
                store_rollback(s);
                return r;
        }
        *ret_changed = changed;
        return 0;
}
