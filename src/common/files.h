/* files.h: small file helpers shared by batchctl and the secrets key file. */
#ifndef BATCH_COMMON_FILES_H
#define BATCH_COMMON_FILES_H

#include <stddef.h>

/* Creates the missing directories above `path` (not path itself), mode 0700. Returns 0,
 * or -1 with errno set. */
int files_make_parents(const char *path);

/* Writes all n bytes of s to fd, retrying after EINTR and short writes. Returns 0, or -1
 * with errno set. */
int files_write_all(int fd, const void *s, size_t n);

#endif
