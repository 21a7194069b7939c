/* lease.h: the timing rules of the planner lease (docs/cluster.md), pure: times are
 * milliseconds of the monotonic clock given by the caller. The repository stores the
 * lease's expiry in whole seconds of the database's clock (its now, rounded down, +
 * ttl), which the other nodes' takes compare with the database's clock too; the holder
 * counts itself holder for less than that, from the start of its last successful
 * renewal, so that it stops before any other node may take the lease over. */
#ifndef BATCH_CORE_LEASE_H
#define BATCH_CORE_LEASE_H

#include <stdbool.h>
#include <stdint.h>

/* The shortest and longest lease ttl, seconds. */
#define LEASE_TTL_MIN 2
#define LEASE_TTL_MAX 3600

/* The margin by which a holder stops before its lease's stored expiry: one second for
 * the expiry's rounding down to a whole second, plus a tenth of the ttl for the rates of
 * the holder's monotonic clock and the database's clock (docs/cluster.md). */
int64_t lease_margin_ms(int ttl_s);

/* Until when (monotonic ms) a holder whose renewal began at `renew_start_ms` holds the
 * lease: renew_start_ms + ttl - lease_margin_ms(ttl). */
int64_t lease_valid_until_ms(int64_t renew_start_ms, int ttl_s);

/* The interval between two attempts on the lease, holder (renewal) or not (takeover):
 * a third of the ttl, so a holder tries twice more before it stops. */
int64_t lease_interval_ms(int ttl_s);

/* Whether a holder whose lease is valid until `valid_until_ms` (0: never held) holds it
 * at `now_ms`. */
bool lease_holds(int64_t valid_until_ms, int64_t now_ms);

#endif
