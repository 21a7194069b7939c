/* dlload.h: loading an optional shared library at its first use (libpq, libcurl,
 * libxlsxwriter: store/postgres/pq.h, daemon/curlload.h, ops/xlsxload.h), so that a
 * process that never needs it does not map it and what it pulls in. */
#ifndef BATCH_COMMON_DLLOAD_H
#define BATCH_COMMON_DLLOAD_H

#include <stddef.h>

/* Opens `soname` and looks up each of the n `names`, storing the addresses in slots[i].
 * The handle stays open for the life of the process. Returns 0, or -1 with the reason
 * in `why` (len bytes): "LIB is not installed (Debian package PACKAGE): ..." or "LIB
 * lacks NAME" (lib and package name it for the user); slots is then unspecified. */
int dl_load(const char *soname, const char *lib, const char *package, const char *const *names,
            void **slots, size_t n, char *why, size_t len);

/* The members of a struct of function pointers named by the list macro FUNCS (X(name)
 * per function), filled in declaration order from `slots`, which dl_load filled from
 * DLLOAD_NAMES(FUNCS). */
#define DLLOAD_NAME_(name) #name,
#define DLLOAD_NAMES(FUNCS) {FUNCS(DLLOAD_NAME_)}
#define DLLOAD_SET_(name) *(void **)&dlload_dst_->name = *dlload_src_++;
#define DLLOAD_FILL(FUNCS, dst, slots)                                                             \
        do {                                                                                       \
                __typeof__(dst) dlload_dst_ = (dst);                                               \
                void **dlload_src_ = (slots);                                                      \
                FUNCS(DLLOAD_SET_)                                                                 \
        } while (0)

#endif
