/* listen.c: store_listen (store.h), a PostgreSQL connection of its own that LISTENs to
 * notification channels (store_notify, pg_notify), for the daemon's epoll loop: it polls
 * the socket and drains what arrived. Not a repository connection: it runs no statement
 * but its LISTENs. SQLite has no notifications. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "common/buf.h"
#include "store/postgres/pq.h"
#include "store/store.h"

#define LISTEN_CHANNELS_MAX 16

struct store_listener {
        PGconn *pg;
};

/* A channel name: 1 to 63 of [a-z0-9_] (what store_notify's callers use; no quoting
 * surprises). */
static bool channel_ok(const char *c)
{
        size_t n = c ? strlen(c) : 0;
        if (n < 1 || n > 63)
                return false;
        for (; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
                        return false;
        return true;
}

static int listener_error(struct store_listener *l, const char *what, struct batch_err *reterr)
{
        const char *msg = l->pg ? PQerrorMessage(l->pg) : "out of memory";
        size_t len = strcspn(msg, "\n");
        return batch_err_set(reterr, BATCH_EIO, "db", "db: %s: %.*s", what, (int)len, msg);
}

int store_listen(const char *dsn, const char *const *channels, size_t nchannels,
                 struct store_listener **ret, struct batch_err *reterr)
{
        if (!dsn || (strncmp(dsn, "postgresql://", 13) && strncmp(dsn, "postgres://", 11)))
                return batch_err_set(reterr, BATCH_EINVAL, "dsn",
                                     "notifications need a PostgreSQL repository");
        if (nchannels < 1 || nchannels > LISTEN_CHANNELS_MAX)
                return batch_err_set(reterr, BATCH_EINVAL, "channels",
                                     "channels: 1 to %d", LISTEN_CHANNELS_MAX);
        for (size_t i = 0; i < nchannels; i++)
                if (!channel_ok(channels[i]))
                        return batch_err_set(reterr, BATCH_EINVAL, "channels",
                                             "channel %s: 1 to 63 of a-z, 0-9 and _",
                                             channels[i] ? channels[i] : "(null)");
        int r = pq_load(reterr);
        if (r < 0)
                return r;
        struct store_listener *l = calloc(1, sizeof(*l));
        if (!l)
                return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
        l->pg = PQconnectdb(dsn);
        if (!l->pg || PQstatus(l->pg) != CONNECTION_OK) {
                r = listener_error(l, "cannot connect", reterr);
                store_listener_close(l);
                return r;
        }
        struct buf sql;
        buf_init(&sql, 0);
        for (size_t i = 0; i < nchannels; i++) {
                buf_puts(&sql, "LISTEN ");
                buf_puts(&sql, channels[i]);
                buf_puts(&sql, ";");
        }
        if (sql.err) {
                buf_release(&sql);
                store_listener_close(l);
                return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
        }
        PGresult *res = PQexec(l->pg, sql.data);
        buf_release(&sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                PQclear(res);
                r = listener_error(l, "LISTEN", reterr);
                store_listener_close(l);
                return r;
        }
        PQclear(res);
        *ret = l;
        return 0;
}

int store_listener_fd(const struct store_listener *l)
{
        return PQsocket(l->pg);
}

int store_listener_drain(struct store_listener *l, struct batch_err *reterr)
{
        if (!PQconsumeInput(l->pg) || PQstatus(l->pg) != CONNECTION_OK)
                return listener_error(l, "listening", reterr);
        int n = 0;
        PGnotify *note;
        while ((note = PQnotifies(l->pg)) != NULL) {
                PQfreemem(note);
                n++;
        }
        return n;
}

void store_listener_close(struct store_listener *l)
{
        if (!l)
                return;
        if (l->pg)
                PQfinish(l->pg);
        free(l);
}
