/* impactcmp.h: the comparison of two plans behind impact.h, fed row by row as the two
 * simulations hand their instances over (simulate.h, sim_params.row), so that neither
 * plan is kept: a row waits only until its counterpart of the other plan has come, and
 * only the rows of the differences are kept. Pure.
 *
 * Instances are matched by job name and due time. Each side's rows of one job must come
 * in the order of their due times (as a simulation hands them over); the two sides may
 * come in any interleaving. Job names are unique within a side. */
#ifndef BATCH_CORE_IMPACTCMP_H
#define BATCH_CORE_IMPACTCMP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/impact.h"

/* One side's jobs, borrowed until impact_cmp_finish: names[i] is job i's name, and only
 * the jobs with compare[i] (all when compare is NULL) are compared. */
struct impact_cmp_side {
        const char *const *names;
        const bool *compare;
        size_t njobs;
};

struct impact_cmp;

/* Creates a comparison of the plans of `before` and `after` (matched by name). Returns 0
 * or BATCH_ENOMEM. */
int impact_cmp_new(const struct impact_cmp_side *before, const struct impact_cmp_side *after,
                   struct impact_cmp **ret);

/* One row of side 0 (before) or 1 (after), with its first wait (NULL: none); both are
 * copied when kept. Submitted (not scheduled) rows and jobs not compared are left out.
 * A job index out of range is left out too. Never fails: an allocation failure is
 * returned by impact_cmp_finish. */
void impact_cmp_row(struct impact_cmp *c, int side, const struct sim_row *row,
                    const struct sim_wait *wait);

/* Ends the comparison: every row still unmatched is a due time only its side has. Fills
 * ret's items (by due time, then job name), count, and before/after (the rows the items
 * point into, with their waits); the other fields of *ret are zero. Frees c. Returns 0 or
 * BATCH_ENOMEM (the first failure of the comparison; *ret is then untouched). */
int impact_cmp_finish(struct impact_cmp *c, struct impact *ret);

/* The rows handed to impact_cmp_row so far, both sides, of every job. */
size_t impact_cmp_rows(const struct impact_cmp *c);

#endif
