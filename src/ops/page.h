/* page.h: the end of a page of a list keyed by id, as the API answers it (docs/api.md,
 * "Pagination"). */
#ifndef BATCH_OPS_PAGE_H
#define BATCH_OPS_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Closes {"items": [ after its `n` items: a full page (`n` == `limit`) may have a
 * successor, so its next_cursor is the last item's id `last_id`; otherwise null. */
void ops_put_id_page_end(struct buf *b, size_t n, unsigned limit, int64_t last_id);

#endif
