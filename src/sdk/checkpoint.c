/* checkpoint.c: the text form of a step's checkpoint — a JSON object
 * {"gen":N,"done":bool,"exit":"...","reader":"...","writer":"...","state":"..."} —
 * and its storage through the repository. */
#include "sdk/sdk-internal.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sdk_text_ok(const char *s)
{
        json_t *j = json_string(s); /* NULL for text that is not UTF-8 */
        json_decref(j);
        return j != NULL;
}

/* Sets o[key] to the string `text` (nothing when NULL). BATCH_EINVAL when it is not
 * UTF-8 (jansson's json_string refuses it), BATCH_ENOMEM. */
static int put_text(json_t *o, const char *key, const char *text)
{
        if (!text)
                return 0;
        json_t *v = json_string(text);
        if (!v)
                return BATCH_EINVAL;
        return json_object_set_new(o, key, v) ? BATCH_ENOMEM : 0;
}

int sdk_checkpoint_encode(const struct sdk_checkpoint *cp, char **ret)
{
        json_t *o = json_object();
        if (!o)
                return BATCH_ENOMEM;
        int r = json_object_set_new(o, "gen", json_integer(cp->gen)) ||
                                json_object_set_new(o, "done", json_boolean(cp->done))
                        ? BATCH_ENOMEM
                        : 0;
        if (r == 0)
                r = put_text(o, "exit", cp->exit[0] ? cp->exit : NULL);
        if (r == 0)
                r = put_text(o, "reader", cp->reader);
        if (r == 0)
                r = put_text(o, "writer", cp->writer);
        if (r == 0)
                r = put_text(o, "state", cp->state);
        char *s = r == 0 ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(o);
        if (r < 0)
                return r;
        if (!s)
                return BATCH_ENOMEM;
        *ret = s;
        return 0;
}

/* ---- the same text without jansson, for ASCII checkpoints (one per chunk) ----------- */

/* The letter of c's two-character escape in json_dumps's output (\" \\ \b \f \n \r \t),
 * or 0. */
static char short_escape(unsigned char c)
{
        switch (c) {
        case '"': return '"';
        case '\\': return '\\';
        case '\b': return 'b';
        case '\f': return 'f';
        case '\n': return 'n';
        case '\r': return 'r';
        case '\t': return 't';
        default: return 0;
        }
}

/* The bytes s takes as a JSON string the way json_dumps writes it (JSON_COMPACT, neither
 * JSON_ENSURE_ASCII nor JSON_ESCAPE_SLASH): the short escapes, other controls below 0x20
 * as \u00XX in upper-case hex, any other byte as it is. -1 when s holds a byte above 0x7F
 * (non-ASCII text, left to jansson, which also checks that it is UTF-8). */
static ptrdiff_t ascii_len(const char *s)
{
        ptrdiff_t n = 2;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p > 0x7f)
                        return -1;
                n += short_escape(*p) ? 2 : *p < 0x20 ? 6 : 1;
        }
        return n;
}

/* Writes s as ascii_len measured it; returns the end. */
static char *ascii_put(char *o, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        *o++ = '"';
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                char e = short_escape(*p);
                if (e) {
                        *o++ = '\\';
                        *o++ = e;
                } else if (*p < 0x20) {
                        memcpy(o, "\\u00", 4);
                        o[4] = hex[*p >> 4];
                        o[5] = hex[*p & 15];
                        o += 6;
                } else {
                        *o++ = (char)*p;
                }
        }
        *o++ = '"';
        return o;
}

ptrdiff_t sdk_checkpoint_encode_ascii(const struct sdk_checkpoint *cp, char *out, size_t cap)
{
        /* The keys in the order JSON_SORT_KEYS gives them; NULL (and "" for exit) left out. */
        const char *keys[] = {"exit", "reader", "state", "writer"};
        const char *vals[] = {cp->exit[0] ? cp->exit : NULL, cp->reader, cp->state, cp->writer};
        char head[64];
        int hn = snprintf(head, sizeof(head), "{\"done\":%s", cp->done ? "true" : "false");
        char gen[32];
        int gn = snprintf(gen, sizeof(gen), ",\"gen\":%lld", (long long)cp->gen);
        ptrdiff_t len[4], total = hn + gn + 2; /* "}" and the NUL */
        for (int i = 0; i < 4; i++) {
                if (!vals[i])
                        continue;
                if ((len[i] = ascii_len(vals[i])) < 0)
                        return -1;
                total += len[i] + (ptrdiff_t)strlen(keys[i]) + 4; /* ,"key": */
        }
        if ((size_t)total > cap)
                return -1;
        char *o = out;
        memcpy(o, head, (size_t)hn);
        o += hn;
        for (int i = 0; i < 4; i++) {
                if (i == 1) { /* "gen" sorts between "exit" and "reader" */
                        memcpy(o, gen, (size_t)gn);
                        o += gn;
                }
                if (!vals[i])
                        continue;
                o += sprintf(o, ",\"%s\":", keys[i]);
                o = ascii_put(o, vals[i]);
        }
        *o++ = '}';
        *o = '\0';
        return o - out;
}

static int take(json_t *o, const char *key, char **dst)
{
        json_t *v = json_object_get(o, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return BATCH_EFORMAT;
        return (*dst = strdup(json_string_value(v))) ? 0 : BATCH_ENOMEM;
}

int sdk_checkpoint_decode(const char *text, struct sdk_checkpoint *cp, struct batch_err *reterr)
{
        memset(cp, 0, sizeof(*cp));
        json_error_t jerr;
        json_t *o = json_loads(text, 0, &jerr);
        if (!o || !json_is_object(o)) {
                json_decref(o);
                return batch_err_set(reterr, BATCH_EFORMAT, "checkpoint",
                                     "checkpoint: not a checkpoint: %.80s", text);
        }
        json_t *gen = json_object_get(o, "gen"), *done = json_object_get(o, "done"),
               *exit = json_object_get(o, "exit");
        int r = 0;
        if (!json_is_integer(gen) || (done && !json_is_boolean(done)) ||
            (exit && (!json_is_string(exit) || json_string_length(exit) >= SDK_EXIT_MAX)))
                r = BATCH_EFORMAT;
        if (r == 0) {
                cp->gen = json_integer_value(gen);
                cp->done = done && json_is_true(done);
                if (exit)
                        snprintf(cp->exit, sizeof(cp->exit), "%s", json_string_value(exit));
                r = take(o, "reader", &cp->reader);
                if (r == 0)
                        r = take(o, "writer", &cp->writer);
                if (r == 0)
                        r = take(o, "state", &cp->state);
        }
        json_decref(o);
        if (r < 0) {
                sdk_checkpoint_release(cp);
                return batch_err_set(reterr, r, "checkpoint", "checkpoint: malformed: %.80s",
                                     text);
        }
        return 0;
}

void sdk_checkpoint_release(struct sdk_checkpoint *cp)
{
        free(cp->reader);
        free(cp->writer);
        free(cp->state);
        cp->reader = cp->writer = cp->state = NULL;
}

int sdk_checkpoint_save(struct sdk_run *run, const char *step, const struct sdk_checkpoint *cp,
                        struct batch_err *reterr)
{
        /* A chunk's checkpoint is small ASCII text as a rule: written on the stack, the
         * same text jansson would make; anything else through jansson. */
        char small[1024], *text = small;
        int r = sdk_checkpoint_encode_ascii(cp, small, sizeof(small)) >= 0
                        ? 0
                        : sdk_checkpoint_encode(cp, &text);
        if (r == BATCH_EINVAL)
                return batch_err_set(reterr, r, "checkpoint",
                                     "checkpoint of step %s: the reader's position, the writer's "
                                     "or the step's state is not UTF-8 text",
                                     step);
        if (r < 0)
                return batch_err_set(reterr, r, "checkpoint", "checkpoint: out of memory");
        r = store_checkpoint_put(run->st, run->instance_id, step, text, sdk_wall_s(), reterr);
        if (text != small)
                free(text);
        return r;
}
