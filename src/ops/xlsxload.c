/* xlsxload.c: loading libxlsxwriter on first use (see xlsxload.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define XLSXLOAD_NO_REDIRECT
#include "ops/xlsxload.h"

struct xlsxload_api xlsxload;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[200];

static void load(void)
{
        void *h = dlopen("libxlsxwriter.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                snprintf(load_error, sizeof(load_error),
                         "libxlsxwriter is not installed (Debian package libxlsxwriter4): %s",
                         dlerror());
                return;
        }
        struct xlsxload_api got;
#define LOAD_ONE(name)                                                                             \
        *(void **)&got.name = dlsym(h, #name);                                                     \
        if (!got.name) {                                                                           \
                snprintf(load_error, sizeof(load_error), "libxlsxwriter lacks %s", #name);        \
                return;                                                                            \
        }
        XLSXLOAD_FUNCTIONS(LOAD_ONE)
#undef LOAD_ONE
        xlsxload = got;
}

int xlsxload_load(struct batch_err *reterr)
{
        pthread_once(&once, load);
        if (load_error[0])
                return batch_err_set(reterr, BATCH_EIO, NULL, "xlsx: %s", load_error);
        return 0;
}
