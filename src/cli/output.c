/* output.c: batchctl's output formats and shared tables (see output.h). */
#include "cli/output.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

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
        json_array_foreach((json_t *)v, i, it) {
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
}

void out_yaml(const json_t *doc)
{
        yaml_value(doc, 0);
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
