/* curlload.h: libcurl for batchd, loaded with dlopen at its first use (an e-mail, a
 * webhook, a remote job's call, a log fetched from another node; mail_global_init), so
 * that a daemon that sends nothing does not map libcurl and what it pulls in (OpenSSL's
 * libssl and libcrypto, Kerberos, LDAP, libssh2, nghttp2, ...: about 3 MiB of resident
 * memory; docs/performance.md), as libpq is loaded for PostgreSQL (store/postgres/pq.h).
 * Include instead of <curl/curl.h>: the curl_* names of the functions batchd uses then
 * call through `curlload`. libcurl's compile-time checks of curl_easy_setopt's argument
 * types (a GCC macro around the function) are off, as a macro cannot wrap a pointer. */
#ifndef BATCH_DAEMON_CURLLOAD_H
#define BATCH_DAEMON_CURLLOAD_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "common/err.h"

struct curlload_api {
        CURLcode (*curl_global_init)(long flags);
        CURL *(*curl_easy_init)(void);
        CURLcode (*curl_easy_setopt)(CURL *h, CURLoption option, ...);
        CURLcode (*curl_easy_perform)(CURL *h);
        CURLcode (*curl_easy_getinfo)(CURL *h, CURLINFO info, ...);
        void (*curl_easy_cleanup)(CURL *h);
        const char *(*curl_easy_strerror)(CURLcode code);
        struct curl_slist *(*curl_slist_append)(struct curl_slist *list, const char *s);
        void (*curl_slist_free_all)(struct curl_slist *list);
        curl_mime *(*curl_mime_init)(CURL *h);
        void (*curl_mime_free)(curl_mime *mime);
        curl_mimepart *(*curl_mime_addpart)(curl_mime *mime);
        CURLcode (*curl_mime_data)(curl_mimepart *part, const char *data, size_t size);
        CURLcode (*curl_mime_type)(curl_mimepart *part, const char *type);
        CURLcode (*curl_mime_encoder)(curl_mimepart *part, const char *encoding);
        CURLcode (*curl_mime_filename)(curl_mimepart *part, const char *name);
        CURLcode (*curl_mime_headers)(curl_mimepart *part, struct curl_slist *headers,
                                      int take_ownership);
        CURLcode (*curl_mime_subparts)(curl_mimepart *part, curl_mime *subparts);
};

/* The loaded functions (valid after curlload_load returned 0). */
extern struct curlload_api curlload;

/* Loads libcurl once (thread-safe; the handle stays open for the life of the process).
 * Returns 0, or BATCH_EIO saying that libcurl is not installed (Debian: libcurl4) or
 * lacks a function. Does not initialise it: mail_global_init does both. */
int curlload_load(struct batch_err *reterr);

#ifndef CURLLOAD_NO_REDIRECT /* curlload.c takes the real names */
#undef curl_easy_setopt  /* curl.h's own macros for these two */
#undef curl_easy_getinfo
#define curl_global_init (curlload.curl_global_init)
#define curl_easy_init (curlload.curl_easy_init)
#define curl_easy_setopt (curlload.curl_easy_setopt)
#define curl_easy_perform (curlload.curl_easy_perform)
#define curl_easy_getinfo (curlload.curl_easy_getinfo)
#define curl_easy_cleanup (curlload.curl_easy_cleanup)
#define curl_easy_strerror (curlload.curl_easy_strerror)
#define curl_slist_append (curlload.curl_slist_append)
#define curl_slist_free_all (curlload.curl_slist_free_all)
#define curl_mime_init (curlload.curl_mime_init)
#define curl_mime_free (curlload.curl_mime_free)
#define curl_mime_addpart (curlload.curl_mime_addpart)
#define curl_mime_data (curlload.curl_mime_data)
#define curl_mime_type (curlload.curl_mime_type)
#define curl_mime_encoder (curlload.curl_mime_encoder)
#define curl_mime_filename (curlload.curl_mime_filename)
#define curl_mime_headers (curlload.curl_mime_headers)
#define curl_mime_subparts (curlload.curl_mime_subparts)
#endif

#endif
