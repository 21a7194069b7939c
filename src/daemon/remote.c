/* remote.c: the worker threads that make remote runs' HTTP calls (remote.h). */
#include "daemon/remote.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/curlload.h"
#include <sodium.h>

#include "common/urlmask.h"
#include "daemon/dlog.h"
#include "daemon/mail.h"

#define MAX_THREADS 16

struct remote_worker {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct remote_call *queue, **queue_tail; /* calls waiting for a thread, oldest first */
        struct remote_call *done, **done_tail;
        bool quit;
        int efd;
        int nthreads;
        pthread_t threads[MAX_THREADS];
};

void remote_call_free(struct remote_call *c)
{
        if (!c)
                return;
        if (c->auth) {
                sodium_memzero(c->auth, strlen(c->auth));
                free(c->auth);
        }
        if (c->body) {
                /* The start body holds the callback token. */
                sodium_memzero(c->body, strlen(c->body));
                free(c->body);
        }
        free(c->url);
        free(c->answer);
        free(c);
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
        struct remote_call *c = arg;
        size_t n = size * nmemb;
        if (c->answer_len + n > REMOTE_ANSWER_MAX)
                return 0; /* too large: the transfer fails */
        char *a = realloc(c->answer, c->answer_len + n + 1);
        if (!a)
                return 0;
        memcpy(a + c->answer_len, ptr, n);
        c->answer = a;
        c->answer_len += n;
        a[c->answer_len] = '\0';
        return n;
}

static const char *op_method(enum remote_op op)
{
        return op == REMOTE_OP_STATUS || op == REMOTE_OP_NEXT_DUE ? "GET" : "POST";
}

static void perform(struct remote_call *c)
{
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct batch_err err;
        if (mail_global_init(&err) < 0) {
                snprintf(c->error, sizeof(c->error), "%s", err.msg);
                return;
        }
        CURL *h = curl_easy_init();
        if (!h) {
                snprintf(c->error, sizeof(c->error), "libcurl cannot start");
                return;
        }
        char trace_h[80], parent_h[120], span[17];
        unsigned char rnd[8];
        randombytes_buf(rnd, sizeof(rnd));
        sodium_bin2hex(span, sizeof(span), rnd, sizeof(rnd));
        snprintf(trace_h, sizeof(trace_h), "X-Batchd-Trace-Id: %s", c->trace);
        snprintf(parent_h, sizeof(parent_h), "traceparent: 00-%s-%s-01", c->trace, span);
        struct curl_slist *hdr = curl_slist_append(
                NULL, c->op == REMOTE_OP_NEXT_DUE ? "Accept: text/plain, application/json"
                                                  : "Accept: application/json");
        hdr = curl_slist_append(hdr, trace_h);
        if (strlen(c->trace) == 32)
                hdr = curl_slist_append(hdr, parent_h);
        if (c->auth)
                hdr = curl_slist_append(hdr, c->auth);
        if (c->op == REMOTE_OP_START || c->op == REMOTE_OP_STOP) {
                hdr = curl_slist_append(hdr, "Content-Type: application/json");
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body ? c->body : "{}");
        }
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(h, CURLOPT_URL, c->url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : 30L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout_s > 0 && c->timeout_s < 10
                                                            ? c->timeout_s
                                                            : 10L);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        CURLcode rc = curl_easy_perform(h);
        if (rc == CURLE_OK) {
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->http_status);
        } else {
                c->http_status = 0;
                snprintf(c->error, sizeof(c->error), "%s",
                         errbuf[0] ? errbuf : curl_easy_strerror(rc));
        }
        curl_slist_free_all(hdr);
        curl_easy_cleanup(h);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        char where[512];
        urlmask_one(c->url, true, "(URL)", where, sizeof(where));
        const char *what = c->op == REMOTE_OP_NEXT_DUE ? "next_due_api" : "remote";
        if (c->http_status)
                dlog(c->http_status < 500 ? "info" : "warn", c->job, c->instance_id,
                     c->execution_id, c->trace, "%s %s %s: %ld (%ld ms)", what,
                     op_method(c->op), where, c->http_status, ms);
        else
                dlog("warn", c->job, c->instance_id, c->execution_id, c->trace,
                     "%s %s %s: no answer: %s (%ld ms)", what, op_method(c->op), where,
                     c->error, ms);
}

static void *worker_main(void *arg)
{
        struct remote_worker *w = arg;
        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (!w->queue && !w->quit)
                        pthread_cond_wait(&w->cond, &w->lock);
                if (w->quit)
                        break;
                struct remote_call *c = w->queue;
                w->queue = c->next;
                if (!w->queue)
                        w->queue_tail = &w->queue;
                c->next = NULL;
                pthread_mutex_unlock(&w->lock);
                perform(c);
                pthread_mutex_lock(&w->lock);
                *w->done_tail = c;
                w->done_tail = &c->next;
                uint64_t one = 1;
                if (write(w->efd, &one, sizeof(one)) < 0) {
                        /* the counter cannot overflow in practice; nothing to do */
                }
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

int remote_worker_start(int threads, struct remote_worker **ret, struct batch_err *reterr)
{
        if (threads < 1)
                threads = 1;
        if (threads > MAX_THREADS)
                threads = MAX_THREADS;
        struct remote_worker *w = calloc(1, sizeof(*w));
        if (!w)
                return batch_err_set(reterr, BATCH_ENOMEM, "remote", "out of memory");
        w->queue_tail = &w->queue;
        w->done_tail = &w->done;
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0) {
                free(w);
                return batch_err_set(reterr, BATCH_EIO, "remote", "eventfd: cannot create");
        }
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);
        for (int i = 0; i < threads; i++) {
                if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0) {
                        remote_worker_stop(w);
                        return batch_err_set(reterr, BATCH_EIO, "remote",
                                             "cannot start the remote call threads");
                }
                w->nthreads++;
        }
        *ret = w;
        return 0;
}

int remote_worker_fd(const struct remote_worker *w)
{
        return w->efd;
}

void remote_worker_submit(struct remote_worker *w, struct remote_call *c)
{
        c->next = NULL;
        pthread_mutex_lock(&w->lock);
        *w->queue_tail = c;
        w->queue_tail = &c->next;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

struct remote_call *remote_worker_take(struct remote_worker *w)
{
        uint64_t n;
        if (read(w->efd, &n, sizeof(n)) < 0) {
                /* EAGAIN: nothing signalled; the list may still hold calls */
        }
        pthread_mutex_lock(&w->lock);
        struct remote_call *l = w->done;
        w->done = NULL;
        w->done_tail = &w->done;
        pthread_mutex_unlock(&w->lock);
        return l;
}

static void free_list(struct remote_call *c)
{
        while (c) {
                struct remote_call *next = c->next;
                remote_call_free(c);
                c = next;
        }
}

void remote_worker_stop(struct remote_worker *w)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
        for (int i = 0; i < w->nthreads; i++)
                pthread_join(w->threads[i], NULL);
        free_list(w->queue);
        free_list(w->done);
        close(w->efd);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
}
