/* cron.c: cron expressions (DESIGN.md §2.1): parsing into bit sets, and the
 * next/previous fire time in a time zone.
 *
 * Search works on "local seconds" (the wall clock counted like Unix time): a
 * field-by-field walk over bit sets finds the next matching wall time, and the
 * time zone is handled one run of constant UTC offset (a tz_segment) at a time,
 * which is where the daylight-saving rules live:
 *   - wall times inside a spring-forward gap fire at the transition instant;
 *   - wall times repeated by a fall-back fire on their first pass only, unless
 *     the hour field starts with '*' (CRON_F_INTERVAL). */
#include "cron.h"

#include <stdio.h>
#include <string.h>

#include "civil.h"

#define CRON_TEXT_MAX 1024
/* Instants outside years 1..9999 are outside the search domain. */
#define T_MIN (-62135596800LL)   /* 0001-01-01T00:00:00Z */
#define T_MAX (253402300799LL)   /* 9999-12-31T23:59:59Z */
/* A Gregorian calendar repeats every 400 years, so a day pattern that matches
 * nothing in 401 years matches nothing ever. */
#define SEARCH_YEARS 401

enum field_id { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR, F_COUNT };

struct field_def {
        const char *name;
        int min, max;
        const char *const *names; /* 3-letter names, index 0 = value `min` */
};

static const char *const mon_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                        "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const dow_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const struct field_def fields[F_COUNT] = {
        [F_SEC] = {"second", 0, 59, NULL},
        [F_MIN] = {"minute", 0, 59, NULL},
        [F_HOUR] = {"hour", 0, 23, NULL},
        [F_DOM] = {"day-of-month", 1, 31, NULL},
        [F_MON] = {"month", 1, 12, mon_names},
        [F_DOW] = {"day-of-week", 0, 7, dow_names},
        [F_YEAR] = {"year", CRON_YEAR_MIN, CRON_YEAR_MAX, NULL},
};

/* ---- bit helpers --------------------------------------------------------- */

static inline int next_bit64(uint64_t m, int from)
{
        if (from >= 64)
                return -1;
        m &= ~0ULL << from;
        return m ? __builtin_ctzll(m) : -1;
}

static inline int prev_bit64(uint64_t m, int from)
{
        if (from < 0)
                return -1;
        if (from < 63)
                m &= (2ULL << from) - 1;
        return m ? 63 - __builtin_clzll(m) : -1;
}

static inline int next_bit32(uint32_t m, int from)
{
        return next_bit64(m, from);
}

static inline int prev_bit32(uint32_t m, int from)
{
        return prev_bit64(m, from);
}

static bool year_in(const struct cron *c, int y)
{
        int i = y - CRON_YEAR_MIN;
        return i >= 0 && y <= CRON_YEAR_MAX && (c->years[i / 64] >> (i % 64) & 1);
}

static int next_year(const struct cron *c, int y)
{
        if (y < CRON_YEAR_MIN)
                y = CRON_YEAR_MIN;
        for (int i = y - CRON_YEAR_MIN; i <= CRON_YEAR_MAX - CRON_YEAR_MIN;) {
                int b = next_bit64(c->years[i / 64], i % 64);
                if (b >= 0)
                        return CRON_YEAR_MIN + (i / 64) * 64 + b;
                i = (i / 64 + 1) * 64;
        }
        return -1;
}

static int prev_year(const struct cron *c, int y)
{
        if (y > CRON_YEAR_MAX)
                y = CRON_YEAR_MAX;
        for (int i = y - CRON_YEAR_MIN; i >= 0;) {
                int b = prev_bit64(c->years[i / 64], i % 64);
                if (b >= 0)
                        return CRON_YEAR_MIN + (i / 64) * 64 + b;
                i = (i / 64) * 64 - 1;
        }
        return -1;
}

/* ---- matching days ------------------------------------------------------- */

/* The days (bits 1..31) of month `mo` of year `y` on which the expression fires;
 * `first` is the day number (since 1970-01-01) of the month's 1st. */
static uint32_t day_mask(const struct cron *c, int y, int mo, int64_t first)
{
        int dim = civil_days_in_month(y, mo);
        uint32_t all = ((uint32_t)2 << (dim - 1) << 1) - 2; /* bits 1..dim */
        int wd1 = civil_weekday(first);
        uint32_t dom = c->dom;
        uint32_t dow = c->dow_month[wd1];

        if (c->flags & CRON_F_DAY_SPECIAL) {
                for (uint32_t m = c->dom_last; m; m &= m - 1) {
                        int day = dim - __builtin_ctz(m);
                        if (day >= 1)
                                dom |= 1u << day;
                }
                if (c->dom_lw) {
                        int day = dim, wd = (wd1 + dim - 1) % 7;
                        day -= wd == 6 ? 1 : wd == 0 ? 2 : 0;
                        dom |= 1u << day;
                }
                for (uint32_t m = c->dom_near; m; m &= m - 1) {
                        int n = __builtin_ctz(m);
                        if (n > dim)
                                continue;
                        int wd = (wd1 + n - 1) % 7, day = n;
                        if (wd == 6)
                                day = n == 1 ? 3 : n - 1;
                        else if (wd == 0)
                                day = n == dim ? n - 2 : n + 1;
                        dom |= 1u << day;
                }
                for (uint32_t m = c->dow_last; m; m &= m - 1) {
                        int n = __builtin_ctz(m), wdl = (wd1 + dim - 1) % 7;
                        dow |= 1u << (dim - (wdl - n + 7) % 7);
                }
                for (uint64_t m = c->dow_nth; m; m &= m - 1) {
                        int bit = __builtin_ctzll(m), n = bit % 7, k = bit / 7 + 1;
                        int day = 1 + (n - wd1 + 7) % 7 + 7 * (k - 1);
                        if (day <= dim)
                                dow |= 1u << day;
                }
        }
        dom &= all;
        dow &= all;
        return (c->flags & CRON_F_OR_DAYS) ? (dom | dow) : (dom & dow);
}

/* The smallest matching local second in [lo, hi), if any. */
static bool match_next(const struct cron *c, int64_t lo, int64_t hi, int64_t *out)
{
        struct civil t;
        civil_from_seconds(lo, &t);
        int y = t.year, mo = t.mon, d = t.day, h = t.hour, mi = t.min, s = t.sec;
        int ystop = (c->flags & CRON_F_YEARS) ? CRON_YEAR_MAX : y + SEARCH_YEARS;
        int my = 0, mm = 0;
        uint32_t dm = 0;
        int64_t first = 0; /* day number of the 1st of month my-mm */

        for (;;) {
                if (y > ystop)
                        return false;
                if ((c->flags & CRON_F_YEARS) && !year_in(c, y)) {
                        int ny = next_year(c, y);
                        if (ny < 0)
                                return false;
                        y = ny, mo = 1, d = 1, h = mi = s = 0;
                }
                int m2 = next_bit32(c->mon, mo);
                if (m2 < 0) {
                        y++, mo = 1, d = 1, h = mi = s = 0;
                        continue;
                }
                if (m2 != mo)
                        mo = m2, d = 1, h = mi = s = 0;
                if (y != my || mo != mm) {
                        first = civil_days_from_date(y, mo, 1);
                        dm = day_mask(c, y, mo, first), my = y, mm = mo;
                }
                int d2 = next_bit32(dm, d);
                if (d2 < 0) {
                        d = 1, h = mi = s = 0;
                        if (++mo > 12)
                                mo = 1, y++;
                        continue;
                }
                if (d2 != d)
                        d = d2, h = mi = s = 0;
                int h2 = next_bit32(c->hour, h);
                if (h2 < 0) {
                        d++, h = mi = s = 0;
                        continue;
                }
                if (h2 != h)
                        h = h2, mi = s = 0;
                int mi2 = next_bit64(c->min, mi);
                if (mi2 < 0) {
                        h++, mi = s = 0;
                        continue;
                }
                if (mi2 != mi)
                        mi = mi2, s = 0;
                int s2 = next_bit64(c->sec, s);
                if (s2 < 0) {
                        mi++, s = 0;
                        continue;
                }
                int64_t r = (first + d - 1) * 86400 + h * 3600 + mi * 60 + s2;
                if (r >= hi)
                        return false;
                *out = r;
                return true;
        }
}

/* The largest matching local second in [lo, hi], if any. */
static bool match_prev(const struct cron *c, int64_t hi, int64_t lo, int64_t *out)
{
        struct civil t;
        civil_from_seconds(hi, &t);
        int y = t.year, mo = t.mon, d = t.day, h = t.hour, mi = t.min, s = t.sec;
        int ystop = (c->flags & CRON_F_YEARS) ? CRON_YEAR_MIN : y - SEARCH_YEARS;
        int my = 0, mm = 0;
        uint32_t dm = 0;
        int64_t first = 0; /* day number of the 1st of month my-mm */

        for (;;) {
                if (y < ystop)
                        return false;
                if ((c->flags & CRON_F_YEARS) && !year_in(c, y)) {
                        int py = prev_year(c, y);
                        if (py < 0)
                                return false;
                        y = py, mo = 12, d = 31, h = 23, mi = s = 59;
                }
                int m2 = prev_bit32(c->mon, mo);
                if (m2 < 0) {
                        y--, mo = 12, d = 31, h = 23, mi = s = 59;
                        continue;
                }
                if (m2 != mo)
                        mo = m2, d = 31, h = 23, mi = s = 59;
                if (y != my || mo != mm) {
                        first = civil_days_from_date(y, mo, 1);
                        dm = day_mask(c, y, mo, first), my = y, mm = mo;
                }
                int d2 = prev_bit32(dm, d);
                if (d2 < 0) {
                        d = 31, h = 23, mi = s = 59;
                        if (--mo < 1)
                                mo = 12, y--;
                        continue;
                }
                if (d2 != d)
                        d = d2, h = 23, mi = s = 59;
                int h2 = prev_bit32(c->hour, h);
                if (h2 < 0) {
                        d--, h = 23, mi = s = 59;
                        continue;
                }
                if (h2 != h)
                        h = h2, mi = s = 59;
                int mi2 = prev_bit64(c->min, mi);
                if (mi2 < 0) {
                        h--, mi = s = 59;
                        continue;
                }
                if (mi2 != mi)
                        mi = mi2, s = 59;
                int s2 = prev_bit64(c->sec, s);
                if (s2 < 0) {
                        mi--, s = 59;
                        continue;
                }
                int64_t r = (first + d - 1) * 86400 + h * 3600 + mi * 60 + s2;
                if (r < lo)
                        return false;
                *out = r;
                return true;
        }
}

/* ---- next and previous instants in a zone -------------------------------- */

/* A fall-back overlap shows its wall times a second time at the start of the
 * segment after it. Returns the end (exclusive, local seconds) of the repeated
 * range at the start of `seg`, or INT64_MIN when there is none. Only looked up
 * near the segment start, since an overlap lasts hours, not days. */
static int64_t repeated_until(const struct tz *z, const struct tz_segment *seg, int64_t t)
{
        if (seg->start == INT64_MIN || t - seg->start > 2 * 86400)
                return INT64_MIN;
        int32_t po = tz_offset_at(z, seg->start - 1);
        return po > seg->offset ? seg->start + po : INT64_MIN;
}

bool cron_never(const struct cron *c)
{
        return c->flags & CRON_F_NEVER;
}

int cron_next(const struct cron *c, const struct tz *z, int64_t after, int64_t *ret_next)
{
        if (cron_never(c) || after >= T_MAX)
                return BATCH_ENEVER;
        if (after < T_MIN)
                after = T_MIN - 1;
        bool interval = c->flags & CRON_F_INTERVAL;
        int64_t t = after + 1, w;

        for (bool first = true;; first = false) {
                struct tz_segment seg;
                tz_segment_at(z, t, &seg);
                int64_t o = seg.offset;
                /* after + 1 is the very instant of a spring-forward transition: the wall
                 * times of its gap fire then, as when the loop crosses one (below). */
                if (first && t == seg.start && t > T_MIN) {
                        int32_t po = tz_offset_at(z, t - 1);
                        if (po < o && match_next(c, t + po, t + o, &w)) {
                                *ret_next = t;
                                return 0;
                        }
                }
                int64_t lo = t + o;
                int64_t hi = seg.end == INT64_MAX ? INT64_MAX : seg.end + o;
                if (!interval) {
                        int64_t rep = repeated_until(z, &seg, t);
                        if (lo < rep)
                                lo = rep;
                }
                if (lo < hi && match_next(c, lo, hi, &w)) {
                        if (w - o > T_MAX)
                                return BATCH_ENEVER;
                        *ret_next = w - o;
                        return 0;
                }
                if (seg.end == INT64_MAX || seg.end > T_MAX)
                        return BATCH_ENEVER;
                /* Wall times in a spring-forward gap fire at the transition. */
                int32_t no = tz_offset_at(z, seg.end);
                if (no > o && match_next(c, seg.end + o, seg.end + no, &w)) {
                        *ret_next = seg.end;
                        return 0;
                }
                t = seg.end;
        }
}

int cron_prev(const struct cron *c, const struct tz *z, int64_t before, int64_t *ret_prev)
{
        if (cron_never(c) || before <= T_MIN)
                return BATCH_ENEVER;
        if (before > T_MAX)
                before = T_MAX + 1;
        bool interval = c->flags & CRON_F_INTERVAL;
        int64_t t = before - 1, w;

        for (;;) {
                struct tz_segment seg;
                tz_segment_at(z, t, &seg);
                int64_t o = seg.offset;
                int64_t hi = t + o;
                int64_t lo = seg.start == INT64_MIN ? INT64_MIN : seg.start + o;
                if (!interval) {
                        int64_t rep = repeated_until(z, &seg, t);
                        if (rep != INT64_MIN)
                                lo = rep;
                }
                if (lo <= hi && match_prev(c, hi, lo, &w)) {
                        if (w - o < T_MIN)
                                return BATCH_ENEVER;
                        *ret_prev = w - o;
                        return 0;
                }
                if (seg.start == INT64_MIN || seg.start <= T_MIN)
                        return BATCH_ENEVER;
                int32_t po = tz_offset_at(z, seg.start - 1);
                if (o > po && match_prev(c, seg.start + o - 1, seg.start + po, &w)) {
                        *ret_prev = seg.start;
                        return 0;
                }
                t = seg.start - 1;
        }
}

/* ---- parsing ------------------------------------------------------------- */

struct parser {
        struct cron *c;
        struct batch_err *err;
        enum field_id id;
        bool dom_question; /* day-of-month was "?" */
};

/* Quotes at most 40 bytes of [s, s+n) into buf, escaping what is not printable. */
static const char *quote(char *buf, size_t size, const char *s, size_t n)
{
        size_t o = 0;
        for (size_t i = 0; i < n && o + 5 < size; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (i == 40) {
                        o += (size_t)snprintf(buf + o, size - o, "...");
                        break;
                }
                if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
                        buf[o++] = (char)ch;
                else
                        o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
        }
        buf[o] = '\0';
        return buf;
}

static int field_error(struct parser *p, int code, const char *s, size_t n, const char *reason)
{
        char q[200];
        const char *name = fields[p->id].name;
        return batch_err_set(p->err, code, name, "%s: \"%s\" %s", name, quote(q, sizeof(q), s, n),
                             reason);
}

static int range_error(struct parser *p, const char *s, size_t n)
{
        char reason[64];
        const struct field_def *f = &fields[p->id];
        snprintf(reason, sizeof(reason), "is out of range %d-%d", f->min, f->max);
        return field_error(p, BATCH_ERANGE, s, n, reason);
}

static bool is_digit(char ch)
{
        return ch >= '0' && ch <= '9';
}

static char upper(char ch)
{
        return (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
}

/* Reads a number or a name at *s (advancing it). Returns 0 and *ret, or an error
 * naming the whole element [el, el+eln). Range is not checked here. */
static int parse_value(struct parser *p, const char **s, const char *end, const char *el,
                       size_t eln, int *ret)
{
        const char *q = *s;
        if (q < end && is_digit(*q)) {
                long v = 0;
                while (q < end && is_digit(*q)) {
                        v = v * 10 + (*q - '0');
                        if (v > 100000)
                                return range_error(p, el, eln);
                        q++;
                }
                *s = q;
                *ret = (int)v;
                return 0;
        }
        const char *const *names = fields[p->id].names;
        if (names && end - q >= 3) {
                for (int i = 0; names[i]; i++) {
                        if (upper(q[0]) == names[i][0] && upper(q[1]) == names[i][1] &&
                            upper(q[2]) == names[i][2]) {
                                *s = q + 3;
                                *ret = fields[p->id].min + i;
                                return 0;
                        }
                }
        }
        if (q < end && *q == 'L' && p->id != F_DOM && p->id != F_DOW)
                return field_error(p, BATCH_ESYNTAX, el, eln,
                                   "uses L, which is allowed only in day-of-month and day-of-week");
        if (q < end && (*q == 'W' || *q == '#'))
                return field_error(p, BATCH_ESYNTAX, el, eln, "is not a valid value here");
        return field_error(p, BATCH_ESYNTAX, el, eln,
                           names ? "is not a number or a name" : "is not a number");
}

static void set_bit(struct parser *p, int v)
{
        struct cron *c = p->c;
        switch (p->id) {
        case F_SEC: c->sec |= 1ULL << v; break;
        case F_MIN: c->min |= 1ULL << v; break;
        case F_HOUR: c->hour |= 1u << v; break;
        case F_DOM: c->dom |= 1u << v; break;
        case F_MON: c->mon |= (uint16_t)(1u << v); break;
        case F_DOW: c->dow |= (uint8_t)(1u << (v % 7)); break;
        case F_YEAR: {
                int i = v - CRON_YEAR_MIN;
                c->years[i / 64] |= 1ULL << (i % 64);
                break;
        }
        default: break;
        }
}

/* Parses one list element that is not a special form: *, a, a-b, with /n.
 * a-b/n is a, a+n, ... up to b inclusive (only a when b - a < n, even when
 * a == b); a/n is a, a+n, ... up to the field's maximum (7 in day-of-week,
 * Sunday again); * with /n steps from the field's minimum (0-6 in day-of-week). */
static int parse_plain(struct parser *p, const char *el, size_t eln)
{
        const struct field_def *f = &fields[p->id];
        const char *s = el, *end = el + eln;
        int lo, hi, step = 1, r;
        bool star = false, range = false;

        if (*s == '*') {
                star = true;
                lo = f->min;
                hi = p->id == F_DOW ? 6 : f->max;
                s++;
        } else {
                if ((r = parse_value(p, &s, end, el, eln, &lo)) < 0)
                        return r;
                hi = lo;
                if (s < end && *s == '-') {
                        range = true;
                        s++;
                        if (s == end)
                                return field_error(p, BATCH_ESYNTAX, el, eln,
                                                   "has a range without an end");
                        if ((r = parse_value(p, &s, end, el, eln, &hi)) < 0)
                                return r;
                }
                if (lo < f->min || lo > f->max || hi < f->min || hi > f->max)
                        return range_error(p, el, eln);
                if (lo > hi)
                        return field_error(p, BATCH_ESYNTAX, el, eln,
                                           "is a range whose start is greater than its end");
        }
        if (s < end && *s == '/') {
                s++;
                if (s == end || !is_digit(*s))
                        return field_error(p, BATCH_ESYNTAX, el, eln, "has a step that is not a number");
                step = 0;
                while (s < end && is_digit(*s)) {
                        step = step * 10 + (*s - '0');
                        if (step > 100000)
                                break;
                        s++;
                }
                int span = f->max - f->min + 1;
                if (step < 1 || step > span) {
                        char reason[64];
                        snprintf(reason, sizeof(reason), "has a step out of range 1-%d", span);
                        return field_error(p, BATCH_ERANGE, el, eln, reason);
                }
                if (!star && !range)
                        hi = f->max; /* "a/n": from a to the field's maximum */
        }
        if (s != end)
                return field_error(p, BATCH_ESYNTAX, el, eln, "has unexpected characters");
        for (int v = lo; v <= hi; v += step)
                set_bit(p, v);
        return 0;
}

/* Day-of-month special forms: L, L-n, LW, nW. Returns 1 if handled. */
static int parse_dom_special(struct parser *p, const char *el, size_t eln)
{
        struct cron *c = p->c;
        if (el[0] == 'L') {
                if (eln == 1) {
                        c->dom_last |= 1u;
                } else if (eln == 2 && el[1] == 'W') {
                        c->dom_lw = true;
                } else if (el[1] == '-') {
                        int n = 0;
                        size_t i = 2;
                        if (i == eln)
                                return field_error(p, BATCH_ESYNTAX, el, eln,
                                                   "needs a number of days after L-");
                        for (; i < eln; i++) {
                                if (!is_digit(el[i]))
                                        return field_error(p, BATCH_ESYNTAX, el, eln,
                                                           "is not L-n with a number n");
                                n = n * 10 + (el[i] - '0');
                                if (n > 30)
                                        return field_error(p, BATCH_ERANGE, el, eln,
                                                           "is out of range L-0 to L-30");
                        }
                        c->dom_last |= 1u << n;
                } else {
                        return field_error(p, BATCH_ESYNTAX, el, eln,
                                           "is not one of L, L-n or LW");
                }
                c->flags |= CRON_F_DAY_SPECIAL;
                return 1;
        }
        if (el[eln - 1] == 'W') {
                int n = 0;
                if (eln == 1)
                        return field_error(p, BATCH_ESYNTAX, el, eln, "needs a day before W");
                for (size_t i = 0; i + 1 < eln; i++) {
                        if (!is_digit(el[i]))
                                return field_error(p, BATCH_ESYNTAX, el, eln,
                                                   "is not nW with a day number n");
                        n = n * 10 + (el[i] - '0');
                        if (n > 31)
                                break;
                }
                if (n < 1 || n > 31)
                        return range_error(p, el, eln);
                c->dom_near |= 1u << n;
                c->flags |= CRON_F_DAY_SPECIAL;
                return 1;
        }
        return 0;
}

/* Day-of-week special forms: nL and n#k. Returns 1 if handled. */
static int parse_dow_special(struct parser *p, const char *el, size_t eln)
{
        struct cron *c = p->c;
        const char *hash = memchr(el, '#', eln);
        bool last = eln >= 2 && el[eln - 1] == 'L';
        if (!hash && !last) {
                if (eln == 1 && el[0] == 'L')
                        return field_error(p, BATCH_ESYNTAX, el, eln,
                                           "needs a weekday before L (e.g. 5L or FRIL)");
                return 0;
        }
        const char *s = el, *end = hash ? hash : el + eln - 1;
        int wd, r;
        if ((r = parse_value(p, &s, end, el, eln, &wd)) < 0)
                return r;
        if (s != end)
                return field_error(p, BATCH_ESYNTAX, el, eln, "has unexpected characters");
        if (wd < 0 || wd > 7)
                return range_error(p, el, eln);
        wd %= 7;
        if (last) {
                c->dow_last |= (uint8_t)(1u << wd);
        } else {
                const char *k = hash + 1, *kend = el + eln;
                if (k == kend || kend - k > 1 || !is_digit(*k))
                        return field_error(p, BATCH_ESYNTAX, el, eln,
                                           "needs a week number 1-5 after #");
                int nth = *k - '0';
                if (nth < 1 || nth > 5)
                        return field_error(p, BATCH_ERANGE, el, eln,
                                           "has a week number out of range 1-5");
                c->dow_nth |= 1ULL << ((nth - 1) * 7 + wd);
        }
        c->flags |= CRON_F_DAY_SPECIAL;
        return 1;
}

static int parse_field(struct parser *p, const char *text, size_t n)
{
        if (n == 1 && text[0] == '?') {
                if (p->id != F_DOM && p->id != F_DOW)
                        return field_error(p, BATCH_ESYNTAX, text, n,
                                           "is allowed only in day-of-month and day-of-week");
                /* As in Quartz, "?" leaves the days to the other day field. */
                if (p->id == F_DOW && p->dom_question)
                        return field_error(p, BATCH_ESYNTAX, text, n,
                                           "cannot be used when day-of-month is \"?\" too; "
                                           "write \"*\" in one of them");
                p->dom_question = p->id == F_DOM;
                return parse_plain(p, "*", 1);
        }
        const char *s = text, *end = text + n;
        while (s <= end) {
                const char *comma = memchr(s, ',', (size_t)(end - s));
                const char *e = comma ? comma : end;
                size_t eln = (size_t)(e - s);
                int r = 0;
                if (eln == 0)
                        return field_error(p, BATCH_ESYNTAX, text, n, "has an empty list element");
                if (p->id == F_DOM)
                        r = parse_dom_special(p, s, eln);
                else if (p->id == F_DOW)
                        r = parse_dow_special(p, s, eln);
                if (r == 0)
                        r = parse_plain(p, s, eln);
                if (r < 0)
                        return r;
                if (!comma)
                        break;
                s = comma + 1;
        }
        return 0;
}

static const struct {
        const char *name;
        const char *expansion;
} macros[] = {
        {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
};

static bool is_space(char ch)
{
        return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Decides at parse time whether any date can ever match: the Gregorian calendar
 * repeats every 400 years, so 400 years (or the year field's years) decide it. */
static bool can_fire(const struct cron *c)
{
        int y0 = 2000, y1 = 2399;
        if (c->flags & CRON_F_YEARS)
                y0 = CRON_YEAR_MIN, y1 = CRON_YEAR_MAX;
        for (int y = y0; y <= y1; y++) {
                if ((c->flags & CRON_F_YEARS) && !year_in(c, y))
                        continue;
                for (int mo = 1; mo <= 12; mo++)
                        if ((c->mon >> mo & 1) &&
                            day_mask(c, y, mo, civil_days_from_date(y, mo, 1)))
                                return true;
        }
        return false;
}

int cron_parse(const char *text, struct cron *ret, struct batch_err *reterr)
{
        struct cron c;
        memset(&c, 0, sizeof(c));
        if (!text)
                return batch_err_set(reterr, BATCH_EINVAL, "expression", "expression: missing");
        size_t len = strnlen(text, CRON_TEXT_MAX + 1);
        if (len > CRON_TEXT_MAX)
                return batch_err_set(reterr, BATCH_ESYNTAX, "expression",
                                     "expression: longer than %d characters", CRON_TEXT_MAX);

        const char *s = text, *end = text + len;
        while (s < end && is_space(*s))
                s++;
        while (end > s && is_space(end[-1]))
                end--;
        if (s < end && *s == '@') {
                char q[200];
                for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
                        size_t mlen = strlen(macros[i].name);
                        if ((size_t)(end - s) == mlen && strncasecmp(s, macros[i].name, mlen) == 0)
                                return cron_parse(macros[i].expansion, ret, reterr);
                }
                return batch_err_set(reterr, BATCH_ESYNTAX, "expression",
                                     "expression: \"%s\" is not a known macro (@yearly, "
                                     "@annually, @monthly, @weekly, @daily, @midnight, @hourly)",
                                     quote(q, sizeof(q), s, (size_t)(end - s)));
        }

        const char *fstart[8];
        size_t flen[8];
        int nf = 0;
        while (s < end) {
                if (nf == 8)
                        break;
                fstart[nf] = s;
                while (s < end && !is_space(*s))
                        s++;
                flen[nf] = (size_t)(s - fstart[nf]);
                nf++;
                while (s < end && is_space(*s))
                        s++;
        }
        if (nf < 5 || nf > 7 || s < end)
                return batch_err_set(reterr, BATCH_ESYNTAX, "expression",
                                     "expression: expected 5 fields (minute hour day-of-month "
                                     "month day-of-week), 6 (with seconds first) or 7 (and a "
                                     "year), found %s%d",
                                     s < end ? "more than " : "", nf);

        static const enum field_id order5[] = {F_MIN, F_HOUR, F_DOM, F_MON, F_DOW};
        static const enum field_id order7[] = {F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR};
        const enum field_id *order = nf == 5 ? order5 : order7;
        struct parser p = {.c = &c, .err = reterr};
        for (int i = 0; i < nf; i++) {
                p.id = order[i];
                int r = parse_field(&p, fstart[i], flen[i]);
                if (r < 0)
                        return r;
                if (p.id == F_DOM && (fstart[i][0] == '*' || fstart[i][0] == '?'))
                        c.flags |= CRON_F_DOM_STAR;
                if (p.id == F_DOW && (fstart[i][0] == '*' || fstart[i][0] == '?'))
                        c.flags |= CRON_F_DOW_STAR;
                if (p.id == F_HOUR && fstart[i][0] == '*')
                        c.flags |= CRON_F_INTERVAL;
        }
        if (nf == 5)
                c.sec = 1; /* second 0 */
        if (nf == 7)
                c.flags |= CRON_F_YEARS;
        if (nf == 5 && !(c.flags & CRON_F_DOM_STAR) && !(c.flags & CRON_F_DOW_STAR))
                c.flags |= CRON_F_OR_DAYS;
        for (int wd1 = 0; wd1 < 7; wd1++)
                for (int d = 1; d <= 31; d++)
                        if (c.dow >> ((wd1 + d - 1) % 7) & 1)
                                c.dow_month[wd1] |= 1u << d;
        c.nfields = (uint8_t)nf;
        if (!can_fire(&c))
                c.flags |= CRON_F_NEVER;
        *ret = c;
        return 0;
}

/* ---- plain-English description ------------------------------------------- */

struct sbuf {
        char *buf;
        size_t len, used;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->used < b->len ? b->len - b->used : 0;
        int n = vsnprintf(room ? b->buf + b->used : NULL, room, fmt, ap);
        va_end(ap);
        if (n > 0)
                b->used += (size_t)n;
}

static const char *const mon_full[] = {"", "January", "February", "March", "April", "May",
                                       "June", "July", "August", "September", "October",
                                       "November", "December"};
static const char *const dow_full[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char *const ordinal[] = {"", "first", "second", "third", "fourth", "fifth"};

static bool bit_at(const uint64_t *words, int i)
{
        return words[i / 64] >> (i % 64) & 1;
}

static int count_bits(const uint64_t *words, int lo, int hi)
{
        int n = 0;
        for (int i = lo; i <= hi; i++)
                n += bit_at(words, i);
        return n;
}

/* Adds the values lo..hi set in `words` (offset by `base`) as a list with ranges,
 * e.g. "1-5, 10", naming values through `names` when given. */
static void sb_list(struct sbuf *b, const uint64_t *words, int lo, int hi, int base,
                    const char *const *names, const char *range_word)
{
        bool first = true;
        for (int i = lo; i <= hi; i++) {
                if (!bit_at(words, i))
                        continue;
                int j = i;
                while (j + 1 <= hi && bit_at(words, j + 1))
                        j++;
                sb_add(b, "%s", first ? "" : ", ");
                first = false;
                if (names)
                        sb_add(b, "%s", names[i + base]);
                else
                        sb_add(b, "%d", i + base);
                if (j >= i + 2 || (j == i + 1 && !names)) {
                        if (names)
                                sb_add(b, "%s%s", range_word, names[j + base]);
                        else
                                sb_add(b, "%s%d", j == i + 1 ? ", " : "-", j + base);
                } else if (j == i + 1) {
                        sb_add(b, ", %s", names[j + base]);
                }
                i = j;
        }
}

/* The step n when the set is exactly {lo, lo+n, lo+2n, ...} up to hi, n >= 2. */
static int step_of(const uint64_t *words, int lo, int hi)
{
        if (!bit_at(words, lo))
                return 0;
        int n = 0;
        for (int i = lo + 1; i <= hi; i++)
                if (bit_at(words, i)) {
                        n = i - lo;
                        break;
                }
        if (n < 2)
                return 0;
        for (int i = lo; i <= hi; i++)
                if (bit_at(words, i) != ((i - lo) % n == 0))
                        return 0;
        return n;
}

/* "every minute", "every 15 minutes", "at minutes 0, 30" ... */
static void sb_unit(struct sbuf *b, const uint64_t *w, int max, const char *unit)
{
        int n = count_bits(w, 0, max), st = step_of(w, 0, max);
        if (n == max + 1)
                sb_add(b, "every %s", unit);
        else if (st)
                sb_add(b, "every %d %ss", st, unit);
        else {
                sb_add(b, "at %s%s ", unit, n > 1 ? "s" : "");
                sb_list(b, w, 0, max, 0, NULL, "");
        }
}

static void explain_time(struct sbuf *b, const struct cron *c)
{
        uint64_t sec[1] = {c->sec}, min[1] = {c->min}, hour[1] = {c->hour};
        int nsec = count_bits(sec, 0, 59), nmin = count_bits(min, 0, 59);
        int nhour = count_bits(hour, 0, 23);
        if (nsec == 1 && nmin == 1 && nhour == 1) {
                sb_add(b, "at %02d:%02d", __builtin_ctz(c->hour), __builtin_ctzll(c->min));
                if (c->sec != 1)
                        sb_add(b, ":%02d", __builtin_ctzll(c->sec));
                return;
        }
        if (!(nsec == 1 && c->sec == 1)) {
                sb_unit(b, sec, 59, "second");
                sb_add(b, ", ");
        }
        if (nmin == 1 && nhour == 24) {
                sb_add(b, "at minute %d of every hour", __builtin_ctzll(c->min));
                return;
        }
        sb_unit(b, min, 59, "minute");
        if (nhour == 24)
                return;
        int st = step_of(hour, 0, 23);
        if (st)
                sb_add(b, " of every %d hours", st);
        else {
                sb_add(b, " past hour%s ", nhour > 1 ? "s" : "");
                sb_list(b, hour, 0, 23, 0, NULL, "");
        }
}

static void explain_dom(struct sbuf *b, const struct cron *c)
{
        const char *sep = "";
        uint64_t dom[1] = {c->dom};
        if (c->dom) {
                sb_add(b, "day%s ", count_bits(dom, 1, 31) > 1 ? "s" : "");
                sb_list(b, dom, 1, 31, 0, NULL, "");
                sb_add(b, " of the month");
                sep = " or ";
        }
        for (int n = 0; n <= 30; n++) {
                if (!(c->dom_last >> n & 1))
                        continue;
                if (n == 0)
                        sb_add(b, "%sthe last day of the month", sep);
                else
                        sb_add(b, "%sthe day %d day%s before the last day of the month", sep, n,
                               n > 1 ? "s" : "");
                sep = " or ";
        }
        if (c->dom_lw) {
                sb_add(b, "%sthe last weekday (Monday to Friday) of the month", sep);
                sep = " or ";
        }
        for (int n = 1; n <= 31; n++) {
                if (!(c->dom_near >> n & 1))
                        continue;
                sb_add(b, "%sthe weekday nearest day %d of the month", sep, n);
                sep = " or ";
        }
}

static void explain_dow(struct sbuf *b, const struct cron *c)
{
        const char *sep = "";
        uint64_t dow[1] = {c->dow};
        if (c->dow) {
                sb_list(b, dow, 0, 6, 0, dow_full, " through ");
                sep = " or ";
        }
        for (int n = 0; n < 7; n++) {
                if (c->dow_last >> n & 1) {
                        sb_add(b, "%sthe last %s of the month", sep, dow_full[n]);
                        sep = " or ";
                }
        }
        for (int k = 1; k <= 5; k++)
                for (int n = 0; n < 7; n++)
                        if (c->dow_nth >> ((k - 1) * 7 + n) & 1) {
                                sb_add(b, "%sthe %s %s of the month", sep, ordinal[k],
                                       dow_full[n]);
                                sep = " or ";
                        }
}

size_t cron_explain(const struct cron *c, char *buf, size_t len)
{
        struct sbuf b = {buf, len, 0};
        if (len)
                buf[0] = '\0';
        explain_time(&b, c);

        bool dom_any = (c->flags & CRON_F_DOM_STAR) && c->dom == 0xFFFFFFFEu;
        bool dow_any = (c->flags & CRON_F_DOW_STAR) && c->dow == 0x7F;
        if (dom_any && dow_any) {
                sb_add(&b, ", every day");
        } else if (dow_any) {
                sb_add(&b, ", on ");
                explain_dom(&b, c);
        } else if (dom_any) {
                sb_add(&b, ", on ");
                explain_dow(&b, c);
        } else {
                sb_add(&b, ", on ");
                explain_dom(&b, c);
                sb_add(&b, (c->flags & CRON_F_OR_DAYS) ? " or on " : " if it is ");
                explain_dow(&b, c);
        }
        uint64_t mon[1] = {c->mon};
        if (count_bits(mon, 1, 12) < 12) {
                sb_add(&b, ", in ");
                sb_list(&b, mon, 1, 12, 0, mon_full, " through ");
        }
        if (c->flags & CRON_F_YEARS) {
                int n = 0;
                for (int y = CRON_YEAR_MIN; y <= CRON_YEAR_MAX; y++)
                        n += year_in(c, y);
                if (n < CRON_YEAR_MAX - CRON_YEAR_MIN + 1) {
                        sb_add(&b, ", in %s", n > 1 ? "years " : "");
                        sb_list(&b, c->years, 0, CRON_YEAR_MAX - CRON_YEAR_MIN, CRON_YEAR_MIN,
                                NULL, "");
                }
        }
        if (cron_never(c))
                sb_add(&b, " (never fires: no date matches)");
        return b.used;
}
