/* urlmask.c: cutting URLs in a text to their scheme and host (urlmask.h). */
#include "common/urlmask.h"

#include <stdio.h>
#include <string.h>

static bool is_scheme_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '-' || c == '.';
}

static bool is_letter(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Where a URL stops: white space, quotes and the punctuation that delimits it in
 * YAML, JSON, prose and markup. */
static bool ends_url(char c)
{
        return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
               c == '\'' || c == '`' || strchr(",;<>()[]{}", c) != NULL;
}

int urlmask_text(const char *text, struct buf *out)
{
        int changed = 0;
        const char *copied = text; /* text before this is in out */
        const char *p = text;
        while ((p = strstr(p, "://")) != NULL) {
                const char *s = p; /* the scheme's start */
                while (s > copied && is_scheme_char(s[-1]))
                        s--;
                while (s < p && !is_letter(*s)) /* a scheme starts with a letter */
                        s++;
                if (s == p) {
                        p += 3;
                        continue;
                }
                const char *auth = p + 3, *end = auth;
                while (!ends_url(*end))
                        end++;
                size_t hostlen = strcspn(auth, "/?#");
                if (auth + hostlen > end)
                        hostlen = (size_t)(end - auth);
                const char *host = auth;
                for (const char *a = auth; a < auth + hostlen; a++)
                        if (*a == '@')
                                host = a + 1;
                const char *rest = auth + hostlen;
                size_t restlen = (size_t)(end - rest);
                bool cut_rest = (restlen > 1 || (restlen == 1 && *rest != '/')) &&
                                !(restlen == 4 && !memcmp(rest, "/...", 4)); /* cut already */
                if (host == auth && !cut_rest) {
                        p = end > p + 3 ? end : p + 3;
                        continue;
                }
                buf_add(out, copied, (size_t)(auth - copied));
                buf_add(out, host, (size_t)(rest - host));
                if (cut_rest)
                        buf_puts(out, "/...");
                else
                        buf_add(out, rest, (size_t)(end - rest));
                changed++;
                copied = p = end;
        }
        buf_puts(out, copied);
        return changed;
}

void urlmask_one(const char *url, bool keep_path, const char *fallback, char *dst, size_t cap)
{
        const char *sep = strstr(url, "://");
        if (!sep) {
                snprintf(dst, cap, "%s", fallback);
                return;
        }
        const char *host = sep + 3;
        size_t hl = strcspn(host, "/?#");
        const char *at = memchr(host, '@', hl);
        if (at) {
                hl -= (size_t)(at + 1 - host);
                host = at + 1;
        }
        size_t pl = keep_path ? strcspn(host + hl, "?#") : 0;
        snprintf(dst, cap, "%.*s%.*s%.*s", (int)(sep + 3 - url), url, (int)hl, host, (int)pl,
                 host + hl);
}
