/* fuzz_run_files.c: libFuzzer target for what batchd reads about a run's job
 * (src/daemon/supervisor.c): a job file's line (run_parse_job) and the text of a
 * /proc/PID/stat file (run_proc_parse). The first byte chooses the parser, the rest is
 * the text. Any bytes must be parsed or refused, never a crash or undefined behaviour;
 * an accepted job names a positive pid, and an accepted stat a state letter (A-Z, a-z). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/supervisor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        char *text = malloc(size);
        if (!text)
                return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        if (data[0] & 1) {
                struct run_job job;
                if (run_parse_job(text, "0b6a8d2e-5f0c-4f1e-9d35-6c1f5e3b2a10", &job) &&
                    job.pid <= 0)
                        abort();
                if (run_parse_job(text, "", &job))
                        abort(); /* an unknown boot id never matches */
        } else {
                struct run_proc p;
                if (run_proc_parse(text, &p) && !((p.state >= 'A' && p.state <= 'Z') ||
                                               (p.state >= 'a' && p.state <= 'z')))
                        abort();
        }
        free(text);
        return 0;
}
