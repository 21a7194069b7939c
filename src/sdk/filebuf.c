/* filebuf.c: record-at-a-time buffered file reading with byte offsets (filebuf.h). */
#include "sdk/filebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int filebuf_open(struct filebuf *fb, const char *path, int64_t off, struct batch_err *reterr)
{
        memset(fb, 0, sizeof(*fb));
        fb->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fb->fd < 0)
                return batch_err_set(reterr, BATCH_EIO, "path", "%s: %s", path, strerror(errno));
        if (off > 0 && lseek(fb->fd, (off_t)off, SEEK_SET) < 0) {
                int e = errno;
                close(fb->fd);
                fb->fd = -1;
                return batch_err_set(reterr, BATCH_EIO, "path", "%s: %s", path, strerror(e));
        }
        fb->data_off = off;
        return 0;
}

void filebuf_close(struct filebuf *fb)
{
        if (fb->fd >= 0)
                close(fb->fd);
        fb->fd = -1;
        free(fb->data);
        fb->data = NULL;
}

/* Reads more data, keeping data[pos..len). 1 read something, 0 end of file, < 0 error. */
static int fill(struct filebuf *fb, struct batch_err *reterr)
{
        if (fb->eof)
                return 0;
        if (fb->pos > 0) {
                memmove(fb->data, fb->data + fb->pos, fb->len - fb->pos);
                fb->len -= fb->pos;
                fb->data_off += (int64_t)fb->pos;
                fb->pos = 0;
        }
        if (fb->len == fb->cap) {
                if (fb->cap >= FILEBUF_RECORD_MAX)
                        return batch_err_set(reterr, BATCH_ERANGE, "record",
                                             "a record is longer than %u bytes",
                                             FILEBUF_RECORD_MAX);
                size_t n = fb->cap ? fb->cap * 2 : 256 * 1024;
                char *d = realloc(fb->data, n);
                if (!d)
                        return batch_err_set(reterr, BATCH_ENOMEM, "record", "out of memory");
                fb->data = d;
                fb->cap = n;
        }
        for (;;) {
                ssize_t r = read(fb->fd, fb->data + fb->len, fb->cap - fb->len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return batch_err_set(reterr, BATCH_EIO, "path", "read: %s",
                                             strerror(errno));
                if (r == 0) {
                        fb->eof = true;
                        return 0;
                }
                fb->len += (size_t)r;
                return 1;
        }
}

int filebuf_next(struct filebuf *fb, bool quotes, const char **rec, size_t *len,
                 bool *unterminated, struct batch_err *reterr)
{
        *unterminated = false;
        size_t scan = 0; /* bytes of the record already looked at */
        bool inq = false;
        for (;;) {
                const char *start = fb->data + fb->pos;
                size_t avail = fb->len - fb->pos;
                size_t end = (size_t)-1;
                if (!quotes) {
                        const char *nl = avail > scan ? memchr(start + scan, '\n', avail - scan)
                                                      : NULL;
                        if (nl)
                                end = (size_t)(nl - start);
                        else
                                scan = avail;
                } else {
                        for (; scan < avail; scan++) {
                                char c = start[scan];
                                if (c == '"')
                                        inq = !inq;
                                else if (c == '\n' && !inq) {
                                        end = scan;
                                        break;
                                }
                        }
                }
                if (end != (size_t)-1) {
                        *rec = start;
                        *len = end > 0 && start[end - 1] == '\r' ? end - 1 : end;
                        fb->pos += end + 1;
                        return 1;
                }
                int r = fill(fb, reterr);
                if (r < 0)
                        return r;
                if (r == 0) {
                        avail = fb->len - fb->pos;
                        if (avail == 0)
                                return 0;
                        /* The last record has no line end. */
                        start = fb->data + fb->pos;
                        *rec = start;
                        *len = start[avail - 1] == '\r' ? avail - 1 : avail;
                        *unterminated = quotes && inq;
                        fb->pos = fb->len;
                        return 1;
                }
        }
}

int64_t filebuf_offset(const struct filebuf *fb)
{
        return fb->data_off + (int64_t)fb->pos;
}
