/* dueparams.c: FirstDueTime and LastDueTime (see dueparams.h). */
#include "dueparams.h"

void dueparams_compute(int64_t due, const struct due_history *h, struct due_params *out)
{
        int64_t first = due;
        if (h && h->last_finished_failed)
                first = h->last_failed_first;
        else if (h && h->has_success)
                first = h->first_due_after_success;
        out->due = due;
        out->first_due = first < due ? first : due;
        out->last_due = due;
}
