/* clock.c: real and virtual clocks (see clock.h). */
#include "daemon/clock.h"

#include "store/store.h"

static double mono_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void dclock_init_real(struct dclock *c)
{
        *c = (struct dclock){.virtual_clock = false, .rate = 1};
}

void dclock_init_virtual(struct dclock *c, int64_t start, double rate)
{
        *c = (struct dclock){.virtual_clock = true, .start = start, .rate = rate};
}

/* The clock's time in (fractional) seconds; a virtual clock starts at its first reading. */
static double now_f(struct dclock *c)
{
        if (!c->virtual_clock) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
        }
        if (!c->started) {
                clock_gettime(CLOCK_MONOTONIC, &c->origin);
                c->started = true;
        }
        double origin = (double)c->origin.tv_sec + (double)c->origin.tv_nsec * 1e-9;
        return (double)c->start + (mono_s() - origin) * c->rate;
}

int64_t dclock_now(struct dclock *c)
{
        double t = now_f(c);
        return (int64_t)t - (t < 0 && (double)(int64_t)t != t);
}

int64_t dclock_now_us(struct dclock *c)
{
        return (int64_t)(now_f(c) * 1e6);
}

int64_t dclock_us_until(struct dclock *c, int64_t t)
{
        double d = ((double)t - now_f(c)) / c->rate * 1e6;
        if (d <= 0)
                return 0;
        return d > 3600e6 ? 3600000000 : (int64_t)d + 50;
}

int64_t dclock_real_ms(const struct dclock *c, int64_t seconds)
{
        double d = (double)seconds / c->rate * 1000.0;
        return d < 1 ? 1 : (int64_t)d;
}

int dclock_publish(struct dclock *c, struct store *st, const char *holder,
                   struct batch_err *reterr)
{
        if (!c->virtual_clock)
                return store_clock_withdraw(st, NULL, reterr);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct store_clock pub = {.holder = (char *)holder,
                                  .real_at_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
                                  .clock_at_us = (int64_t)(now_f(c) * 1e6), .rate = c->rate};
        return store_clock_publish(st, &pub, reterr);
}
