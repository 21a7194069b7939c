/* page.c: one page of a list the repository returns whole (versions, calendars, tokens):
 * `limit` (1 to 1000, default 100) and `cursor` (the key of the last item of the previous
 * page, as next_cursor gave it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/request.h"
#include "common/json.h"

int api_put_page(struct api_req *r, const struct api_list_view *v)
{
        unsigned limit = 100;
        if (api_query_uint(r, "limit", 1000, &limit) < 0)
                return -1;
        size_t start = 0;
        char key[256];
        const char *cursor = api_query(r, "cursor");
        if (cursor) {
                while (start < v->n) {
                        v->key(v->list, start++, key, sizeof(key));
                        if (!strcmp(key, cursor))
                                break;
                        if (start == v->n)
                                return api_problem(r, 400, "cursor=\"%s\" is not a cursor this "
                                                           "list gave (or its item is gone)",
                                                   cursor);
                }
        }
        api_json(r, 200);
        buf_puts(&r->out, "{\"items\": [");
        size_t end = start + limit < v->n ? start + limit : v->n;
        for (size_t i = start; i < end; i++) {
                buf_puts(&r->out, i > start ? ",\n  " : "\n  ");
                v->put(&r->out, v->list, i);
        }
        buf_puts(&r->out, end > start ? "\n], \"next_cursor\": " : "], \"next_cursor\": ");
        if (end < v->n) {
                v->key(v->list, end - 1, key, sizeof(key));
                json_put_string(&r->out, key);
        } else {
                buf_puts(&r->out, "null");
        }
        buf_puts(&r->out, "}\n");
        return 0;
}
