/* cronfire.h: what a daylight-saving transition did to one cron fire time, for the
 * cron helper (GET /api/v1/cron, the web UI) to mark fire times that DST moved or
 * doubled (docs/cron.md, "Time zones and daylight saving time").
 *
 * Pure: no I/O, no clock, no allocation. */
#ifndef BATCH_CORE_CRONFIRE_H
#define BATCH_CORE_CRONFIRE_H

#include <stdint.h>

#include "core/cron.h"
#include "core/tz.h"

enum cron_fire_kind {
        CRON_FIRE_PLAIN = 0,       /* its wall time matches and occurs once that day */
        CRON_FIRE_GAP_MOVED,       /* the wall time it matches does not exist (spring
                                      forward): it fires at the transition instead */
        CRON_FIRE_OVERLAP_FIRST,   /* its wall time occurs twice (fall back): this is the
                                      first occurrence */
        CRON_FIRE_OVERLAP_SECOND,  /* the second occurrence of a repeated wall time (only
                                      interval-like expressions fire there) */
};

struct cron_fire_note {
        enum cron_fire_kind kind;
        int32_t offset;        /* UTC offset (seconds east) at the fire instant */
        int32_t dst_from;      /* the offsets before and after the transition that */
        int32_t dst_to;        /* caused the note; both equal to offset when PLAIN */
};

/* Classifies fire instant `t` of expression `c` in zone `z` (t as returned by
 * cron_next/cron_prev for c and z) into *ret. Never fails. */
void cron_fire_classify(const struct cron *c, const struct tz *z, int64_t t,
                        struct cron_fire_note *ret);

/* The name of a kind: "plain", "dst_gap_moved", "dst_overlap_first",
 * "dst_overlap_second" (static). */
const char *cron_fire_kind_name(enum cron_fire_kind k);

#endif
