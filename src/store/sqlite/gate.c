/* gate.c: turns at writing one SQLite file (gate.h): a first-come first-served queue
 * per file among this process's connections, and a busy handler that polls often for
 * the other processes. The gates of the process are a list under one mutex, found by
 * the file's device and inode (two paths to one file share a gate). */
#include "store/sqlite/gate.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct waiter {
        pthread_cond_t cond;
        pthread_t thread;
        bool granted;            /* the turn was handed to it */
        struct waiter *next;
};

struct sqlite_gate {
        dev_t dev;
        ino_t ino;
        unsigned refs;
        bool busy;               /* a connection has the turn */
        pthread_t owner;         /* its thread, while busy */
        struct waiter *head, *tail;
        struct sqlite_gate *next;
};

static pthread_mutex_t gates_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sqlite_gate *gates;

static int64_t mono_us(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* ---- the wait for other processes ---------------------------------------------------- */

static int busy_cb(void *arg, int count)
{
        struct sqlite_busy *b = arg;
        int64_t now = mono_us();
        if (count == 0)
                b->start_us = now;
        else if (now - b->start_us >= (int64_t)SQLITE_WRITE_WAIT_S * 1000000)
                return 0;
        /* 0.1 ms doubling up to 2 ms, each between half and one and a half times that: a
         * writer that holds the lock for a millisecond and begins again at once still
         * leaves gaps a poll this frequent finds. */
        int64_t base = count < 4 ? 100 << count : 2000;
        b->rnd ^= b->rnd << 13;
        b->rnd ^= b->rnd >> 7;
        b->rnd ^= b->rnd << 17;
        int64_t us = base / 2 + (int64_t)(b->rnd % (uint64_t)base);
        struct timespec d = {.tv_sec = 0, .tv_nsec = us * 1000};
        while (nanosleep(&d, &d) < 0 && errno == EINTR)
                ;
        return 1;
}

void sqlite_busy_init(sqlite3 *db, struct sqlite_busy *b)
{
        b->start_us = 0;
        b->rnd = (uint64_t)mono_us() ^ ((uint64_t)(uintptr_t)b << 16) ^ 0x9e3779b97f4a7c15u;
        if (!b->rnd)
                b->rnd = 1;
        sqlite3_busy_handler(db, busy_cb, b);
}

/* ---- the gate ------------------------------------------------------------------------ */

int sqlite_gate_get(sqlite3 *db, struct sqlite_gate **ret, struct batch_err *reterr)
{
        const char *path = sqlite3_db_filename(db, "main");
        if (!path || !path[0]) {
                *ret = NULL;
                return 0;
        }
        struct stat sb;
        if (stat(path, &sb) < 0)
                return batch_err_set(reterr, BATCH_EIO, "db", "db: %s: %s", path,
                                     strerror(errno));
        pthread_mutex_lock(&gates_lock);
        struct sqlite_gate *g;
        for (g = gates; g; g = g->next)
                if (g->dev == sb.st_dev && g->ino == sb.st_ino)
                        break;
        if (!g && (g = calloc(1, sizeof(*g)))) {
                g->dev = sb.st_dev;
                g->ino = sb.st_ino;
                g->next = gates;
                gates = g;
        }
        if (g)
                g->refs++;
        pthread_mutex_unlock(&gates_lock);
        if (!g)
                return batch_err_set(reterr, BATCH_ENOMEM, "db", "out of memory");
        *ret = g;
        return 0;
}

void sqlite_gate_put(struct sqlite_gate *g)
{
        if (!g)
                return;
        pthread_mutex_lock(&gates_lock);
        if (--g->refs == 0) {
                struct sqlite_gate **p = &gates;
                while (*p != g)
                        p = &(*p)->next;
                *p = g->next;
                free(g);
        }
        pthread_mutex_unlock(&gates_lock);
}

/* Takes w out of g's queue (it timed out). */
static void unqueue(struct sqlite_gate *g, struct waiter *w)
{
        struct waiter **p = &g->head, *prev = NULL;
        while (*p != w) {
                prev = *p;
                p = &(*p)->next;
        }
        *p = w->next;
        if (g->tail == w)
                g->tail = prev;
}

int sqlite_gate_enter(struct sqlite_gate *g, struct batch_err *reterr)
{
        if (!g)
                return 0;
        pthread_t self = pthread_self();
        pthread_mutex_lock(&gates_lock);
        if (!g->busy) {
                g->busy = true;
                g->owner = self;
                pthread_mutex_unlock(&gates_lock);
                return 0;
        }
        if (pthread_equal(g->owner, self)) {
                pthread_mutex_unlock(&gates_lock);
                return batch_err_set(reterr, BATCH_EIO, "db",
                                     "db: this thread is writing the repository through another "
                                     "connection already");
        }
        struct waiter w = {.thread = self};
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w.cond, &ca);
        pthread_condattr_destroy(&ca);
        if (g->tail)
                g->tail->next = &w;
        else
                g->head = &w;
        g->tail = &w;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += SQLITE_WRITE_WAIT_S;
        while (!w.granted)
                if (pthread_cond_timedwait(&w.cond, &gates_lock, &until) == ETIMEDOUT &&
                    !w.granted)
                        break;
        if (!w.granted)
                unqueue(g, &w);
        pthread_mutex_unlock(&gates_lock);
        pthread_cond_destroy(&w.cond);
        if (!w.granted)
                return batch_err_set(reterr, BATCH_EIO, "db",
                                     "db: waited %d s for another connection of this process to "
                                     "finish writing",
                                     SQLITE_WRITE_WAIT_S);
        return 0;
}

void sqlite_gate_leave(struct sqlite_gate *g)
{
        if (!g)
                return;
        pthread_mutex_lock(&gates_lock);
        struct waiter *w = g->head;
        if (w) { /* handed over directly: nobody can slip in between */
                g->head = w->next;
                if (!g->head)
                        g->tail = NULL;
                g->owner = w->thread;
                w->granted = true;
                pthread_cond_signal(&w->cond);
        } else {
                g->busy = false;
        }
        pthread_mutex_unlock(&gates_lock);
}
