/* copy.c: whole-database copies with SQLite's backup API (see copy.h). */
#include "store/sqlite/copy.h"

#include <time.h>

int sqlite_copy(sqlite3 *from, sqlite3 *to, int busy_ms, int *ret_pages,
                struct batch_err *reterr)
{
        sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
        if (!b)
                return batch_err_set(reterr, BATCH_EIO, "backup", "cannot start the copy: %s",
                                     sqlite3_errmsg(to));
        int rc, waited = 0;
        for (;;) {
                rc = sqlite3_backup_step(b, -1); /* all pages: one consistent snapshot */
                if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
                        break;
                if (waited >= busy_ms)
                        break;
                struct timespec ts = {0, 20 * 1000 * 1000};
                nanosleep(&ts, NULL);
                waited += 20;
        }
        int pages = sqlite3_backup_pagecount(b);
        int fin = sqlite3_backup_finish(b);
        if (rc != SQLITE_DONE)
                return batch_err_set(reterr, BATCH_EIO, "backup", "the copy failed: %s%s",
                                     sqlite3_errstr(rc),
                                     rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                                             ? " (the database stayed locked)"
                                             : "");
        if (fin != SQLITE_OK)
                return batch_err_set(reterr, BATCH_EIO, "backup", "the copy failed: %s",
                                     sqlite3_errmsg(to));
        if (ret_pages)
                *ret_pages = pages;
        return 0;
}

int sqlite_check(sqlite3 *db, struct batch_err *reterr)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, NULL) != SQLITE_OK)
                return batch_err_set(reterr, BATCH_EIO, "integrity", "not a readable database: %s",
                                     sqlite3_errmsg(db));
        int rc = sqlite3_step(st);
        const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
        int r = 0;
        if (!t || sqlite3_stricmp((const char *)t, "ok"))
                r = batch_err_set(reterr, BATCH_EIO, "integrity", "the integrity check fails: %s",
                                  t ? (const char *)t : sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return r;
}
