/* buf.c: growable NUL-terminated byte buffer with a hard limit (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty[1];

void buf_init(struct buf *b, size_t max)
{
        b->data = empty;
        b->len = b->cap = 0;
        b->max = max ? max : BUF_DEFAULT_MAX;
        b->err = false;
        b->full = false;
}

void buf_release(struct buf *b)
{
        if (b->cap)
                free(b->data);
        buf_init(b, b->max);
}

static bool grow(struct buf *b, size_t extra)
{
        if (b->err)
                return false;
        if (extra > b->max - b->len) {
                b->err = b->full = true;
                return false;
        }
        size_t need = b->len + extra + 1;
        if (need <= b->cap)
                return true;
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need)
                cap *= 2;
        char *d = realloc(b->cap ? b->data : NULL, cap);
        if (!d) {
                b->err = true;
                return false;
        }
        if (!b->cap)
                d[0] = '\0';
        b->data = d;
        b->cap = cap;
        return true;
}

void buf_add(struct buf *b, const void *data, size_t n)
{
        if (!grow(b, n))
                return;
        memcpy(b->data + b->len, data, n);
        b->len += n;
        b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
        buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !grow(b, (size_t)n)) {
                b->err = true;
                return;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

char *buf_detach(struct buf *b)
{
        char *d = b->cap ? b->data : strdup("");
        buf_init(b, b->max);
        return d;
}
