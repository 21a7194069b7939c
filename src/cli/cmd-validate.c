/* cmd-validate.c: `batchctl validate PATH...`: loads definition files and directories,
 * checks them, and prints every problem as file:line:column: key: reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "defs/load.h"
#include "defs/overlay.h"
#include "defs/validate.h"

static int cmp_diag(const void *a, const void *b)
{
        const struct diag *x = a, *y = b;
        const char *fx = x->pos.file ? x->pos.file : "", *fy = y->pos.file ? y->pos.file : "";
        int c = strcmp(fx, fy);
        if (c)
                return c;
        if (x->pos.line != y->pos.line)
                return x->pos.line - y->pos.line;
        return x->pos.col - y->pos.col;
}

void cli_print_diags(struct diag_list *diags)
{
        /* qsort is not stable: order by position only, ties keep no meaning. */
        qsort(diags->items, diags->n, sizeof(*diags->items), cmp_diag);
        for (size_t i = 0; i < diags->n; i++) {
                const struct diag *d = &diags->items[i];
                if (d->pos.file && d->pos.line)
                        fprintf(stderr, "%s:%d:%d: ", d->pos.file, d->pos.line, d->pos.col);
                else if (d->pos.file)
                        fprintf(stderr, "%s: ", d->pos.file);
                if (d->key)
                        fprintf(stderr, "%s: ", d->key);
                fprintf(stderr, "%s\n", d->msg);
        }
}

/* The end of a load: r < 0 is out of memory; problems are printed with the summary
 * "<what>N problem(s) found<after>". Releases *diags. Returns an enum cli_exit. */
static int conclude(int r, struct diag_list *diags, const char *what, const char *after)
{
        int rc = CLI_OK;
        if (r < 0) {
                fprintf(stderr, "batchctl: out of memory\n");
                rc = CLI_FAILURE;
        } else if (diags->n) {
                cli_print_diags(diags);
                fprintf(stderr, "batchctl: %s%zu problem%s found%s\n", what, diags->n,
                        diags->n == 1 ? "" : "s", after);
                rc = CLI_FAILURE;
        }
        diag_list_release(diags);
        return rc;
}

int cli_load_defs(char *const *paths, size_t npaths, struct defset *set)
{
        struct diag_list diags = {0, NULL};
        int r = defs_load_paths(set, paths, npaths, &diags);
        if (r == 0)
                r = defs_validate(set, &diags);
        return conclude(r, &diags, "", "; nothing was changed");
}

int cli_overlay(const char *path, struct defset *set, struct defset *ov)
{
        struct diag_list diags = {0, NULL};
        char *p = (char *)path;
        int r = defs_load_paths(ov, &p, 1, &diags);
        if (r == 0 && !diags.n)
                r = defs_overlay_apply(set, ov, &diags);
        if (r == 0) /* every problem at once: what was applied is checked too */
                r = defs_validate(set, &diags);
        char what[600];
        snprintf(what, sizeof(what), "--overlay %s: ", path);
        return conclude(r, &diags, what, "");
}

int cli_validate(int argc, char **argv)
{
        if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
                FILE *f = argc < 2 ? stderr : stdout;
                fprintf(f, "usage: batchctl validate PATH...\n"
                           "checks job, calendar and settings files (or directories of *.yaml)\n");
                return argc < 2 ? CLI_USAGE : CLI_OK;
        }
        struct defset set = {0};
        int r = cli_load_defs(argv + 1, (size_t)(argc - 1), &set);
        if (r == CLI_OK) {
                size_t jobs = 0, cals = 0, settings = 0;
                for (size_t i = 0; i < set.ndocs; i++) {
                        jobs += set.docs[i].kind == DEF_JOB;
                        cals += set.docs[i].kind == DEF_CALENDAR;
                        settings += set.docs[i].kind == DEF_SETTINGS;
                }
                printf("ok: %zu job%s, %zu calendar%s, %zu settings in %zu file%s\n", jobs,
                       jobs == 1 ? "" : "s", cals, cals == 1 ? "" : "s", settings, set.nfiles,
                       set.nfiles == 1 ? "" : "s");
        }
        defset_release(&set);
        return r;
}
