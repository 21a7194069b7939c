/* why.c: the explanation record (see why.h). */
#include "core/why.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
        const char *name, *section;
} rules[WHY_RULE_X_MAX] = {
        [WHY_TRIGGER] = {"trigger", "2"},
        [WHY_CRON] = {"cron", "2.1"},
        [WHY_CALENDAR] = {"calendar", "2.2"},
        [WHY_OFFSET] = {"time offset", "2.2"},
        [WHY_CATCHUP] = {"catch-up", "2"},
        [WHY_PAUSE] = {"pause", "2.2"},
        [WHY_WINDOW] = {"batch window", "2.2"},
        [WHY_DUE_PARAMS] = {"due parameters", "2.4"},
        [WHY_PARENT] = {"dependency", "2.3"},
        [WHY_SINGLE] = {"single instance", "2"},
        [WHY_SUPERSEDED] = {"supersession", "2.3"},
        [WHY_WINDOW_CLOSE] = {"window while waiting", "2.2"},
        [WHY_START] = {"start", "4"},
        [WHY_TIMEOUT] = {"timeout", "5"},
        [WHY_WINDOW_END] = {"on_window_end", "2"},
        [WHY_END] = {"run end", "3"},
        [WHY_RETRY] = {"retry", "2"},
        [WHY_OPERATOR] = {"operator", "3"},
        [WHY_RECORD] = {"record", "3"},
        [WHY_NEXT_DUE] = {"next due", "2.1"},
        [WHY_HORIZON] = {"forecast horizon", "-"},
};

static const char *const verdicts[WHY_VERDICT_X_MAX] = {
        [WHY_PASS] = "pass", [WHY_WAIT] = "wait", [WHY_SKIP] = "skip",
        [WHY_DUE] = "due",   [WHY_RUN] = "run",   [WHY_WARN] = "warn",
        [WHY_STOP] = "stop", [WHY_DONE] = "done", [WHY_NONE] = "none",
};

void why_init(struct why *w, size_t job, int64_t due, int64_t ext_id)
{
        memset(w, 0, sizeof(*w));
        w->job = job;
        w->due = due;
        w->ext_id = ext_id;
}

void why_release(struct why *w)
{
        free(w->steps);
        w->steps = NULL;
        w->n = w->cap = 0;
}

void why_add(struct why *w, enum why_rule rule, enum why_verdict verdict, int64_t at, int state,
             const char *fmt, ...)
{
        struct why_step st = {.rule = rule, .verdict = verdict, .at = at, .state = state};
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st.text, sizeof(st.text), fmt, ap);
        va_end(ap);
        size_t subject = strcspn(st.text, ":");
        for (size_t i = w->n; i-- > 0;) {
                const struct why_step *o = &w->steps[i];
                if (o->rule != rule || strcspn(o->text, ":") != subject ||
                    strncmp(o->text, st.text, subject))
                        continue;
                if (o->verdict == verdict && !strcmp(o->text, st.text))
                        return;
                if (o->verdict == verdict && o->at == at && i == w->n - 1) {
                        /* Decided again at the same instant with the same verdict: only the
                         * last decision of an instant is the story. */
                        w->steps[i] = st;
                        return;
                }
                break;
        }
        if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;
                struct why_step *s = realloc(w->steps, cap * sizeof(*s));
                if (!s) {
                        w->nomem = 1;
                        return;
                }
                w->steps = s;
                w->cap = cap;
        }
        w->steps[w->n++] = st;
}

const char *why_rule_name(enum why_rule r)
{
        return (unsigned)r < WHY_RULE_X_MAX ? rules[r].name : "?";
}

const char *why_rule_section(enum why_rule r)
{
        return (unsigned)r < WHY_RULE_X_MAX ? rules[r].section : "?";
}

const char *why_verdict_name(enum why_verdict v)
{
        return (unsigned)v < WHY_VERDICT_X_MAX ? verdicts[v] : "?";
}
