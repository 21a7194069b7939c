/* remote.h: batchctl's HTTP client of batchd's REST API (libcurl + jansson): where the
 * server is (--url, BATCHD_URL, the config file), the token, one request function, and
 * how an error answer (application/problem+json) is shown. See docs/cli.md. */
#ifndef BATCH_CLI_REMOTE_H
#define BATCH_CLI_REMOTE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "common/buf.h"

/* A command's return when it was given --db: the caller runs the local command. */
#define CLI_RUN_LOCAL 100

struct remote {
        char url[1024];   /* base URL without a trailing '/'; "" when none is known */
        char token[1024]; /* bearer token; "" when none is known (never printed) */
};

/* Reads the settings of the process once, from main: `flag_url`/`flag_token` (NULL when
 * not given), else $BATCHD_URL/$BATCHD_TOKEN, else `url = ...`/`token = ...` in
 * $XDG_CONFIG_HOME/batchd/config (default ~/.config/batchd/config). Warns on stderr
 * when that file holds a token and is readable by group or others. */
void remote_configure(const char *flag_url, const char *flag_token);

/* The server to use, or NULL when no URL is known (local mode). Borrowed, valid until
 * the process ends. */
const struct remote *remote_current(void);

/* An answer: the HTTP status and its body (NUL-terminated). */
struct remote_resp {
        long status;
        struct buf body;
        char content_type[128];
};

/* Sends `method` `path` (starting with '/') with `query` ("a=b&c=d", already encoded, or
 * NULL) and an optional body of `content_type`. When `stream` is not NULL a successful
 * (2xx) body is written to it as it arrives instead of into ret->body. On success
 * *ret is filled (release with remote_resp_release) and 0 is returned, whatever the
 * status; when the server cannot be reached, prints a message naming the URL on stderr
 * and returns CLI_FAILURE. */
int remote_request(const struct remote *rm, const char *method, const char *path,
                   const char *query, const char *content_type, const char *body,
                   size_t body_len, FILE *stream, struct remote_resp *ret);

void remote_resp_release(struct remote_resp *r);

/* Prints an error answer as "batchctl: <detail> (HTTP <status>)" on stderr, then each
 * of its "errors" [{"where","message"}] on its own line. Returns CLI_FAILURE. */
int remote_fail(const struct remote_resp *r);

/* Appends "&key=value" (or "key=value" to an empty buffer), percent-encoding value. */
void remote_query_add(struct buf *q, const char *key, const char *value);

/* Percent-encodes a path segment into `out`. */
void remote_path_escape(struct buf *out, const char *segment);

/* Parses ret->body as JSON; prints a message and returns NULL when it is not JSON. The
 * caller owns the returned reference. */
json_t *remote_json(const struct remote_resp *r);

/* A string member of `o`, or `dflt` when absent, null or not a string. Borrowed. */
const char *remote_str(const json_t *o, const char *key, const char *dflt);

/* Prints a JSON value, indented, with a final newline, on stdout. */
void remote_print_json(const json_t *v);

/* Reads a whole file into `out`; prints the problem and returns CLI_FAILURE when it
 * cannot. */
int remote_read_file(const char *path, struct buf *out);

#endif
