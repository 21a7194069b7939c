/* utf8.h: checking that bytes are UTF-8 text. */
#ifndef BATCH_COMMON_UTF8_H
#define BATCH_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

enum utf8_flags {
        UTF8_NO_C0 = 1 << 0,   /* also refuse C0 controls (U+0000-U+001F) and DEL */
        UTF8_YAML = 1 << 1,    /* also refuse what a YAML reader changes inside a quoted
                                  scalar (U+2028, U+2029) or refuses (U+FFFE, U+FFFF) */
};

/* True when the len bytes at s are well-formed UTF-8 (shortest forms, no surrogates,
 * nothing above U+10FFFF) without C1 controls (U+0080-U+009F, which include YAML's
 * U+0085 line break), nor what `flags` (enum utf8_flags) excludes. */
bool utf8_valid(const char *s, size_t len, unsigned flags);

#endif
