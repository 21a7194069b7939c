/* cmd-validate.c: `batchctl validate [--overlay PATH] PATH...`: loads definition files
 * and directories, checks them (with an environment's overlay applied over them, when
 * given), and prints every problem as file:line:column: key: reason. */
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

/* Splits validate's arguments into the paths (in their order, into paths[]) and
 * the --overlay PATH (or --overlay=PATH). Returns the number of paths, or -1 after a
 * usage message. */
static int validate_args(int argc, char **argv, char **paths, const char **overlay)
{
        int n = 0;
        for (int i = 1; i < argc; i++) {
                const char *val = NULL;
                if (!strcmp(argv[i], "--overlay")) {
                        if (i + 1 == argc) {
                                fprintf(stderr, "batchctl: validate: --overlay needs a PATH\n");
                                return -1;
                        }
                        val = argv[++i];
                } else if (!strncmp(argv[i], "--overlay=", 10)) {
                        val = argv[i] + 10;
                } else {
                        paths[n++] = argv[i];
                        continue;
                }
                if (*overlay || !*val) {
                        fprintf(stderr, "batchctl: validate: %s\n",
                                *val ? "--overlay is given once (one file or directory)"
                                     : "--overlay needs a PATH");
                        return -1;
                }
                *overlay = val;
        }
        return n;
}

int cli_validate(int argc, char **argv)
{
        if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
                FILE *f = argc < 2 ? stderr : stdout;
                fprintf(f, "usage: batchctl validate [--overlay PATH] PATH...\n"
                           "checks job, calendar and settings files (or directories of *.yaml);\n"
                           "  --overlay: an environment's overlay, checked and applied over them\n");
                return argc < 2 ? CLI_USAGE : CLI_OK;
        }
        char **paths = calloc((size_t)argc, sizeof(*paths));
        if (!paths) {
                fprintf(stderr, "batchctl: out of memory\n");
                return CLI_FAILURE;
        }
        const char *overlay = NULL;
        int npaths = validate_args(argc, argv, paths, &overlay);
        if (npaths <= 0) {
                if (npaths == 0)
                        fprintf(stderr, "batchctl: validate: no PATH to check\n");
                fprintf(stderr, "usage: batchctl validate [--overlay PATH] PATH...\n");
                free(paths);
                return CLI_USAGE;
        }
        struct defset set = {0}, ov = {0};
        int r = cli_load_defs(paths, (size_t)npaths, &set);
        size_t nfiles = set.nfiles; /* the definitions' (applying may add the overlay's) */
        if (r == CLI_OK && overlay)
                r = cli_overlay(overlay, &set, &ov);
        if (r == CLI_OK) {
                size_t jobs = 0, cals = 0, settings = 0;
                for (size_t i = 0; i < set.ndocs; i++) {
                        jobs += set.docs[i].kind == DEF_JOB;
                        cals += set.docs[i].kind == DEF_CALENDAR;
                        settings += set.docs[i].kind == DEF_SETTINGS;
                }
                printf("ok: %zu job%s, %zu calendar%s, %zu settings in %zu file%s", jobs,
                       jobs == 1 ? "" : "s", cals, cals == 1 ? "" : "s", settings, nfiles,
                       nfiles == 1 ? "" : "s");
                if (overlay)
                        printf(", with the overlay %s (%zu document%s)", overlay, ov.ndocs,
                               ov.ndocs == 1 ? "" : "s");
                printf("\n");
        }
        defset_release(&set);
        defset_release(&ov);
        free(paths);
        return r;
}
