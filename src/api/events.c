/* events.c: the event stream of the API (docs/api.md, "Events"; docs/security.md):
 * POST /api/v1/events/ticket (any role) trades the bearer token for a ticket, single-use
 * and valid EVENTS_TICKET_S seconds, because a browser's EventSource cannot send an
 * Authorization header; GET /api/v1/events?ticket=T[&after=ID] is then a stream of
 * Server-Sent Events: "ready" with the latest change id, and "change" events with the
 * deltas, the state changes of the tenant's instances recorded since (oldest first).
 * With instance=ID it also follows that instance (the page that shows it): "steps"
 * events with its latest execution's step executions whose counts or status changed,
 * and "log" events with the bytes appended to that execution's log (watch_look).
 * The stream re-checks the token every EVENTS_AUTH_S seconds and ends when it is
 * revoked or expired, after EVENTS_MAX_S seconds, or when batchd stops. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>

#include "api/request.h"
#include "api/token.h"
#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "ops/instances.h"

#define EVENTS_TICKET_S 30     /* a ticket's life */
#define EVENTS_MAX_TICKETS 256 /* tickets not yet used, at most */
#define EVENTS_POLL_MS 500     /* how often a stream looks for changes */
#define EVENTS_BEAT_S 15       /* a comment line this often keeps proxies from closing it */
#define EVENTS_AUTH_S 30       /* the token is checked again this often */
#define EVENTS_MAX_S 3600      /* then the client reconnects with a new ticket */
#define EVENTS_BATCH 500       /* changes per event at most */
#define WATCH_LOG_CHUNK 65536  /* log bytes per "log" event at most */
#define WATCH_STEPS 256        /* step executions of the watched execution followed, at most */

struct ticket {
        char secret[33];               /* "" when the slot is free */
        char hash[TOKEN_HASH_LEN + 1]; /* the bearer token's hash */
        char tenant[128];
        int64_t expires_us;
};

static pthread_mutex_t tickets_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ticket tickets[EVENTS_MAX_TICKETS];

static int64_t mono_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int api_events_ticket(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        if (r->body_len)
                return api_problem(r, 400, "this request takes no body");
        const char *auth = api_header(r, "Authorization"); /* checked by the dispatcher */
        if (strlen(r->tenant) >= sizeof(tickets[0].tenant))
                return api_problem(r, 500, "the tenant's name is too long for a ticket");
        unsigned char raw[16];
        randombytes_buf(raw, sizeof(raw));
        int64_t now = mono_us();
        struct ticket *slot = NULL;
        pthread_mutex_lock(&tickets_mu);
        for (size_t i = 0; i < EVENTS_MAX_TICKETS; i++) {
                if (tickets[i].secret[0] && tickets[i].expires_us <= now)
                        sodium_memzero(&tickets[i], sizeof(tickets[i])); /* expired */
                if (!slot && !tickets[i].secret[0])
                        slot = &tickets[i];
        }
        if (slot) {
                sodium_bin2hex(slot->secret, sizeof(slot->secret), raw, sizeof(raw));
                token_hash(auth + 7, slot->hash);
                snprintf(slot->tenant, sizeof(slot->tenant), "%s", r->tenant);
                slot->expires_us = now + EVENTS_TICKET_S * 1000000LL;
                api_json(r, 201);
                buf_printf(&r->out, "{\"ticket\": \"%s\", \"expires_in\": %d}\n", slot->secret,
                           EVENTS_TICKET_S);
        }
        pthread_mutex_unlock(&tickets_mu);
        sodium_memzero(raw, sizeof(raw));
        if (!slot)
                return api_problem(r, 503,
                                   "%d event tickets are waiting to be used; try again "
                                   "in %d s",
                                   EVENTS_MAX_TICKETS, EVENTS_TICKET_S);
        return 0;
}

/* Takes ticket `secret` (single use): true with its token hash and tenant. */
static bool take_ticket(const char *secret, char hash[TOKEN_HASH_LEN + 1], char *tenant,
                        size_t tenant_len)
{
        bool found = false;
        int64_t now = mono_us();
        if (strlen(secret) != 32)
                return false;
        pthread_mutex_lock(&tickets_mu);
        for (size_t i = 0; i < EVENTS_MAX_TICKETS && !found; i++) {
                struct ticket *t = &tickets[i];
                if (!t->secret[0] || sodium_memcmp(t->secret, secret, 32))
                        continue;
                if (t->expires_us > now) {
                        found = true;
                        memcpy(hash, t->hash, TOKEN_HASH_LEN + 1);
                        snprintf(tenant, tenant_len, "%s", t->tenant);
                }
                sodium_memzero(t, sizeof(*t));
        }
        pthread_mutex_unlock(&tickets_mu);
        return found;
}

/* What a stream last sent of a step execution of the watched execution. */
struct step_seen {
        int64_t id;
        unsigned char digest[16]; /* of its JSON as sent */
};

/* The instance a stream follows (instance=): its latest execution's steps and log. */
struct watch {
        int64_t instance;  /* 0: none */
        bool active;       /* look at it: until its last execution ended and its log is sent */
        int64_t execution; /* the execution followed, 0 before the first look */
        int fd;            /* its log, -1 until the file exists */
        int64_t log_off;   /* log bytes sent (or, at the first look, the size then) */
        bool first;        /* the first look: the log's bytes so far are the page's to read */
        unsigned char *chunk; /* WATCH_LOG_CHUNK bytes, allocated at the first log read */
        bool more;            /* a chunk was sent and more is there: look again at once */
        size_t nseen;
        struct step_seen seen[WATCH_STEPS];
};

struct stream {
        struct api *api;
        char hash[TOKEN_HASH_LEN + 1];
        char tenant[128];
        int64_t last;       /* the last change id sent */
        struct buf pending; /* bytes to send */
        size_t off;
        bool ended; /* end after pending */
        int64_t next_poll_us, next_beat_us, next_auth_us, deadline_us;
        struct watch w;
};

/* 0 when the token still is valid, else the reason it is not. */
static const char *token_gone(struct store *s, const char *hash)
{
        struct store_token tok;
        struct batch_err err;
        int rc = store_token_find(s, hash, &tok, &err);
        if (rc == BATCH_ENOENT)
                return "the token is not valid";
        if (rc < 0)
                return NULL; /* the repository did not answer: try again later */
        const char *why = tok.revoked ? "the token is revoked"
                          : tok.expires_at && tok.expires_at <= (int64_t)time(NULL)
                              ? "the token is expired"
                              : NULL;
        store_token_release(&tok);
        return why;
}

static void put_changes(struct stream *es, const struct store_change_list *l)
{
        struct buf *b = &es->pending;
        buf_printf(b, "event: change\nid: %lld\ndata: {\"changes\": [",
                   (long long)l->items[l->n - 1].id);
        char iso[ISO_FORMAT_MAX];
        for (size_t i = 0; i < l->n; i++) {
                const struct store_change *c = &l->items[i];
                buf_printf(b, "%s{\"id\": %lld, \"instance_id\": %lld, \"job\": ", i ? ", " : "",
                           (long long)c->id, (long long)c->instance_id);
                json_put_string(b, c->job);
                if (c->from_state >= 0)
                        buf_printf(b, ", \"from\": \"%s\", \"from_code\": %d",
                                   state_name(c->from_state), c->from_state);
                else
                        buf_puts(b, ", \"from\": null, \"from_code\": null");
                buf_printf(b, ", \"state\": \"%s\", \"state_code\": %d, \"at\": \"%s\"}",
                           state_name(c->to_state), c->to_state, iso_format_utc(c->at, iso));
        }
        buf_puts(b, "]}\n\n");
        es->last = l->items[l->n - 1].id;
}

/* The length of the first n bytes of p that does not end inside a UTF-8 character (a
 * character cut by the chunk's end goes with the next chunk). */
static size_t utf8_cut(const unsigned char *p, size_t n)
{
        size_t i = n, back = 0;
        while (i > 0 && back < 4 && (p[i - 1] & 0xc0) == 0x80) {
                i--;
                back++;
        }
        if (i == 0 || p[i - 1] < 0xc0)
                return n; /* ASCII at the end, or no lead byte: nothing to hold back */
        unsigned char lead = p[i - 1];
        size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        return back + 1 >= need ? n : i - 1;
}

/* Sends the step executions of execution e that changed since they were last sent. */
static void watch_steps(struct stream *es, struct store *s, int64_t e)
{
        struct watch *w = &es->w;
        struct store_step_list l;
        struct batch_err err;
        if (store_step_list(s, e, &l, &err) < 0)
                return;
        struct store_step_list out = {0, l.n ? calloc(l.n, sizeof(struct store_step)) : NULL};
        if (l.n && !out.items) {
                store_step_list_release(&l);
                return; /* the next look */
        }
        struct buf one;
        buf_init(&one, 0);
        for (size_t i = 0; i < l.n && i < WATCH_STEPS; i++) {
                struct store_step_list single = {1, &l.items[i]};
                one.len = 0;
                ops_put_steps(&one, &single);
                if (one.err)
                        break;
                unsigned char d[16];
                crypto_generichash(d, sizeof(d), (const unsigned char *)one.data, one.len, NULL, 0);
                size_t k = 0;
                while (k < w->nseen && w->seen[k].id != l.items[i].id)
                        k++;
                if (k < w->nseen && !memcmp(w->seen[k].digest, d, sizeof(d)))
                        continue;
                if (k == w->nseen)
                        w->seen[w->nseen++].id = l.items[i].id;
                memcpy(w->seen[k].digest, d, sizeof(d));
                out.items[out.n++] = l.items[i]; /* borrowed from l */
        }
        buf_release(&one);
        if (out.n) {
                buf_printf(&es->pending,
                           "event: steps\ndata: {\"instance_id\": %lld, \"execution_id\": %lld",
                           (long long)w->instance, (long long)e);
                ops_put_steps(&es->pending, &out);
                buf_puts(&es->pending, "}\n\n");
        }
        free(out.items);
        store_step_list_release(&l);
}

/* Sends what was appended to the log at path since w->log_off (a chunk at most); true
 * when all of it was sent. A UTF-8 character cut by the end waits for its last bytes
 * unless the execution `finished`. */
static bool watch_log(struct stream *es, const char *path, bool finished)
{
        struct watch *w = &es->w;
        if (w->fd < 0 && path)
                w->fd = open(path, O_RDONLY | O_CLOEXEC); /* created at the run's first byte */
        if (w->fd < 0) {
                w->first = false; /* no log yet: its first byte will be sent */
                return true;
        }
        off_t size = lseek(w->fd, 0, SEEK_END);
        if (w->first) { /* the page reads what is there already (GET .../log) */
                w->first = false;
                w->log_off = size > 0 ? size : 0;
                return true;
        }
        if (size <= w->log_off)
                return true;
        if (!w->chunk && !(w->chunk = malloc(WATCH_LOG_CHUNK)))
                return false;
        unsigned char *buf = w->chunk;
        size_t want = size - w->log_off > WATCH_LOG_CHUNK ? WATCH_LOG_CHUNK
                                                          : (size_t)(size - w->log_off);
        ssize_t n = pread(w->fd, buf, want, (off_t)w->log_off);
        if (n <= 0)
                return true;
        size_t len = utf8_cut(buf, (size_t)n);
        if (!len && !finished && n < 4)
                return false; /* the start of a character: its end comes next */
        if (!len)
                len = (size_t)n; /* not UTF-8, or the last bytes: send them as they are */
        buf_printf(&es->pending,
                   "event: log\ndata: {\"instance_id\": %lld, \"execution_id\": %lld, "
                   "\"from\": %lld, \"to\": %lld, \"text\": ",
                   (long long)w->instance, (long long)w->execution, (long long)w->log_off,
                   (long long)(w->log_off + (int64_t)len));
        json_put_stringn(&es->pending, (const char *)buf, len);
        buf_puts(&es->pending, "}\n\n");
        w->log_off += (int64_t)len;
        w->more = w->log_off < size;
        return w->log_off >= size;
}

/* One look at the watched instance: its latest execution (a new one is followed from its
 * first byte and step), the steps that changed, the log appended. It goes quiet when
 * there is no execution or the last one ended and its log is all sent; a change of the
 * instance (a rerun, a start) wakes it. */
static void watch_look(struct stream *es, struct store *s)
{
        struct watch *w = &es->w;
        struct store_execution_list ex;
        struct batch_err err;
        if (store_execution_list(s, w->instance, &ex, &err) < 0)
                return;
        if (!ex.n) {
                w->active = false;
                w->first = false; /* the first execution's log is sent from its first byte */
                store_execution_list_release(&ex);
                return;
        }
        const struct store_execution *e = &ex.items[ex.n - 1];
        if (e->id != w->execution) {
                if (w->fd >= 0)
                        close(w->fd);
                w->fd = -1;
                w->first = w->execution == 0 && w->first;
                w->execution = e->id;
                w->log_off = 0;
                w->nseen = 0;
        }
        watch_steps(es, s, e->id);
        bool all_sent = watch_log(es, e->log_path, e->finished);
        if (e->finished && all_sent)
                w->active = false;
        store_execution_list_release(&ex);
}

/* One look at the repository: the token, then the changes. */
static void look(struct stream *es, int64_t now)
{
        struct batch_err err;
        struct store *s = api_store_get(es->api, &err);
        if (!s)
                return; /* busy: the next look */
        if (now >= es->next_auth_us) {
                es->next_auth_us = now + EVENTS_AUTH_S * 1000000LL;
                const char *why = token_gone(s, es->hash);
                if (why) {
                        buf_printf(&es->pending, "event: end\ndata: {\"reason\": \"%s\"}\n\n", why);
                        es->ended = true;
                        api_store_put(es->api, s);
                        return;
                }
        }
        struct store_change_list l;
        if (store_changes_after(s, es->tenant, es->last, EVENTS_BATCH, &l, &err) == 0) {
                if (l.n) {
                        put_changes(es, &l);
                        es->next_poll_us = now; /* there may be more */
                }
                for (size_t i = 0; i < l.n && es->w.instance; i++)
                        if (l.items[i].instance_id == es->w.instance)
                                es->w.active = true;
                store_change_list_release(&l);
        }
        if (es->w.active) {
                es->w.more = false;
                watch_look(es, s);
                if (es->w.more)
                        es->next_poll_us = now; /* a long log: the next chunk at once */
        }
        api_store_put(es->api, s);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
        (void)pos;
        struct stream *es = cls;
        for (;;) {
                if (es->off < es->pending.len) {
                        size_t n = es->pending.len - es->off;
                        if (n > max)
                                n = max;
                        memcpy(out, es->pending.data + es->off, n);
                        es->off += n;
                        if (es->off == es->pending.len)
                                es->off = es->pending.len = 0;
                        return (ssize_t)n;
                }
                if (es->ended || es->pending.err)
                        return MHD_CONTENT_READER_END_OF_STREAM;
                int64_t now = mono_us();
                if (api_stopping(es->api) || now >= es->deadline_us) {
                        buf_puts(&es->pending, "event: end\ndata: {\"reason\": \"the stream "
                                               "ended; connect again\"}\n\n");
                        es->ended = true;
                        continue;
                }
                if (now >= es->next_poll_us) {
                        es->next_poll_us = now + EVENTS_POLL_MS * 1000LL;
                        look(es, now);
                        if (es->pending.len)
                                continue;
                }
                if (now >= es->next_beat_us) {
                        es->next_beat_us = now + EVENTS_BEAT_S * 1000000LL;
                        buf_puts(&es->pending, ": keep-alive\n\n");
                        continue;
                }
                struct timespec ts = {0, 100 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
}

static void stream_free(void *cls)
{
        struct stream *es = cls;
        if (es->w.fd >= 0)
                close(es->w.fd);
        free(es->w.chunk);
        buf_release(&es->pending);
        sodium_memzero(es->hash, sizeof(es->hash));
        free(es);
}

int api_events(struct api_req *r)
{
        static const char *const known[] = {"ticket", "after", "instance", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        const char *ticket = api_query(r, "ticket"), *after = api_query(r, "after");
        const char *inst = api_query(r, "instance");
        int64_t after_id = 0, watch_id = 0;
        if (after && strcmp(after, "0") && !api_parse_id(after, &after_id))
                return api_problem(r, 400, "after=\"%s\" is not a change id", after);
        if (inst && !api_parse_id(inst, &watch_id))
                return api_problem(r, 400, "instance=\"%s\" is not an instance id", inst);
        struct stream *es = calloc(1, sizeof(*es));
        if (!es)
                return api_problem(r, 500, "out of memory");
        es->w.fd = -1;
        /* The dispatcher's authentication is not used: an EventSource sends no header. */
        if (!ticket || !take_ticket(ticket, es->hash, es->tenant, sizeof(es->tenant))) {
                free(es);
                return api_problem(r, 401,
                                   "a valid ticket is required (?ticket=T from POST "
                                   "/api/v1/events/ticket; single use, %d s)",
                                   EVENTS_TICKET_S);
        }
        struct batch_err err;
        const char *why = token_gone(r->st, es->hash);
        if (why) {
                stream_free(es);
                return api_problem(r, 401, "%s", why);
        }
        if (!after && store_change_last_id(r->st, &after_id, &err) < 0) {
                stream_free(es);
                return api_store_problem(r, &err);
        }
        if (watch_id) {
                struct store_instance in;
                int rc = store_instance_get(r->st, watch_id, &in, &err);
                if (rc < 0 && rc != BATCH_ENOENT) {
                        stream_free(es);
                        return api_store_problem(r, &err);
                }
                bool mine = rc == 0 && !strcmp(in.tenant, es->tenant);
                if (rc == 0)
                        store_instance_release(&in);
                if (!mine) {
                        stream_free(es);
                        return api_problem(r, 404, "instance=%lld: no such instance",
                                           (long long)watch_id);
                }
                es->w.instance = watch_id;
                es->w.active = true;
                es->w.first = true;
        }
        es->api = r->api;
        es->last = after_id;
        buf_init(&es->pending, 0);
        int64_t now = mono_us();
        es->next_poll_us = now + EVENTS_POLL_MS * 1000LL;
        es->next_beat_us = now + EVENTS_BEAT_S * 1000000LL;
        es->next_auth_us = now + EVENTS_AUTH_S * 1000000LL;
        es->deadline_us = now + EVENTS_MAX_S * 1000000LL;
        buf_printf(&es->pending, "retry: 5000\nevent: ready\nid: %lld\ndata: {\"last_id\": %lld",
                   (long long)after_id, (long long)after_id);
        if (watch_id)
                buf_printf(&es->pending, ", \"instance_id\": %lld", (long long)watch_id);
        buf_puts(&es->pending, "}\n\n");
        r->stream =
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, es, stream_free);
        if (!r->stream) {
                stream_free(es);
                return api_problem(r, 500, "out of memory");
        }
        MHD_add_response_header(r->stream, "X-Accel-Buffering", "no");
        r->status = 200;
        r->content_type = "text/event-stream; charset=utf-8";
        return 0;
}
