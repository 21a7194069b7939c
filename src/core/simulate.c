/* simulate.c: the scheduler against a simulated clock (see simulate.h). */
#include "core/simulate.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/lifecycle.h"

/* A run that will end at `at`. */
struct run_end {
        int64_t at;
        int64_t id;               /* inst->id, kept here: the heap's order reads no instance */
        struct sched_inst *inst;
        enum sched_end how;
};

/* A binary min-heap of run ends by time, then instance id (deterministic). */
struct heap {
        size_t n, cap;
        struct run_end *items;
};

static bool before(const struct run_end *a, const struct run_end *b)
{
        return a->at < b->at || (a->at == b->at && a->id < b->id);
}

static void swap(struct run_end *a, struct run_end *b)
{
        struct run_end t = *a;
        *a = *b;
        *b = t;
}

static void sift_up(struct heap *h, size_t i)
{
        while (i > 0 && before(&h->items[i], &h->items[(i - 1) / 2])) {
                swap(&h->items[i], &h->items[(i - 1) / 2]);
                i = (i - 1) / 2;
        }
}

static void sift_down(struct heap *h, size_t i)
{
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;
                if (l < h->n && before(&h->items[l], &h->items[m]))
                        m = l;
                if (r < h->n && before(&h->items[r], &h->items[m]))
                        m = r;
                if (m == i)
                        return;
                swap(&h->items[i], &h->items[m]);
                i = m;
        }
}

static int heap_push(struct heap *h, struct run_end e)
{
        if (h->n == h->cap) {
                size_t cap = h->cap ? h->cap * 2 : 64;
                struct run_end *items = realloc(h->items, cap * sizeof(*items));
                if (!items)
                        return BATCH_ENOMEM;
                h->items = items;
                h->cap = cap;
        }
        h->items[h->n] = e;
        sift_up(h, h->n++);
        return 0;
}

static void heap_remove(struct heap *h, size_t i)
{
        h->items[i] = h->items[--h->n];
        if (i < h->n) {
                sift_up(h, i);
                sift_down(h, i);
        }
}

/* A simulation under way (sim_begin .. sim_finish). */
struct sim {
        struct sim_params p;      /* borrowed pointers */
        struct sched *s;
        struct heap h;            /* the runs in flight, by end */
        struct sched_actions acts;
        int64_t t;                /* the next instant to serve */
        bool done;                /* nothing more to serve */
        struct sim_result res;
        size_t cap;
        int err;                  /* the first error; the run stops at it */
        uint32_t *wait_of;        /* by instance id: 1 + index into res.waits, 0 none */
        size_t nwait_of;
        size_t capwaits;
        uint32_t *free_waits;     /* streaming: slots of res.waits handed over, to reuse */
        size_t nfree_waits, capfree_waits;
        size_t *out_first;        /* the outcomes by job: job j's are out_order[out_first[j]
                                     .. out_first[j + 1]), in their given order (NULL: none) */
        size_t *out_order;
};

/* A slot of sim->res.waits for a new first wait: a reused one, or one more. Returns
 * 1 + its index, or 0 when out of memory. */
static uint32_t wait_slot(struct sim *sim)
{
        if (sim->nfree_waits)
                return sim->free_waits[--sim->nfree_waits];
        struct sim_result *r = &sim->res;
        if (r->nwaits == sim->capwaits) {
                size_t cap = sim->capwaits ? sim->capwaits * 2 : 64;
                struct sim_wait *w = realloc(r->waits, cap * sizeof(*w));
                if (!w)
                        return 0;
                r->waits = w;
                sim->capwaits = cap;
        }
        return (uint32_t)++r->nwaits;
}

/* Records that instance inst began to wait at t with `reason`, when it had not before. */
static int note_wait(struct sim *sim, const struct sched_inst *inst, int64_t t, const char *reason)
{
        size_t id = (size_t)inst->id;
        if (id >= sim->nwait_of) {
                size_t n = sim->nwait_of ? sim->nwait_of : 256;
                while (n <= id)
                        n *= 2;
                uint32_t *w = realloc(sim->wait_of, n * sizeof(*w));
                if (!w)
                        return BATCH_ENOMEM;
                memset(w + sim->nwait_of, 0, (n - sim->nwait_of) * sizeof(*w));
                sim->wait_of = w;
                sim->nwait_of = n;
        }
        if (sim->wait_of[id])
                return 0;
        uint32_t slot = wait_slot(sim);
        if (!slot)
                return BATCH_ENOMEM;
        struct sim_wait *w = &sim->res.waits[slot - 1];
        w->since = t;
        size_t n = reason ? strnlen(reason, sizeof(w->reason) - 1) : 0;
        memcpy(w->reason, reason ? reason : "", n);
        w->reason[n] = '\0';
        sim->wait_of[id] = slot;
        return 0;
}

/* Hands row's first wait slot back for reuse (streaming: the row has been delivered). */
static void free_wait(struct sim *sim, uint32_t slot)
{
        if (sim->nfree_waits == sim->capfree_waits) {
                size_t cap = sim->capfree_waits ? sim->capfree_waits * 2 : 64;
                uint32_t *f = realloc(sim->free_waits, cap * sizeof(*f));
                if (!f)
                        return; /* the slot is not reused: only memory */
                sim->free_waits = f;
                sim->capfree_waits = cap;
        }
        sim->free_waits[sim->nfree_waits++] = slot;
}

static void retire(void *arg, const struct sched_inst *inst)
{
        struct sim *sim = arg;
        if (sim->err)
                return;
        struct sim_row one, *row = &one;
        if (!sim->p.row) {
                if (sim->res.n == sim->cap) {
                        size_t cap = sim->cap ? sim->cap * 2 : 256;
                        struct sim_row *rows = realloc(sim->res.rows, cap * sizeof(*rows));
                        if (!rows) {
                                sim->err = BATCH_ENOMEM;
                                return;
                        }
                        sim->res.rows = rows;
                        sim->cap = cap;
                }
                row = &sim->res.rows[sim->res.n++];
        }
        row->id = inst->id;
        row->job = inst->job;
        row->scheduled = inst->scheduled;
        row->due = inst->due;
        row->first_due = inst->first_due;
        row->last_due = inst->last_due;
        row->start = inst->first_start_at;
        row->end = state_is_final(inst->state) ? inst->end_at : 0;
        row->state = inst->state;
        row->runs = inst->runs;
        size_t nr = strnlen(inst->reason, sizeof(row->reason) - 1);
        memcpy(row->reason, inst->reason, nr);
        row->reason[nr] = '\0';
        size_t id = (size_t)inst->id;
        row->wait = id < sim->nwait_of ? sim->wait_of[id] : 0;
        if (sim->p.row) {
                sim->p.row(sim->p.row_arg, row, sim_row_wait(&sim->res, row));
                if (row->wait) {
                        sim->wait_of[id] = 0;
                        free_wait(sim, row->wait);
                }
        }
}

const struct sim_wait *sim_row_wait(const struct sim_result *r, const struct sim_row *w)
{
        return w->wait && w->wait <= r->nwaits ? &r->waits[w->wait - 1] : NULL;
}

int sim_row_order(int64_t due_a, int64_t start_a, int64_t id_a, int64_t due_b, int64_t start_b,
                  int64_t id_b)
{
        if (due_a != due_b)
                return due_a < due_b ? -1 : 1;
        int64_t xs = start_a ? start_a : INT64_MAX, ys = start_b ? start_b : INT64_MAX;
        if (xs != ys)
                return xs < ys ? -1 : 1;
        return id_a < id_b ? -1 : id_a > id_b;
}

static int cmp_row(const void *a, const void *b)
{
        const struct sim_row *x = a, *y = b;
        return sim_row_order(x->due, x->start, x->id, y->due, y->start, y->id);
}

/* Indexes p's outcomes by job (a counting sort, stable), so that a run's outcome is
 * found among its own job's and not by a scan of all of them per run. 0 or
 * BATCH_ENOMEM. */
static int index_outcomes(struct sim *sim)
{
        const struct sim_params *p = &sim->p;
        if (!p->noutcomes)
                return 0;
        sim->out_first = calloc(p->njobs + 1, sizeof(*sim->out_first));
        sim->out_order = malloc(p->noutcomes * sizeof(*sim->out_order));
        if (!sim->out_first || !sim->out_order)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < p->noutcomes; i++)
                sim->out_first[p->outcomes[i].job + 1]++;
        for (size_t j = 0; j < p->njobs; j++)
                sim->out_first[j + 1] += sim->out_first[j];
        size_t *next = malloc((p->njobs ? p->njobs : 1) * sizeof(*next));
        if (!next)
                return BATCH_ENOMEM;
        memcpy(next, sim->out_first, p->njobs * sizeof(*next));
        for (size_t i = 0; i < p->noutcomes; i++)
                sim->out_order[next[p->outcomes[i].job]++] = i;
        free(next);
        return 0;
}

/* How a run of inst goes, its minutes and its end: the last outcome given for its job and
 * due time, else the last for its job, else its estimate (at least a minute) and
 * success. */
static void outcome_of(const struct sim *sim, const struct sched_inst *inst, int *minutes,
                       enum sched_end *how)
{
        int m = -1, res = -1, m_due = -1, res_due = -1;
        const struct sim_outcome *o = sim->p.outcomes;
        size_t from = sim->out_first ? sim->out_first[inst->job] : 0;
        size_t to = sim->out_first ? sim->out_first[inst->job + 1] : 0;
        for (size_t k = from; k < to; k++) {
                size_t i = sim->out_order[k];
                if (o[i].has_due && o[i].due != inst->due)
                        continue;
                int *pm = o[i].has_due ? &m_due : &m, *pr = o[i].has_due ? &res_due : &res;
                if (o[i].minutes >= 0)
                        *pm = o[i].minutes;
                if (o[i].result >= 0)
                        *pr = o[i].result;
        }
        int est = sim->p.jobs[inst->job].estimated_minutes;
        *minutes = m_due >= 0 ? m_due : m >= 0 ? m : est > 0 ? est : 1;
        int r = res_due >= 0 ? res_due : res;
        *how = r >= 0 ? (enum sched_end)r : SCHED_END_SUCCESS;
}

/* Carries out the scheduler's actions at time t. Returns 0 or an error. */
static int carry_out(struct sched *s, struct sim *sim, const struct sched_actions *acts,
                     struct heap *h, int64_t t)
{
        for (size_t i = 0; i < acts->n; i++) {
                const struct sched_action *a = &acts->items[i];
                int rc = 0;
                if (a->kind == SCHED_TRANSITION && a->to == STATE_DEPENDENCY_WAIT)
                        rc = sim->p.waits ? note_wait(sim, a->inst, t, a->reason) : 0;
                else if (a->kind == SCHED_START) {
                        int minutes;
                        enum sched_end how;
                        outcome_of(sim, a->inst, &minutes, &how);
                        if ((rc = sched_started(s, a->inst, t)) == 0)
                                rc = heap_push(h, (struct run_end){t + (int64_t)minutes * 60,
                                                                   a->inst->id, a->inst, how});
                } else if (a->kind == SCHED_STOP) {
                        /* The run honours the stop at once. */
                        for (size_t k = 0; k < h->n; k++)
                                if (h->items[k].inst == a->inst) {
                                        heap_remove(h, k);
                                        break;
                                }
                        rc = sched_ended(s, a->inst, SCHED_END_STOPPED, NULL, t);
                }
                if (rc < 0)
                        return rc;
        }
        return 0;
}

/* Restores p's instances into s; runs in flight get their ends in h. */
static int restore_all(struct sim *sim, struct sched *s, const struct sim_params *p,
                       struct heap *h)
{
        for (size_t i = 0; i < p->nrestore; i++) {
                const struct sim_restore *in = &p->restore[i];
                struct sched_inst inst = in->inst, *held;
                inst.reason = in->reason;
                int rc = sched_restore(s, in->job, &inst, &held);
                if (rc < 0)
                        return rc;
                int st = in->inst.state, minutes;
                enum sched_end how;
                if (st == STATE_STARTING && (rc = sched_started(s, held, p->from)) < 0)
                        return rc;
                if (st == STATE_STARTING || st == STATE_RUNNING) {
                        outcome_of(sim, held, &minutes, &how);
                        int64_t end = (held->start_at ? held->start_at : p->from) +
                                      (int64_t)minutes * 60;
                        rc = heap_push(h, (struct run_end){end > p->from ? end : p->from, held->id,
                                                           held, how});
                } else if (st == STATE_STOPPING || st == STATE_STOP_FAILED) {
                        rc = heap_push(h, (struct run_end){p->from, held->id, held,
                                                           SCHED_END_STOPPED});
                }
                if (rc < 0)
                        return rc;
        }
        return 0;
}

int sim_run(const struct sched_job_spec *jobs, size_t njobs, const struct sched_tenant *tenant,
            int64_t from, int64_t to, const struct sim_outcome *outcomes, size_t noutcomes,
            struct sim_result *ret)
{
        struct sim_params p = {.jobs = jobs, .njobs = njobs, .tenant = tenant, .from = from,
                               .to = to, .outcomes = outcomes, .noutcomes = noutcomes};
        return sim_run_params(&p, ret);
}

int sim_begin(const struct sim_params *p, struct sim **ret)
{
        for (size_t i = 0; i < p->noutcomes; i++)
                if (p->outcomes[i].job >= p->njobs)
                        return BATCH_EINVAL;
        struct sim *sim = calloc(1, sizeof(*sim));
        if (!sim)
                return BATCH_ENOMEM;
        sim->p = *p;
        sim->t = p->from;
        int rc = sched_new(p->jobs, p->njobs, p->tenant, p->from, retire, sim, &sim->s);
        if (rc < 0) {
                free(sim);
                return rc;
        }
        if (p->why)
                sched_set_why(sim->s, p->why);
        if ((rc = index_outcomes(sim)) < 0 || (rc = restore_all(sim, sim->s, p, &sim->h)) < 0) {
                struct sim_result unused;
                sim->err = rc;
                sim_finish(sim, &unused);
                return rc;
        }
        *ret = sim;
        return 0;
}

/* A copy of n items of `size` bytes (NULL for none). */
static void *dup_items(const void *from, size_t n, size_t size)
{
        if (!n)
                return NULL;
        void *to = malloc(n * size);
        if (to)
                memcpy(to, from, n * size);
        return to;
}

int sim_fork(const struct sim *sim, const struct sim_params *p, struct sim **ret)
{
        const struct sim_params *q = &sim->p;
        if (sim->err || q->why || p->why || !q->row || !p->row || p->njobs != q->njobs ||
            p->from != q->from || p->to != q->to || p->waits != q->waits)
                return BATCH_EINVAL;
        struct sim *f = calloc(1, sizeof(*f));
        if (!f)
                return BATCH_ENOMEM;
        f->p = *p;
        f->t = sim->t;
        f->done = sim->done;
        f->res.peak_held = sim->res.peak_held;
        int rc = sched_copy(sim->s, p->jobs, p->tenant, retire, f, &f->s);
        if (rc < 0) {
                free(f);
                return rc;
        }
        /* The first waits: the slots, what refers to them, the slots free for reuse; the
         * runs in flight. Each array as long as what it holds (it grows as it would). */
        f->res.waits = dup_items(sim->res.waits, sim->res.nwaits, sizeof(*f->res.waits));
        f->res.nwaits = f->capwaits = sim->res.nwaits;
        f->wait_of = dup_items(sim->wait_of, sim->nwait_of, sizeof(*f->wait_of));
        f->nwait_of = sim->nwait_of;
        f->free_waits = dup_items(sim->free_waits, sim->nfree_waits, sizeof(*f->free_waits));
        f->nfree_waits = f->capfree_waits = sim->nfree_waits;
        f->h.items = dup_items(sim->h.items, sim->h.n, sizeof(*f->h.items));
        f->h.n = f->h.cap = sim->h.n;
        if ((f->capwaits && !f->res.waits) || (f->nwait_of && !f->wait_of) ||
            (f->capfree_waits && !f->free_waits) || (f->h.cap && !f->h.items)) {
                rc = BATCH_ENOMEM; /* what was not copied counts as empty */
                if (!f->res.waits)
                        f->res.nwaits = f->capwaits = 0;
                if (!f->wait_of)
                        f->nwait_of = 0;
                if (!f->free_waits)
                        f->nfree_waits = f->capfree_waits = 0;
                if (!f->h.items)
                        f->h.n = f->h.cap = 0;
        }
        /* The runs in flight, on the copy's instances (the same heap order: same keys). */
        for (size_t i = 0; i < f->h.n && rc == 0; i++)
                if (!(f->h.items[i].inst = sched_counterpart(sim->s, f->s, sim->h.items[i].inst)))
                        rc = BATCH_EINVAL;
        if (rc < 0) {
                struct sim_result none;
                f->err = rc; /* retire() hands nothing over after an error */
                sim_finish(f, &none);
                return rc;
        }
        *ret = f;
        return 0;
}

void sim_set_row(struct sim *sim, sim_row_fn *row, void *row_arg)
{
        if (sim->p.row && row) {
                sim->p.row = row;
                sim->p.row_arg = row_arg;
        }
}

/* Serves instant sim->t once: the scheduler's actions, then the runs that end by then.
 * Returns 1 when something happened (the instant is served again), 0 or an error. */
static int serve(struct sim *sim)
{
        int64_t t = sim->t;
        sched_actions_clear(&sim->acts);
        int rc = sched_advance(sim->s, t, &sim->acts);
        if (rc < 0)
                return rc;
        if (sched_held(sim->s) > sim->res.peak_held)
                sim->res.peak_held = sched_held(sim->s);
        int busy = sim->acts.n > 0;
        if ((rc = carry_out(sim->s, sim, &sim->acts, &sim->h, t)) < 0)
                return rc;
        struct heap *h = &sim->h;
        while (h->n && h->items[0].at <= t) {
                struct run_end e = h->items[0];
                heap_remove(h, 0);
                if ((rc = sched_ended(sim->s, e.inst, e.how, NULL, t)) < 0)
                        return rc;
                busy = 1;
        }
        return busy;
}

int sim_step(struct sim *sim, int64_t until)
{
        while (!sim->done && !sim->err && sim->t <= until) {
                int busy = serve(sim);
                if (busy < 0) {
                        sim->err = busy;
                        break;
                }
                if (busy)
                        continue; /* the same instant again, until nothing happens */
                if (sim->p.why && sim->p.why->final) {
                        sim->done = true; /* the instance explained has reached its end */
                        break;
                }
                int64_t next = sched_next_wakeup(sim->s);
                if (sim->h.n && sim->h.items[0].at < next)
                        next = sim->h.items[0].at;
                if (next > sim->p.to)
                        sim->done = true;
                else
                        sim->t = next > sim->t ? next : sim->t + 1;
        }
        return sim->err;
}

bool sim_done(const struct sim *sim)
{
        return sim->done || sim->err;
}

int sim_finish(struct sim *sim, struct sim_result *ret)
{
        sim->res.transitions = sched_transitions(sim->s);
        sched_set_why(sim->s, NULL);
        sched_free(sim->s); /* retires (records or hands over) every instance still held */
        free(sim->h.items);
        free(sim->wait_of);
        free(sim->free_waits);
        free(sim->out_first);
        free(sim->out_order);
        sched_actions_release(&sim->acts);
        int rc = sim->err;
        struct sim_result res = sim->res;
        if (sim->p.row) { /* streamed: the waits were the rows' scratch */
                free(res.waits);
                res.waits = NULL;
                res.nwaits = 0;
        }
        free(sim);
        if (rc < 0) {
                free(res.rows);
                free(res.waits);
                return rc;
        }
        if (res.rows && res.n) /* rows is NULL for an empty or streamed plan */
                qsort(res.rows, res.n, sizeof(*res.rows), cmp_row);
        *ret = res;
        return 0;
}

int sim_run_params(const struct sim_params *p, struct sim_result *ret)
{
        struct sim *sim;
        int rc = sim_begin(p, &sim);
        if (rc < 0)
                return rc;
        sim_step(sim, INT64_MAX);
        return sim_finish(sim, ret);
}

void sim_result_release(struct sim_result *r)
{
        free(r->rows);
        free(r->waits);
        r->rows = NULL;
        r->waits = NULL;
        r->n = r->nwaits = 0;
}
