/* lang.c: language preferences and the choice of a translation (see lang.h). */
#include "core/lang.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LANG_MAX_RANGES 32
#define LANG_RANGE_MAX 64

struct range {
        char tag[LANG_RANGE_MAX];
        int q;     /* thousandths */
        int order; /* position in the value, for ties */
};

/* Reads a q-value ("0.8", "1", "1.000") as thousandths; -1 when malformed. */
static int parse_q(const char *s, size_t len)
{
        if (len == 0 || len > 5 || (s[0] != '0' && s[0] != '1'))
                return -1;
        int q = (s[0] - '0') * 1000;
        if (len == 1)
                return q;
        if (s[1] != '.')
                return -1;
        int scale = 100;
        for (size_t i = 2; i < len; i++, scale /= 10) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                q += (s[i] - '0') * scale;
        }
        return q > 1000 ? -1 : q;
}

static bool tag_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
}

/* Splits prefs into ranges; returns how many (at most LANG_MAX_RANGES). */
static size_t parse_prefs(const char *prefs, struct range *out)
{
        size_t n = 0;
        int order = 0;
        for (const char *p = prefs; *p && n < LANG_MAX_RANGES;) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                /* one element: range [ OWS ";" OWS "q=" qvalue ] */
                const char *e = p, *stop = p + len;
                while (e < stop && (*e == ' ' || *e == '\t'))
                        e++;
                const char *t0 = e;
                while (e < stop && (tag_char(*e) || *e == '*'))
                        e++;
                size_t tlen = (size_t)(e - t0);
                int q = 1000;
                while (e < stop && (*e == ' ' || *e == '\t'))
                        e++;
                bool ok = tlen > 0 && tlen < LANG_RANGE_MAX &&
                          (tlen == 1 || !memchr(t0, '*', tlen));
                if (ok && e < stop) {
                        ok = *e++ == ';';
                        while (ok && e < stop && (*e == ' ' || *e == '\t'))
                                e++;
                        ok = ok && stop - e >= 2 && (e[0] == 'q' || e[0] == 'Q') && e[1] == '=';
                        if (ok) {
                                const char *v = e + 2, *ve = v;
                                while (ve < stop && *ve != ' ' && *ve != '\t')
                                        ve++;
                                q = parse_q(v, (size_t)(ve - v));
                                while (ve < stop && (*ve == ' ' || *ve == '\t'))
                                        ve++;
                                ok = q >= 0 && ve == stop;
                        }
                }
                if (ok && q > 0) {
                        memcpy(out[n].tag, t0, tlen);
                        out[n].tag[tlen] = '\0';
                        out[n].q = q;
                        out[n].order = order;
                        n++;
                }
                order++;
                p = end ? end + 1 : p + len;
        }
        return n;
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
