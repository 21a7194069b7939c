/* params.h: instance parameters as text: a flat JSON object of strings, e.g.
 * {"region": "EU", "date": "2026-12-01"} (what `batchctl submit -p` and the API store). */
#ifndef BATCH_DEFS_PARAMS_H
#define BATCH_DEFS_PARAMS_H

#include "common/buf.h"
#include "common/err.h"
#include "defs/defs.h"

/* Parses `text` into *ret (keys and values copied; free with def_map_release). Errors:
 * BATCH_ESYNTAX (not a flat object of scalars, with the reason), BATCH_ENOMEM. */
int params_parse(const char *text, struct def_map *ret, struct batch_err *reterr);

/* Appends the map as a JSON object to b. */
void params_format(const struct def_map *m, struct buf *b);

void def_map_release(struct def_map *m);

#endif
