/* utf8.c: UTF-8 well-formedness (utf8.h). */
#include "common/utf8.h"

#include <stdint.h>

bool utf8_valid(const char *s, size_t len, unsigned flags)
{
        const unsigned char *p = (const unsigned char *)s, *e = p + len;
        while (p < e) {
                unsigned c = *p;
                size_t n;
                uint32_t cp;
                if (c < 0x80) {
                        if ((flags & UTF8_NO_C0) && (c < 0x20 || c == 0x7f))
                                return false;
                        p++;
                        continue;
                } else if ((c & 0xe0) == 0xc0) {
                        n = 1, cp = c & 0x1f;
                } else if ((c & 0xf0) == 0xe0) {
                        n = 2, cp = c & 0x0f;
                } else if ((c & 0xf8) == 0xf0) {
                        n = 3, cp = c & 0x07;
                } else {
                        return false;
                }
                if ((size_t)(e - p) <= n)
                        return false;
                for (size_t i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
                    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
                        return false;
                if ((flags & UTF8_YAML) &&
                    (cp == 0x2028 || cp == 0x2029 || cp == 0xfffe || cp == 0xffff))
                        return false;
                p += n + 1;
        }
        return true;
}
