/* spawn_rate.c: the machine's own limit for batchd's run path, measured beside it
 * (bench/bench_ratios.sh): how many processes per second posix_spawn can start and reap
 * when it does nothing else, with INFLIGHT children at most at once (1: serial, spawn
 * then wait). Usage: spawn_rate INFLIGHT SECONDS [PROGRAM]   (PROGRAM: /bin/true)
 * Prints one number: completed children per second over SECONDS of CLOCK_MONOTONIC. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: spawn_rate INFLIGHT SECONDS [PROGRAM]\n");
                return 2;
        }
        int inflight = atoi(argv[1]);
        double secs = atof(argv[2]);
        char *prog = argc > 3 ? argv[3] : (char *)"/bin/true";
        if (inflight < 1 || secs <= 0) {
                fprintf(stderr, "spawn_rate: INFLIGHT must be >= 1 and SECONDS > 0\n");
                return 2;
        }
        char *args[] = {prog, NULL};
        long done = 0;
        int running = 0;
        double t0 = now_s(), end = t0 + secs;
        for (;;) {
                while (running < inflight && now_s() < end) {
                        pid_t pid;
                        int rc = posix_spawn(&pid, prog, NULL, NULL, args, environ);
                        if (rc != 0) {
                                fprintf(stderr, "spawn_rate: posix_spawn %s: error %d\n", prog, rc);
                                return 1;
                        }
                        running++;
                }
                if (running == 0)
                        break;
                int st;
                if (waitpid(-1, &st, 0) < 0) {
                        perror("spawn_rate: waitpid");
                        return 1;
                }
                running--;
                done++;
        }
        printf("%.1f\n", (double)done / (now_s() - t0));
        return 0;
}
