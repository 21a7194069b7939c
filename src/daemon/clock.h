/* clock.h: the daemon's clock: real time, or a virtual clock for tests and
 * demonstrations (`--clock-start ISO --clock-rate N`: from that instant at N simulated
 * seconds per real second, counted from the clock's first reading, so that the time
 * batchd takes to start does not pass on it). */
#ifndef BATCH_DAEMON_CLOCK_H
#define BATCH_DAEMON_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct dclock {
        bool virtual_clock;
        int64_t start;          /* the virtual clock's start, Unix seconds */
        double rate;            /* simulated seconds per real second */
        bool started;           /* read once: origin is set */
        struct timespec origin; /* CLOCK_MONOTONIC at the virtual clock's first reading */
};

/* A real clock. */
void dclock_init_real(struct dclock *c);

/* A virtual clock that shows `start` when it is first read (by dclock_now or
 * dclock_us_until) and from then on runs at `rate` (> 0). */
void dclock_init_virtual(struct dclock *c, int64_t start, double rate);

/* The current time, Unix seconds. */
int64_t dclock_now(struct dclock *c);

/* The current time, microseconds since 1970. */
int64_t dclock_now_us(struct dclock *c);

/* Microseconds of real time until the clock shows `t` (0 when it already does; capped
 * at one hour), plus a margin of 50 us so that the clock shows `t` on waking. */
int64_t dclock_us_until(struct dclock *c, int64_t t);

/* Real milliseconds that `seconds` of clock time take. */
int64_t dclock_real_ms(const struct dclock *c, int64_t seconds);

struct store;
struct batch_err;

/* Publishes a virtual clock in the repository as `holder`'s, so that batchctl --db
 * stamps submits and requests with it (ops_clock_now); a real clock withdraws any
 * published one (real time is everyone's). Returns 0 or the store's error. */
int dclock_publish(struct dclock *c, struct store *st, const char *holder,
                   struct batch_err *reterr);

#endif
