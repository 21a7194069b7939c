/* labels.c: a node's labels (see labels.h). */
#include "core/labels.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct label {
        const char *p;   /* into the caller's text */
        size_t len;      /* the whole label */
        size_t name_len; /* up to '=' or the end */
};

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Checks one part (a name or a value) of `len` bytes at p; on a problem sets reterr. */
static int check_part(const char *p, size_t len, const char *what, const struct label *l,
                      struct batch_err *reterr)
{
        if (len == 0)
                return batch_err_set(reterr, BATCH_EINVAL, "labels", "label \"%.*s\": empty %s",
                                     (int)l->len, l->p, what);
        if (len > LABEL_PART_MAX)
                return batch_err_set(reterr, BATCH_EINVAL, "labels",
                                     "label \"%.*s...\": the %s is longer than %d bytes", 20,
                                     l->p, what, LABEL_PART_MAX);
        if (!is_alnum(p[0]))
                return batch_err_set(reterr, BATCH_EINVAL, "labels",
                                     "label \"%.*s\": the %s must begin with a letter or a "
                                     "digit",
                                     (int)l->len, l->p, what);
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(p[i]) && p[i] != '.' && p[i] != '_' && p[i] != '-')
                        return batch_err_set(reterr, BATCH_EINVAL, "labels",
                                             "label \"%.*s\": byte 0x%02x in its %s (letters, "
                                             "digits, '.', '_' and '-' only)",
                                             (int)(l->len > 64 ? 64 : l->len), l->p,
                                             (unsigned char)p[i], what);
        return 0;
}

bool label_word_valid(const char *p, size_t len)
{
        if (len == 0 || len > LABEL_PART_MAX || !is_alnum(p[0]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(p[i]) && p[i] != '.' && p[i] != '_' && p[i] != '-')
                        return false;
        return true;
}

static int cmp_label(const void *a, const void *b)
{
        const struct label *x = a, *y = b;
        size_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(x->p, y->p, n);
        return c ? c : (x->len > y->len) - (x->len < y->len);
}

int labels_parse(const char *text, char *out, size_t len, struct batch_err *reterr)
{
        struct label ls[LABELS_MAX];
        size_t n = 0;
        const char *s = text;
        bool blank_only = true;
        for (const char *c = text; *c; c++)
                blank_only &= is_blank(*c);
        while (!blank_only) {
                const char *end = strchr(s, ',');
                if (!end)
                        end = s + strlen(s);
                const char *a = s, *b = end;
                while (a < b && is_blank(*a))
                        a++;
                while (b > a && is_blank(b[-1]))
                        b--;
                if (a == b)
                        return batch_err_set(reterr, BATCH_EINVAL, "labels",
                                             "an empty label at byte %zu (two commas, or a "
                                             "comma at an end)",
                                             (size_t)(a - text) + 1);
                if (n == LABELS_MAX)
                        return batch_err_set(reterr, BATCH_EINVAL, "labels",
                                             "more than %d labels", LABELS_MAX);
                struct label *l = &ls[n];
                l->p = a;
                l->len = (size_t)(b - a);
                const char *eq = memchr(a, '=', l->len);
                l->name_len = eq ? (size_t)(eq - a) : l->len;
                int e = check_part(a, l->name_len, "name", l, reterr);
                if (e == 0 && eq)
                        e = check_part(eq + 1, l->len - l->name_len - 1, "value", l, reterr);
                if (e < 0)
                        return e;
                for (size_t i = 0; i < n; i++)
                        if (ls[i].name_len == l->name_len &&
                            !memcmp(ls[i].p, l->p, l->name_len))
                                return batch_err_set(reterr, BATCH_EINVAL, "labels",
                                                     "label \"%.*s\" is given twice",
                                                     (int)l->name_len, l->p);
                n++;
                if (!*end)
                        break;
                s = end + 1;
        }
        qsort(ls, n, sizeof(ls[0]), cmp_label);
        size_t need = 1;
        for (size_t i = 0; i < n; i++)
                need += ls[i].len + (i > 0);
        if (need > len)
                return batch_err_set(reterr, BATCH_EINVAL, "labels",
                                     "the labels take %zu bytes, more than %zu", need - 1,
                                     len - 1);
        char *o = out;
        for (size_t i = 0; i < n; i++) {
                if (i)
                        *o++ = ',';
                memcpy(o, ls[i].p, ls[i].len);
                o += ls[i].len;
        }
        *o = '\0';
        return (int)n;
}

/* True when the `len` bytes at p are one whole item of the comma-separated text `set`. */
static bool has_item(const char *set, const char *p, size_t len)
{
        for (const char *s = set; *s;) {
                const char *end = strchr(s, ',');
                size_t n = end ? (size_t)(end - s) : strlen(s);
                if (n == len && !memcmp(s, p, len))
                        return true;
                if (!end)
                        break;
                s = end + 1;
        }
        return false;
}

bool labels_cover(const char *have, const char *need)
{
        if (!need)
                return true;
        if (!have)
                have = "";
        for (const char *s = need; *s;) {
                const char *end = strchr(s, ',');
                size_t n = end ? (size_t)(end - s) : strlen(s);
                if (n && !has_item(have, s, n))
                        return false;
                if (!end)
                        break;
                s = end + 1;
        }
        return true;
}
