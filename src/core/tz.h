/* tz.h: time zones as immutable values, built from TZif data (RFC 8536).
 *
 * A `struct tz` never changes after it is built, holds no global state and may be
 * shared by any number of threads. Nothing here reads files or the process-wide TZ:
 * the zoneinfo loader (src/sys/zoneinfo.h) reads the bytes and hands them to
 * tz_parse(). Instants are Unix seconds (int64_t, UTC); "local seconds" are the
 * wall clock counted the same way (see civil.h). */
#ifndef BATCH_CORE_TZ_H
#define BATCH_CORE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct tz;

/* A maximal run of instants [start, end) over which the UTC offset is constant.
 * start is INT64_MIN for the first run, end INT64_MAX for the last. Adjacent runs
 * always differ in offset (runs that differ only in abbreviation or DST flag are
 * merged, since only the offset matters for scheduling). */
struct tz_segment {
        int64_t start;
        int64_t end;
        int32_t offset; /* seconds east of UTC */
        bool is_dst;
};

/* Parses TZif data (versions 1 to 4; the 64-bit block and the POSIX TZ footer of
 * version 2+ are used when present, and the footer's rule extends the table to
 * at least the year 2200). `name` is copied and reported by tz_name().
 * On success *ret is a new zone the caller frees with tz_free(). Errors:
 * BATCH_EFORMAT (malformed data, with the reason in reterr), BATCH_ENOMEM. */
int tz_parse(const char *name, const void *data, size_t len, struct tz **ret,
             struct batch_err *reterr);

/* Builds a zone from a POSIX TZ rule string alone, e.g. "CET-1CEST,M3.5.0,M10.5.0/3"
 * or "<+0530>-5:30". Same ownership and errors as tz_parse(). */
int tz_parse_posix(const char *name, const char *posix, struct tz **ret, struct batch_err *reterr);

/* The UTC zone: static, never freed (tz_free ignores it), named "UTC". */
const struct tz *tz_utc(void);

/* Frees a zone from tz_parse*(); NULL and tz_utc() are ignored. Returns NULL. */
struct tz *tz_free(const struct tz *z);

/* The zone's name (borrowed, valid as long as the zone). */
const char *tz_name(const struct tz *z);

/* True when the zone has a single offset forever (UTC, fixed offsets). */
bool tz_is_fixed(const struct tz *z);

/* Fills *out with the run of constant offset that contains instant t. O(log n). */
void tz_segment_at(const struct tz *z, int64_t t, struct tz_segment *out);

/* The UTC offset in seconds at instant t. */
int32_t tz_offset_at(const struct tz *z, int64_t t);

/* Instant t as local seconds: t + offset at t. */
int64_t tz_to_local(const struct tz *z, int64_t t);

/* Maps local seconds to instants. Returns:
 *   1: the wall time occurs once, out[0] is its instant;
 *   2: it occurs twice (a fall-back overlap), out[0] < out[1] are its first and
 *      second occurrence;
 *   0: it does not exist (a spring-forward gap), out[0] is the first instant after
 *      the gap (the transition instant). out[1] is left unspecified unless 2. */
int tz_from_local(const struct tz *z, int64_t local, int64_t out[2]);

#endif
