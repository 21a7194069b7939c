/* subset.c: jobs and their ancestors as a scheduler input (see subset.h). */
#include "core/subset.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int sched_subset_build(const struct sched_job_spec *jobs, size_t njobs, const bool *keep,
                       struct sched_subset *ret)
{
        memset(ret, 0, sizeof(*ret));
        size_t cap = njobs ? njobs : 1;
        bool *mark = calloc(cap, sizeof(*mark));
        size_t *stack = malloc(cap * sizeof(*stack)), top = 0;
        ret->old_of = malloc(cap * sizeof(*ret->old_of));
        ret->new_of = malloc(cap * sizeof(*ret->new_of));
        int rc = mark && stack && ret->old_of && ret->new_of ? 0 : BATCH_ENOMEM;
        for (size_t i = 0; i < njobs && rc == 0; i++)
                if (keep[i] && !mark[i]) {
                        mark[i] = true;
                        stack[top++] = i;
                }
        while (top && rc == 0) { /* every marked job's parents, depth first */
                const struct sched_job_spec *j = &jobs[stack[--top]];
                for (size_t d = 0; d < j->ndeps; d++) {
                        size_t p = j->deps[d].parent;
                        if (p >= njobs) {
                                rc = BATCH_EINVAL;
                                break;
                        }
                        if (!mark[p]) {
                                mark[p] = true;
                                stack[top++] = p;
                        }
                }
        }
        size_t ndeps = 0;
        for (size_t i = 0; i < njobs && rc == 0; i++) {
                ret->new_of[i] = mark[i] ? (long)ret->n : -1;
                if (mark[i]) {
                        ret->old_of[ret->n++] = i;
                        ndeps += jobs[i].ndeps;
                }
        }
        free(mark);
        free(stack);
        if (rc < 0)
                return rc;
        ret->jobs = calloc(ret->n ? ret->n : 1, sizeof(*ret->jobs));
        ret->deps = calloc(ndeps ? ndeps : 1, sizeof(*ret->deps));
        if (!ret->jobs || !ret->deps)
                return BATCH_ENOMEM;
        size_t used = 0;
        for (size_t k = 0; k < ret->n; k++) {
                const struct sched_job_spec *j = &jobs[ret->old_of[k]];
                ret->jobs[k] = *j;
                ret->jobs[k].deps = &ret->deps[used];
                for (size_t d = 0; d < j->ndeps; d++)
                        ret->deps[used++] = (struct sched_dep){
                                (size_t)ret->new_of[j->deps[d].parent], j->deps[d].mode};
        }
        return 0;
}

void sched_subset_release(struct sched_subset *s)
{
        free(s->old_of);
        free(s->new_of);
        free(s->jobs);
        free(s->deps);
        memset(s, 0, sizeof(*s));
}
