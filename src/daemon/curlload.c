/* curlload.c: loading libcurl on first use (see curlload.h). */
#include <pthread.h>

#include "common/dlload.h"

#define CURLLOAD_NO_REDIRECT
#include "daemon/curlload.h"

/* The members of struct curlload_api, looked up by name. */
#define CURLLOAD_FUNCTIONS(X)                                                                      \
        X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_perform)             \
        X(curl_easy_getinfo) X(curl_easy_cleanup) X(curl_easy_strerror) X(curl_slist_append)       \
        X(curl_slist_free_all) X(curl_mime_init) X(curl_mime_free) X(curl_mime_addpart)            \
        X(curl_mime_data) X(curl_mime_type) X(curl_mime_encoder) X(curl_mime_filename)             \
        X(curl_mime_headers) X(curl_mime_subparts)

struct curlload_api curlload;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[200];

static void load(void)
{
        static const char *const names[] = DLLOAD_NAMES(CURLLOAD_FUNCTIONS);
        enum { N = sizeof(names) / sizeof(names[0]) };
        void *slots[N];
        if (dl_load("libcurl.so.4", "libcurl", "libcurl4", names, slots, N, load_error,
                    sizeof(load_error)) == 0)
                DLLOAD_FILL(CURLLOAD_FUNCTIONS, &curlload, slots);
}

int curlload_load(struct batch_err *reterr)
{
        pthread_once(&once, load);
        if (load_error[0])
                return batch_err_set(reterr, BATCH_EIO, NULL, "%s", load_error);
        return 0;
}
