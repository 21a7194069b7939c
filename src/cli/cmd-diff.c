/* cmd-diff.c: `batchctl diff DIR [--db DB] [--overlay PATH] [-o json]`: what differs
 * between the definitions of a directory (e.g. a git checkout of another environment's
 * export) and a repository's, with this environment's overlay applied to both, key by
 * key in the canonical form `export` writes (docs/environments.md). Values of secret
 * keys are shown and compared as "***". Reads only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/json.h"
#include "defs/docindex.h"
#include "defs/emit.h"
#include "defs/load.h"
#include "ops/jobs.h"

#define DIFF_USAGE "diff DIR [--db DB] [--overlay PATH] [-o table|json]"

/* Secret values as "***" on both sides: neither shown nor told apart. */
static void hide_secrets(struct defset *set)
{
        for (size_t i = 0; i < set->ndocs; i++) {
                if (set->docs[i].kind != DEF_JOB)
                        continue;
                struct def_map *maps[] = {&set->docs[i].u.job.exec_env,
                                          &set->docs[i].u.job.parameters};
                for (size_t m = 0; m < 2; m++)
                        for (size_t k = 0; k < maps[m]->n; k++)
                                if (ops_key_is_secret(maps[m]->keys[k])) {
                                        char *v = strdup("***");
                                        if (v) {
                                                free(maps[m]->vals[k]);
                                                maps[m]->vals[k] = v;
                                        }
                                }
        }
}

static const char *field(const struct def_fields *f, const char *key)
{
        for (size_t i = 0; i < f->n; i++)
                if (!strcmp(f->items[i].key, key))
                        return f->items[i].value;
        return NULL;
}

/* {KEY: VALUE} for the nk keys (a value missing on that side: null). */
static void put_values(struct buf *b, const struct def_fields *f, const char *const *keys,
                       size_t nk)
{
        buf_puts(b, "{");
        for (size_t i = 0; i < nk; i++) {
                buf_puts(b, i ? ", " : "");
                json_put_string(b, keys[i]);
                buf_puts(b, ": ");
                json_put_string(b, field(f, keys[i]));
        }
        buf_puts(b, "}");
}

struct counts {
        size_t changed, only_dir, only_repo, same;
};

/* One definition of either side (NULL: absent) into the table or the JSON list. */
static void one(struct buf *b, bool json, const struct def_doc *repo, const struct def_doc *dir,
                struct counts *n)
{
        const struct def_doc *d = dir ? dir : repo;
        struct def_fields fr = {0}, fd = {0};
        if (repo)
                defs_fields(repo, &fr);
        if (dir)
                defs_fields(dir, &fd);
        /* The keys that differ, in canonical order: the directory's, then the ones only
         * the repository has. */
        const char *keys[64];
        size_t nk = 0;
        for (int side = 0; side < 2 && repo && dir; side++) {
                const struct def_fields *x = side ? &fr : &fd, *y = side ? &fd : &fr;
                for (size_t i = 0; i < x->n && nk < 64; i++) {
                        const char *other = field(y, x->items[i].key);
                        if (side ? !other : !other || strcmp(other, x->items[i].value))
                                keys[nk++] = x->items[i].key;
                }
        }
        const char *status = !repo ? "only_in_dir" : !dir ? "only_in_repository"
                             : nk ? "changed" : "same";
        if (!repo)
                n->only_dir++;
        else if (!dir)
                n->only_repo++;
        else if (nk)
                n->changed++;
        else
                n->same++;
        if (json && strcmp(status, "same")) {
                buf_puts(b, n->changed + n->only_dir + n->only_repo > 1 ? ",\n {" : "\n {");
                buf_printf(b, "\"kind\": \"%s\", \"tenant\": ", def_kind_name(d->kind));
                json_put_string(b, def_doc_tenant(d));
                buf_puts(b, ", \"name\": ");
                json_put_string(b, def_doc_name(d));
                buf_printf(b, ", \"status\": \"%s\", \"keys\": [", status);
                for (size_t i = 0; i < nk; i++) {
                        buf_puts(b, i ? ", " : "");
                        json_put_string(b, keys[i]);
                }
                buf_puts(b, "], \"repository\": ");
                put_values(b, &fr, keys, nk);
                buf_puts(b, ", \"dir\": ");
                put_values(b, &fd, keys, nk);
                buf_puts(b, "}");
        } else if (!json && strcmp(status, "same")) {
                const char *what = !repo ? "only in DIR:" : !dir ? "only in the repository:"
                                                                 : "changed";
                buf_printf(b, "%s %s %s/%s", what, def_kind_name(d->kind), def_doc_tenant(d),
                           def_doc_name(d));
                for (size_t i = 0; i < nk; i++)
                        buf_printf(b, "%s%s", i ? ", " : ": ", keys[i]);
                buf_puts(b, "\n");
                for (size_t i = 0; i < nk; i++) {
                        const char *r = field(&fr, keys[i]), *v = field(&fd, keys[i]);
                        if (r)
                                buf_printf(b, "  - %s: %s\n", keys[i], r);
                        if (v)
                                buf_printf(b, "  + %s: %s\n", keys[i], v);
                }
        }
        defs_fields_release(&fr);
        defs_fields_release(&fd);
}

int cli_diff(int argc, char **argv)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},      {"overlay", required_argument, NULL, 'O'},
                {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *db = NULL, *overlay = NULL, *output = NULL;
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:o:h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': db = optarg; break;
                case 'O': overlay = optarg; break;
                case 'o': output = optarg; break;
                case 'h': printf("usage: batchctl " DIFF_USAGE "\n"); return CLI_OK;
                default:
                        fprintf(stderr, "batchctl: unknown or incomplete option '%s'\nusage: "
                                        "batchctl " DIFF_USAGE "\n", argv[optind - 1]);
                        return CLI_USAGE;
                }
        }
        if (optind != argc - 1 || (output && strcmp(output, "json") && strcmp(output, "table"))) {
                fprintf(stderr, "batchctl: diff needs one DIR%s\nusage: batchctl " DIFF_USAGE "\n",
                        output ? " (and -o table or json)" : "");
                return CLI_USAGE;
        }
        bool json = output && !strcmp(output, "json");
        struct defset dir = {0}, repo = {0}, ov_dir = {0}, ov_repo = {0};
        int r = cli_load_defs(argv + optind, 1, &dir);
        if (r == CLI_OK)
                r = cli_load_repo(db, &repo);
        if (r == CLI_OK && overlay)
                r = cli_overlay(overlay, &dir, &ov_dir);
        if (r == CLI_OK && overlay)
                r = cli_overlay(overlay, &repo, &ov_repo);
        if (r == CLI_OK) {
                hide_secrets(&dir);
                hide_secrets(&repo);
                /* Each side's documents are found in the other's by binary search (a
                 * scan for each took hours with 100,000 jobs), and the text is written
                 * as it is made (it may pass what one buffer holds). */
                struct doc_index in_dir = {0}, in_repo = {0};
                if (doc_index_build(&in_dir, &dir, dir.ndocs) < 0 ||
                    doc_index_build(&in_repo, &repo, repo.ndocs) < 0) {
                        fprintf(stderr, "batchctl: out of memory\n");
                        r = CLI_FAILURE;
                }
                struct buf b;
                buf_init(&b, 0);
                struct counts n = {0};
                int werr = 0;
                if (json && r == CLI_OK)
                        buf_puts(&b, "{\"items\": [");
                for (size_t i = 0; i < dir.ndocs && r == CLI_OK && !b.err && !werr; i++) {
                        const struct def_doc *d = &dir.docs[i];
                        one(&b, json, doc_index_find_like(&in_repo, d), d, &n);
                        werr = out_flush(&b, false);
                }
                for (size_t i = 0; i < repo.ndocs && r == CLI_OK && !b.err && !werr; i++) {
                        const struct def_doc *d = &repo.docs[i];
                        if (!doc_index_find_like(&in_dir, d))
                                one(&b, json, d, NULL, &n);
                        werr = out_flush(&b, false);
                }
                if (r == CLI_OK && json)
                        buf_puts(&b, n.changed + n.only_dir + n.only_repo ? "\n], \"next_cursor\": null}\n"
                                                                          : "], \"next_cursor\": null}\n");
                else if (r == CLI_OK)
                        buf_printf(&b, "diff: %zu changed, %zu only in DIR, %zu only in the "
                                       "repository, %zu the same\n",
                                   n.changed, n.only_dir, n.only_repo, n.same);
                if (r == CLI_OK)
                        r = out_flush_end(&b, werr, "the differences");
                buf_release(&b);
                doc_index_release(&in_dir);
                doc_index_release(&in_repo);
        }
        defset_release(&dir);
        defset_release(&repo);
        defset_release(&ov_dir);
        defset_release(&ov_repo);
        return r;
}
