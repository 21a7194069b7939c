/* bench_report.c: the daily inspection report and the runs figures on a large SQLite
 * repository: 10,000 scheduled jobs (one run a day each, at spread times, UTC) and
 * 1,000,000 instances over 100 days, each with one execution and one step execution
 * (1% failed, 3% with skipped items). Times opening it (a repository of an older schema
 * is migrated then: migration 10's backfill of the rollup, 13's of its packs),
 * report_daily_build (+ JSON and XLSX) for the last day, and report_runs_build (+ JSON)
 * for every job over the last 10 and 90 days and for one job over 90. The repository is built once into
 * $BENCH_REPORT_DB (default build/bench/report.db) and reused when it is complete.
 * Prints a table; asserts nothing (docs/performance.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"
#include "core/civil.h"
#include "core/inspect.h"
#include "core/lifecycle.h"
#include "ops/report.h"
#include "store/rollup.h"
#include "store/store.h"

#define NJOBS 10000
#define NDAYS 100

static void die(const char *what, const struct batch_err *e)
{
        fprintf(stderr, "bench_report: %s: %s\n", what, e ? e->msg : "");
        exit(1);
}

static int64_t base_day(void)
{
        return civil_days_from_date(2026, 8, 1);
}

static void build(struct store *s)
{
        struct batch_err e;
        double t0 = now_s();
        if (store_begin(s, &e) < 0)
                die("begin", &e);
        for (int j = 0; j < NJOBS; j++) {
                char name[32], spec[512];
                snprintf(name, sizeof(name), "job%05d", j);
                snprintf(spec, sizeof(spec),
                         "kind: job\nname: %s\ntype: scheduled\n"
                         "executor: {exec: {command: [/bin/true]}}\n"
                         "trigger: {cron: \"%d %d * * *\"}\nestimated_minutes: 5\n",
                         name, j % 60, (j / 60) % 24);
                struct store_def d = {.tenant = (char *)"default", .kind = (char *)"job",
                                      .name = name, .spec = spec, .changed_by = (char *)"bench"};
                if (store_def_put(s, &d, 1000, &e) < 0)
                        die("def_put", &e);
        }
        if (store_commit(s, &e) < 0)
                die("commit", &e);
        /* A million instances through the store's calls take most of an hour here; the
         * fixture is written with three INSERT ... SELECT statements on the backend's own
         * handle instead (a bench fixture, not product code: the report reads it only
         * through the store). Every 100th instance failed, 3% skipped 5 items (the step
         * executions' counts and the instances' skip_count, as store_step_put keeps them;
         * execution i is instance i's); durations 60-659 s. */
        sqlite3 *db = store_native(s, NULL);
        char sql[2048];
        snprintf(sql, sizeof(sql),
                 "BEGIN;"
                 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
                 "INSERT INTO instances(id, tenant, job, scheduled, due_time, first_due, last_due, "
                 "state, trace_id, created_at, updated_at) "
                 "SELECT i + 1, 'default', printf('job%%05d', i %% %d), 1, d, d, d, "
                 "CASE WHEN (i * 7919) %% 100 = 0 THEN 6 ELSE 5 END, 'b', d, d FROM "
                 "(SELECT i, %lld + (i / %d) * 86400 + (((i %% %d) / 60) %% 24) * 3600 + "
                 "((i %% %d) %% 60) * 60 AS d FROM n);"
                 "INSERT INTO executions(id, instance_id, attempt, pid, started_at, finished_at, "
                 "exit_status) SELECT id, id, 1, 1, due_time, due_time + 60 + (id * 104729) %% 600, "
                 "CASE WHEN state = 6 THEN 1 ELSE 0 END FROM instances;"
                 "INSERT INTO step_executions(execution_id, name, status, read_count, write_count, "
                 "commit_count, rollback_count, read_skip_count, process_skip_count, "
                 "write_skip_count, filter_count, started_at, updated_at) "
                 "SELECT id, 'main', 'COMPLETED', 1000, 990, 10, 0, 0, 0, "
                 "CASE WHEN (id * 31) %% 100 < 3 THEN 5 ELSE 0 END, 0, started_at, finished_at "
                 "FROM executions;"
                 "UPDATE instances SET skip_count = 5 WHERE (id * 31) %% 100 < 3;",
                 NJOBS * NDAYS - 1, NJOBS, (long long)(base_day() * 86400), NJOBS, NJOBS, NJOBS);
        char *msg = NULL;
        /* The rollup and its packs as migrations 10 and 13 fill them for existing
         * history (the packs' SQL with SQLite's name of the aggregate). */
        char packs[8192];
        const char *from = ROLLUP_PACK_BACKFILL, *tok = strstr(from, "{GROUP_CONCAT}");
        snprintf(packs, sizeof(packs), "%.*sgroup_concat%sCOMMIT;", (int)(tok - from), from,
                 tok + strlen("{GROUP_CONCAT}"));
        if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, ROLLUP_BACKFILL, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, packs, NULL, NULL, &msg) != SQLITE_OK) {
                fprintf(stderr, "bench_report: building: %s\n", msg ? msg : "?");
                return;
        }
        printf("built the repository: %d jobs, %d instances in %.1f s\n", NJOBS, NJOBS * NDAYS,
               now_s() - t0);
}

/* Times report_runs_build + JSON three times; prints the best and the median of the
 * wall time, and the median of the process's CPU time (the machine is shared: the wall
 * time grows with the load, the CPU time much less). */
static void runs(struct store *s, const char *from, const char *to, const char *job,
                 const char *what, const char *target)
{
        struct batch_err e;
        double t[3], cpu[3];
        size_t rows = 0, bytes = 0;
        bool kept = false;
        for (int k = 0; k < 3; k++) {
                double t0 = now_s(), c0 = cpu_s();
                struct report_runs r;
                if (report_runs_build(s, NULL, from, to, job, &r, &e) < 0)
                        die("runs", &e);
                struct buf b;
                buf_init(&b, 0);
                report_runs_json(&r, &b);
                kept = r.items_kept;
                rows = kept ? r.n : r.njobs;
                bytes = b.len;
                report_runs_release(&r);
                buf_release(&b);
                t[k] = now_s() - t0;
                cpu[k] = cpu_s() - c0;
        }
        for (int a = 0; a < 3; a++)
                for (int c = a + 1; c < 3; c++) {
                        double *v[] = {t, cpu};
                        for (int i = 0; i < 2; i++)
                                if (v[i][c] < v[i][a]) {
                                        double x = v[i][a];
                                        v[i][a] = v[i][c];
                                        v[i][c] = x;
                                }
                }
        printf("| runs %s..%s (%s), %s (%zu %s, %zu bytes of JSON) | 3 | %.3f s | %.3f s "
               "(CPU %.3f s) | %s |\n",
               from, to, what, job ? job : "every job", rows,
               kept ? "rows" : "jobs, rows not listed", bytes, t[0], t[1], cpu[1], target);
}

int main(void)
{
        const char *path = getenv("BENCH_REPORT_DB");
        if (!path || !*path)
                path = "build/bench/report.db";
        struct store *s;
        struct batch_err e;
        double t_open = now_s();
        if (store_open(path, &s, &e) < 0)
                die(path, &e);
        t_open = now_s() - t_open;
        struct store_instance_filter f = {.tenant = "default", .state = -1, .limit = 1,
                                          .newest_first = true};
        struct store_instance_list l;
        if (store_instance_list(s, &f, &l, &e) < 0)
                die("list", &e);
        bool complete = l.n == 1 && l.items[0].id == (int64_t)NJOBS * NDAYS;
        bool empty = l.n == 0;
        store_instance_list_release(&l);
        if (!complete && !empty) {
                fprintf(stderr, "bench_report: %s is neither empty nor complete: remove it\n",
                        path);
                return 1;
        }
        if (empty)
                build(s);
        char last[11], first[11];
        inspect_format_date(base_day() + NDAYS - 1, last);
        inspect_format_date(base_day() + NDAYS - 90, first);
        char first10[11];
        inspect_format_date(base_day() + NDAYS - 10, first10);
        printf("| what | runs | best | median | target |\n|---|---|---|---|---|\n");
        printf("| opening the repository (migrations, if any) | 1 | %.3f s | | |\n", t_open);
        double t[5];
        size_t rows = 0;
        for (int k = 0; k < 5; k++) {
                double t0 = now_s();
                struct report_daily r;
                if (report_daily_build(s, NULL, last, 0, &r, &e) < 0)
                        die("daily", &e);
                struct buf b;
                buf_init(&b, 0);
                report_daily_json(&r, &b);
                rows = r.n;
                report_daily_release(&r);
                buf_release(&b);
                t[k] = now_s() - t0;
        }
        for (int a = 0; a < 5; a++)
                for (int c = a + 1; c < 5; c++)
                        if (t[c] < t[a]) {
                                double x = t[a];
                                t[a] = t[c];
                                t[c] = x;
                        }
        printf("| daily report %s, JSON (%zu rows) | 5 | %.3f s | %.3f s | < 2 s |\n", last, rows,
               t[0], t[2]);
        {
                double t0 = now_s();
                struct report_daily r;
                if (report_daily_build(s, NULL, last, 0, &r, &e) < 0)
                        die("daily", &e);
                struct buf b;
                buf_init(&b, 0);
                if (report_daily_xlsx(&r, &b, &e) < 0)
                        die("xlsx", &e);
                printf("| daily report %s, XLSX (%zu bytes) | 1 | %.3f s | | |\n", last, b.len,
                       now_s() - t0);
                report_daily_release(&r);
                buf_release(&b);
        }
        runs(s, first10, last, NULL, "10 days", "");
        runs(s, first, last, NULL, "90 days", "< 0.5 s");
        runs(s, first, last, "job04242", "90 days", "< 0.5 s");
        store_close(s);
        return 0;
}
