/* driver.h: the PostgreSQL driver of the repository (sql.h) over libpq (pq.h), and the
 * connection it drives (postgres.c opens it). */
#ifndef BATCH_STORE_POSTGRES_DRIVER_H
#define BATCH_STORE_POSTGRES_DRIVER_H

#include <stdbool.h>

#include "store/postgres/pq.h"
#include "store/sql.h"

struct sql_conn {
        PGconn *pg;
        bool in_tx;
        int nstmt; /* statements prepared, for their names */
};

extern const struct sql_driver postgres_driver;

/* BATCH_EIO "db: WHAT: libpq's message" (its first line). */
int postgres_conn_error(struct sql_conn *c, struct batch_err *reterr, const char *what);

#endif
