/* acceptenc.h: whether a request's Accept-Encoding (RFC 9110 §12.5.3) lets a server
 * answer with gzip, so that batchd sends its web UI's pre-compressed files (docs/ui.md). */
#ifndef BATCH_COMMON_ACCEPTENC_H
#define BATCH_COMMON_ACCEPTENC_H

#include <stdbool.h>

/* True when the Accept-Encoding value `value` accepts the "gzip" content coding: an
 * element "gzip" (or its alias "x-gzip", any case) with a weight above 0, or, when
 * neither is listed, an element "*" with a weight above 0. A missing weight is 1. The
 * first element naming a coding counts; an element that does not follow the grammar
 * (a coding token, then at most one ";q=" weight of the form 0[.ddd] or 1[.000]) is
 * ignored, as if absent. NULL (no header) gives false: identity is then the safe
 * answer, as clients that send no Accept-Encoding (curl without --compressed) do not
 * decode gzip. Pure: no I/O, no allocation. */
bool acceptenc_gzip(const char *value);

#endif
