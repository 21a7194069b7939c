/* bdspawn.c: the spawner program (src/daemon/supervisor.h). batchd starts it with the
 * socket to the daemon as descriptor 3; it is linked with libc only, so that it and the
 * supervisors it forks are small processes. Never started by hand. */
#include "daemon/supervisor.h"

int main(void)
{
        run_spawner_serve(3);
}
