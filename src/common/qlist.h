/* qlist.h: HTTP's weighted lists (RFC 9110 §12.4.2), such as Accept-Language
 * ("de-CH, de;q=0.9, *;q=0") and Accept-Encoding ("gzip, br;q=0.5"): one reader of their
 * grammar for core/lang.c and common/acceptenc.c. Pure: no I/O, no allocation. */
#ifndef BATCH_COMMON_QLIST_H
#define BATCH_COMMON_QLIST_H

#include <stdbool.h>
#include <stddef.h>

/* Called for each well-formed element: its name (len bytes, not terminated) and weight
 * in thousandths (0..1000). Returns false to stop the reading. */
typedef bool qlist_fn(const char *name, size_t len, int q, void *ctx);

/* Calls fn, in order, for each element of `value` that follows
 *     element = OWS token OWS [ ";" OWS ("q" / "Q") "=" qvalue OWS ]
 *     qvalue  = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3"0" ]
 * (elements separated by ","; a missing weight is 1000). An element that does not is
 * skipped up to the next comma. A NULL value has no elements. */
void qlist_each(const char *value, qlist_fn *fn, void *ctx);

#endif
