/* lang.c: language preferences and the choice of a translation (see lang.h). */
#include "core/lang.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/qlist.h"

#define LANG_MAX_RANGES 32
#define LANG_RANGE_MAX 64

struct range {
        char tag[LANG_RANGE_MAX];
        int q;     /* thousandths */
        int order; /* position in the value, for ties */
};

static bool tag_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
}

struct ranges {
        struct range *r;
        size_t n;
        int order;
};

/* One element of the preferences (qlist.h): kept when it is a language range (letters,
 * digits and "-", or "*" alone) with a weight above 0. */
static bool add_range(const char *name, size_t len, int q, void *ctx)
{
        struct ranges *rs = ctx;
        int order = rs->order++;
        bool ok = len < LANG_RANGE_MAX && q > 0;
        for (size_t i = 0; ok && i < len; i++)
                ok = tag_char(name[i]) || (len == 1 && name[i] == '*');
        if (ok) {
                memcpy(rs->r[rs->n].tag, name, len);
                rs->r[rs->n].tag[len] = '\0';
                rs->r[rs->n].q = q;
                rs->r[rs->n].order = order;
                rs->n++;
        }
        return rs->n < LANG_MAX_RANGES;
}

/* Splits prefs into ranges; returns how many (at most LANG_MAX_RANGES). */
static size_t parse_prefs(const char *prefs, struct range *out)
{
        struct ranges rs = {out, 0, 0};
        qlist_each(prefs, add_range, &rs);
        return rs.n;
}

static int by_q(const void *a, const void *b)
{
        const struct range *x = a, *y = b;
        if (x->q != y->q)
                return y->q - x->q;
        return x->order - y->order;
}

static long find_exact(const char *const *tags, size_t n, const char *want)
{
        for (size_t i = 0; i < n; i++)
                if (tags[i] && !strcasecmp(tags[i], want))
                        return (long)i;
        return -1;
}

long lang_pick(const char *const *tags, size_t n, const char *prefs)
{
        if (!prefs || !*prefs || n == 0)
                return -1;
        struct range r[LANG_MAX_RANGES];
        size_t nr = parse_prefs(prefs, r);
        qsort(r, nr, sizeof(r[0]), by_q);
        for (size_t k = 0; k < nr; k++) {
                if (!strcmp(r[k].tag, "*"))
                        return -1;
                char want[LANG_RANGE_MAX];
                memcpy(want, r[k].tag, sizeof(want));
                for (;;) {
                        long i = find_exact(tags, n, want);
                        if (i >= 0)
                                return i;
                        char *dash = strrchr(want, '-');
                        if (!dash)
                                break;
                        *dash = '\0';
                        /* RFC 4647 §3.4: a single-letter subtag left at the end goes too */
                        char *d2 = strrchr(want, '-');
                        if (d2 && strlen(d2 + 1) == 1)
                                *d2 = '\0';
                }
                size_t len = strlen(r[k].tag);
                for (size_t i = 0; i < n; i++)
                        if (tags[i] && !strncasecmp(tags[i], r[k].tag, len) && tags[i][len] == '-')
                                return (long)i;
        }
        return -1;
}

/* Appends locale name `loc` ("de_DE.UTF-8@euro") as a language tag ("de-DE") to out,
 * after a ", " when out is not empty; skips C, POSIX and malformed names. */
static void append_locale(char *out, size_t len, const char *loc, size_t loclen)
{
        char tag[LANG_RANGE_MAX];
        size_t t = 0;
        for (size_t i = 0; i < loclen && loc[i] != '.' && loc[i] != '@'; i++) {
                char c = loc[i] == '_' ? '-' : loc[i];
                if (!tag_char(c) || t + 1 >= sizeof(tag))
                        return;
                tag[t++] = c;
        }
        tag[t] = '\0';
        if (t == 0 || !strcmp(tag, "C") || !strcmp(tag, "POSIX"))
                return;
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", used ? ", " : "", tag);
}

void lang_from_locale(const char *language, const char *lc_all, const char *lc_messages,
                      const char *lang, char *out, size_t len)
{
        if (len == 0)
                return;
        out[0] = '\0';
        const char *loc = lc_all && *lc_all           ? lc_all
                          : lc_messages && *lc_messages ? lc_messages
                                                        : lang;
        if (!loc || !*loc || !strncmp(loc, "C.", 2) || !strcmp(loc, "C") ||
            !strncmp(loc, "POSIX", 5))
                return;
        if (language) {
                for (const char *p = language; *p;) {
                        const char *c = strchr(p, ':');
                        size_t l = c ? (size_t)(c - p) : strlen(p);
                        append_locale(out, len, p, l);
                        p = c ? c + 1 : p + l;
                }
        }
        append_locale(out, len, loc, strlen(loc));
}
