/* impact.c: the difference between two plans (see impact.h). */
#include "core/impact.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/lifecycle.h"

static const char *const kinds[IMPACT_X_MAX] = {
        [IMPACT_ADDED] = "added",     [IMPACT_REMOVED] = "removed",
        [IMPACT_NEWLY_SKIPPED] = "newly_skipped", [IMPACT_NEW_WAIT] = "new_wait",
        [IMPACT_MOVED] = "moved",     [IMPACT_STATE] = "state",
};

const char *impact_kind_name(enum impact_kind k)
{
        return (unsigned)k < IMPACT_X_MAX ? kinds[k] : "?";
}

/* A scheduled row with its job's name, for sorting by (name, due). */
struct keyed {
        const char *job;
        const struct sim_row *row;
};

static int cmp_keyed(const void *a, const void *b)
{
        const struct keyed *x = a, *y = b;
        int c = strcmp(x->job, y->job);
        if (c)
                return c;
        return x->row->due < y->row->due ? -1 : x->row->due > y->row->due;
}

static int cmp_change(const void *a, const void *b)
{
        const struct impact_change *x = a, *y = b;
        if (x->due != y->due)
                return x->due < y->due ? -1 : 1;
        return strcmp(x->job, y->job);
}

static struct keyed *keyed_of(const struct impact_plan *p, size_t *ret_n)
{
        struct keyed *k = malloc((p->res->n ? p->res->n : 1) * sizeof(*k));
        size_t n = 0;
        if (!k)
                return NULL;
        for (size_t i = 0; i < p->res->n; i++)
                if (p->res->rows[i].scheduled)
                        k[n++] = (struct keyed){p->names[p->res->rows[i].job], &p->res->rows[i]};
        qsort(k, n, sizeof(*k), cmp_keyed);
        *ret_n = n;
        return k;
}

/* The change between two rows of the same job and due time, or IMPACT_X_MAX for none. */
static enum impact_kind classify(const struct sim_row *b, const struct sim_row *a)
{
        if (a->state == STATE_TIMEOUT_SKIP && b->state != STATE_TIMEOUT_SKIP)
                return IMPACT_NEWLY_SKIPPED;
        if (a->wait_since && !b->wait_since)
                return IMPACT_NEW_WAIT;
        if (a->start != b->start)
                return IMPACT_MOVED;
        if (a->state != b->state)
                return IMPACT_STATE;
        return IMPACT_X_MAX;
}

int impact_compare(const struct impact_plan *before, const struct impact_plan *after,
                   struct impact *ret)
{
        memset(ret, 0, sizeof(*ret));
        size_t nb, na;
        struct keyed *kb = keyed_of(before, &nb), *ka = kb ? keyed_of(after, &na) : NULL;
        struct impact_change *out = ka ? malloc((nb + na ? nb + na : 1) * sizeof(*out)) : NULL;
        if (!out) {
                free(kb);
                free(ka);
                return BATCH_ENOMEM;
        }
        size_t i = 0, j = 0, n = 0;
        while (i < nb || j < na) {
                int c = i == nb ? 1 : j == na ? -1 : cmp_keyed(&kb[i], &ka[j]);
                struct impact_change ch = {IMPACT_X_MAX, NULL, 0, NULL, NULL};
                if (c < 0) {
                        ch = (struct impact_change){IMPACT_REMOVED, kb[i].job, kb[i].row->due,
                                                    kb[i].row, NULL};
                        i++;
                } else if (c > 0) {
                        ch = (struct impact_change){IMPACT_ADDED, ka[j].job, ka[j].row->due, NULL,
                                                    ka[j].row};
                        j++;
                } else {
                        ch = (struct impact_change){classify(kb[i].row, ka[j].row), ka[j].job,
                                                    ka[j].row->due, kb[i].row, ka[j].row};
                        i++;
                        j++;
                }
                if (ch.kind != IMPACT_X_MAX) {
                        out[n++] = ch;
                        ret->count[ch.kind]++;
                }
        }
        free(kb);
        free(ka);
        qsort(out, n, sizeof(*out), cmp_change);
        ret->n = n;
        ret->items = out;
        return 0;
}

void impact_release(struct impact *im)
{
        free(im->items);
        memset(im, 0, sizeof(*im));
}
