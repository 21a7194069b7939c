/* latency_probe.c: the job that bench_daemon_latency.sh runs. It appends one line to
 * the file named by its first argument, as early as it can after its start:
 *
 *     JOB DUE_S START_NS
 *
 * with the job's name ($BATCH_JOB), its due time ($BATCH_DUE_TIME) in Unix seconds and
 * the wall clock (CLOCK_REALTIME) at the top of main in nanoseconds; then it exits. A
 * parent's line also marks its end: nothing follows but the write and exit(0). One
 * write(2) with O_APPEND, so lines of concurrent probes do not mix. Built by the bench
 * script (not by the Makefile, which builds bench/bench_*.c as benchmarks). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (argc != 2)
                return 2;
        const char *job = getenv("BATCH_JOB"), *due = getenv("BATCH_DUE_TIME");
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        if (!job || !due || !strptime(due, "%Y-%m-%dT%H:%M:%SZ", &tm))
                return 3;
        char line[256];
        int n = snprintf(line, sizeof(line), "%s %lld %lld\n", job, (long long)timegm(&tm),
                         (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || n <= 0 || write(fd, line, (size_t)n) != n)
                return 4;
        return 0;
}
