/* impactcmp.c: two plans compared as their rows come (see impactcmp.h). */
#include "core/impactcmp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/lifecycle.h"

#define NONE UINT32_MAX

/* A row waiting for its counterpart, in its job's queue. */
struct pend {
        struct sim_row row;
        struct sim_wait wait; /* when has_wait */
        bool has_wait;
        uint32_t next;        /* the next pending row of the job, or NONE (or the next free) */
};

/* A job compared (by name): the rows of the side that is ahead, in due order. At most one
 * side has rows pending: a row of the other side is matched against them at once. */
struct key {
        const char *name;
        bool twin;            /* both sides have the job */
        int side;             /* the side of the pending rows */
        uint32_t head, tail;  /* NONE: none pending */
};

/* A difference as found: its rows' indexes in kept[0] and kept[1] (SIZE_MAX: none). */
struct found {
        enum impact_kind kind;
        const char *job;
        int64_t due;
        size_t row[2];
};

struct impact_cmp {
        uint32_t *key_of[2]; /* by each side's job index: its key, or NONE */
        size_t njobs[2];
        struct key *keys;
        size_t nkeys;
        struct pend *pool;
        size_t npool, cappool;
        uint32_t free_pend;  /* a chain of free entries of pool, or NONE */
        struct sim_result kept[2];
        size_t capkept[2], capwaits[2];
        struct found *found;
        size_t nfound, capfound;
        size_t count[IMPACT_X_MAX];
        size_t rows;
        int err;
};

/* A job of one side, for matching the sides by name. */
struct entry {
        const char *name;
        int side;
        uint32_t job;
};

static int cmp_entry(const void *a, const void *b)
{
        const struct entry *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        return c ? c : x->side - y->side;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
        if (need <= *cap)
                return true;
        size_t n = *cap ? *cap * 2 : 64;
        while (n < need)
                n *= 2;
        void *q = realloc(*p, n * size);
        if (!q)
                return false;
        *p = q;
        *cap = n;
        return true;
}

static void cmp_free(struct impact_cmp *c)
{
        for (int s = 0; s < 2; s++) {
                free(c->key_of[s]);
                sim_result_release(&c->kept[s]);
        }
        free(c->keys);
        free(c->pool);
        free(c->found);
        free(c);
}

int impact_cmp_new(const struct impact_cmp_side *before, const struct impact_cmp_side *after,
                   struct impact_cmp **ret)
{
        const struct impact_cmp_side *sides[2] = {before, after};
        struct impact_cmp *c = calloc(1, sizeof(*c));
        size_t n = before->njobs + after->njobs;
        struct entry *e = malloc((n ? n : 1) * sizeof(*e));
        if (c)
                c->keys = malloc((n ? n : 1) * sizeof(*c->keys));
        for (int s = 0; c && s < 2; s++)
                c->key_of[s] = malloc((sides[s]->njobs ? sides[s]->njobs : 1) * sizeof(uint32_t));
        if (!c || !e || !c->keys || !c->key_of[0] || !c->key_of[1] || n >= NONE) {
                free(e);
                if (c)
                        cmp_free(c);
                return BATCH_ENOMEM;
        }
        c->free_pend = NONE;
        size_t ne = 0;
        for (int s = 0; s < 2; s++) {
                c->njobs[s] = sides[s]->njobs;
                for (size_t i = 0; i < sides[s]->njobs; i++) {
                        c->key_of[s][i] = NONE;
                        if (!sides[s]->compare || sides[s]->compare[i])
                                e[ne++] = (struct entry){sides[s]->names[i], s, (uint32_t)i};
                }
        }
        qsort(e, ne, sizeof(*e), cmp_entry);
        uint32_t nkeys = 0;
        for (size_t i = 0; i < ne; i++) {
                if (i == 0 || strcmp(e[i - 1].name, e[i].name))
                        c->keys[nkeys++] = (struct key){e[i].name, false, 0, NONE, NONE};
                else if (e[i - 1].side != e[i].side)
                        c->keys[nkeys - 1].twin = true;
                c->key_of[e[i].side][e[i].job] = nkeys - 1;
        }
        c->nkeys = nkeys;
        free(e);
        *ret = c;
        return 0;
}

/* Copies row (with its wait) into kept[side]; its index, or SIZE_MAX (out of memory). */
static size_t keep(struct impact_cmp *c, int side, const struct sim_row *row,
                   const struct sim_wait *wait)
{
        struct sim_result *k = &c->kept[side];
        if (!grow((void **)&k->rows, &c->capkept[side], k->n + 1, sizeof(*k->rows)) ||
            (wait && !grow((void **)&k->waits, &c->capwaits[side], k->nwaits + 1,
                           sizeof(*k->waits)))) {
                c->err = BATCH_ENOMEM;
                return SIZE_MAX;
        }
        struct sim_row *r = &k->rows[k->n];
        *r = *row;
        r->wait = 0;
        if (wait) {
                k->waits[k->nwaits++] = *wait;
                r->wait = (uint32_t)k->nwaits;
        }
        return k->n++;
}

/* Records a difference with its rows (b of before, a of after; NULL: none). */
static void found(struct impact_cmp *c, enum impact_kind kind, const char *job,
                  const struct sim_row *b, const struct sim_wait *bw, const struct sim_row *a,
                  const struct sim_wait *aw)
{
        if (!grow((void **)&c->found, &c->capfound, c->nfound + 1, sizeof(*c->found))) {
                c->err = BATCH_ENOMEM;
                return;
        }
        struct found f = {kind, job, a ? a->due : b->due, {SIZE_MAX, SIZE_MAX}};
        if ((b && (f.row[0] = keep(c, 0, b, bw)) == SIZE_MAX) ||
            (a && (f.row[1] = keep(c, 1, a, aw)) == SIZE_MAX))
                return;
        c->found[c->nfound++] = f;
        c->count[kind]++;
}

/* A due time only `side` has. */
static void unmatched(struct impact_cmp *c, int side, const char *job, const struct sim_row *r,
                      const struct sim_wait *w)
{
        if (side == 0)
                found(c, IMPACT_REMOVED, job, r, w, NULL, NULL);
        else
                found(c, IMPACT_ADDED, job, NULL, NULL, r, w);
}

/* The change between two rows of the same job and due time, or IMPACT_X_MAX for none
 * (the first that applies, docs/why.md). */
static enum impact_kind classify(const struct sim_row *b, bool b_waited,
                                 const struct sim_row *a, bool a_waited)
{
        if (a->state == STATE_TIMEOUT_SKIP && b->state != STATE_TIMEOUT_SKIP)
                return IMPACT_NEWLY_SKIPPED;
        if (a_waited && !b_waited)
                return IMPACT_NEW_WAIT;
        if (a->start != b->start)
                return IMPACT_MOVED;
        if (a->state != b->state)
                return IMPACT_STATE;
        return IMPACT_X_MAX;
}

/* Takes the first pending row of key k off its queue (the entry stays readable until the
 * next push). */
static struct pend *pop(struct impact_cmp *c, struct key *k)
{
        uint32_t i = k->head;
        struct pend *p = &c->pool[i];
        k->head = p->next;
        if (k->head == NONE)
                k->tail = NONE;
        p->next = c->free_pend;
        c->free_pend = i;
        return p;
}

static void push(struct impact_cmp *c, struct key *k, int side, const struct sim_row *row,
                 const struct sim_wait *wait)
{
        uint32_t i = c->free_pend;
        if (i != NONE) {
                c->free_pend = c->pool[i].next;
        } else {
                if (c->npool >= NONE ||
                    !grow((void **)&c->pool, &c->cappool, c->npool + 1, sizeof(*c->pool))) {
                        c->err = BATCH_ENOMEM;
                        return;
                }
                i = (uint32_t)c->npool++;
        }
        struct pend *p = &c->pool[i];
        p->row = *row;
        p->has_wait = wait != NULL;
        if (wait)
                p->wait = *wait;
        p->next = NONE;
        if (k->tail == NONE)
                k->head = i;
        else
                c->pool[k->tail].next = i;
        k->tail = i;
        k->side = side;
}

void impact_cmp_row(struct impact_cmp *c, int side, const struct sim_row *row,
                    const struct sim_wait *wait)
{
        c->rows++;
        if (c->err || !row->scheduled || row->job >= c->njobs[side] ||
            c->key_of[side][row->job] == NONE)
                return;
        struct key *k = &c->keys[c->key_of[side][row->job]];
        if (!k->twin) {
                unmatched(c, side, k->name, row, wait);
                return;
        }
        if (k->head == NONE || k->side == side) {
                push(c, k, side, row, wait); /* this side is ahead (or even) */
                return;
        }
        /* The other side is ahead: its rows due before this one have no counterpart, as
         * this side's rows come in due order. */
        while (k->head != NONE && c->pool[k->head].row.due < row->due) {
                struct pend *p = pop(c, k);
                unmatched(c, k->side, k->name, &p->row, p->has_wait ? &p->wait : NULL);
        }
        if (k->head == NONE) {
                push(c, k, side, row, wait);
        } else if (c->pool[k->head].row.due > row->due) {
                unmatched(c, side, k->name, row, wait); /* the other side has passed it */
        } else {
                struct pend *p = pop(c, k);
                const struct sim_row *b = side ? &p->row : row, *a = side ? row : &p->row;
                const struct sim_wait *pw = p->has_wait ? &p->wait : NULL;
                const struct sim_wait *bw = side ? pw : wait, *aw = side ? wait : pw;
                enum impact_kind kind = classify(b, bw != NULL, a, aw != NULL);
                if (kind != IMPACT_X_MAX)
                        found(c, kind, k->name, b, bw, a, aw);
        }
}

static int cmp_change(const void *a, const void *b)
{
        const struct impact_change *x = a, *y = b;
        if (x->due != y->due)
                return x->due < y->due ? -1 : 1;
        return strcmp(x->job, y->job);
}

int impact_cmp_finish(struct impact_cmp *c, struct impact *ret)
{
        for (struct key *k = c->keys; c->err == 0 && k < c->keys + c->nkeys; k++)
                while (k->head != NONE) {
                        struct pend *p = pop(c, k);
                        unmatched(c, k->side, k->name, &p->row, p->has_wait ? &p->wait : NULL);
                }
        struct impact_change *items =
                c->err ? NULL : malloc((c->nfound ? c->nfound : 1) * sizeof(*items));
        if (!items) {
                int rc = c->err ? c->err : BATCH_ENOMEM;
                cmp_free(c);
                return rc;
        }
        for (size_t i = 0; i < c->nfound; i++) {
                const struct found *f = &c->found[i];
                items[i] = (struct impact_change){
                        f->kind, f->job, f->due,
                        f->row[0] == SIZE_MAX ? NULL : &c->kept[0].rows[f->row[0]],
                        f->row[1] == SIZE_MAX ? NULL : &c->kept[1].rows[f->row[1]]};
        }
        qsort(items, c->nfound, sizeof(*items), cmp_change);
        memset(ret, 0, sizeof(*ret));
        ret->n = c->nfound;
        ret->items = items;
        memcpy(ret->count, c->count, sizeof(ret->count));
        ret->before = c->kept[0];
        ret->after = c->kept[1];
        memset(c->kept, 0, sizeof(c->kept));
        cmp_free(c);
        return 0;
}

size_t impact_cmp_rows(const struct impact_cmp *c)
{
        return c->rows;
}
