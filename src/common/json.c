/* json.c: JSON string escaping. */
#include <string.h>

#include "json.h"

void json_put_string(struct buf *b, const char *s)
{
        if (!s) {
                buf_puts(b, "null");
                return;
        }
        json_put_stringn(b, s, strlen(s));
}

void json_put_stringn(struct buf *b, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + len;
        buf_puts(b, "\"");
        for (; p < end; p++) {
                switch (*p) {
                case '"': buf_puts(b, "\\\""); break;
                case '\\': buf_puts(b, "\\\\"); break;
                case '\n': buf_puts(b, "\\n"); break;
                case '\r': buf_puts(b, "\\r"); break;
                case '\t': buf_puts(b, "\\t"); break;
                default:
                        /* Control characters (NUL too), and the line separators U+0085,
                         * U+2028 and U+2029 (which YAML readers and JavaScript treat as line
                         * breaks), are written as \u escapes. */
                        if (*p < 0x20 || *p == 0x7f) {
                                buf_printf(b, "\\u%04x", *p);
                        } else if (end - p >= 2 && p[0] == 0xc2 && p[1] == 0x85) {
                                buf_puts(b, "\\u0085");
                                p++;
                        } else if (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
                                   (p[2] == 0xa8 || p[2] == 0xa9)) {
                                buf_printf(b, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
                                p += 2;
                        } else {
                                buf_add(b, p, 1);
                        }
                }
        }
        buf_puts(b, "\"");
}
