/* body.c: request-body parsing (see body.h). */
#include "api/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defs/params.h"

int api_parse_object(const char *body, size_t len, const char *const *known, json_t **ret,
                     char *msg, size_t msgsz)
{
        *ret = NULL;
        json_error_t jerr;
        json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
                snprintf(msg, msgsz, "body: line %d, column %d: %s", jerr.line, jerr.column,
                         jerr.text);
                return -1;
        }
        if (!json_is_object(j)) {
                json_decref(j);
                snprintf(msg, msgsz, "body: a JSON object is required");
                return -1;
        }
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) {
                const char *const *k = known;
                while (k && *k && strcmp(*k, key))
                        k++;
                if (k && !*k) {
                        snprintf(msg, msgsz, "body: unknown field \"%s\"", key);
                        json_decref(j);
                        return -1;
                }
        }
        *ret = j;
        return 0;
}

int api_params_text(json_t *obj, struct buf *out, char *msg, size_t msgsz)
{
        json_t *flat = json_object();
        if (!flat) {
                snprintf(msg, msgsz, "out of memory");
                return -1;
        }
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                char num[64];
                const char *text;
                if (json_is_string(v)) {
                        text = json_string_value(v);
                } else if (json_is_integer(v)) {
                        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                        text = num;
                } else if (json_is_real(v)) {
                        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
                        text = num;
                } else if (json_is_boolean(v)) {
                        text = json_is_true(v) ? "true" : "false";
                } else {
                        json_decref(flat);
                        snprintf(msg, msgsz, "parameter \"%s\" must be a string, number or boolean",
                                 key);
                        return -1;
                }
                json_object_set_new(flat, key, json_string(text));
        }
        char *s = json_dumps(flat, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(flat);
        if (!s) {
                snprintf(msg, msgsz, "out of memory");
                return -1;
        }
        /* What the repository's parameter parser would refuse (a control character
         * in a key, say) is refused here, with its reason. */
        struct def_map m = {0, NULL, NULL};
        struct batch_err err;
        int rc = params_parse(s, &m, &err);
        def_map_release(&m);
        if (rc < 0) {
                snprintf(msg, msgsz, "%s", err.msg);
                free(s);
                return -1;
        }
        buf_puts(out, s);
        free(s);
        return 0;
}
