/* page.c: the end of a page of a list keyed by id (see page.h). */
#include "ops/page.h"

void ops_put_id_page_end(struct buf *b, size_t n, unsigned limit, int64_t last_id)
{
        if (n && n == limit)
                buf_printf(b, "\n], \"next_cursor\": \"%lld\"}\n", (long long)last_id);
        else
                buf_puts(b, n ? "\n], \"next_cursor\": null}\n" : "], \"next_cursor\": null}\n");
}
