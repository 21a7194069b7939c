/* fuzz_remote_report.c: libFuzzer target for a remote run's report (the callback body
 * and the status answer, src/api/remote_report.c): any bytes must give a report or an
 * error naming a field, never a crash, leak or undefined behaviour; an accepted report
 * keeps every limit of docs/remote-jobs.md (steps, names, counts, messages, no repeated
 * step name). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/remote_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct remote_report r;
        struct batch_err err = {0};
        if (remote_report_parse((const char *)data, size, &r, &err) < 0) {
                if (!err.msg[0])
                        abort(); /* a refusal says why */
                return 0;
        }
        if (r.status > REMOTE_STOPPED || r.nsteps > REMOTE_REPORT_MAX_STEPS ||
            (r.message && strlen(r.message) > REMOTE_MESSAGE_MAX))
                abort();
        for (size_t i = 0; i < r.nsteps; i++) {
                const struct remote_step *s = &r.steps[i];
                size_t n = strlen(s->name);
                if (n == 0 || n > REMOTE_STEP_NAME_MAX || !s->status)
                        abort();
                for (int c = 0; c < RC_X_MAX; c++)
                        if (s->counts[c] < 0 || s->counts[c] > ((int64_t)1 << 53))
                                abort();
                for (size_t k = 0; k < i; k++)
                        if (!strcmp(r.steps[k].name, s->name))
                                abort();
        }
        remote_report_release(&r);
        return 0;
}
