/* xlsxload.c: loading libxlsxwriter on first use (see xlsxload.h). */
#include <pthread.h>

#include "common/dlload.h"

#define XLSXLOAD_NO_REDIRECT
#include "ops/xlsxload.h"

struct xlsxload_api xlsxload;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[200];

static void load(void)
{
        static const char *const names[] = DLLOAD_NAMES(XLSXLOAD_FUNCTIONS);
        enum { N = sizeof(names) / sizeof(names[0]) };
        void *slots[N];
        if (dl_load("libxlsxwriter.so.4", "libxlsxwriter", "libxlsxwriter4", names, slots, N,
                    load_error, sizeof(load_error)) == 0)
                DLLOAD_FILL(XLSXLOAD_FUNCTIONS, &xlsxload, slots);
}

int xlsxload_load(struct batch_err *reterr)
{
        pthread_once(&once, load);
        if (load_error[0])
                return batch_err_set(reterr, BATCH_EIO, NULL, "xlsx: %s", load_error);
        return 0;
}
