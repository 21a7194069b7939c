/* pq.c: loading libpq on first use (see pq.h). */
#include <pthread.h>

#include <libpq-fe.h>

#include "common/dlload.h"
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
        static const char *const names[] = DLLOAD_NAMES(PQ_FUNCTIONS);
        enum { N = sizeof(names) / sizeof(names[0]) };
        void *slots[N];
        if (dl_load("libpq.so.5", "libpq", "libpq5", names, slots, N, load_error,
                    sizeof(load_error)) == 0)
                DLLOAD_FILL(PQ_FUNCTIONS, &pq, slots);
}

int pq_load(struct batch_err *reterr)
{
        pthread_once(&once, load);
        if (load_error[0])
                return batch_err_set(reterr, BATCH_EINVAL, "db", "db: %s", load_error);
        return 0;
}
