/* urlmask.h: URLs cut to what a reader without the right to edit them may see.
 *
 * A URL often carries a secret: a key in its path (hooks.slack.com/services/...) or
 * query, a user and password before its host. What non-admins read of a definition or
 * of the settings shows each URL as its scheme and host only (docs/security.md). */
#ifndef BATCH_COMMON_URLMASK_H
#define BATCH_COMMON_URLMASK_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends `text` to `out` with every URL (a scheme of letters, digits, "+", "-" or "."
 * starting with a letter, then "://") cut: any "user:password@" is dropped, and a path,
 * query or fragment becomes "/..." (a bare "/" and a "/..." are kept, so masking twice
 * changes nothing more). A URL ends at white space, a
 * quote, or one of ",;<>()[]{}`". Everything else is copied unchanged. Returns the
 * number of URLs that were changed. */
int urlmask_text(const char *text, struct buf *out);

/* Writes one URL, for a message or a log line, into dst (cap bytes, always terminated
 * when cap > 0): its scheme and host[:port] with any "user:password@" dropped, then,
 * when keep_path, its path; never its query or fragment. A text without "://" is written
 * as `fallback`. */
void urlmask_one(const char *url, bool keep_path, const char *fallback, char *dst, size_t cap);

#endif
