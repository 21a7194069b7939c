/* pq.c: loading libpq on first use (see pq.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/err.h"

/* The members of struct pq_api, looked up by name. */
#define PQ_FUNCTIONS(X)                                                                          \
        X(PQconnectdb) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexec) X(PQprepare)        \
        X(PQexecPrepared) X(PQexecParams) X(PQresultStatus) X(PQresultErrorField) X(PQntuples) \
        X(PQgetvalue) X(PQgetisnull) X(PQcmdTuples) X(PQcmdStatus) X(PQclear) \
        X(PQsocket) X(PQconsumeInput) X(PQnotifies) X(PQfreemem)

#define PQ_NO_REDIRECT
#include "store/postgres/pq.h"

struct pq_api pq;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[200];

static void load(void)
{
        void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                snprintf(load_error, sizeof(load_error),
                         "libpq is not installed (Debian package libpq5): %s", dlerror());
                return;
        }
        struct pq_api got;
#define LOAD_ONE(name)                                                                            \
        *(void **)&got.name = dlsym(h, #name);                                                    \
        if (!got.name) {                                                                          \
                snprintf(load_error, sizeof(load_error), "libpq lacks %s", #name);               \
                return;                                                                           \
        }
        PQ_FUNCTIONS(LOAD_ONE)
#undef LOAD_ONE
        pq = got; /* the handle stays open for the life of the process */
}

int pq_load(struct batch_err *reterr)
{
        pthread_once(&once, load);
        if (load_error[0])
                return batch_err_set(reterr, BATCH_EINVAL, "db", "db: %s", load_error);
        return 0;
}
