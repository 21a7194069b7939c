/* mail.h: sending one e-mail over SMTP with libcurl (plain, STARTTLS or SMTPS, optional
 * AUTH), for alerts and the daily report (docs/alerts.md). A message is text and/or
 * HTML with optional attachments, built as MIME by libcurl. The password is given by the
 * caller (read from a file or the environment by whoever configures the server) and is
 * never logged nor copied into an error message. */
#ifndef BATCH_DAEMON_MAIL_H
#define BATCH_DAEMON_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct mail_server {
        const char *url;        /* smtp://host[:port] or smtps://host[:port] */
        bool starttls;          /* smtp:// only: require STARTTLS */
        const char *user;       /* NULL: no AUTH */
        const char *password;   /* with user; never logged */
        const char *from;       /* envelope and header sender, e.g. batchd@example.com */
        long timeout_s;         /* connect + transfer; 0: 30 */
        const char *ca_file;    /* NULL: the system's trust store */
};

struct mail_attachment {
        const char *name;       /* file name shown to the reader */
        const char *mime;       /* e.g. application/vnd.openxmlformats-officedocument.spreadsheetml.sheet */
        const void *data;
        size_t len;
};

struct mail_message {
        const char *const *to;  /* recipients (addresses only) */
        size_t nto;
        const char *subject;    /* UTF-8; encoded as needed */
        const char *text;       /* plain-text body, or NULL */
        const char *html;       /* HTML body, or NULL (at least one of text, html) */
        const struct mail_attachment *att;
        size_t natt;
        const char *message_id; /* "<...@...>", the same for every retry of one delivery */
};

/* Loads libcurl (curlload_load: dlopen) and initialises it for the whole process
 * (curl_global_init), once; later calls return the first call's result. Every use of
 * libcurl in batchd calls it first (mail_send, webhook_post, the remote worker, the log
 * forwarder), from any thread: the first one pays for it (mapping libcurl, OpenSSL and
 * the rest, and OpenSSL's set-up: 3 MiB resident), so a daemon that sends nothing does
 * not. Debian's libcurl is built thread-safe ("threadsafe" in `curl
 * --version`), which a first call after threads have started needs. Returns 0 or
 * BATCH_EIO. */
int mail_global_init(struct batch_err *reterr);

/* Sends m through srv. Returns 0 when the server accepted the message, or a negative
 * BATCH_E* with reterr saying what failed and the server's answer (its last reply line),
 * never the password. *ret_answer (optional, malloc'd, caller frees) receives the
 * server's last reply either way, or NULL. */
int mail_send(const struct mail_server *srv, const struct mail_message *m, char **ret_answer,
              struct batch_err *reterr);

#endif
