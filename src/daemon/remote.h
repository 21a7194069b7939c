/* remote.h: the HTTP calls of remote (http executor) runs and of next_due_api
 * triggers, made off the scheduler's thread (docs/remote-jobs.md). The daemon hands a
 * call (start, status or stop of one execution, or the GET of a job's next due time) to
 * the worker and goes on; a few worker threads make the calls with
 * libcurl and queue them back with their answers; an eventfd (remote_worker_fd) becomes
 * readable when answers wait, and the daemon applies them in its loop. The worker keeps
 * no repository connection: the daemon records everything.
 *
 * Every call carries the run's trace id (headers X-Batchd-Trace-Id and traceparent) and
 * is logged with it (method, scheme://host[:port]/path, status or error, duration);
 * the credentials header is never logged. */
#ifndef BATCH_DAEMON_REMOTE_H
#define BATCH_DAEMON_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum remote_op {
        REMOTE_OP_START,
        REMOTE_OP_STATUS,
        REMOTE_OP_STOP,
        REMOTE_OP_NEXT_DUE, /* GET of a next_due_api trigger's URL (no execution) */
};

#define REMOTE_ANSWER_MAX (1024 * 1024)

/* One call. The daemon fills the request part; the worker the answer part. */
struct remote_call {
        struct remote_call *next;
        enum remote_op op;
        size_t tenant;
        int64_t instance_id, execution_id;
        char job[136];            /* the batchd job, for the log */
        char trace[33];
        char *url;                /* owned */
        char *body;               /* owned; POST body (start) or NULL */
        char *auth;               /* owned; "Authorization: ..." header line or NULL; secret */
        long timeout_s;
        uint64_t generation;      /* the daemon's, to drop answers of an older state */
        /* the answer */
        long http_status;         /* 0: no HTTP answer (error says why) */
        char error[256];          /* the transport error, or "" */
        char *answer;             /* owned; the body (at most REMOTE_ANSWER_MAX), or NULL */
        size_t answer_len;
};

/* Frees a call (NULL is ignored), wiping its credentials. */
void remote_call_free(struct remote_call *c);

struct remote_worker;

/* Starts `threads` worker threads (1..16); each call initialises libcurl first
 * (mail_global_init, once per process). Returns 0,
 * BATCH_ENOMEM or BATCH_EIO (eventfd or thread creation failed). */
int remote_worker_start(int threads, struct remote_worker **ret, struct batch_err *reterr);

/* The descriptor that becomes readable when answered calls wait (for epoll). */
int remote_worker_fd(const struct remote_worker *w);

/* Queues call c (the worker takes it). */
void remote_worker_submit(struct remote_worker *w, struct remote_call *c);

/* The answered calls, oldest first, as a list the caller owns (NULL when none); clears
 * the eventfd. */
struct remote_call *remote_worker_take(struct remote_worker *w);

/* Stops the threads (calls under way finish, bounded by their timeouts) and frees
 * everything, queued calls included. NULL is ignored. */
void remote_worker_stop(struct remote_worker *w);

#endif
