/* output.h: the one output convention of batchctl's read commands (docs/cli.md,
 * "Output"): -o table|wide|json|yaml, the same names and the same JSON document in local
 * and remote mode, and the tables both modes print from that document. */
#ifndef BATCH_CLI_OUTPUT_H
#define BATCH_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

enum out_fmt { OUT_TABLE, OUT_WIDE, OUT_JSON, OUT_YAML, OUT_CSV, OUT_XLSX };

/* The formats every read command takes. */
#define OUT_STD ((1u << OUT_TABLE) | (1u << OUT_WIDE) | (1u << OUT_JSON) | (1u << OUT_YAML))

/* The name of a format ("table", ...). */
const char *out_name(enum out_fmt f);

/* Reads -o `text` (NULL: table) into *ret when it is one of `allowed` (a set of
 * 1u << enum out_fmt). Returns 0, or CLI_USAGE after printing on stderr which formats
 * the command takes. */
int out_parse(const char *text, unsigned allowed, enum out_fmt *ret);

/* The same check for a parser that keeps -o as text: true when text is NULL or one of
 * the allowed names. */
bool out_known(const char *text, unsigned allowed);

/* Prints a JSON document on stdout, indented by 2, members in order, with a final
 * newline: the one JSON form of every read command, local or remote. */
void out_json(const json_t *doc);

/* Prints a JSON document as YAML 1.2 (block style; strings quoted when YAML would read
 * them otherwise) on stdout. */
void out_yaml(const json_t *doc);

/* Prints a list document in format f: json and yaml print `doc`; table and wide call
 * table(items, wide). Returns CLI_OK, or CLI_FAILURE when doc has no "items" array. */
int out_list(const json_t *doc, enum out_fmt f, void (*table)(const json_t *items, bool wide));

/* Appends to stdout `text` padded with spaces to `width` characters (UTF-8 code points,
 * so that "Nächtlicher" lines up), then `gap` spaces; NULL prints "-". */
void out_cell(const char *text, int width, int gap);

/* For a command that makes its text in a buffer and may make more than a buffer holds
 * (64 MiB; `plan` of a large estate runs to gigabytes): writes what b holds to stdout
 * and empties b once it holds OUT_FLUSH_AT bytes or more (any amount when `all`).
 * Returns 0, or the write's errno (then write nothing more: the output is cut short). */
#define OUT_FLUSH_AT (256u * 1024)
int out_flush(struct buf *b, bool all);

/* The end of such a command's writing: writes what b still holds, unless a write failed
 * (werr, out_flush's) or b did (b->err), and releases b. Returns CLI_OK, or CLI_FAILURE
 * after saying on stderr that memory ran out or that writing `what` ("the plan") failed
 * and it is incomplete. */
int out_flush_end(struct buf *b, int werr, const char *what);

/* Parses a JSON text (as the ops_* renderers produce it) into a new reference, or NULL
 * after printing the problem. */
json_t *out_parse_json(const char *text);

/* The jobs table (jobs list), from the items of GET /api/v1/jobs: NAME, DISPLAY NAME,
 * TYPE, VERSION, UPDATED, TRIGGER; wide adds GROUP and ENABLED. */
void out_jobs_table(const json_t *items, bool wide);

#endif

/* The table of definitions (calendars list; calendars get and settings get with -o
 * table): NAME, VERSION, UPDATED, BY; wide adds TENANT first. */
void out_defs_table(const json_t *items, bool wide);

/* Prints one object in format f: json, yaml, or a one-row table(items, wide). Returns
 * CLI_OK. */
int out_one(const json_t *obj, enum out_fmt f, void (*table)(const json_t *items, bool wide));

/* ---- the convention over every read command (output.c's table of them) ---- */

/* One read command and the formats it takes: `natively` those it renders itself (the
 * others out_run derives: yaml from its json, wide as its table when it has no wider
 * view). */
struct out_cmd {
        const char *noun, *verb; /* verb NULL: a noun without verbs */
        unsigned formats;        /* what -o accepts */
        unsigned natively;       /* what the command itself renders */
};

/* The read commands, terminated by a NULL noun (docs/cli.md, "Output"). */
extern const struct out_cmd out_cmds[];

/* Runs dispatch(argc, argv) under the convention: when argv names a read command, its
 * -o value is checked against the command's formats (CLI_USAGE with the list when not
 * one of them), and a format the command does not render itself is derived: yaml from
 * its -o json output (captured, parsed, written as YAML), wide as table. Other commands
 * run as they are. Returns dispatch's status. */
int out_run(int argc, char **argv, int (*dispatch)(int argc, char **argv));
