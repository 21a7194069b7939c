/* filebuf.h: buffered reading of a text file record by record with exact byte offsets,
 * for the restartable file readers (CSV, JSON lines). */
#ifndef BATCH_SDK_FILEBUF_H
#define BATCH_SDK_FILEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define FILEBUF_RECORD_MAX (16u << 20) /* a longer record is an error */

struct filebuf {
        int fd;
        char *data;
        size_t cap, len, pos;    /* data[pos..len) not yet consumed */
        int64_t data_off;        /* file offset of data[0] */
        bool eof;
};

/* Opens path for reading at byte offset `off`. BATCH_EIO with the reason. */
int filebuf_open(struct filebuf *fb, const char *path, int64_t off, struct batch_err *reterr);
void filebuf_close(struct filebuf *fb);

/* The next record: with `quotes`, a line end inside double quotes does not end it.
 * *rec and *len point into the buffer (valid until the next call), without the line end;
 * *unterminated is set when the file ended inside quotes. Returns 1, 0 at the end of
 * the file, or BATCH_EIO / BATCH_ERANGE (record longer than FILEBUF_RECORD_MAX). */
int filebuf_next(struct filebuf *fb, bool quotes, const char **rec, size_t *len,
                 bool *unterminated, struct batch_err *reterr);

/* The offset just after the last record returned. */
int64_t filebuf_offset(const struct filebuf *fb);

#endif
