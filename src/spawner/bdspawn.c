/* bdspawn.c: the spawner program (src/daemon/supervisor.h). batchd starts it as
 * `bdspawn VERSION STATE-DIR FORMAT` (the state directory only for `ps`; FORMAT the
 * log's, json or text) with the socket to the daemon as descriptor 3; it is linked with
 * libc only, so that it and the supervisors it forks are small processes. It serves only
 * the batchd of its own version (their messages are not a stable interface). Never
 * started by hand. */
#include <stdio.h>
#include <string.h>

#include "daemon/supervisor.h"

int main(int argc, char **argv)
{
        if (argc != 4 || strcmp(argv[1], BATCH_VERSION) != 0) {
                char msg[256];
                snprintf(msg, sizeof(msg), "bdspawn %s serves batchd %s only, not %s: a copy "
                         "of batchd forks the supervisors instead", BATCH_VERSION,
                         BATCH_VERSION, argc > 1 ? argv[1] : "(no version)");
                enum log_format f = argc > 3 ? log_format_from_name(argv[3]) : LOG_FORMAT_JSON;
                logline_write(f == LOG_FORMAT_INVALID ? LOG_FORMAT_JSON : f,
                              &(struct logline){.wall_ms = logline_now_ms(), .level = "warn",
                                                .msg = msg});
                return 2;
        }
        run_spawner_serve(3);
}
