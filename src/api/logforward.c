/* logforward.c: the log of a run on another node, asked of that node (see logforward.h).
 *
 * A thread per forwarded request makes the HTTP call with libcurl and writes into a pipe:
 * first one line "STATUS\tCONTENT-TYPE\tCONTENT-RANGE\n" (STATUS 0 and the reason when the
 * call failed before an answer), then the body. The request's own thread (libmicrohttpd
 * runs one per connection) reads that line, then streams the rest of the pipe as the
 * answer; when the client goes away the pipe's read end is closed and the call ends at
 * its next write (SIGPIPE is ignored by batchd). */
#include "api/logforward.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/curlload.h"
#include <microhttpd.h>

#include "api/metrics.h"
#include "common/files.h"
#include "daemon/mail.h"

#define HEAD_MAX 600           /* the first line of the pipe */
#define HEAD_WAIT_MS 60000     /* for the other node's answer to begin */
#define PROBLEM_MAX 65536      /* an error answer relayed */

struct call {
        CURL *c;
        struct curl_slist *headers;
        int wfd;
        bool head_sent;
        char ctype[200];
        char crange[100];
        char err[CURL_ERROR_SIZE];
};

/* A header value of the answer, trimmed, into out when the line is `name:`. */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t len)
{
        size_t k = strlen(name);
        if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
                return;
        const char *v = line + k + 1, *end = line + n;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
                end--;
        size_t m = (size_t)(end - v) < len - 1 ? (size_t)(end - v) : len - 1;
        memcpy(out, v, m);
        out[m] = '\0';
        /* Tabs and newlines would break the head line. */
        for (char *p = out; *p; p++)
                if (*p == '\t' || *p == '\n')
                        *p = ' ';
}

static size_t on_header(char *b, size_t size, size_t n, void *ud)
{
        struct call *k = ud;
        /* A new status line (after a 100 Continue): forget what came before. */
        if (n >= 5 && !strncmp(b, "HTTP/", 5))
                k->ctype[0] = k->crange[0] = '\0';
        header_value(b, n, "Content-Type", k->ctype, sizeof(k->ctype));
        header_value(b, n, "Content-Range", k->crange, sizeof(k->crange));
        return size * n;
}

static bool send_head(struct call *k)
{
        if (k->head_sent)
                return true;
        long status = 0;
        curl_easy_getinfo(k->c, CURLINFO_RESPONSE_CODE, &status);
        char head[HEAD_MAX];
        int len = snprintf(head, sizeof(head), "%ld\t%s\t%s\n", status, k->ctype, k->crange);
        k->head_sent = true;
        size_t m = (size_t)len < sizeof(head) ? (size_t)len : sizeof(head) - 1;
        return files_write_all(k->wfd, head, m) == 0;
}

static size_t on_body(char *b, size_t size, size_t n, void *ud)
{
        struct call *k = ud;
        if (!send_head(k) || files_write_all(k->wfd, b, size * n) < 0)
                return 0; /* the client went away: end the call */
        return size * n;
}

static void *run_call(void *arg)
{
        struct call *k = arg;
        CURLcode rc = curl_easy_perform(k->c);
        if (!k->head_sent) {
                if (rc != CURLE_OK) {
                        char why[CURL_ERROR_SIZE], head[HEAD_MAX];
                        snprintf(why, sizeof(why), "%s",
                                 k->err[0] ? k->err : curl_easy_strerror(rc));
                        for (char *p = why; *p; p++)
                                if (*p == '\t' || *p == '\n')
                                        *p = ' ';
                        int len = snprintf(head, sizeof(head), "0\t%s\t\n", why);
                        size_t m = (size_t)len < sizeof(head) ? (size_t)len : sizeof(head) - 1;
                        files_write_all(k->wfd, head, m);
                } else {
                        send_head(k);
                }
        }
        close(k->wfd);
        curl_slist_free_all(k->headers);
        curl_easy_cleanup(k->c);
        free(k);
        return NULL;
}

/* Reads the head line from fd within HEAD_WAIT_MS into head (NUL-terminated, without
 * the newline); false on timeout or a closed pipe. Reads byte by byte: the body that
 * follows stays in the pipe. */
static bool read_head(int fd, char *head, size_t len)
{
        size_t n = 0;
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, HEAD_WAIT_MS) <= 0)
                        return false;
                char ch;
                ssize_t r = read(fd, &ch, 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return false;
                if (ch == '\n' || n == len - 1) {
                        head[n] = '\0';
                        return ch == '\n';
                }
                head[n++] = ch;
        }
}

static ssize_t pipe_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        (void)pos;
        int fd = *(int *)cls;
        for (;;) {
                ssize_t n = read(fd, buf, max);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                return n ? n : MHD_CONTENT_READER_END_OF_STREAM;
        }
}

static void pipe_free(void *cls)
{
        int *fd = cls;
        close(*fd);
        free(fd);
}

/* Starts the call to `url` in a thread; *ret_fd is the pipe to read. */
static int start_call(const char *url, const char *auth, const char *range, const char *me,
                      int *ret_fd, char *why, size_t len)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
                snprintf(why, len, "pipe: %s", strerror(errno));
                return -1;
        }
        struct batch_err err;
        if (mail_global_init(&err) < 0) {
                close(p[0]);
                close(p[1]);
                snprintf(why, len, "%s", err.msg);
                return -1;
        }
        struct call *k = calloc(1, sizeof(*k));
        if (!k || !(k->c = curl_easy_init())) {
                free(k);
                close(p[0]);
                close(p[1]);
                snprintf(why, len, "out of memory");
                return -1;
        }
        k->wfd = p[1];
        char h[1200];
        if (auth) {
                snprintf(h, sizeof(h), "Authorization: %s", auth);
                k->headers = curl_slist_append(k->headers, h);
        }
        if (range) {
                snprintf(h, sizeof(h), "Range: %s", range);
                k->headers = curl_slist_append(k->headers, h);
        }
        snprintf(h, sizeof(h), LOGFORWARD_HEADER ": %s", me);
        k->headers = curl_slist_append(k->headers, h);
        curl_easy_setopt(k->c, CURLOPT_URL, url);
        curl_easy_setopt(k->c, CURLOPT_HTTPHEADER, k->headers);
        curl_easy_setopt(k->c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(k->c, CURLOPT_HEADERDATA, k);
        curl_easy_setopt(k->c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(k->c, CURLOPT_WRITEDATA, k);
        curl_easy_setopt(k->c, CURLOPT_ERRORBUFFER, k->err);
        curl_easy_setopt(k->c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(k->c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(k->c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(k->c, CURLOPT_USERAGENT, "batchd/" BATCH_VERSION " (log of a run)");
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        int e = pthread_create(&t, &a, run_call, k);
        pthread_attr_destroy(&a);
        if (e) {
                curl_slist_free_all(k->headers);
                curl_easy_cleanup(k->c);
                free(k);
                close(p[0]);
                close(p[1]);
                snprintf(why, len, "cannot start a thread: %s", strerror(e));
                return -1;
        }
        *ret_fd = p[0];
        return 0;
}

int logforward(struct api_req *r, const char *node, int64_t id, int64_t exec_id, bool follow)
{
        struct store_node n;
        struct batch_err err;
        int got = store_node_get(r->st, node, &n, &err);
        if (got < 0 && got != BATCH_ENOENT)
                return api_store_problem(r, &err);
        if (got == BATCH_ENOENT || !n.api_url || !*n.api_url) {
                if (got == 0)
                        store_node_release(&n);
                return api_problem(r, 503,
                                   "the log of execution %lld is on node \"%s\", whose API "
                                   "address is not known (its API is off, or it has not "
                                   "heartbeat since schema 12)",
                                   (long long)exec_id, node);
        }
        char url[1024];
        int ul = snprintf(url, sizeof(url), "%s/api/v1/instances/%lld/log?execution=%lld%s",
                          n.api_url, (long long)id, (long long)exec_id,
                          follow ? "&follow=true" : "");
        char base[600];
        snprintf(base, sizeof(base), "%s", n.api_url);
        store_node_release(&n);
        if (ul < 0 || (size_t)ul >= sizeof(url))
                return api_problem(r, 502, "node \"%s\": its API address is too long", node);
        char why[300];
        int fd;
        if (start_call(url, api_header(r, "Authorization"), api_header(r, "Range"),
                       api_metrics(r)->node_name, &fd, why, sizeof(why)) < 0)
                return api_problem(r, 500, "asking node \"%s\" for the log: %s", node, why);
        char head[HEAD_MAX];
        if (!read_head(fd, head, sizeof(head))) {
                close(fd);
                return api_problem(r, 504, "node \"%s\" (%s) did not answer within %d s", node,
                                   base, HEAD_WAIT_MS / 1000);
        }
        char *ctype = strchr(head, '\t'), *crange = NULL;
        if (ctype) {
                *ctype++ = '\0';
                if ((crange = strchr(ctype, '\t')))
                        *crange++ = '\0';
        }
        long status = strtol(head, NULL, 10);
        if (status == 0) {
                close(fd);
                return api_problem(r, 502, "the log of execution %lld is on node \"%s\" (%s), "
                                           "which does not answer: %s",
                                   (long long)exec_id, node, base, ctype ? ctype : "");
        }
        if (status < 200 || status > 299) {
                /* The other node's refusal (404, 416, ...), relayed as it is. */
                char *body = malloc(PROBLEM_MAX + 1);
                size_t got = 0;
                ssize_t k;
                while (body && got < PROBLEM_MAX &&
                       (k = read(fd, body + got, PROBLEM_MAX - got)) > 0)
                        got += (size_t)k;
                close(fd);
                r->status = (int)status;
                r->content_type = ctype && !strncmp(ctype, "application/problem+json", 24)
                                          ? "application/problem+json"
                                          : "text/plain; charset=utf-8";
                if (body)
                        buf_add(&r->out, body, got);
                free(body);
                return 0;
        }
        int *cls = malloc(sizeof(*cls));
        if (cls)
                *cls = fd;
        if (!cls || !(r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
                                                                    pipe_read, cls, pipe_free))) {
                free(cls);
                close(fd);
                return api_problem(r, 500, "out of memory");
        }
        if (crange && *crange)
                MHD_add_response_header(r->stream, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
        r->content_type = "text/plain; charset=utf-8";
        r->status = (int)status;
        return 0;
}
