/* httprule.c: the pure rules of libbatch's HTTP client (httprule.h). */
#include "core/httprule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil.h"

int64_t httprule_backoff_us(unsigned retry, int64_t base_us, int64_t cap_us, uint64_t rnd,
                            int64_t retry_after_us, int64_t max_retry_after_us)
{
        if (retry_after_us >= 0)
                return retry_after_us < max_retry_after_us ? retry_after_us : max_retry_after_us;
        if (base_us <= 0 || cap_us <= 0 || retry == 0)
                return 0;
        int64_t d = base_us;
        for (unsigned i = 1; i < retry && d < cap_us; i++)
                d = d > cap_us / 2 ? cap_us : d * 2;
        if (d > cap_us)
                d = cap_us;
        return (int64_t)(rnd % ((uint64_t)d + 1));
}

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT", exactly. */
static int parse_imf_fixdate(const char *v, int64_t *ret_s)
{
        static const char *const days[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        if (strlen(v) != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
            v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25] != ' ' || strcmp(v + 26, "GMT"))
                return -1;
        int wd = -1, mon = -1;
        for (int i = 0; i < 7; i++)
                if (!strncmp(v, days[i], 3))
                        wd = i;
        for (int i = 0; i < 12; i++)
                if (!strncmp(v + 8, month_names[i], 3))
                        mon = i + 1;
        static const int digits[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};
        for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++)
                if (!isdigit((unsigned char)v[digits[i]]))
                        return -1;
        if (wd < 0 || mon < 0)
                return -1;
        struct civil c = {
                .year = (v[12] - '0') * 1000 + (v[13] - '0') * 100 + (v[14] - '0') * 10 + (v[15] - '0'),
                .mon = mon,
                .day = (v[5] - '0') * 10 + (v[6] - '0'),
                .hour = (v[17] - '0') * 10 + (v[18] - '0'),
                .min = (v[20] - '0') * 10 + (v[21] - '0'),
                .sec = (v[23] - '0') * 10 + (v[24] - '0'),
        };
        if (c.day < 1 || c.day > civil_days_in_month(c.year, c.mon) || c.hour > 23 || c.min > 59 ||
            c.sec > 60)
                return -1;
        if (civil_weekday(civil_days_from_date(c.year, c.mon, c.day)) != wd)
                return -1;
        *ret_s = civil_to_seconds(&c);
        return 0;
}

int httprule_retry_after(const char *value, int64_t now_wall_s, int64_t *ret_us)
{
        if (!value)
                return -1;
        while (*value == ' ' || *value == '\t')
                value++;
        size_t n = strlen(value);
        while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                     value[n - 1] == '\n'))
                n--;
        if (n == 0 || n >= 64)
                return -1;
        char v[64];
        memcpy(v, value, n);
        v[n] = '\0';
        if (isdigit((unsigned char)v[0])) {
                int64_t s = 0;
                for (size_t i = 0; i < n; i++) {
                        if (!isdigit((unsigned char)v[i]))
                                return -1;
                        if (s > (INT64_MAX / 1000000 - 9) / 10)
                                return -1;
                        s = s * 10 + (v[i] - '0');
                }
                *ret_us = s * 1000000;
                return 0;
        }
        int64_t at;
        if (parse_imf_fixdate(v, &at) < 0)
                return -1;
        *ret_us = at > now_wall_s ? (at - now_wall_s) * 1000000 : 0;
        return 0;
}

/* ---- JWT claims -------------------------------------------------------------------- */

static int b64url_value(int c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '-')
                return 62;
        if (c == '_')
                return 63;
        return -1;
}

/* Decodes n base64url characters (no padding) into out (room for n*3/4 bytes). */
static int b64url_decode(const char *s, size_t n, unsigned char *out, size_t *ret_len)
{
        size_t o = 0;
        uint32_t acc = 0;
        int bits = 0;
        if (n % 4 == 1)
                return -1;
        for (size_t i = 0; i < n; i++) {
                int v = b64url_value((unsigned char)s[i]);
                if (v < 0)
                        return -1;
                acc = (acc << 6) | (uint32_t)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[o++] = (unsigned char)(acc >> bits);
                }
        }
        *ret_len = o;
        return 0;
}

/* A minimal JSON scanner, enough to find top-level numeric members of an object. */
struct scan {
        const char *p, *end;
        int depth;
};

static void skip_ws(struct scan *s)
{
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
                s->p++;
}

/* Skips a string at s->p ('"'); copies up to cap-1 bytes of its raw content to out. */
static int scan_string(struct scan *s, char *out, size_t cap)
{
        size_t o = 0;
        if (s->p >= s->end || *s->p != '"')
                return -1;
        for (s->p++; s->p < s->end; s->p++) {
                char c = *s->p;
                if (c == '"') {
                        s->p++;
                        if (out)
                                out[o] = '\0';
                        return 0;
                }
                if (c == '\\') {
                        if (++s->p >= s->end)
                                return -1;
                        c = *s->p;
                }
                if (out && o + 1 < cap)
                        out[o++] = c;
        }
        return -1;
}

static int scan_value(struct scan *s);

static int scan_container(struct scan *s, char open, char close)
{
        if (++s->depth > 32)
                return -1;
        s->p++; /* open */
        skip_ws(s);
        if (s->p < s->end && *s->p == close) {
                s->p++;
                s->depth--;
                return 0;
        }
        for (;;) {
                skip_ws(s);
                if (open == '{') {
                        if (scan_string(s, NULL, 0) < 0)
                                return -1;
                        skip_ws(s);
                        if (s->p >= s->end || *s->p++ != ':')
                                return -1;
                }
                if (scan_value(s) < 0)
                        return -1;
                skip_ws(s);
                if (s->p >= s->end)
                        return -1;
                if (*s->p == ',') {
                        s->p++;
                        continue;
                }
                if (*s->p++ != close)
                        return -1;
                s->depth--;
                return 0;
        }
}

static int scan_value(struct scan *s)
{
        skip_ws(s);
        if (s->p >= s->end)
                return -1;
        char c = *s->p;
        if (c == '"')
                return scan_string(s, NULL, 0);
        if (c == '{')
                return scan_container(s, '{', '}');
        if (c == '[')
                return scan_container(s, '[', ']');
        const char *start = s->p;
        while (s->p < s->end && (isalnum((unsigned char)*s->p) || *s->p == '-' || *s->p == '+' ||
                                 *s->p == '.'))
                s->p++;
        return s->p > start ? 0 : -1;
}

/* Reads an integer claim value (a JSON number; a fraction is truncated). */
static int64_t number_value(const char *p, const char *end)
{
        int64_t v = 0;
        bool neg = false, any = false;
        if (p < end && *p == '-') {
                neg = true;
                p++;
        }
        for (; p < end && isdigit((unsigned char)*p); p++) {
                if (v > INT64_MAX / 10 - 10)
                        return -1;
                v = v * 10 + (*p - '0');
                any = true;
        }
        if (!any || neg)
                return -1;
        return v;
}

int httprule_jwt_claims(const char *token, int64_t *ret_exp, int64_t *ret_iat)
{
        if (!token)
                return -1;
        const char *d1 = strchr(token, '.');
        const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
        if (!d1 || !d2 || strchr(d2 + 1, '.'))
                return -1;
        size_t n = (size_t)(d2 - d1 - 1);
        if (n == 0 || n > 8192)
                return -1;
        unsigned char buf[6200];
        size_t len;
        if (b64url_decode(d1 + 1, n, buf, &len) < 0)
                return -1;
        struct scan s = {(const char *)buf, (const char *)buf + len, 0};
        skip_ws(&s);
        if (s.p >= s.end || *s.p != '{')
                return -1;
        int64_t exp = -1, iat = -1;
        /* Walk the top-level members, looking at the values of exp and iat. */
        s.p++;
        skip_ws(&s);
        if (s.p < s.end && *s.p == '}')
                goto done;
        for (;;) {
                char key[8];
                skip_ws(&s);
                if (scan_string(&s, key, sizeof(key)) < 0)
                        return -1;
                skip_ws(&s);
                if (s.p >= s.end || *s.p++ != ':')
                        return -1;
                skip_ws(&s);
                const char *v = s.p;
                if (scan_value(&s) < 0)
                        return -1;
                if (!strcmp(key, "exp"))
                        exp = number_value(v, s.p);
                else if (!strcmp(key, "iat"))
                        iat = number_value(v, s.p);
                skip_ws(&s);
                if (s.p >= s.end)
                        return -1;
                if (*s.p == ',') {
                        s.p++;
                        continue;
                }
                if (*s.p != '}')
                        return -1;
                break;
        }
done:
        *ret_exp = exp;
        *ret_iat = iat;
        return 0;
}

int64_t httprule_token_lifetime_s(int64_t exp, int64_t iat, int64_t expires_in,
                                  int64_t now_wall_s)
{
        int64_t l;
        if (exp >= 0 && iat >= 0)
                l = exp - iat;
        else if (exp >= 0)
                l = exp - now_wall_s;
        else if (expires_in > 0)
                l = expires_in;
        else
                return -1;
        return l < 1 ? 1 : l;
}

bool httprule_refresh_due(int64_t now_mono_us, int64_t obtained_mono_us, int64_t lifetime_us,
                          double fraction)
{
        if (lifetime_us < 0)
                return false;
        return now_mono_us - obtained_mono_us >= (int64_t)((double)lifetime_us * fraction);
}

enum httprule_class httprule_classify(long status, bool transport_failed)
{
        if (status == 0)
                return transport_failed ? HTTPRULE_RETRY : HTTPRULE_DONE;
        if (status == 401)
                return HTTPRULE_AUTH;
        if (status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599))
                return HTTPRULE_RETRY;
        return HTTPRULE_DONE;
}

/* ---- excerpts ---------------------------------------------------------------------- */

static bool secret_name(const char *name, size_t n)
{
        static const char *const words[] = {"token", "secret", "password", "authorization",
                                            "api_key", "apikey"};
        char low[64];
        if (n >= sizeof(low))
                n = sizeof(low) - 1;
        for (size_t i = 0; i < n; i++)
                low[i] = (char)tolower((unsigned char)name[i]);
        low[n] = '\0';
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (strstr(low, words[i]))
                        return true;
        return false;
}

/* Length of a JWT-looking word at p ("eyJ" + base64url with two dots or more: a JWS, or
 * a JWE's five segments), or 0. */
static size_t jwt_word(const char *p, const char *end)
{
        if (end - p < 10 || strncmp(p, "eyJ", 3))
                return 0;
        size_t n = 0, dots = 0;
        while (p + n < end && (b64url_value((unsigned char)p[n]) >= 0 || p[n] == '.')) {
                if (p[n] == '.')
                        dots++;
                n++;
        }
        return dots >= 2 ? n : 0;
}

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
        size_t n;
        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xC2 && p[0] <= 0xDF)
                n = 2;
        else if (p[0] >= 0xE0 && p[0] <= 0xEF)
                n = 3;
        else if (p[0] >= 0xF0 && p[0] <= 0xF4)
                n = 4;
        else
                return 0;
        if ((size_t)(end - p) < n)
                return 0;
        for (size_t i = 1; i < n; i++)
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
        return n;
}

size_t httprule_excerpt(const char *body, size_t len, size_t max, char *out, size_t outlen)
{
        static const char redacted[] = "[redacted]";
        size_t o = 0;
        const char *p = body, *end = body + len;
        const char *key = NULL; /* the last JSON string seen, when followed by ':' */
        size_t keylen = 0;
        if (outlen == 0)
                return 0;
        bool in_str = false;
        while (p < end && o < max && o + sizeof(redacted) + 4 < outlen) {
                if (in_str && *p == '"') {
                        in_str = false;
                        out[o++] = *p++;
                        continue;
                }
                if (in_str && *p == '\\' && p + 1 < end && p[1] == '"') {
                        out[o++] = *p++;
                        out[o++] = *p++;
                        continue;
                }
                if (!in_str && *p == '"') {
                        /* A JSON string: a member name, or a value to redact. */
                        const char *q = p + 1;
                        while (q < end && *q != '"')
                                q += (*q == '\\' && q + 1 < end) ? 2 : 1;
                        const char *after = q < end ? q + 1 : end;
                        const char *r = after;
                        while (r < end && (*r == ' ' || *r == '\t'))
                                r++;
                        if (r < end && *r == ':') {
                                key = p + 1;
                                keylen = (size_t)(q - p - 1);
                        } else if (key && secret_name(key, keylen)) {
                                key = NULL;
                                memcpy(out + o, "\"[redacted]\"", 12);
                                o += 12;
                                p = after;
                                continue;
                        } else {
                                key = NULL;
                        }
                        in_str = true;
                        out[o++] = *p++;
                        continue;
                }
                size_t jw = jwt_word(p, end);
                if (jw) { /* wherever it starts: "token=eyJ…" is a token too */
                        memcpy(out + o, redacted, sizeof(redacted) - 1);
                        o += sizeof(redacted) - 1;
                        p += jw;
                        continue;
                }
                if (!in_str && (*p == ',' || *p == '{' || *p == '}'))
                        key = NULL;
                unsigned char c = (unsigned char)*p;
                if (c < 0x20 || c == 0x7f) {
                        out[o++] = ' ';
                        p++;
                        continue;
                }
                size_t u = utf8_len((const unsigned char *)p, (const unsigned char *)end);
                if (u == 0) {
                        out[o++] = '?';
                        p++;
                        continue;
                }
                if (o + u >= outlen)
                        break;
                memcpy(out + o, p, u);
                o += u;
                p += u;
        }
        out[o] = '\0';
        return o;
}

static bool unreserved(unsigned char c)
{
        return isalnum(c) || c == '.' || c == '_' || c == '~';
}

static int put_encoded(const char *s, char *out, size_t outlen, size_t *o)
{
        static const char hex[] = "0123456789ABCDEF";
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (unreserved(c)) {
                        if (*o + 1 >= outlen)
                                return -1;
                        out[(*o)++] = (char)c;
                } else {
                        if (*o + 3 >= outlen)
                                return -1;
                        out[(*o)++] = '%';
                        out[(*o)++] = hex[c >> 4];
                        out[(*o)++] = hex[c & 15];
                }
        }
        return 0;
}

int httprule_idempotency_key(int64_t instance_id, const char *step, const char *item_key,
                             char *out, size_t outlen)
{
        int n = snprintf(out, outlen, "batch-%lld-", (long long)instance_id);
        if (n < 0 || (size_t)n >= outlen)
                return -1;
        size_t o = (size_t)n;
        if (put_encoded(step ? step : "", out, outlen, &o) < 0 || o + 2 >= outlen)
                return -1;
        out[o++] = '-';
        if (put_encoded(item_key ? item_key : "", out, outlen, &o) < 0)
                return -1;
        out[o] = '\0';
        return 0;
}
