/* output.c: batchctl's output formats and shared tables (see output.h). */
#include "cli/output.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "common/buf.h"

static const char *const names[] = {"table", "wide", "json", "yaml", "csv", "xlsx"};

const char *out_name(enum out_fmt f)
{
        return names[f];
}

bool out_known(const char *text, unsigned allowed)
{
        if (!text)
                return true;
        for (unsigned f = 0; f < sizeof(names) / sizeof(names[0]); f++)
                if ((allowed & (1u << f)) && !strcmp(text, names[f]))
                        return true;
        return false;
}

int out_parse(const char *text, unsigned allowed, enum out_fmt *ret)
{
        if (!text) {
                *ret = OUT_TABLE;
                return 0;
        }
        for (unsigned f = 0; f < sizeof(names) / sizeof(names[0]); f++)
                if ((allowed & (1u << f)) && !strcmp(text, names[f])) {
                        *ret = (enum out_fmt)f;
                        return 0;
                }
        fprintf(stderr, "batchctl: -o: \"%s\" is not a known output format; this command takes",
                text);
        const char *sep = " ";
        for (unsigned f = 0; f < sizeof(names) / sizeof(names[0]); f++)
                if (allowed & (1u << f)) {
                        fprintf(stderr, "%s%s", sep, names[f]);
                        sep = ", ";
                }
        fputc('\n', stderr);
        return CLI_USAGE;
}

void out_json(const json_t *doc)
{
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
}

/* ---- YAML --------------------------------------------------------------------------- */

static bool yaml_reserved(const char *s)
{
        static const char *const words[] = {"null", "~", "true", "false", "yes", "no", "on",
                                            "off", "y", "n", ".nan", ".inf", "-.inf", "+.inf",
                                            NULL};
        for (const char *const *w = words; *w; w++)
                if (!strcasecmp(s, *w))
                        return true;
        return false;
}

/* True when s can be written as a YAML plain scalar and read back as the same string. */
static bool yaml_plain(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':' || yaml_reserved(s))
                return false;
        if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) || isdigit((unsigned char)s[0]) ||
            s[0] == '+' || s[0] == '.')
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p < 0x20 || *p == 0x7f)
                        return false;
                if ((*p == ':' && p[1] == ' ') || (*p == ' ' && p[1] == '#'))
                        return false;
        }
        return true;
}

static void yaml_quoted(const char *s)
{
        json_t *j = json_string(s);
        if (!j) { /* not UTF-8: the bytes as they are, quoted */
                printf("\"%s\"", s);
                return;
        }
        json_dumpf(j, stdout, JSON_ENCODE_ANY);
        json_decref(j);
}

static void yaml_string(const char *s, int indent)
{
        size_t n = strlen(s);
        bool block = strchr(s, '\n') && s[0] != ' ' && s[0] != '\n';
        for (const unsigned char *p = (const unsigned char *)s; block && *p; p++)
                if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
                        block = false;
        if (!block) {
                if (yaml_plain(s))
                        fputs(s, stdout);
                else
                        yaml_quoted(s);
                return;
        }
        size_t trail = 0;
        while (trail < n && s[n - 1 - trail] == '\n')
                trail++;
        fputs(trail == 0 ? "|-" : trail == 1 ? "|" : "|+", stdout);
        for (const char *line = s; *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                putchar('\n');
                if (len)
                        printf("%*s%.*s", indent, "", (int)len, line);
                line = nl ? nl + 1 : line + len;
        }
}

static void yaml_value(const json_t *v, int indent);
static void yaml_item(const json_t *it, int indent);

static bool yaml_scalar(const json_t *v)
{
        return !json_is_object(v) && !json_is_array(v);
}

static bool yaml_empty_collection(const json_t *v)
{
        return (json_is_object(v) && json_object_size(v) == 0) ||
               (json_is_array(v) && json_array_size(v) == 0);
}

static void yaml_scalar_out(const json_t *v, int indent)
{
        if (json_is_string(v))
                yaml_string(json_string_value(v), indent);
        else if (json_is_object(v))
                fputs("{}", stdout);
        else if (json_is_array(v))
                fputs("[]", stdout);
        else if (json_is_null(v))
                fputs("null", stdout);
        else
                json_dumpf(v, stdout, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

/* Writes the members of an object, the first at the current position (after "- " when
 * first_inline), the others on new lines at `indent`. */
static void yaml_object(const json_t *o, int indent, bool first_inline)
{
        const char *key;
        json_t *val;
        bool first = true;
        json_object_foreach((json_t *)o, key, val) {
                if (!(first && first_inline))
                        printf("%*s", indent, "");
                first = false;
                if (yaml_plain(key))
                        fputs(key, stdout);
                else
                        yaml_quoted(key);
                putchar(':');
                if (yaml_scalar(val) || yaml_empty_collection(val)) {
                        putchar(' ');
                        yaml_scalar_out(val, indent + 2);
                        putchar('\n');
                } else {
                        putchar('\n');
                        yaml_value(val, json_is_array(val) ? indent : indent + 2);
                }
        }
}

static void yaml_value(const json_t *v, int indent)
{
        if (yaml_scalar(v) || yaml_empty_collection(v)) {
                printf("%*s", indent, "");
                yaml_scalar_out(v, indent + 2);
                putchar('\n');
                return;
        }
        if (json_is_object(v)) {
                yaml_object(v, indent, false);
                return;
        }
        size_t i;
        json_t *it;
        json_array_foreach((json_t *)v, i, it)
                yaml_item(it, indent);
}

/* Writes `it` as one item of a block sequence at `indent` ("- " and the item). */
static void yaml_item(const json_t *it, int indent)
{
        printf("%*s- ", indent, "");
        if (json_is_object(it) && json_object_size(it)) {
                yaml_object(it, indent + 2, true);
        } else if (json_is_array(it) && json_array_size(it)) {
                putchar('\n');
                yaml_value(it, indent + 2);
        } else {
                yaml_scalar_out(it, indent + 4);
                putchar('\n');
        }
}

void out_yaml(const json_t *doc)
{
        yaml_value(doc, 0);
}

/* ---- a list's JSON as YAML, one item at a time ------------------------------------------ */

/* The next character of f after white space (EOF at the end). */
static int next_token_char(FILE *f)
{
        int c;
        while ((c = getc(f)) == ' ' || c == '\n' || c == '\t' || c == '\r')
                ;
        return c;
}

/* True when f goes on (after white space) with exactly `text`, consumed. */
static bool take_text(FILE *f, const char *text)
{
        int c = next_token_char(f);
        for (const char *p = text; *p; p++, c = getc(f))
                if (c != (unsigned char)*p)
                        return false;
        ungetc(c, f);
        return true;
}

/* out_yaml of the whole JSON document in f (at its start). 0, or -1 (nothing written). */
static int yaml_whole(FILE *f)
{
        json_error_t e;
        rewind(f);
        json_t *doc = json_loadf(f, 0, &e);
        if (!doc)
                return -1;
        out_yaml(doc);
        json_decref(doc);
        return 0;
}

/* Writes the JSON document in f (at its start) as out_yaml would, reading a list's items
 * one at a time when the document is an object whose first member is "items", a list of
 * objects or lists: memory for one item, not for the document (a plan can have
 * millions). Returns 0; -1 when f does not hold one JSON document and nothing was
 * written; -2 when that showed after the YAML had begun (it is cut short). */
static int yaml_stream(FILE *f)
{
        if (!take_text(f, "{") || !take_text(f, "\"items\"") || !take_text(f, ":") ||
            !take_text(f, "["))
                return yaml_whole(f); /* another shape */
        json_error_t e;
        size_t n = 0;
        for (int c = next_token_char(f); c != ']'; c = next_token_char(f)) {
                if (n && (c != ',' || (c = next_token_char(f)) == EOF))
                        return -2;
                if (c != '{' && c != '[') /* (a scalar's end is not told apart) */
                        return n ? -2 : yaml_whole(f);
                ungetc(c, f);
                json_t *it = json_loadf(f, JSON_DISABLE_EOF_CHECK, &e);
                if (!it)
                        return n ? -2 : -1;
                if (!n++)
                        fputs("items:\n", stdout);
                yaml_item(it, 0);
                json_decref(it);
        }
        if (!n)
                fputs("items: []\n", stdout);
        /* The other members, if any: "}" or ", ...}", read as one object. */
        int c = next_token_char(f);
        if (c == '}')
                return next_token_char(f) == EOF ? 0 : -2;
        if (c != ',')
                return -2;
        struct buf rest;
        buf_init(&rest, 0);
        buf_add(&rest, "{", 1);
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_add(&rest, chunk, got);
        json_t *tail = rest.err ? NULL : json_loads(rest.data, 0, &e);
        buf_release(&rest);
        int rc = json_is_object(tail) && !json_object_get(tail, "items") ? 0 : -2;
        if (rc == 0 && json_object_size(tail))
                yaml_object(tail, 0, false);
        json_decref(tail);
        return rc;
}

int out_list(const json_t *doc, enum out_fmt f, void (*table)(const json_t *items, bool wide))
{
        const json_t *items = json_object_get(doc, "items");
        if (!json_is_array(items)) {
                fprintf(stderr, "batchctl: the answer has no list of items\n");
                return CLI_FAILURE;
        }
        if (f == OUT_JSON)
                out_json(doc);
        else if (f == OUT_YAML)
                out_yaml(doc);
        else
                table(items, f == OUT_WIDE);
        return CLI_OK;
}

void out_cell(const char *text, int width, int gap)
{
        if (!text)
                text = "-";
        int chars = 0;
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
                chars += (*p & 0xc0) != 0x80;
        fputs(text, stdout);
        int pad = (chars < width ? width - chars : 0) + gap;
        printf("%*s", pad, "");
}

int out_flush(struct buf *b, bool all)
{
        if (b->len < (all ? 1 : OUT_FLUSH_AT))
                return 0;
        int e = fwrite(b->data, 1, b->len, stdout) == b->len ? 0 : errno ? errno : EIO;
        b->len = 0;
        b->data[0] = '\0';
        return e;
}

int out_flush_end(struct buf *b, int werr, const char *what)
{
        bool nomem = b->err;
        if (!werr && !nomem)
                werr = out_flush(b, true);
        buf_release(b);
        if (nomem)
                fprintf(stderr, "batchctl: out of memory while printing %s\n", what);
        else if (werr)
                fprintf(stderr, "batchctl: writing %s failed: %s; it is incomplete\n", what,
                        strerror(werr));
        return nomem || werr ? CLI_FAILURE : CLI_OK;
}

json_t *out_parse_json(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text ? text : "", 0, &e);
        if (!j)
                fprintf(stderr, "batchctl: internal error: a JSON view does not parse: %s (line %d)\n",
                        e.text, e.line);
        return j;
}

/* ---- tables shared by local and remote mode ------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
        const json_t *v = json_object_get(o, key);
        return json_is_string(v) ? json_string_value(v) : NULL;
}

void out_jobs_table(const json_t *items, bool wide)
{
        out_cell("NAME", 32, 1);
        out_cell("DISPLAY NAME", 30, 1);
        out_cell("TYPE", 9, 1);
        printf("%7s  ", "VERSION");
        out_cell("UPDATED", 20, 1);
        if (wide) {
                out_cell("GROUP", 16, 1);
                out_cell("ENABLED", 7, 1);
        }
        printf("TRIGGER\n");
        size_t i;
        json_t *it;
        json_array_foreach((json_t *)items, i, it) {
                char trigger[256];
                cli_spec_field(str(it, "spec") ? str(it, "spec") : "", "trigger", trigger,
                               sizeof(trigger));
                const json_t *ver = json_object_get(it, "version");
                out_cell(str(it, "name"), 32, 1);
                out_cell(str(it, "display_name"), 30, 1);
                out_cell(str(it, "type"), 9, 1);
                printf("%7lld  ", json_is_integer(ver) ? (long long)json_integer_value(ver) : 0);
                out_cell(str(it, "updated_at"), 20, 1);
                if (wide) {
                        const char *g = str(it, "group");
                        out_cell(g && *g ? g : NULL, 16, 1);
                        out_cell(json_is_true(json_object_get(it, "enabled")) ? "yes" : "no", 7,
                                 1);
                }
                printf("%s\n", trigger[0] ? trigger : "-");
        }
}

/* ---- the convention over every read command -------------------------------------------- */

#define F(x) (1u << (x))
#define TJ (F(OUT_TABLE) | F(OUT_JSON))
const struct out_cmd out_cmds[] = {
        {"jobs", "list", OUT_STD, OUT_STD},
        {"jobs", "get", OUT_STD, OUT_STD},
        {"jobs", "history", OUT_STD, TJ},
        {"instances", "list", OUT_STD, TJ},
        {"instance", "get", OUT_STD, TJ},
        {"dlq", "list", OUT_STD, TJ},
        {"alerts", "list", OUT_STD, TJ},
        {"alerts", "get", OUT_STD, TJ},
        {"alerts", "explain", OUT_STD, TJ},
        {"tokens", "list", OUT_STD, TJ},
        {"nodes", NULL, OUT_STD, OUT_STD & ~F(OUT_YAML)},
        {"calendars", "list", OUT_STD, OUT_STD & ~F(OUT_YAML)},
        {"calendars", "get", OUT_STD, OUT_STD},
        {"settings", "get", OUT_STD, OUT_STD},
        {"deps", NULL, OUT_STD, TJ},
        {"report", "daily", OUT_STD | F(OUT_CSV) | F(OUT_XLSX),
         TJ | F(OUT_CSV) | F(OUT_XLSX)},
        {"report", "runs", OUT_STD, TJ},
        {"plan", NULL, OUT_STD, TJ},
        {"why", NULL, OUT_STD, TJ | F(OUT_WIDE)},
        {"cron", "next", OUT_STD, TJ},
        {"cron", "explain", OUT_STD, TJ},
        {NULL, NULL, 0, 0},
};

static const struct out_cmd *find_cmd(int argc, char **argv)
{
        for (const struct out_cmd *c = out_cmds; c->noun; c++)
                if (!strcmp(c->noun, argv[1]) &&
                    (!c->verb || (argc > 2 && !strcmp(c->verb, argv[2]))))
                        return c;
        return NULL;
}

/* Finds the -o value in argv[from..]: *slot is where it is (argv[*slot] is the value,
 * or "-oVALUE" / "--output=VALUE" when *prefix is 2 or 9). False when there is none. */
static bool find_o(int argc, char **argv, int from, bool long_ok, int *slot, int *prefix)
{
        bool found = false;
        for (int i = from; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--"))
                        break;
                if ((!strcmp(a, "-o") || (long_ok && !strcmp(a, "--output"))) && i + 1 < argc) {
                        *slot = ++i;
                        *prefix = 0;
                        found = true;
                } else if (!strncmp(a, "-o", 2) && a[2] && a[1] == 'o') {
                        *slot = i;
                        *prefix = 2;
                        found = true;
                } else if (long_ok && !strncmp(a, "--output=", 9)) {
                        *slot = i;
                        *prefix = 9;
                        found = true;
                }
        }
        return found; /* the last one given wins, as getopt does */
}

/* Sets the -o value at *slot to `name` (one of the static format names). */
static void set_o(char **argv, int slot, int prefix, const char *name)
{
        static char buf[32];
        if (!prefix) {
                argv[slot] = (char *)name;
                return;
        }
        snprintf(buf, sizeof(buf), "%s%s", prefix == 2 ? "-o" : "--output=", name);
        argv[slot] = buf;
}

int out_run(int argc, char **argv, int (*dispatch)(int argc, char **argv))
{
        const struct out_cmd *c = argc > 1 ? find_cmd(argc, argv) : NULL;
        int slot, prefix;
        /* report's --output names a file; every other read command's is -o */
        if (!c || !find_o(argc, argv, c->verb ? 3 : 2, strcmp(c->noun, "report") != 0, &slot,
                          &prefix))
                return dispatch(argc, argv);
        enum out_fmt f;
        if (out_parse(argv[slot] + prefix, c->formats, &f))
                return CLI_USAGE;
        if (c->natively & F(f))
                return dispatch(argc, argv);
        if (f == OUT_WIDE) {
                set_o(argv, slot, prefix, "table");
                return dispatch(argc, argv);
        }
        /* yaml from the command's json: capture stdout, convert */
        set_o(argv, slot, prefix, "json");
        fflush(stdout);
        FILE *cap = tmpfile();
        int saved = dup(STDOUT_FILENO);
        if (!cap || saved < 0 || dup2(fileno(cap), STDOUT_FILENO) < 0) {
                fprintf(stderr, "batchctl: cannot capture the output for -o yaml\n");
                if (cap)
                        fclose(cap);
                if (saved >= 0)
                        close(saved);
                return CLI_FAILURE;
        }
        int r = dispatch(argc, argv);
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
        rewind(cap);
        int y = r == CLI_OK ? yaml_stream(cap) : -1;
        if (y == -2) {
                fprintf(stderr, "batchctl: -o yaml: the output is not one JSON document; "
                                "the YAML above is cut short\n");
                r = CLI_FAILURE;
        } else if (y < 0) {
                /* an error, or not one document: what the command wrote, as it was */
                rewind(cap);
                char chunk[8192];
                size_t n;
                while ((n = fread(chunk, 1, sizeof(chunk), cap)) > 0)
                        fwrite(chunk, 1, n, stdout);
                if (r == CLI_OK) {
                        fprintf(stderr, "batchctl: -o yaml: the output is not one JSON document\n");
                        r = CLI_FAILURE;
                }
        }
        fclose(cap);
        return r;
}

void out_defs_table(const json_t *items, bool wide)
{
        if (wide)
                out_cell("TENANT", 16, 1);
        printf("%-32s %7s  %-20s %s\n", "NAME", "VERSION", "UPDATED", "BY");
        size_t i;
        json_t *it;
        json_array_foreach((json_t *)items, i, it) {
                const json_t *ver = json_object_get(it, "version");
                if (wide)
                        out_cell(str(it, "tenant"), 16, 1);
                out_cell(str(it, "name"), 32, 1);
                printf("%7lld  ", json_is_integer(ver) ? (long long)json_integer_value(ver) : 0);
                out_cell(str(it, "updated_at"), 20, 1);
                printf("%s\n", str(it, "updated_by") ? str(it, "updated_by") : "-");
        }
}

int out_one(const json_t *obj, enum out_fmt f, void (*table)(const json_t *items, bool wide))
{
        if (f == OUT_JSON) {
                out_json(obj);
        } else if (f == OUT_YAML) {
                out_yaml(obj);
        } else {
                json_t *a = json_pack("[O]", obj);
                table(a, f == OUT_WIDE);
                json_decref(a);
        }
        return CLI_OK;
}
