/* json.h: writing JSON strings into a buffer (output only; RFC 8259 escapes). */
#ifndef BATCH_COMMON_JSON_H
#define BATCH_COMMON_JSON_H

#include "common/buf.h"

/* Appends s as a quoted JSON string (NULL as null); control characters, quote and
 * backslash are escaped, other bytes are copied as they are (UTF-8 passes through). */
void json_put_string(struct buf *b, const char *s);

/* The same for the len bytes at s, which may hold NUL bytes (written as \u0000). */
void json_put_stringn(struct buf *b, const char *s, size_t len);

#endif
