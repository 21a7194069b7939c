/* tz.c: time zones from TZif data (RFC 8536) and POSIX TZ rules, as immutable
 * arrays of constant-offset runs ("segments") searched by binary search. */
#include "tz.h"

#include <stdlib.h>
#include <string.h>

#include "civil.h"

#define TZ_EXTEND_TO_YEAR 2200
#define TZ_MAX_TRANSITIONS 100000

struct tz {
        char *name;
        size_t n;       /* segments */
        int64_t *at;    /* at[0] = INT64_MIN; segment i is [at[i], at[i+1]) */
        int32_t *off;
        bool *dst;
};

static struct tz utc_zone = {(char *)"UTC", 1, (int64_t[]){INT64_MIN}, (int32_t[]){0},
                             (bool[]){false}};

const struct tz *tz_utc(void)
{
        return &utc_zone;
}

struct tz *tz_free(const struct tz *cz)
{
        struct tz *z = (struct tz *)cz;
        if (!z || z == &utc_zone)
                return NULL;
        free(z->name);
        free(z->at);
        free(z->off);
        free(z->dst);
        free(z);
        return NULL;
}

const char *tz_name(const struct tz *z)
{
        return z->name;
}

bool tz_is_fixed(const struct tz *z)
{
        return z->n == 1;
}

static size_t find(const struct tz *z, int64_t t)
{
        size_t lo = 0, hi = z->n; /* at[lo] <= t < at[hi] */
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (z->at[mid] <= t)
                        lo = mid;
                else
                        hi = mid;
        }
        return lo;
}

void tz_segment_at(const struct tz *z, int64_t t, struct tz_segment *out)
{
        size_t i = find(z, t);
        out->start = z->at[i];
        out->end = i + 1 < z->n ? z->at[i + 1] : INT64_MAX;
        out->offset = z->off[i];
        out->is_dst = z->dst[i];
}

int32_t tz_offset_at(const struct tz *z, int64_t t)
{
        return z->off[find(z, t)];
}

int64_t tz_to_local(const struct tz *z, int64_t t)
{
        return t + tz_offset_at(z, t);
}

int tz_from_local(const struct tz *z, int64_t local, int64_t out[2])
{
        size_t i = find(z, local);
        size_t lo = i > 2 ? i - 2 : 0, hi = i + 3 < z->n ? i + 3 : z->n;
        int found = 0;
        for (size_t j = lo; j < hi; j++) {
                int64_t t = local - z->off[j];
                int64_t end = j + 1 < z->n ? z->at[j + 1] : INT64_MAX;
                if (t >= z->at[j] && t < end && found < 2)
                        out[found++] = t;
        }
        if (found == 2 && out[1] < out[0]) {
                int64_t x = out[0];
                out[0] = out[1], out[1] = x;
        }
        if (found)
                return found;
        /* A gap: the transition that jumps over `local`. */
        for (size_t j = lo + 1; j < hi; j++) {
                if (local - z->off[j - 1] >= z->at[j] && local - z->off[j] < z->at[j]) {
                        out[0] = z->at[j];
                        return 0;
                }
        }
        out[0] = local - z->off[i]; /* unreachable for well-formed zones */
        return 0;
}

/* ---- building ------------------------------------------------------------- */

struct builder {
        size_t n, cap;
        int64_t *at;
        int32_t *off;
        bool *dst;
        bool oom;
};

static void push(struct builder *b, int64_t at, int32_t off, bool dst)
{
        if (b->n && b->off[b->n - 1] == off) {
                return; /* merge runs of equal offset */
        }
        if (b->n && at <= b->at[b->n - 1])
                return; /* keep strictly increasing */
        if (b->n == b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 64;
                int64_t *a = realloc(b->at, cap * sizeof(*a));
                if (a)
                        b->at = a;
                int32_t *o = realloc(b->off, cap * sizeof(*o));
                if (o)
                        b->off = o;
                bool *d = realloc(b->dst, cap * sizeof(*d));
                if (d)
                        b->dst = d;
                if (!a || !o || !d) {
                        b->oom = true;
                        return;
                }
                b->cap = cap;
        }
        b->at[b->n] = at;
        b->off[b->n] = off;
        b->dst[b->n] = dst;
        b->n++;
}

static int finish(struct builder *b, const char *name, struct tz **ret)
{
        struct tz *z = NULL;
        if (!b->oom && b->n)
                z = calloc(1, sizeof(*z));
        if (z)
                z->name = strdup(name ? name : "");
        if (!z || !z->name) {
                free(z);
                free(b->at), free(b->off), free(b->dst);
                return BATCH_ENOMEM;
        }
        b->at[0] = INT64_MIN;
        z->n = b->n;
        z->at = b->at;
        z->off = b->off;
        z->dst = b->dst;
        *ret = z;
        return 0;
}

/* ---- POSIX TZ strings ----------------------------------------------------- */

enum rule_kind { RULE_JULIAN1, RULE_JULIAN0, RULE_MONTH };

struct rule {
        enum rule_kind kind;
        int day, week, mon;
        int32_t secs; /* local time of the change, seconds (may be negative or > 24h) */
};

struct posix {
        int32_t std_off, dst_off; /* seconds east of UTC */
        bool has_dst;
        struct rule start, end;
};

static const char *parse_name(const char *s)
{
        if (*s == '<') {
                const char *e = strchr(s, '>');
                return (e && e - s >= 4) ? e + 1 : NULL;
        }
        const char *p = s;
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
                p++;
        return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]], hours up to `maxh`. */
static const char *parse_hms(const char *s, int maxh, int32_t *ret)
{
        int sign = 1;
        if (*s == '+' || *s == '-')
                sign = *s++ == '-' ? -1 : 1;
        int part[3] = {0, 0, 0}, n = 0;
        for (;;) {
                if (*s < '0' || *s > '9')
                        return NULL;
                int v = 0, digits = 0;
                while (*s >= '0' && *s <= '9' && digits < 3)
                        v = v * 10 + (*s++ - '0'), digits++;
                part[n++] = v;
                if (n == 3 || *s != ':')
                        break;
                s++;
        }
        if (part[0] > maxh || part[1] > 59 || part[2] > 59)
                return NULL;
        *ret = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
        return s;
}

static const char *parse_rule(const char *s, struct rule *r)
{
        if (*s == 'M') {
                int m = 0, w = 0, d = 0;
                s++;
                while (*s >= '0' && *s <= '9' && m < 100)
                        m = m * 10 + (*s++ - '0');
                if (*s++ != '.' || *s < '1' || *s > '5')
                        return NULL;
                w = *s++ - '0';
                if (*s++ != '.' || *s < '0' || *s > '6')
                        return NULL;
                d = *s++ - '0';
                if (m < 1 || m > 12)
                        return NULL;
                r->kind = RULE_MONTH, r->mon = m, r->week = w, r->day = d;
        } else {
                r->kind = RULE_JULIAN0;
                if (*s == 'J')
                        r->kind = RULE_JULIAN1, s++;
                if (*s < '0' || *s > '9')
                        return NULL;
                int n = 0;
                while (*s >= '0' && *s <= '9' && n < 1000)
                        n = n * 10 + (*s++ - '0');
                if ((r->kind == RULE_JULIAN1 && (n < 1 || n > 365)) || n > 365)
                        return NULL;
                r->day = n;
        }
        r->secs = 2 * 3600;
        if (*s == '/') {
                s = parse_hms(s + 1, 167, &r->secs);
                if (!s)
                        return NULL;
        }
        return s;
}

static int parse_posix(const char *s, struct posix *p)
{
        int32_t v;
        memset(p, 0, sizeof(*p));
        if (!(s = parse_name(s)) || !(s = parse_hms(s, 24, &v)))
                return -1;
        p->std_off = -v;
        if (!*s)
                return 0;
        if (!(s = parse_name(s)))
                return -1;
        p->has_dst = true;
        p->dst_off = p->std_off + 3600;
        if (*s && *s != ',') {
                if (!(s = parse_hms(s, 24, &v)))
                        return -1;
                p->dst_off = -v;
        }
        if (*s != ',') {
                /* No rules: POSIX leaves them implementation-defined; use the US rules. */
                p->start = (struct rule){RULE_MONTH, 0, 2, 3, 7200};
                p->end = (struct rule){RULE_MONTH, 0, 1, 11, 7200};
                return *s ? -1 : 0;
        }
        if (!(s = parse_rule(s + 1, &p->start)) || *s != ',' || !(s = parse_rule(s + 1, &p->end)))
                return -1;
        return *s ? -1 : 0;
}

/* Day number (since 1970) on which rule r falls in year y. */
static int64_t rule_day(const struct rule *r, int y)
{
        switch (r->kind) {
        case RULE_JULIAN1: {
                int n = r->day; /* 1..365, February 29 never counted */
                int64_t d = civil_days_from_date(y, 1, 1) + n - 1;
                if (civil_is_leap(y) && n >= 60)
                        d++;
                return d;
        }
        case RULE_JULIAN0:
                return civil_days_from_date(y, 1, 1) + r->day;
        case RULE_MONTH: {
                int64_t first = civil_days_from_date(y, r->mon, 1);
                int wd1 = civil_weekday(first);
                int day = 1 + (r->day - wd1 + 7) % 7 + 7 * (r->week - 1);
                int dim = civil_days_in_month(y, r->mon);
                while (day > dim)
                        day -= 7;
                return first + day - 1;
        }
        }
        return 0;
}

/* Appends the footer's transitions after instant `after` up to the end year. */
static void extend(struct builder *b, const struct posix *p, int64_t after, int from_year)
{
        if (!p->has_dst) {
                push(b, after == INT64_MIN ? INT64_MIN : after + 1, p->std_off, false);
                return;
        }
        for (int y = from_year; y <= TZ_EXTEND_TO_YEAR; y++) {
                int64_t s = rule_day(&p->start, y) * 86400 + p->start.secs - p->std_off;
                int64_t e = rule_day(&p->end, y) * 86400 + p->end.secs - p->dst_off;
                int64_t t1 = s < e ? s : e, t2 = s < e ? e : s;
                bool first_is_dst = s < e;
                if (t1 > after)
                        push(b, t1, first_is_dst ? p->dst_off : p->std_off, first_is_dst);
                if (t2 > after)
                        push(b, t2, first_is_dst ? p->std_off : p->dst_off, !first_is_dst);
        }
}

int tz_parse_posix(const char *name, const char *text, struct tz **ret, struct batch_err *reterr)
{
        struct posix p;
        if (!text || parse_posix(text, &p) < 0)
                return batch_err_set(reterr, BATCH_EFORMAT, "timezone",
                                     "timezone: \"%.60s\" is not a POSIX TZ rule", text ? text : "");
        struct builder b = {0};
        if (!p.has_dst) {
                push(&b, INT64_MIN, p.std_off, false);
        } else {
                /* Before the first rule year, standard time; rules from 1970 on. */
                push(&b, INT64_MIN, p.std_off, false);
                extend(&b, &p, INT64_MIN + 1, 1970);
        }
        return finish(&b, name, ret);
}

/* ---- TZif ---------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
        return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct header {
        int version;
        uint32_t isut, isstd, leap, time, type, chars;
};

static int read_header(const unsigned char *p, size_t len, struct header *h)
{
        if (len < 44 || memcmp(p, "TZif", 4))
                return -1;
        h->version = p[4] == 0 ? 1 : p[4] - '0';
        if (h->version < 1 || h->version > 9)
                return -1;
        h->isut = be32(p + 20), h->isstd = be32(p + 24), h->leap = be32(p + 28);
        h->time = be32(p + 32), h->type = be32(p + 36), h->chars = be32(p + 40);
        if (h->time > TZ_MAX_TRANSITIONS || h->type == 0 || h->type > 256 || h->chars > 65536 ||
            h->leap > 100000 || (h->isut && h->isut != h->type) ||
            (h->isstd && h->isstd != h->type))
                return -1;
        return 0;
}

static size_t block_size(const struct header *h, int tsize)
{
        return (size_t)h->time * tsize + h->time + (size_t)h->type * 6 + h->chars +
               (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

int tz_parse(const char *name, const void *data, size_t len, struct tz **ret,
             struct batch_err *reterr)
{
        const unsigned char *p = data;
        struct header h;
#define BAD(why)                                                                                  \
        batch_err_set(reterr, BATCH_EFORMAT, "timezone",                                          \
                      "timezone \"%.60s\": not a valid TZif file (%s)", name ? name : "", why)
        if (!p || read_header(p, len, &h) < 0)
                return BAD("bad header");
        int tsize = 4;
        size_t v1 = 44 + block_size(&h, 4);
        if (v1 > len)
                return BAD("truncated");
        if (h.version >= 2) {
                p += v1, len -= v1;
                if (read_header(p, len, &h) < 0)
                        return BAD("bad second header");
                tsize = 8;
                if (44 + block_size(&h, 8) > len)
                        return BAD("truncated");
        }
        const unsigned char *times = p + 44;
        const unsigned char *idx = times + (size_t)h.time * tsize;
        const unsigned char *types = idx + h.time;
        for (uint32_t i = 0; i < h.time; i++)
                if (idx[i] >= h.type)
                        return BAD("transition type out of range");
        for (uint32_t i = 0; i < h.type; i++) {
                int32_t off = (int32_t)be32(types + i * 6);
                if (off < -25 * 3600 || off > 26 * 3600 || types[i * 6 + 4] > 1)
                        return BAD("bad local time type");
        }
        struct builder b = {0};
        push(&b, INT64_MIN, (int32_t)be32(types), types[4]);
        int64_t last = INT64_MIN;
        for (uint32_t i = 0; i < h.time; i++) {
                int64_t t = tsize == 8 ? be64(times + (size_t)i * 8)
                                       : (int64_t)(int32_t)be32(times + (size_t)i * 4);
                if (t <= last && i) {
                        free(b.at), free(b.off), free(b.dst);
                        return BAD("transitions out of order");
                }
                last = t;
                const unsigned char *ty = types + idx[i] * 6;
                push(&b, t, (int32_t)be32(ty), ty[4]);
        }
        if (h.version >= 2) {
                const unsigned char *foot = p + 44 + block_size(&h, 8);
                size_t flen = len - (size_t)(foot - p);
                if (flen >= 2 && foot[0] == '\n') {
                        const unsigned char *nl = memchr(foot + 1, '\n', flen - 1);
                        if (nl && nl - foot - 1 > 0 && nl - foot - 1 < 128) {
                                char text[128];
                                memcpy(text, foot + 1, (size_t)(nl - foot - 1));
                                text[nl - foot - 1] = '\0';
                                struct posix px;
                                if (parse_posix(text, &px) < 0) {
                                        free(b.at), free(b.off), free(b.dst);
                                        return BAD("bad POSIX TZ footer");
                                }
                                int year = 1970;
                                if (h.time) {
                                        civil_date_from_days(civil_floordiv(last, 86400), &year,
                                                             NULL, NULL);
                                }
                                extend(&b, &px, h.time ? last : INT64_MIN, year);
                        }
                }
        }
        return finish(&b, name, ret);
#undef BAD
}
