/* rollup.h: the runs figures kept per quarter hour and job (schema 10, table
 * run_slots; docs/report.md "The rollup"): the SQL that computes a slot's row from its
 * final instances, shared by the repository (repo.c, refreshed in the transaction that
 * makes an instance final) and both engines' migration 10 (the backfill), and the
 * duration histogram's bucket edges, which the median estimate (store.c) reads.
 *
 * A slot is [due - due % 900, + 900): every time zone's midnight falls on a quarter
 * hour, so the slots of a day in any zone are exactly that day's, and a change of the
 * tenant's zone needs no rebuild. */
#ifndef BATCH_STORE_ROLLUP_H
#define BATCH_STORE_ROLLUP_H

#include <stdint.h>

#define ROLLUP_SLOT_S 900
#define ROLLUP_BUCKETS 24

/* The lower edge in seconds of each duration bucket; the last has no upper edge. */
#define ROLLUP_EDGES                                                                               \
        {0,   5,   10,  20,  30,   45,   60,   90,   120,  180,   240,   300,                      \
         450, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 21600, 43200}

/* The bucket of a duration of d seconds. */
static inline int rollup_bucket(int64_t d)
{
        static const int64_t edge[ROLLUP_BUCKETS] = ROLLUP_EDGES;
        int b = 0;
        while (b + 1 < ROLLUP_BUCKETS && d >= edge[b + 1])
                b++;
        return b;
}

/* An instance's duration (docs/report.md): the start of its first execution to the end
 * of its last finished one; NULL without a finished execution. */
#define REPORT_DUR_SQL                                                                             \
        "(SELECT CASE WHEN count(e.finished_at) > 0 THEN max(e.finished_at) - "                    \
        "min(e.started_at) END FROM executions e WHERE e.instance_id = i.id)"

#define ROLLUP_B(lo, hi) "sum(CASE WHEN dur >= " #lo " AND dur < " #hi " THEN 1 ELSE 0 END), "
#define ROLLUP_HIST_SUMS                                                                           \
        "sum(CASE WHEN dur < 5 THEN 1 ELSE 0 END), " ROLLUP_B(5, 10) ROLLUP_B(10, 20)             \
        ROLLUP_B(20, 30) ROLLUP_B(30, 45) ROLLUP_B(45, 60) ROLLUP_B(60, 90) ROLLUP_B(90, 120)     \
        ROLLUP_B(120, 180) ROLLUP_B(180, 240) ROLLUP_B(240, 300) ROLLUP_B(300, 450)               \
        ROLLUP_B(450, 600) ROLLUP_B(600, 900) ROLLUP_B(900, 1200) ROLLUP_B(1200, 1800)            \
        ROLLUP_B(1800, 2700) ROLLUP_B(2700, 3600) ROLLUP_B(3600, 5400) ROLLUP_B(5400, 7200)       \
        ROLLUP_B(7200, 10800) ROLLUP_B(10800, 21600) ROLLUP_B(21600, 43200)                       \
        "sum(CASE WHEN dur >= 43200 THEN 1 ELSE 0 END)"
#define ROLLUP_HIST_COLS                                                                           \
        "h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15, h16, h17, h18, "   \
        "h19, h20, h21, h22, h23"
#define ROLLUP_HIST_READ                                                                           \
        "sum(h0), sum(h1), sum(h2), sum(h3), sum(h4), sum(h5), sum(h6), sum(h7), sum(h8), "       \
        "sum(h9), sum(h10), sum(h11), sum(h12), sum(h13), sum(h14), sum(h15), sum(h16), "         \
        "sum(h17), sum(h18), sum(h19), sum(h20), sum(h21), sum(h22), sum(h23)"
/* The table's columns in each engine's integer type (the key is added by the DDL). */
#define ROLLUP_H(n, type) "  h" #n " " type " NOT NULL,\n"
#define ROLLUP_DDL(type)                                                                           \
        "CREATE TABLE run_slots (\n"                                                               \
        "  tenant TEXT NOT NULL,\n  job TEXT NOT NULL,\n  slot " type " NOT NULL,\n"              \
        "  total " type " NOT NULL,\n  success " type " NOT NULL,\n  failed " type " NOT NULL,\n" \
        "  skipped " type " NOT NULL,\n  canceled " type " NOT NULL,\n  found " type " NOT NULL,\n" \
        "  timed " type " NOT NULL,\n  dur_sum " type " NOT NULL,\n  dur_max " type " NOT NULL,\n" \
        ROLLUP_H(0, type) ROLLUP_H(1, type) ROLLUP_H(2, type) ROLLUP_H(3, type)                   \
        ROLLUP_H(4, type) ROLLUP_H(5, type) ROLLUP_H(6, type) ROLLUP_H(7, type)                   \
        ROLLUP_H(8, type) ROLLUP_H(9, type) ROLLUP_H(10, type) ROLLUP_H(11, type)                 \
        ROLLUP_H(12, type) ROLLUP_H(13, type) ROLLUP_H(14, type) ROLLUP_H(15, type)               \
        ROLLUP_H(16, type) ROLLUP_H(17, type) ROLLUP_H(18, type) ROLLUP_H(19, type)               \
        ROLLUP_H(20, type) ROLLUP_H(21, type) ROLLUP_H(22, type) ROLLUP_H(23, type)               \
        "  PRIMARY KEY (tenant, slot, job)\n)"

#define ROLLUP_COLS                                                                                \
        "tenant, job, slot, total, success, failed, skipped, canceled, found, timed, dur_sum, "    \
        "dur_max, " ROLLUP_HIST_COLS

/* INSERT INTO run_slots the rows of the final instances `from_where` selects (aliased
 * i; it ends in a WHERE clause): per tenant, job and slot, the outcomes (success 5 and
 * 12, failed 3, 6 and 7, skipped 8, canceled 9), `found` (scheduled instances not ended
 * in Timeout Skip: runs of expected due times), the durations' count, sum, maximum and
 * histogram. */
#define ROLLUP_INSERT(from_where)                                                                  \
        "INSERT INTO run_slots(" ROLLUP_COLS ") SELECT tenant, job, slot, count(*), "              \
        "sum(CASE WHEN state IN (5, 12) THEN 1 ELSE 0 END), "                                      \
        "sum(CASE WHEN state IN (3, 6, 7) THEN 1 ELSE 0 END), "                                    \
        "sum(CASE WHEN state = 8 THEN 1 ELSE 0 END), sum(CASE WHEN state = 9 THEN 1 ELSE 0 END), " \
        "sum(found), count(dur), coalesce(sum(dur), 0), coalesce(max(dur), 0), " ROLLUP_HIST_SUMS              \
        " FROM (SELECT i.tenant AS tenant, i.job AS job, i.due_time - i.due_time % 900 AS slot, "  \
        "i.state AS state, CASE WHEN i.scheduled AND i.state <> 8 THEN 1 ELSE 0 END AS found, "   \
        REPORT_DUR_SQL " AS dur " from_where                                  \
        " AND i.state IN (3, 5, 6, 7, 8, 9, 12)) x GROUP BY tenant, job, slot"

/* Migration 10's backfill: every final instance. */
#define ROLLUP_BACKFILL ROLLUP_INSERT("FROM instances i WHERE 1 = 1") ";\n"

/* The packs (schema 14, table run_packs; docs/report.md "The packs"): the same rows
 * of run_slots, one text row per tenant, job and period of ROLLUP_PACK_S seconds of
 * due time (epoch-aligned, a multiple of the slot), so that reading a range for every
 * job is a few rows per job rather than one per quarter hour. `data` is the period's
 * slot rows as text, ';' between them, each
 *   Q:total,success,failed,skipped,canceled,found,timed,dur_sum,dur_max[,h0,...,h23]
 * where Q is (slot - period) / 900 and the histogram is written only when timed > 2 (one
 * or two durations are known from their sum and maximum). Built from run_slots by SQL,
 * so the migration's backfill and the refresh share it; the slots of a pack come in no
 * particular order (the reader sorts them). */
#define ROLLUP_PACK_S 1209600 /* 14 days */
#define ROLLUP_STR_(x) #x
#define ROLLUP_STR(x) ROLLUP_STR_(x)
#define ROLLUP_PACK_SQL ROLLUP_STR(ROLLUP_PACK_S)
/* (SQLite's || binds tighter than /, PostgreSQL's does not: the quotient is bracketed.) */
#define ROLLUP_PACK_ENTRY                                                                          \
        "((slot % " ROLLUP_PACK_SQL ") / 900) || ':' || total || ',' || success || ',' || "       \
        "failed || ',' || skipped || ',' || canceled || ',' || found || ',' || timed || ',' || "   \
        "dur_sum || ',' || dur_max || CASE WHEN timed > 2 THEN ',' || h0 || ',' || h1 || ',' || "  \
        "h2 || ',' || h3 || ',' || h4 || ',' || h5 || ',' || h6 || ',' || h7 || ',' || h8 || "     \
        "',' || h9 || ',' || h10 || ',' || h11 || ',' || h12 || ',' || h13 || ',' || h14 || "      \
        "',' || h15 || ',' || h16 || ',' || h17 || ',' || h18 || ',' || h19 || ',' || h20 || "     \
        "',' || h21 || ',' || h22 || ',' || h23 ELSE '' END"
#define ROLLUP_PACK_DDL(type)                                                                      \
        "CREATE TABLE run_packs (\n"                                                               \
        "  tenant TEXT NOT NULL,\n  job TEXT NOT NULL,\n  period " type " NOT NULL,\n"            \
        "  data TEXT NOT NULL,\n  PRIMARY KEY (tenant, job, period)\n)"
/* A job with more slots than this in a period (runs in more than 96 quarter hours of
 * 14 days: more often than about 7 times a day) is not packed: its pack is the mark
 * "*" and its figures are read from run_slots, so that a run that ends rebuilds at
 * most this many slots into a pack (a job run once a day: 14). */
#define ROLLUP_PACK_MAX 96
#define ROLLUP_PACK_MAX_SQL ROLLUP_STR(ROLLUP_PACK_MAX)
/* INSERT INTO run_packs the packs of the run_slots rows `where` selects (a WHERE
 * clause on run_slots), grouped by tenant, job and period; "*" for more than
 * ROLLUP_PACK_MAX slots. */
#define ROLLUP_PACK_INSERT(index, where)                                                           \
        "INSERT INTO run_packs(tenant, job, period, data) SELECT tenant, job, "                    \
        "slot - slot % " ROLLUP_PACK_SQL ", CASE WHEN count(*) > " ROLLUP_PACK_MAX_SQL             \
        " THEN '*' ELSE {GROUP_CONCAT}(" ROLLUP_PACK_ENTRY ", ';') END "                            \
        "FROM run_slots" index " " where " GROUP BY tenant, job, slot - slot % " ROLLUP_PACK_SQL
/* Migration 13's backfill: every row of run_slots. */
#define ROLLUP_PACK_BACKFILL ROLLUP_PACK_INSERT("", "WHERE 1 = 1") ";\n"

#endif
