/* body.h: the API's request-body parsing, apart from the HTTP server so that it can be
 * fuzzed on its own (fuzz/api_body). */
#ifndef BATCH_API_BODY_H
#define BATCH_API_BODY_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

/* Parses `len` bytes as one JSON object whose keys are all in the NULL-terminated
 * `known` list (NULL: any key); duplicate keys are refused. Returns 0 and a new
 * reference in *ret, or -1 with a message for the client (what and where) in msg. */
int api_parse_object(const char *body, size_t len, const char *const *known, json_t **ret,
                     char *msg, size_t msgsz);

/* Appends the parameter text (a flat JSON object of strings, keys sorted) of a JSON
 * object whose values are strings, numbers or booleans, and that the repository's
 * parameter parser reads back (defs/params.h). Returns 0, or -1 with a message naming
 * the first parameter of another type or the parser's reason (or "out of memory"). */
int api_params_text(json_t *obj, struct buf *out, char *msg, size_t msgsz);

#endif
