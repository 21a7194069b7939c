/* tz.c: time zones from TZif data (RFC 8536) and POSIX TZ rule strings.
 *
 * A zone is a sorted array of runs of constant UTC offset ("segments"), so a
 * lookup is one binary search. The array holds the TZif transitions followed by
 * the transitions that the POSIX TZ footer generates up to the end of the year
 * EXTEND_YEAR. Past the table, when the footer rule still changes the offset, the
 * runs are computed from the rule on the fly (a few microseconds, not cached) up
 * to TAIL_YEAR; past that the last offset holds forever.
 *
 * Everything here is pure: the caller supplies the bytes (src/sys/zoneinfo.c). */
#include "core/tz.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil.h"

#define EXTEND_YEAR 2201     /* rule transitions are tabulated through this year */
#define FLOOR_YEAR 1800      /* rule transitions are never generated before this */
#define TAIL_YEAR 100000     /* runs computed from the rule stop here */
#define MAX_TRANSITIONS 100000 /* more in one TZif block is refused */
#define UTOFF_MIN (-89999)   /* RFC 8536: more than -25 hours */
#define UTOFF_MAX 93599      /* RFC 8536: less than 26 hours */
#define SLACK 93600          /* |offset| bound plus one, for local-to-instant searches */

/* ---- the zone ------------------------------------------------------------- */

/* One date of a POSIX rule: Jn, n or Mm.w.d, and the local time of day. */
enum rule_kind { RULE_JULIAN1, RULE_JULIAN0, RULE_MWD };

struct rule_date {
        enum rule_kind kind;
        int day;   /* Jn: 1..365, n: 0..365, M: day of week 0..6 */
        int week;  /* M: 1..5 */
        int mon;   /* M: 1..12 */
        int32_t secs; /* time of day, -167h..167h */
};

/* A parsed POSIX TZ string. */
struct posix {
        int32_t std_off; /* seconds east of UTC */
        int32_t dst_off;
        bool has_dst;    /* a DST name (and so a rule) was given */
        struct rule_date start, end;
};

struct tz {
        int64_t *starts; /* n sorted run starts; starts[0] == INT64_MIN */
        int32_t *offs;
        uint8_t *dst;
        size_t n;
        bool tail;       /* runs after starts[n-1] come from `rule` */
        struct posix rule;
        int64_t cap_start; /* with tail: from here on, cap_off holds forever */
        int32_t cap_off;
        bool cap_dst;
        bool is_static;
        char *name;
};

static int64_t utc_start = INT64_MIN;
static int32_t utc_off = 0;
static uint8_t utc_dst = 0;
static char utc_name[] = "UTC";
static const struct tz utc_zone = {
        .starts = &utc_start,
        .offs = &utc_off,
        .dst = &utc_dst,
        .n = 1,
        .is_static = true,
        .name = utc_name,
};

const struct tz *tz_utc(void)
{
        return &utc_zone;
}

struct tz *tz_free(const struct tz *z)
{
        if (!z || z->is_static)
                return NULL;
        struct tz *m = (struct tz *)z;
        free(m->starts); /* offs and dst live in the same block */
        free(m->name);
        free(m);
        return NULL;
}

const char *tz_name(const struct tz *z)
{
        return z->name;
}

bool tz_is_fixed(const struct tz *z)
{
        return z->n == 1 && !z->tail;
}

/* ---- a growable run list, merging as it goes ------------------------------- */

struct seg {
        int64_t start;
        int32_t off;
        bool dst;
};

struct segvec {
        struct seg *v;
        size_t n, cap;
        bool oom;
};

/* Appends a run starting at `start` (>= the last start). A run equal in offset to
 * the previous one is merged into it; a run starting where the previous one
 * starts replaces it. */
static void seg_push(struct segvec *sv, int64_t start, int32_t off, bool dst)
{
        if (sv->n > 0 && start <= sv->v[sv->n - 1].start) {
                sv->v[sv->n - 1].off = off;
                sv->v[sv->n - 1].dst = dst;
                if (sv->n >= 2 && sv->v[sv->n - 2].off == off)
                        sv->n--;
                return;
        }
        if (sv->n > 0 && sv->v[sv->n - 1].off == off)
                return;
        if (sv->n == sv->cap) {
                size_t cap = sv->cap ? sv->cap * 2 : 64;
                struct seg *v = realloc(sv->v, cap * sizeof(*v));
                if (!v) {
                        sv->oom = true;
                        return;
                }
                sv->v = v;
                sv->cap = cap;
        }
        sv->v[sv->n++] = (struct seg){ start, off, dst };
}

/* ---- POSIX rules ---------------------------------------------------------- */

/* Days since 1970-01-01 of rule date `d` in `year`. */
static int64_t rule_day(const struct rule_date *d, int year)
{
        int64_t jan1 = civil_days_from_date(year, 1, 1);
        switch (d->kind) {
        case RULE_JULIAN1:
                return jan1 + d->day - 1 + (civil_is_leap(year) && d->day >= 60);
        case RULE_JULIAN0:
                return jan1 + d->day;
        case RULE_MWD:
        default: {
                int64_t first = civil_days_from_date(year, d->mon, 1);
                int64_t day = first + civil_floormod(d->day - civil_weekday(first), 7) +
                              7 * (d->week - 1);
                int64_t last = first + civil_days_in_month(year, d->mon) - 1;
                while (day > last)
                        day -= 7;
                return day;
        }
        }
}

/* An offset change the rule makes: at instant t the offset becomes dst or std. */
struct event {
        int64_t t;
        bool dst;
};

/* Writes the two events of `year` in the order they happen that year. */
static void year_events(const struct posix *p, int year, struct event ev[2])
{
        int64_t s = rule_day(&p->start, year) * 86400 + p->start.secs - p->std_off;
        int64_t e = rule_day(&p->end, year) * 86400 + p->end.secs - p->dst_off;
        if (s <= e) {
                ev[0] = (struct event){ s, true };
                ev[1] = (struct event){ e, false };
        } else {
                ev[0] = (struct event){ e, false };
                ev[1] = (struct event){ s, true };
        }
}

/* Stable insertion sort by instant: ties keep the year order, so the later event
 * of a pair at the same instant wins. Inputs are nearly sorted. */
static void sort_events(struct event *ev, size_t n)
{
        for (size_t i = 1; i < n; i++) {
                struct event x = ev[i];
                size_t j = i;
                while (j > 0 && ev[j - 1].t > x.t) {
                        ev[j] = ev[j - 1];
                        j--;
                }
                ev[j] = x;
        }
}

/* The rule's run containing t, computed from the events of the years around it.
 * Requires p->has_dst and a year of t inside civil.h's range. */
static void rule_segment_at(const struct posix *p, int64_t t, struct tz_segment *out)
{
        int year;
        civil_date_from_days(civil_floordiv(t + p->std_off, 86400), &year, NULL, NULL);
        struct event ev[10];
        for (int i = 0; i < 5; i++)
                year_events(p, year - 2 + i, ev + 2 * i);
        sort_events(ev, 10);
        struct seg sv[10];
        size_t n = 0;
        for (size_t i = 0; i < 10; i++) {
                int32_t off = ev[i].dst ? p->dst_off : p->std_off;
                if (n > 0 && ev[i].t <= sv[n - 1].start) {
                        sv[n - 1].off = off;
                        sv[n - 1].dst = ev[i].dst;
                        if (n >= 2 && sv[n - 2].off == off)
                                n--;
                } else if (n == 0 || sv[n - 1].off != off) {
                        sv[n++] = (struct seg){ ev[i].t, off, ev[i].dst };
                }
        }
        size_t i = 0;
        while (i + 1 < n && sv[i + 1].start <= t)
                i++;
        out->start = sv[i].start < t ? sv[i].start : t;
        out->end = i + 1 < n ? sv[i + 1].start : INT64_MAX;
        out->offset = sv[i].off;
        out->is_dst = sv[i].dst;
}

/* Appends the rule's runs for instants after `after` through the year `to`,
 * starting from the offset in force at `after` (the last run of sv). */
static void rule_extend(struct segvec *sv, const struct posix *p, int from, int to,
                        int64_t after)
{
        /* The first event of year to+1 too: it may fall on the same instant as the
         * last one of `to` and cancel it (DST all year). */
        for (int y = from; y <= to + 1 && !sv->oom; y++) {
                struct event ev[2];
                year_events(p, y, ev);
                for (int i = 0; i < (y <= to ? 2 : 1); i++)
                        if (ev[i].t > after)
                                seg_push(sv, ev[i].t, ev[i].dst ? p->dst_off : p->std_off,
                                         ev[i].dst);
        }
}

/* True when the rule changes the offset exactly twice in every year (checked over
 * a full leap cycle), i.e. it is a real DST rule and runs can be computed from it. */
static bool rule_effective(const struct posix *p)
{
        if (!p->has_dst || p->std_off == p->dst_off)
                return false;
        struct segvec sv = { 0 };
        seg_push(&sv, INT64_MIN, p->std_off, false);
        rule_extend(&sv, p, 1999, 2009, INT64_MIN);
        bool ok = !sv.oom;
        if (ok) {
                int64_t lo = civil_days_from_date(2001, 1, 1) * 86400;
                int64_t hi = civil_days_from_date(2009, 1, 1) * 86400;
                size_t count = 0;
                for (size_t i = 1; i < sv.n; i++)
                        count += sv.v[i].start >= lo && sv.v[i].start < hi;
                ok = count == 16;
        }
        free(sv.v);
        return ok;
}

/* ---- POSIX TZ string parsing ---------------------------------------------- */

struct pcur {
        const char *s;
        const char *end;
};

static bool p_more(const struct pcur *c)
{
        return c->s < c->end;
}

static bool p_is(const struct pcur *c, char ch)
{
        return c->s < c->end && *c->s == ch;
}

static bool p_digit(const struct pcur *c)
{
        return c->s < c->end && *c->s >= '0' && *c->s <= '9';
}

static bool is_alpha(char ch)
{
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits, + and -. */
static bool p_name(struct pcur *c)
{
        const char *b = c->s;
        if (p_is(c, '<')) {
                c->s++;
                b = c->s;
                while (p_more(c) && (is_alpha(*c->s) || p_digit(c) || *c->s == '+' ||
                                     *c->s == '-'))
                        c->s++;
                if (!p_is(c, '>') || c->s - b < 3)
                        return false;
                c->s++;
                return true;
        }
        while (p_more(c) && is_alpha(*c->s))
                c->s++;
        return c->s - b >= 3;
}

/* An unsigned number of at most `digits` digits, no greater than max. */
static bool p_num(struct pcur *c, int digits, int max, int *ret)
{
        int v = 0, k = 0;
        while (p_digit(c) && k < digits) {
                v = v * 10 + (*c->s - '0');
                c->s++;
                k++;
        }
        if (k == 0 || v > max || p_digit(c))
                return false;
        *ret = v;
        return true;
}

/* [+-]h[h[h]][:mm[:ss]] with hours at most max_hours, as signed seconds. */
static bool p_hms(struct pcur *c, int max_hours, int32_t *ret)
{
        int sign = 1, h, m = 0, s = 0;
        if (p_is(c, '+') || p_is(c, '-')) {
                sign = *c->s == '-' ? -1 : 1;
                c->s++;
        }
        if (!p_num(c, 3, max_hours, &h))
                return false;
        if (p_is(c, ':')) {
                c->s++;
                if (!p_num(c, 2, 59, &m))
                        return false;
                if (p_is(c, ':')) {
                        c->s++;
                        if (!p_num(c, 2, 59, &s))
                                return false;
                }
        }
        *ret = sign * (h * 3600 + m * 60 + s);
        return true;
}

static bool p_date(struct pcur *c, struct rule_date *d)
{
        if (p_is(c, 'J')) {
                c->s++;
                d->kind = RULE_JULIAN1;
                if (!p_num(c, 3, 365, &d->day) || d->day < 1)
                        return false;
        } else if (p_is(c, 'M')) {
                c->s++;
                d->kind = RULE_MWD;
                if (!p_num(c, 2, 12, &d->mon) || d->mon < 1 || !p_is(c, '.'))
                        return false;
                c->s++;
                if (!p_num(c, 1, 5, &d->week) || d->week < 1 || !p_is(c, '.'))
                        return false;
                c->s++;
                if (!p_num(c, 1, 6, &d->day))
                        return false;
        } else {
                d->kind = RULE_JULIAN0;
                if (!p_num(c, 3, 365, &d->day))
                        return false;
        }
        d->secs = 7200;
        if (p_is(c, '/')) {
                c->s++;
                if (!p_hms(c, 167, &d->secs))
                        return false;
        }
        return true;
}

/* Parses a POSIX TZ string (RFC 8536 §3.3, with the v3 extensions) from [s, end).
 * Returns NULL on success, else a static reason. */
static const char *posix_parse(const char *s, const char *end, struct posix *p)
{
        struct pcur c = { s, end };
        int32_t off;
        memset(p, 0, sizeof(*p));
        if (!p_name(&c))
                return "the standard time name is missing or shorter than 3 letters";
        if (!p_hms(&c, 24, &off))
                return "the standard time offset is missing or malformed";
        p->std_off = -off;
        p->dst_off = p->std_off;
        if (!p_more(&c))
                return NULL;
        if (!p_name(&c))
                return "the daylight time name is malformed";
        p->has_dst = true;
        p->dst_off = p->std_off + 3600;
        if (p_more(&c) && !p_is(&c, ',')) {
                if (!p_hms(&c, 24, &off))
                        return "the daylight time offset is malformed";
                p->dst_off = -off;
        }
        if (p->std_off < UTOFF_MIN || p->std_off > UTOFF_MAX || p->dst_off < UTOFF_MIN ||
            p->dst_off > UTOFF_MAX)
                return "an offset is out of range";
        if (!p_more(&c)) {
                /* No rule: the POSIX default, the US rules of 2007. */
                p->start = (struct rule_date){ RULE_MWD, 0, 2, 3, 7200 };
                p->end = (struct rule_date){ RULE_MWD, 0, 1, 11, 7200 };
                return NULL;
        }
        if (!p_is(&c, ','))
                return "unexpected text after the daylight time";
        c.s++;
        if (!p_date(&c, &p->start))
                return "the daylight time start rule is malformed";
        if (!p_is(&c, ','))
                return "the daylight time end rule is missing";
        c.s++;
        if (!p_date(&c, &p->end))
                return "the daylight time end rule is malformed";
        if (p_more(&c))
                return "unexpected text after the rule";
        return NULL;
}

/* ---- building a zone -------------------------------------------------------- */

/* The year of instant t in UTC, clamped to [FLOOR_YEAR - 1, TAIL_YEAR + 1]. */
static int year_of(int64_t t)
{
        const int64_t lo = civil_days_from_date(FLOOR_YEAR - 1, 1, 1) * 86400;
        const int64_t hi = civil_days_from_date(TAIL_YEAR + 1, 1, 1) * 86400;
        if (t < lo)
                return FLOOR_YEAR - 1;
        if (t >= hi)
                return TAIL_YEAR + 1;
        int y;
        civil_date_from_days(civil_floordiv(t, 86400), &y, NULL, NULL);
        return y;
}

/* Turns the run list into a zone. `rule` (may be NULL) is the footer rule that
 * produced the runs after the TZif data, `ruled` whether the last run came from
 * it. Takes sv's storage in every case. */
static int zone_build(const char *name, struct segvec *sv, const struct posix *rule, bool ruled,
                      struct tz **ret, struct batch_err *reterr)
{
        struct tz *z = NULL;
        if (sv->oom)
                goto oom;
        z = calloc(1, sizeof(*z));
        if (!z)
                goto oom;
        size_t n = sv->n;
        z->starts = malloc(n * (sizeof(int64_t) + sizeof(int32_t) + 1));
        z->name = strdup(name ? name : "");
        if (!z->starts || !z->name)
                goto oom;
        z->offs = (int32_t *)(z->starts + n);
        z->dst = (uint8_t *)(z->offs + n);
        z->n = n;
        for (size_t i = 0; i < n; i++) {
                z->starts[i] = i == 0 ? INT64_MIN : sv->v[i].start;
                z->offs[i] = sv->v[i].off;
                z->dst[i] = sv->v[i].dst;
        }
        if (rule && ruled && n >= 2 && rule_effective(rule)) {
                z->tail = true;
                z->rule = *rule;
                struct tz_segment cap;
                rule_segment_at(rule, civil_days_from_date(TAIL_YEAR, 1, 1) * 86400, &cap);
                z->cap_start = cap.start;
                z->cap_off = cap.offset;
                z->cap_dst = cap.is_dst;
        }
        free(sv->v);
        sv->v = NULL;
        *ret = z;
        return 0;
oom:
        free(sv->v);
        sv->v = NULL;
        tz_free(z);
        return batch_err_set(reterr, BATCH_ENOMEM, "timezone", "out of memory loading time zone");
}

/* Builds the zone of rule p alone: the rule holds throughout, tabulated from
 * FLOOR_YEAR; before that the offset at the start of FLOOR_YEAR holds. */
static int zone_from_rule(const char *name, const struct posix *p, struct tz **ret,
                          struct batch_err *reterr)
{
        struct segvec sv = { 0 };
        if (!p->has_dst) {
                seg_push(&sv, INT64_MIN, p->std_off, false);
                return zone_build(name, &sv, NULL, false, ret, reterr);
        }
        /* Apply the rule from the year before FLOOR_YEAR, then let the offset in force
         * just before FLOOR_YEAR's first event hold back to the beginning. */
        struct event ev[2];
        year_events(p, FLOOR_YEAR, ev);
        seg_push(&sv, INT64_MIN, p->std_off, false);
        rule_extend(&sv, p, FLOOR_YEAR - 1, EXTEND_YEAR, INT64_MIN);
        if (!sv.oom) {
                size_t i = 0;
                while (i + 1 < sv.n && sv.v[i + 1].start <= ev[0].t - 1)
                        i++;
                memmove(sv.v, sv.v + i, (sv.n - i) * sizeof(*sv.v));
                sv.n -= i;
                sv.v[0].start = INT64_MIN;
        }
        return zone_build(name, &sv, p, sv.n >= 2, ret, reterr);
}

int tz_parse_posix(const char *name, const char *posix, struct tz **ret, struct batch_err *reterr)
{
        struct posix p;
        const char *why = posix_parse(posix, posix + strlen(posix), &p);
        if (why)
                return batch_err_set(reterr, BATCH_EFORMAT, "timezone",
                                     "time zone \"%.100s\": TZ rule \"%.60s\": %s",
                                     name ? name : "", posix, why);
        return zone_from_rule(name, &p, ret, reterr);
}

/* ---- TZif ------------------------------------------------------------------- */

struct tzif_hdr {
        char version; /* 0, '2', '3', '4' */
        uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
        return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

#define TZIF_HDR_LEN 44

static int tzif_bad(struct batch_err *reterr, const char *name, const char *why)
{
        return batch_err_set(reterr, BATCH_EFORMAT, "timezone",
                             "time zone \"%.100s\": not a valid TZif file: %s",
                             name ? name : "", why);
}

/* Reads and checks the header at data[0..len). */
static const char *tzif_header(const unsigned char *d, size_t len, struct tzif_hdr *h)
{
        if (len < TZIF_HDR_LEN)
                return "truncated header";
        if (memcmp(d, "TZif", 4) != 0)
                return "bad magic (not \"TZif\")";
        h->version = (char)d[4];
        if (h->version != 0 && (h->version < '2' || h->version > '4'))
                return "unknown version";
        h->isutcnt = be32(d + 20);
        h->isstdcnt = be32(d + 24);
        h->leapcnt = be32(d + 28);
        h->timecnt = be32(d + 32);
        h->typecnt = be32(d + 36);
        h->charcnt = be32(d + 40);
        if (h->typecnt == 0 || h->typecnt > 256)
                return "local time type count is 0 or above 256";
        if (h->charcnt == 0 || h->charcnt > 65536)
                return "abbreviation character count is 0 or too large";
        if (h->isutcnt != 0 && h->isutcnt != h->typecnt)
                return "UT indicator count differs from the type count";
        if (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
                return "standard indicator count differs from the type count";
        if (h->timecnt > MAX_TRANSITIONS)
                return "too many transitions";
        if (h->leapcnt > MAX_TRANSITIONS)
                return "too many leap seconds";
        return NULL;
}

/* Size in bytes of the data block that follows header h; tsize is 4 or 8. */
static uint64_t tzif_block_len(const struct tzif_hdr *h, uint64_t tsize)
{
        return (uint64_t)h->timecnt * tsize + h->timecnt + (uint64_t)h->typecnt * 6 +
               h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Parses one data block at d (already known to be complete) into runs. */
static const char *tzif_block(const unsigned char *d, const struct tzif_hdr *h, size_t tsize,
                              struct segvec *sv, int64_t *last_t)
{
        const unsigned char *times = d;
        const unsigned char *idx = times + (size_t)h->timecnt * tsize;
        const unsigned char *types = idx + h->timecnt;
        const unsigned char *chars = types + (size_t)h->typecnt * 6;
        const unsigned char *leaps = chars + h->charcnt;
        const unsigned char *isstd = leaps + (size_t)h->leapcnt * (tsize + 4);
        const unsigned char *isut = isstd + h->isstdcnt;

        if (h->leapcnt != 0)
                return "leap-second (\"right/\") zone files are not supported";
        for (uint32_t i = 0; i < h->typecnt; i++) {
                const unsigned char *t = types + 6 * (size_t)i;
                int32_t off = (int32_t)be32(t);
                if (off < UTOFF_MIN || off > UTOFF_MAX)
                        return "a UTC offset is out of range";
                if (t[4] > 1)
                        return "a DST flag is not 0 or 1";
                if (t[5] >= h->charcnt)
                        return "an abbreviation index is out of range";
                if (h->isstdcnt && isstd[i] > 1)
                        return "a standard/wall indicator is not 0 or 1";
                if (h->isutcnt && (isut[i] > 1 || (isut[i] == 1 && !(h->isstdcnt && isstd[i]))))
                        return "a UT/local indicator is invalid";
        }
        int64_t prev = INT64_MIN;
        for (uint32_t i = 0; i < h->timecnt; i++) {
                int64_t t = tsize == 8 ? be64(times + 8 * (size_t)i)
                                       : (int64_t)(int32_t)be32(times + 4 * (size_t)i);
                if (i > 0 && t <= prev)
                        return "transition times are not strictly ascending";
                if (idx[i] >= h->typecnt)
                        return "a transition type index is out of range";
                prev = t;
        }
        seg_push(sv, INT64_MIN, (int32_t)be32(types), types[4]);
        for (uint32_t i = 0; i < h->timecnt; i++) {
                int64_t t = tsize == 8 ? be64(times + 8 * (size_t)i)
                                       : (int64_t)(int32_t)be32(times + 4 * (size_t)i);
                const unsigned char *ty = types + 6 * (size_t)idx[i];
                seg_push(sv, t, (int32_t)be32(ty), ty[4]);
        }
        *last_t = h->timecnt ? prev : INT64_MIN;
        return NULL;
}

int tz_parse(const char *name, const void *data, size_t len, struct tz **ret,
             struct batch_err *reterr)
{
        const unsigned char *d = data;
        struct tzif_hdr h;
        const char *why = tzif_header(d, len, &h);
        if (why)
                return tzif_bad(reterr, name, why);
        uint64_t blen = tzif_block_len(&h, 4);
        if (blen > len - TZIF_HDR_LEN)
                return tzif_bad(reterr, name, "truncated data block");
        size_t tsize = 4;
        size_t off = TZIF_HDR_LEN;
        if (h.version != 0) {
                off += (size_t)blen;
                why = tzif_header(d + off, len - off, &h);
                if (why)
                        return tzif_bad(reterr, name, why);
                if (h.version == 0)
                        return tzif_bad(reterr, name, "second header has version 0");
                off += TZIF_HDR_LEN;
                tsize = 8;
                blen = tzif_block_len(&h, 8);
                if (blen > len - off)
                        return tzif_bad(reterr, name, "truncated 64-bit data block");
        }
        struct posix rule;
        bool has_rule = false;
        if (tsize == 8) {
                /* Footer: "\n" TZ string "\n"; bytes after it are ignored. */
                size_t f = off + (size_t)blen;
                if (f >= len || d[f] != '\n')
                        return tzif_bad(reterr, name, "missing footer");
                const unsigned char *s = d + f + 1;
                const unsigned char *e = memchr(s, '\n', len - f - 1);
                if (!e)
                        return tzif_bad(reterr, name, "unterminated footer");
                if (e > s) {
                        if (memchr(s, '\0', (size_t)(e - s)))
                                return tzif_bad(reterr, name, "NUL byte in the footer");
                        why = posix_parse((const char *)s, (const char *)e, &rule);
                        if (why)
                                return batch_err_set(
                                        reterr, BATCH_EFORMAT, "timezone",
                                        "time zone \"%.100s\": bad TZ rule \"%.*s\" in footer: %s",
                                        name ? name : "", (int)(e - s > 60 ? 60 : e - s), s,
                                        why);
                        has_rule = true;
                }
        }
        struct segvec sv = { 0 };
        int64_t last_t;
        why = tzif_block(d + off, &h, tsize, &sv, &last_t);
        if (why) {
                free(sv.v);
                return tzif_bad(reterr, name, why);
        }
        bool ruled = false;
        if (has_rule && h.timecnt == 0) {
                /* No transitions: the footer alone describes the zone (RFC 8536 3.2). */
                free(sv.v);
                return zone_from_rule(name, &rule, ret, reterr);
        }
        int y = has_rule ? year_of(last_t) : 0;
        if (has_rule && y <= EXTEND_YEAR) {
                /* After the last transition the footer rule governs. */
                if (!rule.has_dst)
                        seg_push(&sv, last_t + 1, rule.std_off, false);
                else
                        rule_extend(&sv, &rule, y < FLOOR_YEAR ? FLOOR_YEAR : y - 1,
                                    EXTEND_YEAR, last_t);
                ruled = rule.has_dst && !sv.oom && sv.v[sv.n - 1].start > last_t;
        }
        return zone_build(name, &sv, has_rule ? &rule : NULL, ruled, ret, reterr);
}

/* ---- lookups ---------------------------------------------------------------- */

void tz_segment_at(const struct tz *z, int64_t t, struct tz_segment *out)
{
        const int64_t *s = z->starts;
        size_t lo = 0, n = z->n;
        /* Branch-light binary search for the last start <= t (starts[0] is INT64_MIN). */
        while (n > 1) {
                size_t half = n / 2;
                lo = s[lo + half] <= t ? lo + half : lo;
                n -= half;
        }
        if (lo + 1 < z->n) {
                out->start = s[lo];
                out->end = s[lo + 1];
                out->offset = z->offs[lo];
                out->is_dst = z->dst[lo];
                return;
        }
        if (z->tail && t >= z->cap_start) {
                out->start = z->cap_start;
                out->end = INT64_MAX;
                out->offset = z->cap_off;
                out->is_dst = z->cap_dst;
                return;
        }
        if (z->tail) {
                rule_segment_at(&z->rule, t, out);
                if (out->start < s[lo])
                        out->start = s[lo];
                return;
        }
        out->start = s[lo];
        out->end = INT64_MAX;
        out->offset = z->offs[lo];
        out->is_dst = z->dst[lo];
}

int32_t tz_offset_at(const struct tz *z, int64_t t)
{
        struct tz_segment seg;
        tz_segment_at(z, t, &seg);
        return seg.offset;
}

int64_t tz_to_local(const struct tz *z, int64_t t)
{
        int64_t r;
        if (__builtin_add_overflow(t, (int64_t)tz_offset_at(z, t), &r))
                return t < 0 ? INT64_MIN : INT64_MAX;
        return r;
}

int tz_from_local(const struct tz *z, int64_t local, int64_t out[2])
{
        /* Every solution t has |local - t| < SLACK: walk the runs of that window. */
        int64_t lo, hi;
        if (__builtin_sub_overflow(local, (int64_t)SLACK, &lo))
                lo = INT64_MIN;
        if (__builtin_add_overflow(local, (int64_t)SLACK, &hi))
                hi = INT64_MAX;
        struct tz_segment seg;
        tz_segment_at(z, lo, &seg);
        int found = 0;
        int64_t gap = INT64_MIN;
        bool first = true;
        for (;;) {
                int64_t t;
                if (!__builtin_sub_overflow(local, (int64_t)seg.offset, &t) && t >= seg.start &&
                    t < seg.end) {
                        if (found < 2)
                                out[found] = t;
                        found++;
                } else if (gap == INT64_MIN && !first && found == 0 &&
                           (__builtin_add_overflow(seg.start, (int64_t)seg.offset, &t) ||
                            t > local)) {
                        gap = seg.start; /* first run whose wall clock starts past local */
                }
                first = false;
                if (seg.end == INT64_MAX || seg.end > hi)
                        break;
                tz_segment_at(z, seg.end, &seg);
        }
        if (found >= 2)
                return 2;
        if (found == 1)
                return 1;
        if (gap != INT64_MIN) {
                out[0] = gap;
                return 0;
        }
        /* Only at the ends of the int64 range, where the window is cut short. */
        out[0] = local < 0 ? INT64_MIN : INT64_MAX;
        return 0;
}
