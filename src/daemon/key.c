/* key.c: batchd's secrets key at start and the `batchd key` commands (see key.h). */
#include "daemon/key.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/dlog.h"

int key_start(struct secrets *k, const char *explicit_path, const char *state_dir,
              const char *dsn, struct store *st)
{
        char path[PATH_MAX];
        if (secrets_path(explicit_path, state_dir, dsn, path, sizeof(path)) < 0) {
                dlog("error", NULL, 0, 0, NULL, "the secrets key file's path is too long; runs "
                                                "that need a secret will be Start Failed");
                memset(k, 0, sizeof(*k));
                snprintf(k->problem, sizeof(k->problem), "the secrets key file's path is too long");
                return BATCH_ERANGE;
        }
        struct batch_err err;
        bool existed = access(path, F_OK) == 0;
        int rc = secrets_setup(k, path, st, true, &err);
        if (rc < 0)
                dlog("error", NULL, 0, 0, NULL, "secrets: %s; runs that need such a secret will "
                     "be Start Failed", err.msg);
        else if (!existed)
                dlog("info", NULL, 0, 0, NULL, "secrets: created the key file %s (key %s); back "
                     "it up apart from the repository", path, k->keys[0].id);
        else
                dlog("info", NULL, 0, 0, NULL, "secrets: key %s from %s (%zu key%s)",
                     k->keys[0].id, path, k->n, k->n == 1 ? "" : "s");
        return rc;
}

static const char usage[] =
        "usage: batchd key rotate|list [--secrets-key FILE] [--state-dir DIR] [--db DB]\n"
        "rotate: adds a new key in front (it encrypts from batchd's next start; the older\n"
        "        keys still decrypt); list: the key ids, the encrypting one first\n";

int key_main(int argc, char **argv)
{
        static const struct option longopts[] = {
                {"secrets-key", required_argument, NULL, 'k'},
                {"state-dir", required_argument, NULL, 's'},
                {"db", required_argument, NULL, 'd'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *file = NULL, *state_dir = NULL, *db = NULL;
        if (argc < 2 || (strcmp(argv[1], "rotate") && strcmp(argv[1], "list"))) {
                fputs(usage, stderr);
                return 2;
        }
        bool rotate = !strcmp(argv[1], "rotate");
        optind = 2;
        int ch;
        while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'k': file = optarg; break;
                case 's': state_dir = optarg; break;
                case 'd': db = optarg; break;
                case 'h': fputs(usage, stdout); return 0;
                default: fputs(usage, stderr); return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "batchd: key: unexpected argument \"%s\"\n%s", argv[optind], usage);
                return 2;
        }
        char dsnbuf[PATH_MAX], path[PATH_MAX];
        if (!db && !(db = getenv("BATCHD_DB")) && store_default_path(dsnbuf, sizeof(dsnbuf)) == 0)
                db = dsnbuf;
        if (!db && !file && !getenv("BATCHD_SECRETS_KEY")) {
                fprintf(stderr, "batchd: key: no key file: give --secrets-key or --db\n");
                return 2;
        }
        /* Without a repository the file is given (option or environment). */
        if (secrets_path(file, state_dir, db ? db : "postgres", path, sizeof(path)) < 0) {
                fprintf(stderr, "batchd: key: the key file's path is too long\n");
                return 2;
        }
        struct batch_err err;
        if (rotate) {
                char id[SECRETS_ID_LEN + 1];
                if (secrets_add_key(path, id, &err) < 0) {
                        fprintf(stderr, "batchd: key rotate: %s\n", err.msg);
                        return 1;
                }
                printf("%s\n", id);
                fprintf(stderr, "key %s added to %s; it encrypts from batchd's next start "
                                "(docs/security.md)\n", id, path);
                return 0;
        }
        struct secrets k;
        int rc = secrets_setup(&k, path, NULL, false, &err);
        if (rc < 0 || k.n == 0) {
                fprintf(stderr, "batchd: key list: %s\n", rc < 0 ? err.msg : "no key file");
                return 1;
        }
        for (size_t i = 0; i < k.n; i++)
                printf("%s%s\n", k.keys[i].id, i == 0 ? " (encrypts)" : "");
        secrets_release(&k);
        return 0;
}
