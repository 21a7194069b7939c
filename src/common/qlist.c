/* qlist.c: reading HTTP weighted lists (qlist.h). */
#include "common/qlist.h"

#include <string.h>

/* RFC 9110 §5.6.2 tchar. */
static bool tchar(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *ows(const char *p)
{
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

/* Parses a qvalue at p into *thousandths (0..1000); returns the end, or NULL. */
static const char *qvalue(const char *p, int *thousandths)
{
        if (*p != '0' && *p != '1')
                return NULL;
        bool one = *p++ == '1';
        int v = one ? 1000 : 0;
        if (*p == '.') {
                p++;
                int scale = 100;
                for (int n = 0; n < 3 && *p >= '0' && *p <= '9'; n++, p++, scale /= 10) {
                        if (one && *p != '0')
                                return NULL;
                        v += (*p - '0') * scale;
                }
        }
        *thousandths = v;
        return p;
}

void qlist_each(const char *value, qlist_fn *fn, void *ctx)
{
        const char *p = value ? value : "";
        while (*p) {
                p = ows(p);
                const char *name = p;
                while (tchar(*p))
                        p++;
                size_t len = (size_t)(p - name);
                int q = 1000;
                p = ows(p);
                bool ok = len > 0;
                if (ok && *p == ';') {
                        const char *w = ows(p + 1), *end = NULL;
                        if ((w[0] == 'q' || w[0] == 'Q') && w[1] == '=')
                                end = qvalue(w + 2, &q);
                        ok = end != NULL;
                        p = ok ? ows(end) : w;
                }
                if (ok && *p && *p != ',')
                        ok = false;
                if (ok && !fn(name, len, q, ctx))
                        return;
                while (*p && *p != ',')
                        p++;
                if (*p == ',')
                        p++;
        }
}
