/* alertpolicy.c: suppression, pause, "after N failures", recovery and retry delays
 * of alerts (see alertpolicy.h). Pure. */
#include "core/alertpolicy.h"

#include <string.h>

struct kind_info {
        const char *kind;
        const char *severity;
        const char *event;  /* the alerts.on event that turns it on */
        const char *event2; /* or this one, or NULL */
};

static const struct kind_info kinds[] = {
        {"failed", "critical", "failure", NULL},
        {"start_failed", "critical", "failure", NULL},
        {"timeout_failed", "critical", "failure", "timeout"},
        {"stop_failed", "critical", "failure", NULL},
        {"timeout_warning", "warning", "timeout", NULL},
        {"partial_failure", "warning", "partial_failure", NULL},
        {"long_run", "warning", "long_run", NULL},
        {"recovered", "info", "failure", NULL},
        {"token_refresh_failures", "warning", "failure", NULL},
};

static const struct kind_info *find(const char *kind)
{
        for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (!strcmp(kinds[i].kind, kind))
                        return &kinds[i];
        return NULL;
}

const char *alertpolicy_severity(const char *kind)
{
        const struct kind_info *k = find(kind);
        return k ? k->severity : NULL;
}

bool alertpolicy_enabled(const char *kind, const char *const *on, size_t n)
{
        static const char *const defaults[] = {"failure", "timeout"};
        const struct kind_info *k = find(kind);
        if (!k)
                return false;
        if (n == 0) {
                on = defaults;
                n = 2;
        }
        for (size_t i = 0; i < n; i++)
                if (!strcmp(on[i], k->event) || (k->event2 && !strcmp(on[i], k->event2)))
                        return true;
        return false;
}

static bool is_failure(const char *kind)
{
        const struct kind_info *k = find(kind);
        return k && !strcmp(k->severity, "critical");
}

void alertpolicy_decide(const struct alertpolicy_in *in, struct alertpolicy_out *out)
{
        memset(out, 0, sizeof(*out));
        if (is_failure(in->kind) && in->after_failures > 1 &&
            in->consecutive_failures < in->after_failures) {
                out->verdict = ALERTPOLICY_NOT_YET;
                return;
        }
        if (pause_contains(in->pauses, in->npauses, in->now)) {
                out->verdict = ALERTPOLICY_PAUSED;
                return;
        }
        /* The newest alert of this kind that was not suppressed, and the ones suppressed
         * by it. */
        const struct alertpolicy_past *last = NULL;
        for (size_t i = 0; i < in->npast && !last; i++)
                if (!strcmp(in->past[i].kind, in->kind) && in->past[i].suppressed_by == 0)
                        last = &in->past[i];
        if (last && in->now - last->created < ALERT_SUPPRESS_S && in->now >= last->created) {
                out->verdict = ALERTPOLICY_SUPPRESS;
                out->suppressed_by = last->id;
                return;
        }
        out->verdict = ALERTPOLICY_SEND;
        if (!last)
                return;
        out->since_alert = last->id;
        for (size_t i = 0; i < in->npast; i++)
                if (in->past[i].suppressed_by == last->id)
                        out->suppressed_count++;
}

bool alertpolicy_recovers(const struct alertpolicy_past *past, size_t npast)
{
        for (size_t i = 0; i < npast; i++) {
                if (!strcmp(past[i].kind, "recovered"))
                        return false;
                if (is_failure(past[i].kind))
                        return true;
        }
        return false;
}

bool alertpolicy_long_run(int64_t run_seconds, int estimated_minutes)
{
        if (estimated_minutes <= 0 || run_seconds < 0)
                return false;
        /* run / (estimate * 60) > 150 / 100, in integers */
        return run_seconds * 100 > (int64_t)estimated_minutes * 60 * ALERT_LONG_RUN_PERCENT;
}

bool alertpolicy_retry(int attempts, int64_t created, int64_t now, int64_t *ret_next)
{
        int64_t delay = ALERT_RETRY_FIRST_S;
        for (int i = 1; i < attempts && delay < ALERT_RETRY_MAX_S; i++)
                delay *= 2;
        if (delay > ALERT_RETRY_MAX_S)
                delay = ALERT_RETRY_MAX_S;
        int64_t next = now + delay;
        if (next - created > ALERT_GIVE_UP_S)
                return false;
        *ret_next = next;
        return true;
}

bool alertpolicy_refresh_failures(int64_t refresh_failures)
{
        return refresh_failures > ALERT_REFRESH_FAILURES_MAX;
}
