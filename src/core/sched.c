/* sched.c: the scheduler's decisions (see sched.h and docs/scheduler.md). */
#include "core/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/civil.h"
#include "core/duememo.h"
#include "core/dueparams.h"
#include "core/idxheap.h"
#include "core/jobset.h"
#include "core/isotime.h"
#include "core/lifecycle.h"

enum stop_cause { STOP_NONE, STOP_REQUEST, STOP_TIMEOUT, STOP_WINDOW };

struct job_state {
        /* (The fields every mark and decision reads come first: one cache line.) */
        const struct sched_job_spec *spec; /* borrowed from sched_new's caller */
        struct sched_inst **recs; /* by due (creation order); [head, n) are held */
        size_t head, n;
        size_t ndecidable;             /* held instances deciding may act on (decidable()) */
        size_t dfrom;                  /* recs[head, dfrom) are not decidable: deciding
                                          starts at dfrom (see decide_job) */
        size_t nchildren;
        size_t *children;
        bool prune;                    /* it may hold instances no longer needed (it is
                                          in the set `prunes`) */
        int64_t timer;                 /* earliest time event of its instances */
        size_t cap;
        struct sched_inst *last_sched; /* the latest scheduled instance, never retired */
        int64_t next_due;              /* the next due not yet seen (INT64_MAX: none) */
        int64_t horizon;               /* dues before it were never planned here */
        int64_t last_passed_due;       /* the last due seen (INT64_MIN: none) */
        struct due_memo due;           /* its due sequence's last answer (duememo.h) */
        struct due_memo *dep_due;      /* per parent (spec->deps): that parent's sequence
                                          as this job's instances ask it */
        struct timeout_plan timeouts;
};

struct sched {
        struct job_state *jobs;
        size_t njobs;
        struct sched_tenant tenant;
        int64_t next_id;
        int64_t wakeup;
        int64_t now;  /* the time of the call being served */
        uint64_t gen;
        size_t held;
        uint64_t transitions;
        /* The index (docs/internals/sched-index.md): an advance costs what is due or
         * changing, not the number of jobs. */
        struct idxheap dues;   /* jobs by next_due (those with one) */
        struct idxheap timers; /* jobs by timer (those with one) */
        struct jobset pass;    /* jobs left to decide in the pass under way */
        struct jobset later;   /* jobs to decide in the next pass */
        bool in_pass;          /* a pass is under way, at job `cur` */
        size_t cur;
        struct jobset prunes;  /* jobs whose prune flag is set */
        struct jobset due_now; /* the jobs whose due time has come, in an advance */
        bool full_scan;        /* decide every job in every pass (sched_set_full_scan) */
        bool marked;           /* full scan: a job was marked in this pass */
        struct sched_actions queue; /* transitions reported between advances */
        sched_retire_fn *retire;
        void *retire_arg;
        /* Held instances by ext_id: open addressing, linear probing, at most half full. */
        struct sched_inst **ext_slots;
        size_t ext_cap, ext_n;
        bool ext_incomplete; /* an insertion failed (no memory): lookups also scan */
        struct why *why;     /* the instance being explained (sched_set_why), or NULL */
        /* Retired instances' memory, for the next new ones (a new instance reuses memory
         * just written, likely still in cache, and costs no malloc): at most SPARE_MAX. */
        struct sched_inst **spare;
        size_t nspare, capspare; /* capspare: SPARE_MAX, or 0 (none kept) */
        /* Reasons replaced since the last advance began: freed when the next one begins,
         * so an action that still points at one (sched_action.reason) stays readable. */
        char **old_reasons;
        size_t nold_reasons, capold_reasons;
};

/* The reason of an instance that has none. */
static const char no_reason[] = "";

/* The retired instances a scheduler keeps for reuse (about 330 KiB at most). None under
 * AddressSanitizer: a caller's pointer to a retired instance must stay a use after free
 * it reports, not a read of whichever instance reused the memory. */
#ifdef __SANITIZE_ADDRESS__
#define SPARE_MAX 0
#else
#define SPARE_MAX 1024
#endif

/* Gives s an empty store of retired instances (none when there is no memory for it:
 * no reuse, no error). */
static void spare_init(struct sched *s)
{
        s->spare = SPARE_MAX ? malloc(SPARE_MAX * sizeof(*s->spare)) : NULL;
        s->nspare = 0;
        s->capspare = s->spare ? SPARE_MAX : 0;
}

/* ---- the index by ext_id ------------------------------------------------------------ */

static size_t ext_home(const struct sched *s, int64_t ext_id)
{
        uint64_t x = (uint64_t)ext_id * 0x9E3779B97F4A7C15ULL;
        return (size_t)(x ^ (x >> 29)) & (s->ext_cap - 1);
}

static int ext_insert(struct sched *s, struct sched_inst *r)
{
        if (r->ext_id == 0)
                return 0;
        if (2 * (s->ext_n + 1) > s->ext_cap) {
                size_t cap = s->ext_cap ? 2 * s->ext_cap : 64;
                struct sched_inst **slots = calloc(cap, sizeof(*slots));
                if (!slots) {
                        s->ext_incomplete = true;
                        return BATCH_ENOMEM;
                }
                struct sched_inst **old = s->ext_slots;
                size_t oldcap = s->ext_cap;
                s->ext_slots = slots;
                s->ext_cap = cap;
                for (size_t i = 0; i < oldcap; i++) {
                        if (!old[i])
                                continue;
                        size_t k = ext_home(s, old[i]->ext_id);
                        while (slots[k])
                                k = (k + 1) & (cap - 1);
                        slots[k] = old[i];
                }
                free(old);
        }
        size_t k = ext_home(s, r->ext_id);
        while (s->ext_slots[k])
                k = (k + 1) & (s->ext_cap - 1);
        s->ext_slots[k] = r;
        s->ext_n++;
        return 0;
}

/* Removes r (when indexed), shifting back the entries of its probe run. */
static void ext_remove(struct sched *s, const struct sched_inst *r)
{
        if (r->ext_id == 0 || s->ext_cap == 0)
                return;
        size_t mask = s->ext_cap - 1, k = ext_home(s, r->ext_id);
        while (s->ext_slots[k] && s->ext_slots[k] != r)
                k = (k + 1) & mask;
        if (!s->ext_slots[k])
                return;
        s->ext_slots[k] = NULL;
        s->ext_n--;
        for (size_t j = (k + 1) & mask; s->ext_slots[j]; j = (j + 1) & mask) {
                size_t h = ext_home(s, s->ext_slots[j]->ext_id);
                /* Move it into the hole unless its home lies cyclically in (k, j]. */
                bool stays = k <= j ? (h > k && h <= j) : (h > k || h <= j);
                if (!stays) {
                        s->ext_slots[k] = s->ext_slots[j];
                        s->ext_slots[j] = NULL;
                        k = j;
                }
        }
}

static bool is_live(const struct sched_inst *r)
{
        return !state_is_final(r->state) || r->retry_at != INT64_MAX;
}

/* ---- explanations (why.h) ------------------------------------------------------------ */

/* True when r is the instance being explained. */
static bool traced(const struct sched *s, const struct sched_inst *r)
{
        const struct why *w = s->why;
        if (!w || r->job != w->job)
                return false;
        return w->ext_id ? r->ext_id == w->ext_id : (r->scheduled && r->due == w->due);
}

/* Adds a step about r (the instance being explained) at the time being served. */
#define WHY(s, r, rule, verdict, ...)                                                          \
        do {                                                                                   \
                if (traced((s), (r)))                                                          \
                        why_add((s)->why, (rule), (verdict), (s)->now, (r)->state,             \
                                __VA_ARGS__);                                                  \
        } while (0)

/* An instant as UTC text, or `none` for INT64_MIN / INT64_MAX. */
static const char *utc(int64_t t, char *buf)
{
        if (t == INT64_MIN || t == INT64_MAX)
                return memcpy(buf, "none", 5);
        return iso_format_utc(t, buf);
}

/* The local clock time HH:MM of t in zone z into buf (6 bytes). */
static const char *hhmm(const struct tz *z, int64_t t, char *buf)
{
        int64_t s = civil_floormod(tz_to_local(z, t), 86400);
        snprintf(buf, 6, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
        return buf;
}

/* The steps of a new scheduled instance r: its trigger, calendar, catch-up and due
 * parameters (the pause and window steps follow in create_due). */
static void why_created(struct sched *s, const struct job_state *j, const struct sched_inst *r,
                        const struct sched_inst *prev)
{
        struct why *w = s->why;
        w->found = true;
        w->inst_id = r->id;
        char d[ISO_FORMAT_MAX], a[ISO_FORMAT_MAX], b[ISO_FORMAT_MAX];
        const struct sched_job_spec *sp = j->spec;
        if (sp->external_due)
                why_add(w, WHY_CRON, WHY_DUE, s->now, r->state,
                        "next_due_api: its answer was %s", utc(r->due, d));
        else
                why_add(w, WHY_CRON, WHY_DUE, s->now, r->state, "cron \"%s\" in %s fires at %s",
                        sp->cron_text ? sp->cron_text : "(trigger)",
                        tz_name(sp->zone ? sp->zone : tz_utc()), utc(r->due, d));
        if (sp->workday_only) {
                int64_t day = civil_floordiv(tz_to_local(sp->zone ? sp->zone : tz_utc(), r->due),
                                             86400);
                int y, m, dd;
                civil_date_from_days(day, &y, &m, &dd);
                why_add(w, WHY_CALENDAR, WHY_PASS, s->now, r->state,
                        "%04d-%02d-%02d: a workday of %s%s", y, m, dd,
                        sp->calendar && sp->calendar_name ? "calendar " : "",
                        sp->calendar && sp->calendar_name ? sp->calendar_name
                                                          : "the default calendar (Mon-Fri)");
        }
        if (s->now - r->due > SCHED_MISFIRE_GRACE_S) {
                static const char *const names[] = {"latest", "all", "none"};
                why_add(w, WHY_CATCHUP, WHY_DUE, s->now, r->state,
                        "missed: created at %s, %lld s after its due time (grace %d s); "
                        "catchup: %s",
                        utc(s->now, a), (long long)(s->now - r->due), SCHED_MISFIRE_GRACE_S,
                        names[sp->catchup]);
        }
        if (!prev)
                why_add(w, WHY_DUE_PARAMS, WHY_PASS, s->now, r->state,
                        "FirstDueTime %s, LastDueTime %s: no earlier scheduled instance",
                        utc(r->first_due, a), utc(r->last_due, b));
        else
                why_add(w, WHY_DUE_PARAMS, WHY_PASS, s->now, r->state,
                        "FirstDueTime %s, LastDueTime %s: the previous instance (due %s) %s",
                        utc(r->first_due, a), utc(r->last_due, b), utc(prev->due, d),
                        state_is_final(prev->state) && !state_is_success(prev->state)
                                ? "ended without success, so this one covers its period too"
                                : "did not fail");
}

/* The pause and window steps of a new scheduled instance r due at `due`. */
static void why_admitted(struct sched *s, const struct job_state *j, const struct sched_inst *r,
                         const char *pause_skip, const char *window_skip)
{
        struct why *w = s->why;
        const struct sched_tenant *t = &s->tenant;
        char d[ISO_FORMAT_MAX], a[ISO_FORMAT_MAX], b[ISO_FORMAT_MAX];
        if (pause_skip) {
                for (size_t i = 0; i < t->npauses; i++)
                        if (pause_contains(&t->pauses[i], 1, r->due)) {
                                why_add(w, WHY_PAUSE, WHY_SKIP, s->now, r->state,
                                        "due %s is in the pause [%s, %s): %s", utc(r->due, d),
                                        utc(t->pauses[i].from, a), utc(t->pauses[i].to, b),
                                        pause_skip);
                                break;
                        }
                return;
        }
        why_add(w, WHY_PAUSE, WHY_PASS, s->now, r->state, "due %s is in none of the %zu pause "
                "periods", utc(r->due, d), t->npauses);
        enum window_policy p = j->spec->window;
        if (p == WINDOW_POLICY_ANY) {
                why_add(w, WHY_WINDOW, WHY_PASS, s->now, r->state,
                        "window: any (the job may run at any time)");
                return;
        }
        char at[6];
        why_add(w, WHY_WINDOW, window_skip ? WHY_SKIP : WHY_PASS, s->now, r->state,
                "%s: due at %s %s is %s the batch window %02d:%02d-%02d:%02d%s%s",
                p == WINDOW_POLICY_ONLY_IN ? "only_in_window" : "not_in_window",
                hhmm(t->zone, r->due, at), tz_name(t->zone),
                window_contains(&t->window, t->zone, r->due) ? "inside" : "outside",
                t->window.start / 60, t->window.start % 60, t->window.end / 60,
                t->window.end % 60, window_skip ? ": " : "", window_skip ? window_skip : "");
}

/* ---- due sequences ---------------------------------------------------------- */

/* The instant of local midnight starting day `day` in zone z. */
static int64_t local_midnight(const struct tz *z, int64_t day)
{
        int64_t out[2];
        tz_from_local(z, day * 86400, out);
        return out[0];
}

/* The job's zone and calendar (the defaults UTC and Monday to Friday when unset). */
static const struct tz *job_zone(const struct sched_job_spec *j)
{
        return j->zone ? j->zone : tz_utc();
}

static const struct calendar *job_calendar(const struct sched_job_spec *j, struct calendar *def)
{
        if (j->calendar)
                return j->calendar;
        calendar_init_default(def);
        return def;
}

int64_t sched_job_next_due(const struct sched_job_spec *j, int64_t after)
{
        if (!j->has_cron)
                return INT64_MAX;
        const struct tz *z = job_zone(j);
        struct calendar def;
        const struct calendar *cal = job_calendar(j, &def);
        for (int guard = 0; guard < 100000; guard++) {
                int64_t t;
                if (cron_next(&j->cron, z, after, &t) < 0)
                        return INT64_MAX;
                if (!j->workday_only || calendar_is_workday_at(cal, z, t))
                        return t;
                /* Jump to the start of the next workday. */
                int64_t day = civil_floordiv(tz_to_local(z, t), 86400);
                int64_t next = calendar_next_workday(cal, day + 1);
                if (next < 0)
                        return INT64_MAX;
                int64_t start = local_midnight(z, next) - 1;
                after = start > t ? start : t;
        }
        return INT64_MAX;
}

int64_t sched_job_prev_due(const struct sched_job_spec *j, int64_t before)
{
        if (!j->has_cron)
                return INT64_MIN;
        const struct tz *z = job_zone(j);
        struct calendar def;
        const struct calendar *cal = job_calendar(j, &def);
        for (int guard = 0; guard < 100000; guard++) {
                int64_t t;
                if (cron_prev(&j->cron, z, before, &t) < 0)
                        return INT64_MIN;
                if (!j->workday_only || calendar_is_workday_at(cal, z, t))
                        return t;
                /* Jump back to the start of this (non-working) day. */
                int64_t start = local_midnight(z, civil_floordiv(tz_to_local(z, t), 86400));
                before = start < t ? start : t;
        }
        return INT64_MIN;
}

/* ---- bookkeeping --------------------------------------------------------------- */

static int push_action(struct sched_actions *a, struct sched_action act)
{
        if (a->n == a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 64;
                struct sched_action *items = realloc(a->items, cap * sizeof(*items));
                if (!items)
                        return BATCH_ENOMEM;
                a->items = items;
                a->cap = cap;
        }
        a->items[a->n++] = act;
        return 0;
}

/* A block of reason copies (keep_reason) and warnings' texts; rare: only an instance
 * moved twice before the caller saw the first move, or a warning, needs one. */
struct sched_text {
        struct sched_text *next;
        size_t used;
        char buf[2048];
};

static void text_free(struct sched_text *t)
{
        while (t) {
                struct sched_text *next = t->next;
                free(t);
                t = next;
        }
}

void sched_actions_clear(struct sched_actions *a)
{
        a->n = 0;
        text_free(a->text);
        a->text = NULL;
}

void sched_actions_release(struct sched_actions *a)
{
        free(a->items);
        text_free(a->text);
        a->items = NULL;
        a->text = NULL;
        a->n = a->cap = 0;
}

/* Moves the reason copies of `from` to `to` (the queue's actions join an advance's). */
static void text_adopt(struct sched_actions *to, struct sched_actions *from)
{
        if (!from->text)
                return;
        struct sched_text *t = from->text;
        while (t->next)
                t = t->next;
        t->next = to->text;
        to->text = from->text;
        from->text = NULL;
}

/* A copy of `str` held by list l (freed with its texts); NULL without memory. */
static const char *text_keep(struct sched_actions *l, const char *str)
{
        size_t n = strlen(str) + 1;
        if (n > sizeof(l->text->buf))
                n = sizeof(l->text->buf);
        if (!l->text || l->text->used + n > sizeof(l->text->buf)) {
                struct sched_text *t = malloc(sizeof(*t));
                if (!t)
                        return NULL;
                t->next = l->text;
                t->used = 0;
                l->text = t;
        }
        char *copy = l->text->buf + l->text->used;
        memcpy(copy, str, n - 1);
        copy[n - 1] = '\0';
        l->text->used += n;
        return copy;
}

/* Whether p points into one of list l's reason copies. */
static bool text_holds(const struct sched_actions *l, const char *p)
{
        for (const struct sched_text *t = l->text; t; t = t->next)
                if (p >= t->buf && p < t->buf + t->used)
                        return true;
        return false;
}

/* r is about to get `reason`: unless that leaves r->reason as it is, r's latest action
 * still waiting in *out or in the queue (reported by this call into the sched) and
 * pointing at r->reason gets a copy, so it keeps the reason it was given. Returns 0 or
 * BATCH_ENOMEM. */
static int keep_reason(struct sched *s, struct sched_actions *out, struct sched_inst *r,
                       const char *reason)
{
        if (reason == r->reason || (reason && !strcmp(reason, r->reason)))
                return 0;
        struct sched_actions *l = r->touched == UINT64_MAX ? &s->queue
                                  : r->touched == s->gen && out != &s->queue ? out
                                                                            : NULL;
        if (!l || r->act_at >= l->n)
                return 0;
        struct sched_action *a = &l->items[r->act_at];
        if (a->inst != r || a->reason != r->reason || a->kind == SCHED_WARN)
                return 0;
        const char *copy = text_keep(l, r->reason);
        if (!copy)
                return BATCH_ENOMEM;
        a->reason = copy;
        return 0;
}

/* Keeps the timer heap in step with the job's timer (after decide_job). */
static void index_timer(struct sched *s, size_t job)
{
        int64_t t = s->jobs[job].timer;
        if (t == INT64_MAX)
                idxheap_remove(&s->timers, job);
        else
                idxheap_set(&s->timers, job, t);
}

/* True when deciding r's job may act on r: it waits, runs or has a retry pending
 * (decide_job looks at nothing else). Never true of a retired instance (is_live). */
static bool decidable(const struct sched_inst *r)
{
        return r->retry_at != INT64_MAX || r->state == STATE_INIT ||
               r->state == STATE_DEPENDENCY_WAIT || r->state == STATE_RUNNING;
}

/* Counts a change of r's decidability; `was` is decidable(r) before the change. An
 * instance that becomes decidable brings the job's dfrom down to it (found among the
 * held pointers from the newest, where it nearly always is; reads no instance). */
static void track(struct sched *s, const struct sched_inst *r, bool was)
{
        bool is = decidable(r);
        struct job_state *j = &s->jobs[r->job];
        if (is && !was) {
                j->ndecidable++;
                size_t i = j->n;
                while (i > j->head && j->recs[i - 1] != r)
                        i--;
                i = i > j->head ? i - 1 : j->head; /* not held: from the start */
                if (i < j->dfrom)
                        j->dfrom = i;
        } else if (was && !is) {
                j->ndecidable--;
        }
}

static void set_retry(struct sched *s, struct sched_inst *r, int64_t at)
{
        bool was = decidable(r);
        r->retry_at = at;
        track(s, r, was);
}

/* Job k needs a decision. Passes go through the jobs by index: during a pass, a job after
 * the one being decided is decided in this pass, any other in the next one — as a pass
 * over every job in order that decides the dirty ones would. A job with no decidable
 * instance is not decided: it would do nothing but find that it has no timer. */
static void want_decision(struct sched *s, size_t k)
{
        struct job_state *j = &s->jobs[k];
        if (s->full_scan) {
                s->marked = true;
        } else if (!j->ndecidable) {
                if (j->timer != INT64_MAX) {
                        j->timer = INT64_MAX;
                        index_timer(s, k);
                }
        } else {
                jobset_add(s->in_pass && k > s->cur ? &s->pass : &s->later, k);
        }
}

/* Job k may be able to retire instances at the end of the advance. A job holding one
 * instance keeps it (prune_job): it is marked again when it gets another (add_record is
 * always followed by mark_dirty). */
static void want_prune(struct sched *s, size_t k)
{
        struct job_state *j = &s->jobs[k];
        if (j->n - j->head < 2)
                return;
        j->prune = true;
        jobset_add(&s->prunes, k);
}

/* Something happened to an instance of `job`: its children may be released, and it and
 * its parents may be able to retire instances. */
static void mark_dirty(struct sched *s, size_t job)
{
        struct job_state *j = &s->jobs[job];
        want_decision(s, job);
        want_prune(s, job);
        for (size_t i = 0; i < j->nchildren; i++)
                want_decision(s, j->children[i]);
        for (size_t i = 0; i < j->spec->ndeps; i++)
                want_prune(s, j->spec->deps[i].parent);
}

/* Sets the job's next due time and keeps the due heap in step. */
static void set_next_due(struct sched *s, size_t job, int64_t due)
{
        s->jobs[job].next_due = due;
        if (due == INT64_MAX)
                idxheap_remove(&s->dues, job);
        else
                idxheap_set(&s->dues, job, due);
}

/* Frees the reasons replaced before this advance (see struct sched). */
static void old_reasons_free(struct sched *s)
{
        for (size_t i = 0; i < s->nold_reasons; i++)
                free(s->old_reasons[i]);
        s->nold_reasons = 0;
}

/* Gives r its own copy of `reason` (NULL or "": none; cut to SCHED_REASON_MAX - 1 bytes
 * as snprintf would). The one it replaces is freed when the next advance begins. Returns
 * 0 or BATCH_ENOMEM (r keeps its reason). */
static int set_reason(struct sched *s, struct sched_inst *r, const char *reason)
{
        if (!reason)
                reason = no_reason;
        if (reason == r->reason || !strcmp(reason, r->reason))
                return 0;
        char *copy = NULL;
        if (*reason) {
                size_t n = strnlen(reason, SCHED_REASON_MAX - 1);
                if (!(copy = malloc(n + 1)))
                        return BATCH_ENOMEM;
                memcpy(copy, reason, n);
                copy[n] = '\0';
        }
        if (r->reason != no_reason) {
                if (s->nold_reasons == s->capold_reasons) {
                        size_t cap = s->capold_reasons ? 2 * s->capold_reasons : 16;
                        char **a = realloc(s->old_reasons, cap * sizeof(*a));
                        if (!a) {
                                free(copy);
                                return BATCH_ENOMEM;
                        }
                        s->old_reasons = a;
                        s->capold_reasons = cap;
                }
                s->old_reasons[s->nold_reasons++] = (char *)r->reason;
        }
        r->reason = copy ? copy : no_reason;
        return 0;
}

/* Frees r's reason at once (r is being retired or freed: nothing reads it any more). */
static void reason_drop(struct sched_inst *r)
{
        if (r->reason != no_reason)
                free((char *)r->reason);
        r->reason = no_reason;
}

/* Frees r and its reason. */
static void inst_free(struct sched_inst *r)
{
        reason_drop(r);
        free(r);
}

/* Appends an action about r to *out, which is either the caller's list of this advance
 * or the queue reported by the next one; r is not retired before the caller saw it. */
static int report(struct sched *s, struct sched_actions *out, struct sched_action act)
{
        act.inst->touched = out == &s->queue ? UINT64_MAX : s->gen;
        act.inst->act_at = out->n;
        return push_action(out, act);
}

/* Moves r to `to` with `reason` and reports it as an action of `kind` into *out. */
static int emit(struct sched *s, struct sched_actions *out, enum sched_action_kind kind,
                struct sched_inst *r, int to, const char *reason)
{
        struct sched_action act = {kind, r, r->state, to, NULL};
        if (kind != SCHED_WARN) {
                int rc = keep_reason(s, out, r, reason);
                if (rc < 0 || (rc = set_reason(s, r, reason)) < 0)
                        return rc;
                bool was = decidable(r);
                r->state = to;
                track(s, r, was);
                if (state_is_final(to))
                        r->end_at = s->now;
                if (traced(s, r))
                        s->why->final = state_is_final(to) && r->retry_at == INT64_MAX;
                s->transitions++;
                mark_dirty(s, r->job);
        }
        act.reason = kind == SCHED_WARN ? reason : r->reason;
        return report(s, out, act);
}

static int add_record(struct sched *s, struct job_state *j, struct sched_inst *r)
{
        if (j->head > 0 && j->head >= j->n / 2) {
                memmove(j->recs, j->recs + j->head, (j->n - j->head) * sizeof(*j->recs));
                j->n -= j->head;
                j->dfrom -= j->head;
                j->head = 0;
        }
        if (j->n == j->cap) {
                /* Most jobs hold one or two instances (the latest and the next): a
                 * small first array, 10,000 jobs each saving 48 bytes of it. */
                size_t cap = j->cap ? j->cap * 2 : 2;
                struct sched_inst **recs = realloc(j->recs, cap * sizeof(*recs));
                if (!recs)
                        return BATCH_ENOMEM;
                j->recs = recs;
                j->cap = cap;
        }
        /* Keep the order by due (stable): normally r goes last. */
        size_t at = j->n;
        while (at > j->head && j->recs[at - 1]->due > r->due)
                at--;
        memmove(j->recs + at + 1, j->recs + at, (j->n - at) * sizeof(*j->recs));
        j->recs[at] = r;
        if (at < j->dfrom)
                j->dfrom = at;
        j->n++;
        s->held++;
        if (decidable(r))
                j->ndecidable++;
        return 0;
}

static struct sched_inst *new_inst(struct sched *s, size_t job, bool scheduled, int64_t due,
                                   int64_t now)
{
        struct sched_inst *r;
        if (s->nspare) {
                r = s->spare[--s->nspare];
                memset(r, 0, sizeof(*r));
        } else if (!(r = calloc(1, sizeof(*r)))) {
                return NULL;
        }
        r->reason = no_reason;
        r->id = ++s->next_id;
        r->job = job;
        r->scheduled = scheduled;
        r->due = r->first_due = r->last_due = due;
        r->state = STATE_INIT;
        r->created_at = now;
        r->retry_at = INT64_MAX;
        return r;
}

/* ---- creating instances ---------------------------------------------------------- */

static void format_due(int64_t t, char *buf)
{
        iso_format_utc(t, buf);
}

void sched_set_why(struct sched *s, struct why *w)
{
        s->why = w;
}

/* DESIGN §2.4 with the rule of docs/scheduler.md: the previous scheduled instance
 * covers its periods unless it ended without success, in which case the new one
 * covers them again. */
static void due_params(struct job_state *j, int64_t due, struct due_params *out)
{
        struct due_history h = {0};
        const struct sched_inst *p = j->last_sched;
        if (p) {
                if (state_is_final(p->state) && !state_is_success(p->state)) {
                        h.last_finished_failed = true;
                        h.last_failed_first = p->first_due;
                } else {
                        h.has_success = true;
                        h.first_due_after_success = due_memo_next(&j->due, j->spec, p->due);
                }
        }
        dueparams_compute(due, &h, out);
}

static int create_due(struct sched *s, size_t job, int64_t due, int64_t now,
                      struct sched_actions *out)
{
        struct job_state *j = &s->jobs[job];
        int rc;
        /* A waiting earlier instance is superseded (DESIGN §2.3) — first, so that the new
         * instance's due parameters cover its period. */
        char when[ISO_FORMAT_MAX], reason[96] = "";
        for (size_t i = j->head; j->ndecidable && i < j->n; i++) { /* none waits: none */
                struct sched_inst *o = j->recs[i];
                if (!o->scheduled || o->state != STATE_DEPENDENCY_WAIT)
                        continue;
                if (!reason[0]) { /* formatted only when needed: most dues supersede nothing */
                        format_due(due, when);
                        snprintf(reason, sizeof(reason), "superseded by %s", when);
                }
                const char *was = o->reason; /* still readable after the emit (set_reason) */
                if ((rc = emit(s, out, SCHED_TRANSITION, o, STATE_TIMEOUT_SKIP, reason)) < 0)
                        return rc;
                WHY(s, o, WHY_SUPERSEDED, WHY_SKIP,
                    "the job's next due instance (%s) was created while this one waited (%s)",
                    when, was);
        }
        struct sched_inst *r = new_inst(s, job, true, due, now);
        if (!r)
                return BATCH_ENOMEM;
        const struct sched_inst *prev = j->last_sched;
        struct due_params dp;
        due_params(j, due, &dp);
        r->first_due = dp.first_due;
        r->last_due = dp.last_due;
        r->prev_due = j->spec->external_due ? j->last_passed_due
                                           : due_memo_prev(&j->due, j->spec, due);
        if (add_record(s, j, r) < 0) {
                inst_free(r);
                return BATCH_ENOMEM;
        }
        j->last_sched = r;
        s->transitions++;
        mark_dirty(s, job);
        if ((rc = report(s, out, (struct sched_action){SCHED_CREATE, r, -1, STATE_INIT, NULL})) < 0)
                return rc;
        const char *paused = pause_admit(s->tenant.pauses, s->tenant.npauses, due);
        const char *skip = paused;
        if (!skip)
                skip = window_admit(j->spec->window, &s->tenant.window, s->tenant.zone, due);
        bool why = traced(s, r);
        if (why)
                why_created(s, j, r, prev);
        if (skip && (rc = emit(s, out, SCHED_TRANSITION, r, STATE_TIMEOUT_SKIP, skip)) < 0)
                return rc;
        if (why)
                why_admitted(s, j, r, paused, paused ? NULL : skip);
        return 0;
}

/* Creates the instances of the dues that have come (DESIGN §2, catch-up policy). */
static int create_dues(struct sched *s, size_t job, int64_t now, struct sched_actions *out)
{
        struct job_state *j = &s->jobs[job];
        if (j->next_due > now)
                return 0;
        int rc = 0;
        int64_t first = j->next_due;
        if (j->spec->external_due) {
                rc = create_due(s, job, first, now, out);
                j->last_passed_due = first;
                set_next_due(s, job, INT64_MAX);
                return rc;
        }
        switch (j->spec->catchup) {
        case SCHED_CATCHUP_ALL:
                for (int64_t d = first; d <= now && rc == 0; d = due_memo_next(&j->due, j->spec, d))
                        rc = create_due(s, job, d, now, out);
                break;
        case SCHED_CATCHUP_LATEST: {
                int64_t last = due_memo_prev(&j->due, j->spec, now + 1);
                if (last >= first)
                        rc = create_due(s, job, last, now, out);
                break;
        }
        case SCHED_CATCHUP_NONE: {
                int64_t from = now - SCHED_MISFIRE_GRACE_S;
                int64_t d = first >= from ? first : due_memo_next(&j->due, j->spec, from - 1);
                for (; d <= now && rc == 0; d = due_memo_next(&j->due, j->spec, d))
                        rc = create_due(s, job, d, now, out);
                break;
        }
        }
        j->last_passed_due = due_memo_prev(&j->due, j->spec, now + 1);
        set_next_due(s, job, due_memo_next(&j->due, j->spec, now));
        return rc;
}

/* ---- deciding for waiting and running instances ---------------------------------- */

/* The held instance of job p with the latest due in (lo, hi], or NULL. */
static const struct sched_inst *governing(const struct job_state *p, int64_t lo, int64_t hi)
{
        size_t a = p->head, b = p->n; /* first index with due > hi */
        while (a < b) {
                size_t m = a + (b - a) / 2;
                if (p->recs[m]->due <= hi)
                        a = m + 1;
                else
                        b = m;
        }
        if (a == p->head)
                return NULL;
        const struct sched_inst *g = p->recs[a - 1];
        return g->due > lo ? g : NULL;
}

/* Appends ", STATE" to the reason being built in buf (of len bytes, holding `used`):
 * the state of instance g, with what comes next when that is known — the time of a
 * pending retry, or for a parent that ended without success (`needs_success`), what
 * releases the child. Returns the new length (snprintf's rule: it may exceed len). */
static size_t put_state(const struct sched *s, const struct sched_inst *g, bool needs_success,
                        char *buf, size_t len, size_t used)
{
        if (used >= len)
                return used;
        int n;
        if (g->retry_at != INT64_MAX) {
                char at[ISO_FORMAT_MAX];
                format_due(g->retry_at, at);
                n = snprintf(buf + used, len - used, ", %s: retry %d of %d at %s",
                             state_name(g->state), g->retries + 1,
                             s->jobs[g->job].spec->retry_attempts, at);
        } else if (needs_success && state_is_final(g->state)) {
                n = snprintf(buf + used, len - used, ", %s: rerun it or mark it Manual Success",
                             state_name(g->state));
        } else {
                n = snprintf(buf + used, len - used, ", %s", state_name(g->state));
        }
        return used + (n > 0 ? (size_t)n : 0);
}

/* Describes instance g of a parent or of the job itself for an explanation: its state,
 * and when it is running since when and its expected end from its estimate. */
static void why_describe(const struct sched *s, const struct sched_inst *g, bool needs_success,
                         char *buf, size_t len)
{
        char a[ISO_FORMAT_MAX], b[ISO_FORMAT_MAX];
        int est = s->jobs[g->job].spec->estimated_minutes;
        size_t used = 0;
        if (g->state == STATE_RUNNING && est > 0)
                snprintf(buf, len, "Running since %s, expected end %s from its estimate (%d min)",
                         utc(g->start_at, a), utc(g->start_at + (int64_t)est * 60, b), est);
        else if (g->state == STATE_RUNNING)
                snprintf(buf, len, "Running since %s (no estimated_minutes)", utc(g->start_at, a));
        else if ((used = put_state(s, g, needs_success && !state_is_success(g->state), buf, len,
                                   0)) > 2 && used < len)
                memmove(buf, buf + 2, used - 1); /* put_state writes ", STATE" */
}

/* Records the decision about parent d of the instance r being explained. */
static void why_parent(struct sched *s, const struct sched_inst *r, const struct job_state *p,
                       const struct sched_dep *d, const struct deps_parent *dp,
                       const struct sched_inst *g, bool blocks)
{
        char lo[ISO_FORMAT_MAX], hi[ISO_FORMAT_MAX], st[160];
        const char *name = p->spec->name, *mode = d->mode == DEPS_SUCCESS ? "success" : "completion";
        enum why_verdict v = blocks ? WHY_WAIT : WHY_PASS;
        if (!dp->enabled) {
                WHY(s, r, WHY_PARENT, v, "%s (%s): disabled, so ignored (its own parents are not "
                    "inherited)", name, mode);
        } else if (!g && !dp->expected) {
                WHY(s, r, WHY_PARENT, v, "%s (%s): no due time in (%s, %s], so no instance of it "
                    "governs this one", name, mode, utc(r->prev_due, lo), utc(r->due, hi));
        } else if (!g) {
                WHY(s, r, WHY_PARENT, v, "%s (%s): due in (%s, %s] but no instance of it yet",
                    name, mode, utc(r->prev_due, lo), utc(r->due, hi));
        } else {
                char gd[ISO_FORMAT_MAX];
                why_describe(s, g, d->mode == DEPS_SUCCESS, st, sizeof(st));
                WHY(s, r, WHY_PARENT, v, "%s (%s): governing instance due %s (latest in (%s, %s]), "
                    "%s: %s", name, mode, utc(g->due, gd), utc(r->prev_due, lo), utc(r->due, hi),
                    st,
                    blocks ? (d->mode == DEPS_SUCCESS ? "not ended in Success or Manual Success"
                                                      : "not in a final state")
                           : (d->mode == DEPS_SUCCESS ? "ended in success" : "ended"));
        }
}

/* Why r must wait for a parent (into reason), or false when its parents allow it to
 * start (DESIGN §2.3). The reason describes the governing instance as it is now
 * (docs/scheduler.md): it changes when that instance does. */
static bool parents_block(struct sched *s, struct job_state *j,
                          const struct sched_inst *r, char *reason, size_t len)
{
        for (size_t i = 0; i < j->spec->ndeps; i++) {
                const struct sched_dep *d = &j->spec->deps[i];
                const struct job_state *p = &s->jobs[d->parent];
                struct deps_parent dp = {.enabled = p->spec->enabled, .mode = d->mode};
                const struct sched_inst *g = NULL;
                if (dp.enabled) {
                        int64_t lo = r->prev_due > p->horizon - 1 ? r->prev_due : p->horizon - 1;
                        dp.expected = due_memo_next(&j->dep_due[i], p->spec, lo) <= r->due;
                        g = governing(p, r->prev_due, r->due);
                        dp.has_governing = g != NULL;
                        if (g)
                                dp.governing_state = g->retry_at != INT64_MAX ? STATE_RUNNING
                                                                              : g->state;
                }
                bool blocks = deps_decide(&dp, 1, NULL) == DEPS_WAIT;
                if (s->why)
                        why_parent(s, r, p, d, &dp, g, blocks);
                if (blocks) {
                        if (g) {
                                char when[ISO_FORMAT_MAX];
                                format_due(g->due, when);
                                int n = snprintf(reason, len, "waiting for %s (due %s",
                                                 p->spec->name, when);
                                size_t used = put_state(s, g, d->mode == DEPS_SUCCESS, reason,
                                                        len, n > 0 ? (size_t)n : 0);
                                if (used < len)
                                        snprintf(reason + used, len - used, ")");
                        } else {
                                snprintf(reason, len, "waiting for %s", p->spec->name);
                        }
                        return true;
                }
        }
        return false;
}

/* Why r must wait for an earlier live instance of its job (into reason), or false. The
 * reason names that instance by its due time and current state. */
static bool previous_blocks(struct sched *s, const struct job_state *j,
                            const struct sched_inst *r, char *reason, size_t len)
{
        if (j->spec->allow_multiple) {
                WHY(s, r, WHY_SINGLE, WHY_PASS, "allow_multiple_instances: true, so earlier "
                    "instances do not hold it back");
                return false;
        }
        for (size_t i = j->head; i < j->n && j->recs[i] != r; i++) {
                const struct sched_inst *o = j->recs[i];
                if (o->id < r->id && is_live(o)) {
                        if (traced(s, r)) {
                                char st[160], od[ISO_FORMAT_MAX];
                                why_describe(s, o, false, st, sizeof(st));
                                WHY(s, r, WHY_SINGLE, WHY_WAIT, "previous instance (due %s): %s, "
                                    "still live, and allow_multiple_instances is false",
                                    utc(o->due, od), st);
                        }
                        char when[ISO_FORMAT_MAX];
                        format_due(o->due, when);
                        int n = snprintf(reason, len, "previous instance (due %s", when);
                        size_t used = put_state(s, o, false, reason, len, n > 0 ? (size_t)n : 0);
                        if (used < len)
                                snprintf(reason + used, len - used, ") is still live");
                        return true;
                }
        }
        WHY(s, r, WHY_SINGLE, WHY_PASS, "previous instance: no earlier instance is live "
            "(allow_multiple_instances is false)");
        return false;
}

static void timer_at(struct job_state *j, int64_t t)
{
        if (t < j->timer)
                j->timer = t;
}

static int decide_waiting(struct sched *s, size_t job, struct sched_inst *r, int64_t now,
                          struct sched_actions *out)
{
        struct job_state *j = &s->jobs[job];
        const struct sched_tenant *t = &s->tenant;
        if (r->scheduled && j->spec->window != WINDOW_POLICY_ANY) {
                /* only_in_window: waiting ends when the window closes; not_in_window: when
                 * it opens. */
                bool only = j->spec->window == WINDOW_POLICY_ONLY_IN;
                int64_t edge = only ? window_next_close(&t->window, t->zone, r->due)
                                    : window_next_open(&t->window, t->zone, r->due);
                if (now >= edge) {
                        const char *was = r->reason; /* as above */
                        char c[ISO_FORMAT_MAX];
                        int rc = emit(s, out, SCHED_TRANSITION, r, STATE_TIMEOUT_SKIP,
                                      only ? "batch window closed" : "batch window opened");
                        WHY(s, r, WHY_WINDOW_CLOSE, WHY_SKIP,
                            "%s: the batch window %s at %s while it waited (%s)",
                            only ? "only_in_window" : "not_in_window", only ? "closed" : "opened",
                            utc(edge, c), was);
                        return rc;
                }
                timer_at(j, edge);
        }
        char reason[SCHED_REASON_MAX];
        if (parents_block(s, j, r, reason, sizeof(reason)) ||
            previous_blocks(s, j, r, reason, sizeof(reason))) {
                if (r->state == STATE_INIT)
                        return emit(s, out, SCHED_TRANSITION, r, STATE_DEPENDENCY_WAIT, reason);
                if (!strcmp(reason, r->reason))
                        return 0;
                /* The wait goes on, but what it waits for changed: the new reason is
                 * reported (and recorded by the caller). */
                int rc = keep_reason(s, out, r, reason);
                if (rc < 0 || (rc = set_reason(s, r, reason)) < 0)
                        return rc;
                return report(s, out, (struct sched_action){SCHED_REASON, r, r->state,
                                                             r->state, r->reason});
        }
        r->runs++;
        int rc = emit(s, out, SCHED_START, r, STATE_STARTING, NULL);
        WHY(s, r, WHY_START, WHY_RUN, "run %d: nothing holds it back, so it starts", r->runs);
        return rc;
}

static int decide_running(struct sched *s, size_t job, struct sched_inst *r, int64_t now,
                          struct sched_actions *out)
{
        struct job_state *j = &s->jobs[job];
        const struct sched_tenant *t = &s->tenant;
        int64_t warn = timeout_warn_at(&j->timeouts, r->start_at);
        int64_t fail = timeout_fail_at(&j->timeouts, r->start_at);
        int rc;
        if (!r->warned && warn < fail) {
                if (now >= warn) {
                        r->warned = true;
                        /* The action's reason must outlive this call: a copy the list
                         * holds (a warning is rare; no job keeps its text). */
                        char text[48];
                        snprintf(text, sizeof(text), "running longer than %d minutes",
                                 j->timeouts.warn_minutes);
                        const char *msg = text_keep(out, text);
                        if (!msg)
                                return BATCH_ENOMEM;
                        if ((rc = emit(s, out, SCHED_WARN, r, r->state, msg)) < 0)
                                return rc;
                        WHY(s, r, WHY_TIMEOUT, WHY_WARN, "warning: %s (warn = max(estimated %d "
                            "x %d, %d) = %d; max_minutes %d)", msg, j->spec->estimated_minutes,
                            t->timeouts.estimate_multiple, t->timeouts.min_execute_minutes,
                            j->timeouts.warn_minutes, j->timeouts.fail_minutes);
                } else {
                        timer_at(j, warn);
                }
        }
        if (now >= fail) {
                char msg[96];
                snprintf(msg, sizeof(msg), "ran past max_minutes (%d)", j->timeouts.fail_minutes);
                r->stop_cause = STOP_TIMEOUT;
                rc = emit(s, out, SCHED_STOP, r, STATE_STOPPING, msg);
                WHY(s, r, WHY_TIMEOUT, WHY_STOP, "failure: %s, so it is stopped (Timeout Failed "
                    "when it ends)", msg);
                return rc;
        }
        timer_at(j, fail);
        if (r->scheduled && j->spec->terminate_at_window_end &&
            j->spec->window == WINDOW_POLICY_ONLY_IN) {
                int64_t close = window_next_close(&t->window, t->zone, r->due);
                if (now >= close) {
                        char c[ISO_FORMAT_MAX];
                        r->stop_cause = STOP_WINDOW;
                        rc = emit(s, out, SCHED_STOP, r, STATE_STOPPING, "batch window closed");
                        WHY(s, r, WHY_WINDOW_END, WHY_STOP, "on_window_end: terminate: the window "
                            "closed at %s while it ran, so it is stopped (Canceled when it ends)",
                            utc(close, c));
                        return rc;
                }
                timer_at(j, close);
        }
        return 0;
}

static int decide_job(struct sched *s, size_t job, int64_t now, struct sched_actions *out)
{
        struct job_state *j = &s->jobs[job];
        j->timer = INT64_MAX;
        int rc = 0;
        /* The instances before dfrom are not decidable: deciding would pass them by. The
         * full scan (the index's reference) looks at every one. */
        bool leading = true;
        for (size_t i = s->full_scan ? j->head : j->dfrom; i < j->n && rc == 0; i++) {
                struct sched_inst *r = j->recs[i];
                if (leading && !s->full_scan && !decidable(r)) {
                        j->dfrom = i + 1;
                        continue;
                }
                leading = false;
                if (r->retry_at != INT64_MAX) {
                        if (now < r->retry_at) {
                                timer_at(j, r->retry_at);
                                continue;
                        }
                        set_retry(s, r, INT64_MAX);
                        r->retries++;
                        char msg[64];
                        snprintf(msg, sizeof(msg), "retry %d of %d", r->retries,
                                 j->spec->retry_attempts);
                        if ((rc = emit(s, out, SCHED_TRANSITION, r, STATE_INIT, msg)) < 0)
                                break;
                        WHY(s, r, WHY_RETRY, WHY_RUN, "%s: its backoff is over, back to Init",
                            msg);
                }
                if (r->state == STATE_INIT || r->state == STATE_DEPENDENCY_WAIT)
                        rc = decide_waiting(s, job, r, now, out);
                else if (r->state == STATE_RUNNING)
                        rc = decide_running(s, job, r, now, out);
        }
        return rc;
}

/* ---- forgetting what is no longer needed ------------------------------------------- */

/* The earliest due of a live instance of child c (INT64_MAX: none). Only live child
 * instances still look for their governing parent instance: one created later has a
 * due later than any parent instance held now. The instances are by due: the first
 * live one is the earliest. */
static int64_t child_need(const struct job_state *c)
{
        for (size_t i = c->head; i < c->n; i++)
                if (is_live(c->recs[i]))
                        return c->recs[i]->due;
        return INT64_MAX;
}

/* Retires the job's oldest instances that nothing needs any more: final, not the
 * latest scheduled one (due parameters), not reported in this advance, and not the
 * governing instance of a live child instance — the instance r governs children due in
 * [r.due, next.due), so it may go once the next one is due no later than every live
 * child instance. */
static void prune_job(struct sched *s, size_t job)
{
        struct job_state *j = &s->jobs[job];
        j->prune = false;
        if (j->n - j->head < 2)
                return;
        int64_t need = INT64_MAX;
        bool need_known = false; /* computed when an instance could go but for it */
        while (j->n - j->head > 1) {
                struct sched_inst *r = j->recs[j->head];
                if (is_live(r) || r == j->last_sched || r->touched >= s->gen)
                        break;
                for (size_t i = 0; i < j->nchildren && !need_known; i++) {
                        int64_t c = child_need(&s->jobs[j->children[i]]);
                        if (c < need)
                                need = c;
                }
                need_known = true;
                if (j->recs[j->head + 1]->due > need)
                        break;
                j->head++;
                if (j->dfrom < j->head)
                        j->dfrom = j->head;
                s->held--;
                if (s->retire)
                        s->retire(s->retire_arg, r);
                ext_remove(s, r);
                if (s->nspare < s->capspare) {
                        reason_drop(r);
                        s->spare[s->nspare++] = r;
                } else {
                        inst_free(r);
                }
        }
}

/* ---- the public interface --------------------------------------------------------------- */

int sched_new(const struct sched_job_spec *jobs, size_t njobs, const struct sched_tenant *tenant,
              int64_t start, sched_retire_fn *retire, void *retire_arg, struct sched **ret)
{
        struct sched *s = calloc(1, sizeof(*s));
        if (!s)
                return BATCH_ENOMEM;
        s->jobs = calloc(njobs ? njobs : 1, sizeof(*s->jobs));
        if (!s->jobs) {
                free(s);
                return BATCH_ENOMEM;
        }
        s->njobs = njobs;
        s->tenant = *tenant;
        if (!s->tenant.zone)
                s->tenant.zone = tz_utc();
        s->retire = retire;
        s->retire_arg = retire_arg;
        s->wakeup = INT64_MIN;
        spare_init(s);
        int rc = 0;
        if (idxheap_init(&s->dues, njobs) < 0 || idxheap_init(&s->timers, njobs) < 0 ||
            jobset_init(&s->pass, njobs) < 0 || jobset_init(&s->later, njobs) < 0 ||
            jobset_init(&s->prunes, njobs) < 0 || jobset_init(&s->due_now, njobs) < 0)
                rc = BATCH_ENOMEM;
        for (size_t i = 0; i < njobs && rc == 0; i++) {
                struct job_state *j = &s->jobs[i];
                j->spec = &jobs[i];
                timeout_plan_compute(j->spec->estimated_minutes, j->spec->max_minutes,
                                     &s->tenant.timeouts, &j->timeouts);
                j->horizon = start;
                j->last_passed_due = INT64_MIN;
                due_memo_init(&j->due);
                set_next_due(s, i, j->spec->enabled ? due_memo_next(&j->due, j->spec, start - 1)
                                                    : INT64_MAX);
                j->timer = INT64_MAX;
                if (j->spec->ndeps &&
                    !(j->dep_due = malloc(j->spec->ndeps * sizeof(*j->dep_due))))
                        rc = BATCH_ENOMEM;
                for (size_t d = 0; d < j->spec->ndeps && rc == 0; d++) {
                        due_memo_init(&j->dep_due[d]);
                        if (j->spec->deps[d].parent >= njobs)
                                rc = BATCH_EINVAL;
                }
        }
        /* Reverse edges, for waking children when a parent's instance changes. */
        for (size_t i = 0; i < njobs && rc == 0; i++)
                for (size_t d = 0; d < jobs[i].ndeps; d++)
                        s->jobs[jobs[i].deps[d].parent].nchildren++;
        for (size_t i = 0; i < njobs && rc == 0; i++) {
                struct job_state *p = &s->jobs[i];
                if (p->nchildren && !(p->children = calloc(p->nchildren, sizeof(size_t))))
                        rc = BATCH_ENOMEM;
                p->nchildren = 0;
        }
        for (size_t i = 0; i < njobs && rc == 0; i++)
                for (size_t d = 0; d < jobs[i].ndeps; d++) {
                        struct job_state *p = &s->jobs[jobs[i].deps[d].parent];
                        p->children[p->nchildren++] = i;
                }
        if (rc < 0) {
                sched_free(s);
                return rc;
        }
        *ret = s;
        return 0;
}

void sched_free(struct sched *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->njobs; i++) {
                struct job_state *j = &s->jobs[i];
                for (size_t k = j->head; k < j->n; k++) {
                        if (s->retire)
                                s->retire(s->retire_arg, j->recs[k]);
                        inst_free(j->recs[k]);
                }
                free(j->recs);
                free(j->children);
                free(j->dep_due);
        }
        free(s->jobs);
        free(s->ext_slots);
        for (size_t i = 0; i < s->nspare; i++)
                free(s->spare[i]);
        free(s->spare);
        old_reasons_free(s);
        free(s->old_reasons);
        idxheap_release(&s->dues);
        idxheap_release(&s->timers);
        jobset_release(&s->pass);
        jobset_release(&s->later);
        jobset_release(&s->prunes);
        jobset_release(&s->due_now);
        sched_actions_release(&s->queue);
        free(s);
}

struct sched_inst *sched_counterpart(const struct sched *s, struct sched *copy,
                                     const struct sched_inst *r)
{
        if (!r || r->job >= s->njobs || s->njobs != copy->njobs)
                return NULL;
        const struct job_state *j = &s->jobs[r->job];
        for (size_t k = j->n; k-- > j->head;) /* the newest first: most asked for */
                if (j->recs[k] == r)
                        return copy->jobs[r->job].recs[k];
        return NULL;
}

/* Copies job j of s into c->jobs[i] (c's spec and tenant): its instances in the same
 * places. On failure c->jobs[i] holds what was copied (sched_free releases it). */
static int copy_job(struct sched *c, const struct job_state *j, size_t i,
                    const struct sched_job_spec *spec)
{
        struct job_state *d = &c->jobs[i];
        *d = *j;
        d->spec = spec;
        d->recs = NULL;
        d->children = NULL;
        d->dep_due = NULL;
        d->last_sched = NULL;
        d->head = d->n = d->dfrom = d->cap = 0;
        timeout_plan_compute(spec->estimated_minutes, spec->max_minutes, &c->tenant.timeouts,
                             &d->timeouts);
        if (j->nchildren) {
                if (!(d->children = malloc(j->nchildren * sizeof(*d->children))))
                        return BATCH_ENOMEM;
                memcpy(d->children, j->children, j->nchildren * sizeof(*d->children));
        }
        if (spec->ndeps) {
                if (!(d->dep_due = malloc(spec->ndeps * sizeof(*d->dep_due))))
                        return BATCH_ENOMEM;
                memcpy(d->dep_due, j->dep_due, spec->ndeps * sizeof(*d->dep_due));
        }
        if (j->cap) {
                if (!(d->recs = malloc(j->cap * sizeof(*d->recs))))
                        return BATCH_ENOMEM;
                d->cap = j->cap;
        }
        d->head = d->n = j->head;
        for (size_t k = j->head; k < j->n; k++) {
                struct sched_inst *r = malloc(sizeof(*r));
                if (!r)
                        return BATCH_ENOMEM;
                *r = *j->recs[k];
                if (r->reason != no_reason && !(r->reason = strdup(r->reason))) {
                        free(r);
                        return BATCH_ENOMEM;
                }
                d->recs[d->n++] = r;
                if (j->recs[k] == j->last_sched)
                        d->last_sched = r;
        }
        d->dfrom = j->dfrom;
        return 0;
}

int sched_copy(const struct sched *s, const struct sched_job_spec *jobs,
               const struct sched_tenant *tenant, sched_retire_fn *retire, void *retire_arg,
               struct sched **ret)
{
        if (s->why)
                return BATCH_EINVAL;
        struct sched *c = malloc(sizeof(*c));
        if (!c)
                return BATCH_ENOMEM;
        *c = *s;
        /* Nothing of s's is owned by c until it is copied (sched_free(c) on failure). */
        c->jobs = calloc(s->njobs ? s->njobs : 1, sizeof(*c->jobs));
        c->dues = c->timers = (struct idxheap){0};
        c->pass = c->later = c->prunes = c->due_now = (struct jobset){0};
        c->queue = (struct sched_actions){0};
        c->ext_slots = NULL;
        c->ext_cap = c->ext_n = 0;
        c->old_reasons = NULL;
        c->nold_reasons = c->capold_reasons = 0;
        spare_init(c); /* its own, empty */
        c->retire = NULL;
        c->retire_arg = NULL;
        c->tenant = *tenant;
        if (!c->tenant.zone)
                c->tenant.zone = tz_utc();
        int rc = c->jobs ? 0 : BATCH_ENOMEM;
        if (rc < 0) {
                free(c->spare);
                free(c);
                return rc;
        }
        if (idxheap_copy(&c->dues, &s->dues) < 0 || idxheap_copy(&c->timers, &s->timers) < 0 ||
            jobset_copy(&c->pass, &s->pass) < 0 || jobset_copy(&c->later, &s->later) < 0 ||
            jobset_copy(&c->prunes, &s->prunes) < 0 || jobset_copy(&c->due_now, &s->due_now) < 0)
                rc = BATCH_ENOMEM;
        for (size_t i = 0; i < s->njobs && rc == 0; i++)
                rc = copy_job(c, &s->jobs[i], i, &jobs[i]);
        for (size_t i = 0; i < s->queue.n && rc == 0; i++) {
                struct sched_action a = s->queue.items[i];
                const struct sched_inst *old = a.inst;
                if (!(a.inst = sched_counterpart(s, c, old))) {
                        rc = BATCH_EINVAL; /* not held: cannot be (queued ones are) */
                        break;
                }
                if (a.reason == old->reason)
                        a.reason = a.inst->reason;
                else if (a.reason && text_holds(&s->queue, a.reason) &&
                         !(a.reason = text_keep(&c->queue, a.reason))) {
                        rc = BATCH_ENOMEM;
                        break;
                }
                rc = push_action(&c->queue, a);
        }
        if (rc == 0 && s->ext_cap) {
                if (!(c->ext_slots = calloc(s->ext_cap, sizeof(*c->ext_slots))))
                        rc = BATCH_ENOMEM;
                for (size_t i = 0; i < s->ext_cap && rc == 0; i++)
                        c->ext_slots[i] = sched_counterpart(s, c, s->ext_slots[i]);
                c->ext_cap = s->ext_cap;
                c->ext_n = s->ext_n;
        }
        if (rc < 0) {
                sched_free(c); /* retire is NULL: nothing is handed over */
                return rc;
        }
        c->retire = retire;
        c->retire_arg = retire_arg;
        *ret = c;
        return 0;
}

/* The reference the index is tested against (sched_set_full_scan): every job is looked
 * at for its dues, then decided in every pass until a pass changes nothing; the next
 * wake-up is the earliest over every job. */
static int advance_full(struct sched *s, int64_t now, struct sched_actions *out)
{
        int rc;
        for (size_t i = 0; i < s->njobs; i++)
                if ((rc = create_dues(s, i, now, out)) < 0)
                        return rc;
        do {
                s->marked = false;
                for (size_t i = 0; i < s->njobs; i++)
                        if ((rc = decide_job(s, i, now, out)) < 0)
                                return rc;
        } while (s->marked);
        s->wakeup = INT64_MAX;
        for (size_t i = 0; i < s->njobs; i++) {
                struct job_state *j = &s->jobs[i];
                if (j->prune)
                        prune_job(s, i);
                if (j->next_due < s->wakeup)
                        s->wakeup = j->next_due;
                if (j->timer < s->wakeup)
                        s->wakeup = j->timer;
        }
        for (size_t k = jobset_next(&s->prunes, 0); k != SIZE_MAX; k = jobset_next(&s->prunes, k))
                jobset_remove(&s->prunes, k);
        return 0;
}

/* Creates the instances of the jobs whose due time has come, in job order (the order
 * their instances get their ids in). */
static int create_all_dues(struct sched *s, int64_t now, struct sched_actions *out)
{
        const struct idxheap_node *top;
        struct idxheap_node nd;
        while ((top = idxheap_top(&s->dues)) && top->key <= now && idxheap_pop(&s->dues, &nd))
                jobset_add(&s->due_now, nd.item);
        int rc = 0;
        for (size_t k = jobset_next(&s->due_now, 0); k != SIZE_MAX;
             k = jobset_next(&s->due_now, k)) {
                jobset_remove(&s->due_now, k);
                if (rc == 0)
                        rc = create_dues(s, k, now, out);
                else /* not looked at after an error: still due */
                        set_next_due(s, k, s->jobs[k].next_due);
        }
        return rc;
}

/* Decides the dirty jobs and those whose timer has come, pass after pass in job order,
 * until a pass leaves none dirty (a skip or an end may release children). */
static int decide_all(struct sched *s, int64_t now, struct sched_actions *out)
{
        const struct idxheap_node *top;
        struct idxheap_node nd;
        while ((top = idxheap_top(&s->timers)) && top->key <= now && idxheap_pop(&s->timers, &nd))
                jobset_add(&s->later, nd.item);
        for (;;) {
                if (!s->pass.n) { /* the next pass */
                        struct jobset t = s->pass;
                        s->pass = s->later;
                        s->later = t;
                }
                if (!s->pass.n)
                        return 0;
                s->in_pass = true;
                for (size_t k = jobset_next(&s->pass, 0); k != SIZE_MAX;
                     k = jobset_next(&s->pass, k)) {
                        jobset_remove(&s->pass, k);
                        s->cur = k;
                        int rc = decide_job(s, k, now, out);
                        index_timer(s, k);
                        if (rc < 0) {
                                s->in_pass = false;
                                return rc;
                        }
                }
                s->in_pass = false;
        }
}

int sched_advance(struct sched *s, int64_t now, struct sched_actions *out)
{
        s->now = now;
        s->gen++;
        old_reasons_free(s);
        int rc;
        for (size_t i = 0; i < s->queue.n; i++) {
                s->queue.items[i].inst->touched = s->gen;
                s->queue.items[i].inst->act_at = out->n;
                if ((rc = push_action(out, s->queue.items[i])) < 0)
                        return rc;
        }
        s->queue.n = 0;
        text_adopt(out, &s->queue);
        if (s->full_scan)
                return advance_full(s, now, out);
        if ((rc = create_all_dues(s, now, out)) < 0 || (rc = decide_all(s, now, out)) < 0)
                return rc;
        for (size_t k = jobset_next(&s->prunes, 0); k != SIZE_MAX; k = jobset_next(&s->prunes, k)) {
                jobset_remove(&s->prunes, k);
                prune_job(s, k);
        }
        const struct idxheap_node *d = idxheap_top(&s->dues), *t = idxheap_top(&s->timers);
        s->wakeup = d ? d->key : INT64_MAX;
        if (t && t->key < s->wakeup)
                s->wakeup = t->key;
        return 0;
}

void sched_set_full_scan(struct sched *s, bool on)
{
        s->full_scan = on;
}

int64_t sched_next_wakeup(const struct sched *s)
{
        return s->wakeup;
}

int sched_submit(struct sched *s, size_t job, int64_t now, struct sched_inst **ret)
{
        s->now = now;
        if (job >= s->njobs)
                return BATCH_EINVAL;
        struct job_state *j = &s->jobs[job];
        /* Dues that have come are created first, so instances stay in due order. */
        int rc = create_dues(s, job, now, &s->queue);
        if (rc < 0)
                return rc;
        struct sched_inst *r = new_inst(s, job, false, now, now);
        if (!r)
                return BATCH_ENOMEM;
        r->prev_due = j->n > j->head ? j->recs[j->n - 1]->due : INT64_MIN;
        if (add_record(s, j, r) < 0) {
                inst_free(r);
                return BATCH_ENOMEM;
        }
        s->transitions++;
        mark_dirty(s, job);
        s->wakeup = now;
        if (ret)
                *ret = r;
        return report(s, &s->queue, (struct sched_action){SCHED_CREATE, r, -1, STATE_INIT, NULL});
}

int sched_restore(struct sched *s, size_t job, const struct sched_inst *in,
                  struct sched_inst **ret)
{
        if (job >= s->njobs || !state_name(in->state))
                return BATCH_EINVAL;
        struct job_state *j = &s->jobs[job];
        struct sched_inst *r = new_inst(s, job, in->scheduled, in->due, in->created_at);
        if (!r)
                return BATCH_ENOMEM;
        r->first_due = in->first_due;
        r->last_due = in->last_due;
        r->state = in->state;
        if (set_reason(s, r, in->reason) < 0) {
                inst_free(r);
                return BATCH_ENOMEM;
        }
        r->ext_id = in->ext_id;
        r->first_start_at = in->first_start_at;
        r->start_at = in->start_at;
        r->end_at = in->end_at;
        r->runs = in->runs;
        r->retries = in->retries;
        r->retry_at = in->retry_at;
        if (in->scheduled)
                r->prev_due = j->spec->external_due ? INT64_MIN
                                                   : due_memo_prev(&j->due, j->spec, in->due);
        else
                r->prev_due = j->n > j->head ? j->recs[j->n - 1]->due : INT64_MIN;
        if (add_record(s, j, r) < 0) {
                inst_free(r);
                return BATCH_ENOMEM;
        }
        ext_insert(s, r); /* on failure lookups scan (ext_incomplete) */
        if (traced(s, r)) {
                s->why->found = true;
                s->why->inst_id = r->id;
                s->why->final = !is_live(r);
        }
        if (in->scheduled) {
                if (!j->last_sched || in->due >= j->last_sched->due)
                        j->last_sched = r;
                if (in->due < j->horizon)
                        j->horizon = in->due;
                if (in->due > j->last_passed_due) {
                        j->last_passed_due = in->due;
                        if (j->spec->enabled && !j->spec->external_due)
                                set_next_due(s, job, due_memo_next(&j->due, j->spec, in->due));
                }
        }
        mark_dirty(s, job);
        s->wakeup = INT64_MIN;
        if (ret)
                *ret = r;
        return 0;
}

int sched_set_next_due(struct sched *s, size_t job, int64_t due)
{
        if (job >= s->njobs || !s->jobs[job].spec->external_due || !s->jobs[job].spec->enabled ||
            due <= s->jobs[job].last_passed_due)
                return BATCH_EINVAL;
        set_next_due(s, job, due);
        if (due < s->wakeup)
                s->wakeup = due;
        return 0;
}

int sched_started(struct sched *s, struct sched_inst *inst, int64_t now)
{
        s->now = now;
        if (inst->state != STATE_STARTING)
                return BATCH_EINVAL;
        inst->start_at = now;
        if (!inst->first_start_at)
                inst->first_start_at = now;
        inst->warned = false;
        s->wakeup = now;
        return emit(s, &s->queue, SCHED_TRANSITION, inst, STATE_RUNNING, NULL);
}

int sched_ended(struct sched *s, struct sched_inst *inst, enum sched_end how, const char *reason,
                int64_t now)
{
        s->now = now;
        int from = inst->state, to;
        if (how == SCHED_END_START_FAILED)
                to = from == STATE_STARTING ? STATE_START_FAILED : -1;
        else if (from != STATE_RUNNING && from != STATE_STOPPING && from != STATE_STOP_FAILED)
                to = -1;
        else if (how == SCHED_END_SUCCESS)
                to = STATE_SUCCESS;
        else if (how == SCHED_END_FAILED || from == STATE_RUNNING)
                to = STATE_FAILED;
        else
                to = inst->stop_cause == STOP_TIMEOUT ? STATE_TIMEOUT_FAILED : STATE_CANCELED;
        if (to < 0 || !state_transition_ok(from, to))
                return BATCH_EINVAL;
        if (!reason && to == STATE_TIMEOUT_FAILED)
                reason = inst->reason; /* keeps "ran past max_minutes (N)" */
        const struct sched_job_spec *spec = s->jobs[inst->job].spec;
        if ((to == STATE_FAILED || to == STATE_START_FAILED) &&
            inst->retries < spec->retry_attempts) {
                double wait = spec->retry_backoff_s;
                for (int i = 0; i < inst->retries; i++)
                        wait *= spec->retry_factor > 0 ? spec->retry_factor : 1;
                set_retry(s, inst, now + (wait > 1e12 ? (int64_t)1e12 : (int64_t)wait));
        }
        s->wakeup = now;
        int rc = emit(s, &s->queue, SCHED_TRANSITION, inst, to, reason);
        if (traced(s, inst)) {
                char a[ISO_FORMAT_MAX];
                why_add(s->why, WHY_END, WHY_DONE, now, to, "the run ended: %s%s%s", state_name(to),
                        reason ? ", " : "", reason ? reason : "");
                if (inst->retry_at != INT64_MAX)
                        why_add(s->why, WHY_RETRY, WHY_WAIT, now, to,
                                "retry %d of %d at %s (backoff %d s x factor %g^%d)",
                                inst->retries + 1, spec->retry_attempts, utc(inst->retry_at, a),
                                spec->retry_backoff_s, spec->retry_factor > 0 ? spec->retry_factor
                                                                              : 1.0,
                                inst->retries);
                else if (to == STATE_FAILED || to == STATE_START_FAILED)
                        why_add(s->why, WHY_RETRY, WHY_NONE, now, to, "no retry left (%d of %d "
                                "used)", inst->retries, spec->retry_attempts);
        }
        return rc;
}

int sched_stop(struct sched *s, struct sched_inst *inst, const char *reason, int64_t now)
{
        s->now = now;
        s->wakeup = now;
        switch (inst->state) {
        case STATE_INIT:
        case STATE_DEPENDENCY_WAIT:
                WHY(s, inst, WHY_OPERATOR, WHY_DONE, "stopped while it waited: %s",
                    reason ? reason : "stopped by operator");
                return emit(s, &s->queue, SCHED_TRANSITION, inst, STATE_CANCELED,
                            reason ? reason : "stopped by operator");
        case STATE_STARTING:
        case STATE_RUNNING:
        case STATE_STOP_FAILED:
                inst->stop_cause = STOP_REQUEST;
                WHY(s, inst, WHY_OPERATOR, WHY_STOP, "stop requested: %s",
                    reason ? reason : "stopped by operator");
                return emit(s, &s->queue, SCHED_STOP, inst, STATE_STOPPING,
                            reason ? reason : "stopped by operator");
        default:
                return BATCH_EINVAL;
        }
}

int sched_rerun(struct sched *s, struct sched_inst *inst, int64_t now)
{
        s->now = now;
        if (!state_transition_ok(inst->state, STATE_INIT))
                return BATCH_EINVAL;
        set_retry(s, inst, INT64_MAX);
        inst->end_at = 0;
        /* The operator asked for it: parents are not waited for again. */
        inst->prev_due = inst->due;
        s->wakeup = now;
        WHY(s, inst, WHY_OPERATOR, WHY_RUN, "rerun by operator: back to Init, parents are not "
            "waited for again");
        return emit(s, &s->queue, SCHED_TRANSITION, inst, STATE_INIT, "rerun by operator");
}

int sched_mark_success(struct sched *s, struct sched_inst *inst, int64_t now)
{
        s->now = now;
        if (!state_transition_ok(inst->state, STATE_MANUAL_SUCCESS))
                return BATCH_EINVAL;
        set_retry(s, inst, INT64_MAX);
        s->wakeup = now;
        WHY(s, inst, WHY_OPERATOR, WHY_DONE, "marked Manual Success by operator");
        return emit(s, &s->queue, SCHED_TRANSITION, inst, STATE_MANUAL_SUCCESS,
                    "marked successful by operator");
}

static struct sched_inst *find_by(struct sched *s, bool ext, int64_t id)
{
        for (size_t i = 0; i < s->njobs; i++) {
                struct job_state *j = &s->jobs[i];
                for (size_t k = j->head; k < j->n; k++)
                        if ((ext ? j->recs[k]->ext_id : j->recs[k]->id) == id)
                                return j->recs[k];
        }
        return NULL;
}

int sched_stop_failed(struct sched *s, struct sched_inst *inst, int64_t now)
{
        s->now = now;
        if (inst->state != STATE_STOPPING)
                return BATCH_EINVAL;
        s->wakeup = now;
        return emit(s, &s->queue, SCHED_TRANSITION, inst, STATE_STOP_FAILED,
                    "the run did not end after SIGKILL");
}

struct sched_inst *sched_find(struct sched *s, int64_t id)
{
        return find_by(s, false, id);
}

struct sched_inst *sched_find_ext(struct sched *s, int64_t ext_id)
{
        if (ext_id != 0 && s->ext_cap) {
                size_t mask = s->ext_cap - 1;
                for (size_t k = ext_home(s, ext_id); s->ext_slots[k]; k = (k + 1) & mask)
                        if (s->ext_slots[k]->ext_id == ext_id)
                                return s->ext_slots[k];
        }
        return s->ext_incomplete ? find_by(s, true, ext_id) : NULL;
}

int sched_set_ext_id(struct sched *s, struct sched_inst *inst, int64_t ext_id)
{
        ext_remove(s, inst);
        inst->ext_id = ext_id;
        return ext_insert(s, inst);
}

size_t sched_held(const struct sched *s)
{
        return s->held;
}

uint64_t sched_transitions(const struct sched *s)
{
        return s->transitions;
}
