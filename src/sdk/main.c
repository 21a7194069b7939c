/* main.c: batch_main(), the whole program around a job: the run's settings from batchd's
 * environment or from the command line, the run, a summary line, the exit status. */
#include "sdk/sdk-internal.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_REFUSED = 3, EXIT_STOPPED = 4 };

static int usage(const char *prog)
{
        fprintf(stderr,
                "usage: %s --db DSN [--tenant T] [--anew] [NAME=VALUE ...] "
                "[--extra NAME=VALUE ...]\n"
                "  NAME=VALUE   identifying parameter (with the job name it names the "
                "instance)\n"
                "  --extra      a parameter that does not identify the instance\n"
                "  --anew       run an instance that already completed again from the start\n"
                "Started by batchd, the run is read from BATCH_DB, BATCH_INSTANCE_ID and "
                "BATCH_EXECUTION_ID.\n",
                prog);
        return EXIT_USAGE;
}

static bool split(char *arg, struct batch_param *p)
{
        char *eq = strchr(arg, '=');
        if (!eq || eq == arg)
                return false;
        *eq = '\0';
        p->name = arg;
        p->value = eq + 1;
        return true;
}

static int64_t env_id(const char *name)
{
        const char *v = getenv(name);
        if (!v || !*v)
                return 0;
        char *end;
        long long x = strtoll(v, &end, 10);
        return *end || x <= 0 ? -1 : (int64_t)x;
}

int batch_main(struct batch_job *job, int argc, char **argv)
{
        const char *prog = argc > 0 ? argv[0] : "batch";
        struct batch_run_opts o = {.handle_sigterm = true};
        struct batch_param *params = calloc((size_t)argc + 1, sizeof(*params));
        struct batch_param *extra = calloc((size_t)argc + 1, sizeof(*extra));
        int status = EXIT_USAGE;
        if (!params || !extra || !job)
                goto out;
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},
                {"tenant", required_argument, NULL, 't'},
                {"anew", no_argument, NULL, 'a'},
                {"extra", required_argument, NULL, 'x'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        optind = 1;
        int c;
        while ((c = getopt_long(argc, argv, "+d:t:ax:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'd': o.db = optarg; break;
                case 't': o.tenant = optarg; break;
                case 'a': o.anew = true; break;
                case 'x':
                        if (!split(optarg, &extra[o.nextra++])) {
                                fprintf(stderr, "%s: --extra wants NAME=VALUE, not %s\n", prog,
                                        optarg);
                                goto out;
                        }
                        break;
                default: status = usage(prog); goto out;
                }
        }
        for (int i = optind; i < argc; i++) {
                if (!split(argv[i], &params[o.nparams++])) {
                        fprintf(stderr, "%s: a parameter is NAME=VALUE, not %s\n", prog, argv[i]);
                        goto out;
                }
        }
        o.params = params;
        o.extra = extra;
        /* Started by batchd: its instance and execution, and its repository. */
        o.instance_id = env_id("BATCH_INSTANCE_ID");
        o.execution_id = env_id("BATCH_EXECUTION_ID");
        if (o.instance_id < 0 || o.execution_id < 0 || (o.instance_id > 0) != (o.execution_id > 0)) {
                fprintf(stderr, "%s: BATCH_INSTANCE_ID and BATCH_EXECUTION_ID must both be set "
                                "to ids\n", prog);
                goto out;
        }
        if (!o.db)
                o.db = getenv("BATCH_DB");
        if (!o.db || !*o.db) {
                fprintf(stderr, "%s: no repository: give --db (or run under batchd)\n", prog);
                status = usage(prog);
                goto out;
        }
        const char *anew = getenv("BATCH_RUN_ANEW");
        if (anew && !strcmp(anew, "1"))
                o.anew = true;
        struct batch_result res;
        struct batch_err err = {0};
        int rc = batch_job_run(job, &o, &res, &err);
        if (rc == BATCH_ECOMPLETED || rc == BATCH_ERUNNING) {
                fprintf(stderr, "%s: %s\n", prog, err.msg);
                status = EXIT_REFUSED;
                goto out;
        }
        if (rc < 0) {
                fprintf(stderr, "%s: %s\n", prog, err.msg[0] ? err.msg : batch_error_string(rc));
                status = EXIT_FAIL;
                goto out;
        }
        const struct batch_counts *k = &res.counts;
        fprintf(stderr,
                "%s: job %s instance %" PRId64 " execution %" PRId64 ": %s; read %" PRId64
                ", written %" PRId64 ", filtered %" PRId64 ", skipped %" PRId64 " (read %" PRId64
                ", process %" PRId64 ", write %" PRId64 "), commits %" PRId64
                ", rollbacks %" PRId64 "\n",
                prog, job->name, res.instance_id, res.execution_id, res.exit_status, k->read,
                k->write, k->filter, k->read_skip + k->process_skip + k->write_skip, k->read_skip,
                k->process_skip, k->write_skip, k->commit, k->rollback);
        status = !strcmp(res.exit_status, BATCH_EXIT_COMPLETED) ? EXIT_OK
                 : !strcmp(res.exit_status, BATCH_EXIT_STOPPED) ? EXIT_STOPPED
                                                                : EXIT_FAIL;
out:
        free(params);
        free(extra);
        return status;
}
