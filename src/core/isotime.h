/* isotime.h: ISO 8601 / RFC 3339 date-times: parsing into an instant and
 * formatting an instant with its UTC offset. Pure. */
#ifndef BATCH_CORE_ISOTIME_H
#define BATCH_CORE_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "core/tz.h"

/* Longest output of iso_format, with its NUL: "-12345-01-01T00:00:00+00:00". */
#define ISO_FORMAT_MAX 40

/* Parses `text` as YYYY-MM-DD[(T| )HH:MM[:SS]][Z|±HH[:MM]] (a date alone means
 * 00:00:00). With a `Z` or an offset the instant is exact; without one the text
 * is a wall time in zone `z`: a time in a spring-forward gap means the first
 * instant after the gap, a repeated time its first occurrence. Years 1..9999.
 * Returns 0 and *ret, or BATCH_ESYNTAX / BATCH_ERANGE with a message that quotes
 * the text and says what is wrong. */
int iso_parse(const char *text, const struct tz *z, int64_t *ret, struct batch_err *reterr);

/* Writes instant t as local time in zone `z` with its offset, e.g.
 * "2026-03-29T03:00:00+02:00", into buf (at least ISO_FORMAT_MAX bytes).
 * Returns buf. */
char *iso_format(int64_t t, const struct tz *z, char *buf);

/* Writes instant t in UTC with a `Z`, e.g. "2026-03-29T01:00:00Z". Returns buf. */
char *iso_format_utc(int64_t t, char *buf);

#endif
