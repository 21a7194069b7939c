/* seed.c: writes the instances, executions and step executions of the report test's
 * scenario (tests/report/run.sh) into a repository through the store, at fixed times:
 * the day 2026-12-02 in Asia/Tokyo (UTC+9), which starts at 2026-12-01T15:00:00Z.
 *
 *   daily    "0 2 * * *"      02:00 Success, ran 600 s; read 100, write 90, commit 10,
 *                             rollback 1
 *   hourly3  "0 1,2,3 * * *"  01:00 Success, 120 s, read 10, write 10, commit 1;
 *                             02:00 Failed, 60 s, read 5, rollback 2; 03:00 missing
 *   partial  "30 5 * * *"     05:30 Success, 300 s, read 50, write 47, commit 5,
 *                             write-skip 3 (a partial data failure)
 *   adhoc    manual           a submit at 10:00, Success, 30 s
 * and, outside the day, daily's 2026-12-01 and 2026-12-03 02:00 runs (Success, 400 s
 * and 800 s) for the runs report.
 * Usage: seed DB. Exit status 0, or 1 with the problem on stderr. */
#include <stdio.h>
#include <stdlib.h>

#include "core/civil.h"
#include "core/lifecycle.h"
#include "store/store.h"

static struct store *s;

static void die(const char *what, const struct batch_err *e)
{
        fprintf(stderr, "seed: %s: %s\n", what, e ? e->msg : "");
        exit(1);
}

/* Local time h:m on 2026-12-(1 + day) in Tokyo, as Unix seconds. */
static int64_t at(int day, int h, int m)
{
        return civil_days_from_date(2026, 12, 1 + day) * 86400 + (h - 9) * 3600 + m * 60;
}

/* An instance of `job` due at `due` that ran from `due` for `secs` seconds and ended
 * in `final` (Success or Failed), with one step of the given counts when read >= 0. */
static void run(const char *job, bool scheduled, int64_t due, int64_t secs, int final,
                int64_t read, int64_t write, int64_t commit, int64_t rollback, int64_t wskip)
{
        struct batch_err e;
        struct store_instance in = {.tenant = (char *)"default", .job = (char *)job,
                                    .scheduled = scheduled, .due = due, .first_due = due,
                                    .last_due = due, .state = STATE_INIT,
                                    .trace_id = (char *)"seed"};
        int64_t id, eid;
        int attempt;
        if (store_instance_create(s, &in, "scheduler", due, &id, &e) < 0)
                die("instance", &e);
        int path[] = {STATE_STARTING, STATE_RUNNING, final};
        int from = STATE_INIT;
        for (int i = 0; i < 3; i++) {
                if (store_instance_transition(s, id, from, path[i], "scheduler", NULL,
                                              due + (i == 2 ? secs : 0), &e) < 0)
                        die("transition", &e);
                from = path[i];
                if (i == 0) {
                        struct store_execution x = {.instance_id = id, .pid = 1};
                        if (store_execution_start(s, &x, due, &eid, &attempt, &e) < 0)
                                die("execution", &e);
                }
        }
        if (read >= 0) {
                struct store_step st = {.execution_id = eid, .name = (char *)"main",
                                        .status = (char *)"COMPLETED", .read_count = read,
                                        .write_count = write, .commit_count = commit,
                                        .rollback_count = rollback, .write_skip_count = wskip};
                if (store_step_put(s, &st, due + secs, NULL, &e) < 0)
                        die("step", &e);
        }
        if (store_execution_finish(s, eid, final == STATE_SUCCESS ? 0 : 1, NULL, due + secs,
                                   &e) < 0)
                die("finish", &e);
}

int main(int argc, char **argv)
{
        struct batch_err e;
        if (argc != 2) {
                fprintf(stderr, "usage: seed DB\n");
                return 2;
        }
        if (store_open(argv[1], &s, &e) < 0)
                die(argv[1], &e);
        run("daily", true, at(1, 2, 0), 600, STATE_SUCCESS, 100, 90, 10, 1, 0);
        run("hourly3", true, at(1, 1, 0), 120, STATE_SUCCESS, 10, 10, 1, 0, 0);
        run("hourly3", true, at(1, 2, 0), 60, STATE_FAILED, 5, 0, 0, 2, 0);
        run("partial", true, at(1, 5, 30), 300, STATE_SUCCESS, 50, 47, 5, 0, 3);
        run("adhoc", false, at(1, 10, 0), 30, STATE_SUCCESS, -1, 0, 0, 0, 0);
        run("daily", true, at(0, 2, 0), 400, STATE_SUCCESS, -1, 0, 0, 0, 0);
        run("daily", true, at(2, 2, 0), 800, STATE_SUCCESS, -1, 0, 0, 0, 0);
        store_close(s);
        return 0;
}
