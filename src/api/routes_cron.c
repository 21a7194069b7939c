/* routes_cron.c: the cron helper (GET /api/v1/cron): a cron expression explained in
 * plain English and its next fire times in a zone, each marked when a DST transition
 * moved or doubled it. The same engine as `batchctl cron explain|next` (core/cron.h),
 * the marks from core/cronfire.h; docs/api.md, docs/cron.md. */
#include <stdio.h>
#include <string.h>

#include "api/request.h"
#include "common/json.h"
#include "core/cron.h"
#include "core/cronfire.h"
#include "core/isotime.h"
#include "ops/deps.h"
#include "sys/zoneinfo.h"

#define CRON_COUNT_MAX 100
#define CRON_COUNT_DEFAULT 10

/* "+02:00" for an offset in seconds. */
static const char *offset_text(int32_t off, char buf[16])
{
        int32_t a = off < 0 ? -off : off;
        snprintf(buf, 16, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
        return buf;
}

/* The 1-based column in `expr` where the parser's complaint starts: the first
 * character of the quoted text of err->msg inside the field err->field names, else of
 * that field, else 1. */
static int error_column(const char *expr, const struct batch_err *err)
{
        static const char *const order5[] = {"minute", "hour", "day-of-month", "month", "day-of-week"};
        static const char *const order7[] = {"second", "minute", "hour", "day-of-month", "month",
                                             "day-of-week", "year"};
        size_t start[8], len[8];
        int nf = 0;
        for (const char *p = expr; *p && nf < 8;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                start[nf] = (size_t)(p - expr);
                while (*p && *p != ' ' && *p != '\t')
                        p++;
                len[nf] = (size_t)(p - expr) - start[nf];
                nf++;
        }
        if (nf != 5 && nf != 6 && nf != 7)
                return 1;
        /* 6 fields are the first six of 7: no year. */
        const char *const *order = nf == 5 ? order5 : order7;
        for (int i = 0; i < nf; i++) {
                if (strcmp(order[i], err->field) != 0)
                        continue;
                /* The quoted text: what the message names between its first quotes. */
                const char *q = strchr(err->msg, '"');
                const char *qe = q ? strchr(q + 1, '"') : NULL;
                if (q && qe && qe > q + 1) {
                        size_t qn = (size_t)(qe - q - 1);
                        for (size_t k = 0; k + qn <= len[i]; k++)
                                if (!strncmp(expr + start[i] + k, q + 1, qn))
                                        return (int)(start[i] + k) + 1;
                }
                return (int)start[i] + 1;
        }
        return 1;
}

/* A fire's DST mark in words, or NULL for none. */
static const char *dst_text(const struct cron_fire_note *n, char *buf, size_t len)
{
        char a[16], b[16];
        switch (n->kind) {
        case CRON_FIRE_GAP_MOVED:
                snprintf(buf, len, "moved by DST: the clocks jump from %s to %s, the matching "
                         "wall time does not exist that day; fires at the transition",
                         offset_text(n->dst_from, a), offset_text(n->dst_to, b));
                return buf;
        case CRON_FIRE_OVERLAP_FIRST:
                snprintf(buf, len, "DST: this wall time occurs twice that day (%s, then %s); "
                         "fires at the first", offset_text(n->dst_from, a),
                         offset_text(n->dst_to, b));
                return buf;
        case CRON_FIRE_OVERLAP_SECOND:
                snprintf(buf, len, "DST: the repeated hour's second pass (%s after %s); an "
                         "interval-like expression fires in both", offset_text(n->dst_to, a),
                         offset_text(n->dst_from, b));
                return buf;
        case CRON_FIRE_PLAIN:
                break;
        }
        return NULL;
}

int api_cron(struct api_req *r)
{
        static const char *const known[] = {"expr", "tz", "count", "from", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        const char *expr = api_query(r, "expr");
        if (!expr || !*expr)
                return api_problem(r, 400, "expr= is required: a cron expression (5, 6 or 7 "
                                           "fields, or an @macro)");
        unsigned count = CRON_COUNT_DEFAULT;
        if (api_query_uint(r, "count", CRON_COUNT_MAX, &count) < 0)
                return -1;
        struct batch_err err;
        struct cron c;
        if (cron_parse(expr, &c, &err) < 0) {
                int col = error_column(expr, &err);
                struct buf m;
                buf_init(&m, 0);
                buf_puts(&m, "\"field\": ");
                json_put_string(&m, err.field);
                buf_printf(&m, ", \"position\": %d", col);
                int rc = api_problem_members(r, 400, m.err ? "\"position\": 1" : m.data,
                                             "invalid cron expression \"%s\": %s (at column %d)",
                                             expr, err.msg, col);
                buf_release(&m);
                return rc;
        }
        const char *tzname = api_query(r, "tz");
        const struct tz *z;
        if (tzname && *tzname) {
                if (zoneinfo_get(tzname, &z, &err) < 0)
                        return api_problem(r, 400, "tz=: %s", err.msg);
        } else {
                z = ops_tenant_zone(r->st, r->tenant);
        }
        int64_t t = api_now(r);
        const char *from = api_query(r, "from");
        if (from && iso_parse(from, z, &t, &err) < 0)
                return api_problem(r, 400, "from=: %s", err.msg);

        char text[1024], local[ISO_FORMAT_MAX], utc[ISO_FORMAT_MAX], off[16], note[256];
        cron_explain(&c, text, sizeof(text));
        api_json(r, 200);
        struct buf *b = &r->out;
        buf_puts(b, "{\"expr\": ");
        json_put_string(b, expr);
        buf_puts(b, ", \"timezone\": ");
        json_put_string(b, tz_name(z));
        buf_puts(b, ", \"explanation\": ");
        json_put_string(b, text);
        buf_printf(b, ", \"from\": \"%s\", \"never\": %s, \"fires\": [", iso_format_utc(t, utc),
                   cron_never(&c) ? "true" : "false");
        for (unsigned i = 0; i < count; i++) {
                if (cron_next(&c, z, t, &t) < 0)
                        break;
                struct cron_fire_note n;
                cron_fire_classify(&c, z, t, &n);
                buf_printf(b, "%s\n {\"local\": \"%s\", \"utc\": \"%s\", \"unix\": %lld, "
                              "\"offset\": \"%s\", \"dst\": ",
                           i ? "," : "", iso_format(t, z, local), iso_format_utc(t, utc),
                           (long long)t, offset_text(n.offset, off));
                if (n.kind == CRON_FIRE_PLAIN) {
                        buf_puts(b, "null, \"dst_note\": null}");
                } else {
                        buf_printf(b, "\"%s\", \"dst_note\": ", cron_fire_kind_name(n.kind));
                        json_put_string(b, dst_text(&n, note, sizeof(note)));
                        buf_puts(b, "}");
                }
        }
        buf_puts(b, "]}\n");
        return 0;
}
