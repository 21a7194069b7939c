/* buf.h: a growable byte buffer, always NUL-terminated, with a hard size limit.
 *
 * Ownership: buf_init() a caller-owned struct buf; buf_release() frees its memory.
 * After an allocation failure or when the limit would be passed, the buffer keeps
 * its content, stops growing and buf->err is set; check it once at the end. */
#ifndef BATCH_COMMON_BUF_H
#define BATCH_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX (64u * 1024 * 1024)

struct buf {
        char *data;   /* NUL-terminated; "" before the first append */
        size_t len;
        size_t cap;
        size_t max;   /* hard limit on len */
        bool err;     /* an append failed */
        bool full;    /* ... because it would have passed max (else memory ran out) */
};

/* Initialises an empty buffer whose length may not exceed `max` (0: BUF_DEFAULT_MAX). */
void buf_init(struct buf *b, size_t max);

/* Frees the buffer's memory and leaves it empty and usable. */
void buf_release(struct buf *b);

/* Appends n bytes. */
void buf_add(struct buf *b, const void *data, size_t n);

/* Appends a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);

/* Appends printf-style formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Takes the buffer's memory (caller frees it; never NULL unless b->err) and leaves
 * the buffer empty. */
char *buf_detach(struct buf *b);

#endif
