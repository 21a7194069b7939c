/* batch_errors.h: the error codes and the detailed error record shared by batchd and
 * libbatch (installed with batch.h; src/common/err.h includes it).
 *
 * Functions return 0 on success and a negative BATCH_E* code on failure. Detail
 * goes into an optional last parameter `struct batch_err *reterr` (may be NULL),
 * which is written only on failure. */
#ifndef BATCH_COMMON_ERR_H
#define BATCH_COMMON_ERR_H

#include <stdarg.h>

/* XX(name, value, description): one table generates the enum and the strings. */
#define BATCH_ERR_MAP(XX)                                                                         \
        XX(EINVAL, -22, "invalid argument")                                                       \
        XX(ENOENT, -2, "not found")                                                               \
        XX(ENOMEM, -12, "out of memory")                                                          \
        XX(EIO, -5, "input/output error")                                                         \
        XX(ERANGE, -34, "value out of range")                                                     \
        XX(ENEVER, -1001, "expression never fires")                                               \
        XX(ESYNTAX, -1002, "syntax error")                                                        \
        XX(ENOZONE, -1003, "unknown time zone")                                                   \
        XX(EFORMAT, -1004, "malformed data")                                                      \
        XX(ESCHEMA, -1005, "database schema is newer than this program")                        \
        XX(ESTALE, -1006, "the state changed meanwhile")                                          \
        XX(EEXIST, -17, "already exists")

enum batch_errno {
#define BATCH_ERR_ENUM(name, value, desc) BATCH_##name = (value),
        BATCH_ERR_MAP(BATCH_ERR_ENUM)
#undef BATCH_ERR_ENUM
};

struct batch_err {
        int code;        /* the BATCH_E* code */
        char field[48];  /* what the error is about, e.g. "day-of-month"; may be empty */
        char msg[256];   /* a complete human sentence naming field, text and reason */
};

/* Returns a static description of a BATCH_E* code ("unknown error" for others). */
const char *batch_strerror(int code);

/* Returns the static symbolic name of a code, e.g. "BATCH_EINVAL". */
const char *batch_err_name(int code);

/* Fills *err (when not NULL) with code, field (may be NULL) and a printf-style
 * message. Always returns `code`, so callers can write `return batch_err_set(...)`. */
int batch_err_set(struct batch_err *err, int code, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#endif
