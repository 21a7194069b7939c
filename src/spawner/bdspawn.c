/* bdspawn.c: the spawner program (src/daemon/supervisor.h). batchd starts it as
 * `bdspawn VERSION STATE-DIR` (the state directory only for `ps`) with the socket to the
 * daemon as descriptor 3; it is linked with libc
 * only, so that it and the supervisors it forks are small processes. It serves only the
 * batchd of its own version (their messages are not a stable interface). Never started
 * by hand. */
#include <stdio.h>
#include <string.h>

#include "daemon/supervisor.h"

int main(int argc, char **argv)
{
        if (argc != 3 || strcmp(argv[1], BATCH_VERSION) != 0) {
                fprintf(stderr, "{\"level\": \"warn\", \"msg\": \"bdspawn %s serves batchd %s "
                                "only, not %s: a copy of batchd forks the supervisors instead\"}\n",
                        BATCH_VERSION, BATCH_VERSION, argc > 1 ? argv[1] : "(no version)");
                return 2;
        }
        run_spawner_serve(3);
}
