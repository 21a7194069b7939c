/* stop.c: cooperative stop — SIGTERM/SIGINT set a flag, and a stop request recorded in
 * the repository for the instance (store_request_add, action "stop") is looked for at
 * most every stop_poll_us; the step ends after its current chunk. */
#include "sdk/sdk-internal.h"

#include <string.h>

bool sdk_stop_requested(struct sdk_run *run)
{
        if (run->stop || sdk_stop_flag)
                return run->stop = true;
        int64_t now = sdk_mono_us();
        if (now < run->next_poll_us)
                return false;
        int64_t every = run->opts->stop_poll_us > 0 ? run->opts->stop_poll_us : 1000000;
        run->next_poll_us = now + every;
        struct store_request_list l;
        if (store_request_list(run->st, run->instance_id, run->request_after, &l, NULL) < 0)
                return false;
        for (size_t i = 0; i < l.n; i++) {
                if (!strcmp(l.items[i].action, "stop"))
                        run->stop = true;
                run->request_after = l.items[i].id;
        }
        store_request_list_release(&l);
        return run->stop;
}
