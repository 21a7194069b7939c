/* rcmd.h: what batchctl's remote commands share (internal to src/cli): one option
 * parser for every remote verb and the request helpers that print error answers. */
#ifndef BATCH_CLI_RCMD_H
#define BATCH_CLI_RCMD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cli.h"
#include "cli/remote.h"

/* The options of every remote verb (a verb ignores those it has no use for). */
struct ropts {
        const char *db, *tenant, *output, *job, *status, *from, *to, *reason, *actor;
        const char *group, *type, *enabled, *name, *role, *date, *instance;
        const char *kind, *severity; /* alerts list */
        bool follow, has_failure, failed, mine, all;
        bool unacknowledged;         /* alerts list */
        int limit;              /* --limit, 0 when not given */
        int expires_days;       /* --expires-days, 0 when not given */
        json_t *params;         /* -p KEY=VALUE as a JSON object of strings */
};

/* Parses argv (argv[0] is the verb) into *o; the operands are argv[optind..argc-1].
 * `formats` lists the accepted -o values (NULL-terminated; NULL: -o not accepted).
 * Returns 0; -1 after printing --help; CLI_USAGE after printing the problem; or
 * CLI_RUN_LOCAL when --db was given (the local command runs instead). Release *o with
 * ropts_release in every case. */
int ropts_parse(const char *noun, const struct cli_cmd *cmd, int argc, char **argv,
                const char *const *formats, struct ropts *o);
void ropts_release(struct ropts *o);

/* True when -o json was given. */
bool ropts_json(const struct ropts *o);

/* Sends a request to the configured server; a 2xx answer is left in *resp (release it)
 * and CLI_OK returned; an error answer is printed (remote_fail) and CLI_FAILURE
 * returned, as when the server cannot be reached. */
int rcmd_call(const char *method, const char *path, const char *query, const char *ctype,
              const char *body, size_t body_len, struct remote_resp *resp);

/* GETs a list resource following next_cursor until `max` items (0: all); *ret_items
 * is a new JSON array of the items (`page`: the limit asked per request; 0 sends none); *ret_next the last next_cursor (new reference, JSON
 * null when none). `query` may be NULL. Returns CLI_OK or CLI_FAILURE (printed). */
int rcmd_list(const char *path, const char *query, unsigned page, unsigned max,
              json_t **ret_items, json_t **ret_next);

/* rcmd_list for a command's --limit: `limit` items at most (0: the default, 100), asked
 * in pages of at most 1,000. Same returns as rcmd_list. */
int rcmd_list_limit(const char *path, const char *query, int limit, json_t **ret_items,
                    json_t **ret_next);

/* Prints {"items": items, "next_cursor": next} as the API would. */
void rcmd_print_list(json_t *items, json_t *next);

/* Prints the body of an answer as it came, with a final newline. */
void rcmd_print_body(const struct remote_resp *r);

/* Reads the integer member `key` of `o` (0 when absent). */
long long rcmd_int(const json_t *o, const char *key);

/* The tables of remote verbs, by noun (cmd-remote.c and friends). */
extern const struct cli_noun cli_remote_nouns[];
extern const struct cli_cmd cli_remote_jobs_cmds[];
extern const struct cli_cmd cli_remote_instances_cmds[];
extern const struct cli_cmd cli_remote_dlq_cmds[];
extern const struct cli_cmd cli_remote_alerts_cmds[];
extern const struct cli_cmd cli_remote_instance_cmds[];
extern const struct cli_cmd cli_tokens_cmds[];
extern const struct cli_cmd cli_calendars_cmds[];
extern const struct cli_cmd cli_settings_cmds[];
int cli_remote_submit(int argc, char **argv);
int cli_deps(int argc, char **argv);
int cli_metrics(int argc, char **argv);
int cli_health(int argc, char **argv);
int cli_openapi(int argc, char **argv);

/* Remote-only verbs of `jobs` (cmd-admin.c). */
int cli_jobs_create(int argc, char **argv);
int cli_jobs_replace(int argc, char **argv);
int cli_jobs_delete(int argc, char **argv);
int cli_jobs_enable(int argc, char **argv);
int cli_jobs_disable(int argc, char **argv);

/* Prints "batchctl: '<what>' needs a server ..." on stderr; returns CLI_USAGE. */
int cli_needs_server(const char *what);

#endif
