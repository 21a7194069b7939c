/* copy.h: whole-database copies between two SQLite connections with SQLite's online
 * backup API (`batchctl db backup|restore`, docs/schema.md "Backup and restore"). */
#ifndef BATCH_STORE_SQLITE_COPY_H
#define BATCH_STORE_SQLITE_COPY_H

#include <sqlite3.h>

#include "common/err.h"

/* Copies the main database of `from` into `to`, replacing all of `to`'s content, as one
 * consistent snapshot of `from`: the copy is made in one step under one read
 * transaction, so other connections (a running batchd) keep writing `from` meanwhile in
 * WAL mode, and none of their commits is half in the copy. While either side is busy
 * (locked by another connection) it waits and retries for up to `busy_ms`. *ret_pages
 * (optional): the pages copied. Returns 0, or BATCH_EIO with reterr naming SQLite's
 * reason; `to` is then unchanged (the backup is one write transaction on it). */
int sqlite_copy(sqlite3 *from, sqlite3 *to, int busy_ms, int *ret_pages,
                struct batch_err *reterr);

/* Runs PRAGMA integrity_check on `db`: 0 when it answers "ok", else BATCH_EIO with the
 * first problem it names. */
int sqlite_check(sqlite3 *db, struct batch_err *reterr);

#endif
