/* pq.h: libpq for the PostgreSQL backend, loaded with dlopen when a PostgreSQL
 * repository is first opened, so that batchd and batchctl on SQLite (the default) do not
 * map libpq and the TLS, Kerberos and LDAP libraries it pulls in (about 2 MiB of
 * resident memory; docs/performance.md). Include after <libpq-fe.h>: the PQ* names of
 * the functions the backend uses then call through `pq`. */
#ifndef BATCH_STORE_POSTGRES_PQ_H
#define BATCH_STORE_POSTGRES_PQ_H

#include <libpq-fe.h>

#include "common/err.h"

struct pq_api {
        PGconn *(*PQconnectdb)(const char *conninfo);
        ConnStatusType (*PQstatus)(const PGconn *conn);
        char *(*PQerrorMessage)(const PGconn *conn);
        void (*PQfinish)(PGconn *conn);
        PGresult *(*PQexec)(PGconn *conn, const char *query);
        PGresult *(*PQprepare)(PGconn *conn, const char *name, const char *query, int nparams,
                               const Oid *types);
        PGresult *(*PQexecPrepared)(PGconn *conn, const char *name, int nparams,
                                    const char *const *values, const int *lengths,
                                    const int *formats, int result_format);
        PGresult *(*PQexecParams)(PGconn *conn, const char *command, int nparams,
                                  const Oid *types, const char *const *values,
                                  const int *lengths, const int *formats, int result_format);
        ExecStatusType (*PQresultStatus)(const PGresult *res);
        char *(*PQresultErrorField)(const PGresult *res, int fieldcode);
        int (*PQntuples)(const PGresult *res);
        char *(*PQgetvalue)(const PGresult *res, int row, int col);
        int (*PQgetisnull)(const PGresult *res, int row, int col);
        char *(*PQcmdTuples)(PGresult *res);
        char *(*PQcmdStatus)(PGresult *res);
        void (*PQclear)(PGresult *res);
        /* the listener (listen.c) */
        int (*PQsocket)(const PGconn *conn);
        int (*PQconsumeInput)(PGconn *conn);
        PGnotify *(*PQnotifies)(PGconn *conn);
        void (*PQfreemem)(void *ptr);
};

/* The loaded functions (valid after pq_load returned 0). */
extern struct pq_api pq;

/* Loads libpq once (thread-safe). Returns 0, or BATCH_EINVAL saying that libpq is not
 * installed (Debian: libpq5) or lacks a function. */
int pq_load(struct batch_err *reterr);

#ifndef PQ_NO_REDIRECT /* pq.c takes the real names */
#define PQconnectdb (pq.PQconnectdb)
#define PQstatus (pq.PQstatus)
#define PQerrorMessage (pq.PQerrorMessage)
#define PQfinish (pq.PQfinish)
#define PQexec (pq.PQexec)
#define PQprepare (pq.PQprepare)
#define PQexecPrepared (pq.PQexecPrepared)
#define PQexecParams (pq.PQexecParams)
#define PQresultStatus (pq.PQresultStatus)
#define PQresultErrorField (pq.PQresultErrorField)
#define PQntuples (pq.PQntuples)
#define PQgetvalue (pq.PQgetvalue)
#define PQgetisnull (pq.PQgetisnull)
#define PQcmdTuples (pq.PQcmdTuples)
#define PQcmdStatus (pq.PQcmdStatus)
#define PQclear (pq.PQclear)
#define PQsocket (pq.PQsocket)
#define PQconsumeInput (pq.PQconsumeInput)
#define PQnotifies (pq.PQnotifies)
#define PQfreemem (pq.PQfreemem)
#endif

#endif
