/* openapi_check.c: keeps the route table (api_routes[], src/api/routes.c) and the OpenAPI
 * document (api/openapi.json, compiled in as api_openapi_json) in step:
 *   - every route of the table is a path of the document (the table's "{}" matching any
 *     "{param}" segment) with its method, lowercased, and that operation has a
 *     "responses" object;
 *   - every path + method of the document is a route of the table.
 * Each mismatch is printed on stdout; the exit status is 1 when there is any, 0 when
 * none, 2 when the document does not parse. Usage: openapi_check [FILE] (default: the
 * document compiled into batchd, i.e. what GET /api/v1/openapi.json serves). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/request.h"

extern const char api_openapi_json[];

/* The HTTP methods an OpenAPI path item may have (the other keys of a path item, such
 * as "parameters", "summary", "description" or "servers", are not operations). */
static const char *const methods[] = {"get", "put", "post", "delete", "options", "head",
                                      "patch", "trace", NULL};

static bool is_method(const char *key)
{
        for (const char *const *m = methods; *m; m++)
                if (!strcmp(*m, key))
                        return true;
        return false;
}

/* True when the table's pattern ("/api/v1/jobs/{}/submit") and the document's path
 * ("/api/v1/jobs/{name}/submit") name the same path: "{}" in the pattern matches one
 * "{param}" segment of the document, everything else must be equal. */
static bool same_path(const char *pattern, const char *path)
{
        while (*pattern && *path) {
                if (pattern[0] == '{' && pattern[1] == '}') {
                        if (*path != '{')
                                return false;
                        const char *end = strchr(path, '}');
                        if (!end || end == path + 1)
                                return false;
                        path = end + 1;
                        pattern += 2;
                } else if (*pattern++ != *path++) {
                        return false;
                }
        }
        return !*pattern && !*path;
}

static void lower(const char *in, char *out, size_t size)
{
        size_t i = 0;
        for (; in[i] && i < size - 1; i++)
                out[i] = (char)tolower((unsigned char)in[i]);
        out[i] = '\0';
}

int main(int argc, char **argv)
{
        if (argc > 2) {
                fprintf(stderr, "usage: %s [openapi.json]\n", argv[0]);
                return 2;
        }
        json_error_t jerr;
        json_t *doc = argc == 2 ? json_load_file(argv[1], JSON_REJECT_DUPLICATES, &jerr)
                                : json_loads(api_openapi_json, JSON_REJECT_DUPLICATES, &jerr);
        const char *src = argc == 2 ? argv[1] : "api/openapi.json (compiled in)";
        if (!doc) {
                printf("%s: line %d, column %d: %s\n", src, jerr.line, jerr.column, jerr.text);
                return 2;
        }
        json_t *paths = json_object_get(doc, "paths");
        if (!json_is_object(paths)) {
                printf("%s: no \"paths\" object\n", src);
                json_decref(doc);
                return 2;
        }
        int mismatches = 0, nroutes = 0, nops = 0;

        /* The table against the document. */
        for (const struct api_route *rt = api_routes; rt->method; rt++) {
                nroutes++;
                char m[16];
                lower(rt->method, m, sizeof(m));
                const char *path;
                json_t *item, *found = NULL;
                json_object_foreach(paths, path, item) {
                        if (same_path(rt->pattern, path)) {
                                found = item;
                                break;
                        }
                }
                if (!found) {
                        printf("not in the document: %s %s (path missing)\n", rt->method,
                               rt->pattern);
                        mismatches++;
                        continue;
                }
                json_t *opn = json_object_get(found, m);
                if (!json_is_object(opn)) {
                        printf("not in the document: %s %s (the path has no \"%s\")\n",
                               rt->method, rt->pattern, m);
                        mismatches++;
                } else if (!json_is_object(json_object_get(opn, "responses")) ||
                           !json_object_size(json_object_get(opn, "responses"))) {
                        printf("no responses in the document: %s %s\n", rt->method,
                               rt->pattern);
                        mismatches++;
                }
        }

        /* The document against the table. */
        const char *path;
        json_t *item;
        json_object_foreach(paths, path, item) {
                const char *key;
                json_t *opn;
                json_object_foreach(item, key, opn) {
                        if (!is_method(key))
                                continue;
                        nops++;
                        bool found = false;
                        for (const struct api_route *rt = api_routes; rt->method && !found;
                             rt++) {
                                char m[16];
                                lower(rt->method, m, sizeof(m));
                                found = !strcmp(m, key) && same_path(rt->pattern, path);
                        }
                        if (!found) {
                                char up[16];
                                size_t i = 0;
                                for (; key[i] && i < sizeof(up) - 1; i++)
                                        up[i] = (char)toupper((unsigned char)key[i]);
                                up[i] = '\0';
                                printf("not in the route table: %s %s\n", up, path);
                                mismatches++;
                        }
                }
        }
        json_decref(doc);
        printf("openapi_check: %d routes, %d documented operations, %d mismatch%s\n", nroutes,
               nops, mismatches, mismatches == 1 ? "" : "es");
        return mismatches ? 1 : 0;
}
