/* cronfire.c: classifies a cron fire instant against the zone's DST transitions. */
#include "core/cronfire.h"

/* True when wall time `local` (local seconds) matches the expression: evaluated in UTC,
 * where wall time and instant coincide. */
static bool wall_matches(const struct cron *c, int64_t local)
{
        int64_t n;
        return cron_next(c, tz_utc(), local - 1, &n) == 0 && n == local;
}

void cron_fire_classify(const struct cron *c, const struct tz *z, int64_t t,
                        struct cron_fire_note *ret)
{
        int32_t off = tz_offset_at(z, t);
        ret->kind = CRON_FIRE_PLAIN;
        ret->offset = off;
        ret->dst_from = off;
        ret->dst_to = off;
        struct tz_segment seg;
        tz_segment_at(z, t, &seg);
        int32_t before = seg.start == INT64_MIN ? off : tz_offset_at(z, seg.start - 1);
        int64_t local = t + off;
        /* Spring forward: a fire at the transition instant whose own wall time does not
         * match was moved there from a wall time in the gap. */
        if (t == seg.start && before < off && !wall_matches(c, local)) {
                ret->kind = CRON_FIRE_GAP_MOVED;
                ret->dst_from = before;
                return;
        }
        int64_t at[2];
        if (tz_from_local(z, local, at) == 2) {
                ret->kind = t == at[0] ? CRON_FIRE_OVERLAP_FIRST : CRON_FIRE_OVERLAP_SECOND;
                ret->dst_from = tz_offset_at(z, at[0]);
                ret->dst_to = tz_offset_at(z, at[1]);
        }
}

const char *cron_fire_kind_name(enum cron_fire_kind k)
{
        switch (k) {
        case CRON_FIRE_GAP_MOVED: return "dst_gap_moved";
        case CRON_FIRE_OVERLAP_FIRST: return "dst_overlap_first";
        case CRON_FIRE_OVERLAP_SECOND: return "dst_overlap_second";
        case CRON_FIRE_PLAIN: break;
        }
        return "plain";
}
