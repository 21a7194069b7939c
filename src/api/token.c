/* token.c: API token secrets and their hashes (see token.h). */
#include "api/token.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

int token_secret_new(char out[TOKEN_SECRET_MAX])
{
        if (sodium_init() < 0)
                return BATCH_EIO;
        unsigned char raw[32];
        randombytes_buf(raw, sizeof(raw));
        memcpy(out, "bdt_", 4);
        sodium_bin2base64(out + 4, TOKEN_SECRET_MAX - 4, raw, sizeof(raw),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(raw, sizeof(raw));
        return 0;
}

void token_hash(const char *secret, char out[TOKEN_HASH_LEN + 1])
{
        unsigned char h[32];
        crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
        sodium_bin2hex(out, TOKEN_HASH_LEN + 1, h, sizeof(h));
}

int token_create(struct store *s, const char *tenant, const char *name, const char *role,
                 int64_t expires_at, const char *actor, int64_t now,
                 char secret[TOKEN_SECRET_MAX], int64_t *ret_id, struct batch_err *reterr)
{
        if (token_secret_new(secret) < 0)
                return batch_err_set(reterr, BATCH_EIO, NULL, "libsodium failed to start");
        char hash[TOKEN_HASH_LEN + 1];
        token_hash(secret, hash);
        struct store_token t = {.tenant = (char *)tenant, .name = (char *)name,
                                .role = (char *)role, .hash = hash, .expires_at = expires_at};
        char detail[256];
        snprintf(detail, sizeof(detail), "role %s", role);
        int r = store_begin(s, reterr);
        if (r < 0)
                return r;
        if ((r = store_token_add(s, &t, now, ret_id, reterr)) < 0 ||
            (r = store_audit_add(s, now, actor, "token-create", name, detail, reterr)) < 0 ||
            (r = store_commit(s, reterr)) < 0) {
                store_rollback(s);
                sodium_memzero(secret, TOKEN_SECRET_MAX);
        }
        return r;
}

static const char usage[] =
        "usage: batchd token create --name NAME --role viewer|operator|admin [--tenant T] "
        "[--expires-days N] [--db DB]\n";

int token_main(int argc, char **argv)
{
        if (argc < 2 || strcmp(argv[1], "create")) {
                fprintf(stderr, "batchd: token needs the verb create\n%s", usage);
                return 2;
        }
        const char *name = NULL, *role = NULL, *tenant = "default", *db = NULL;
        long days = 0;
        static const struct option longopts[] = {
                {"name", required_argument, NULL, 'n'},   {"role", required_argument, NULL, 'r'},
                {"tenant", required_argument, NULL, 't'}, {"db", required_argument, NULL, 'd'},
                {"expires-days", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0},
        };
        optind = 1;
        int ch;
        while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
                switch (ch) {
                case 'n': name = optarg; break;
                case 'r': role = optarg; break;
                case 't': tenant = optarg; break;
                case 'd': db = optarg; break;
                case 'e': {
                        char *end;
                        days = strtol(optarg, &end, 10);
                        if (*end || days < 1 || days > 36500) {
                                fprintf(stderr, "batchd: --expires-days \"%s\" must be 1 to 36500\n%s",
                                        optarg, usage);
                                return 2;
                        }
                        break;
                }
                default: fputs(usage, stderr); return 2;
                }
        }
        if (!name || !role || optind != argc - 1) {
                fprintf(stderr, "batchd: token create needs --name and --role\n%s", usage);
                return 2;
        }
        char path[4096];
        if (!db && !(db = getenv("BATCHD_DB"))) {
                if (store_default_path(path, sizeof(path)) < 0) {
                        fprintf(stderr, "batchd: no repository: give --db\n");
                        return 1;
                }
                db = path;
        }
        struct store *s;
        struct batch_err err;
        if (store_open(db, &s, &err) < 0) {
                fprintf(stderr, "batchd: %s: %s\n", db, err.msg);
                return 1;
        }
        int64_t now = (int64_t)time(NULL), id;
        char secret[TOKEN_SECRET_MAX];
        int r = token_create(s, tenant, name, role, days ? now + days * 86400 : 0, "batchd token",
                             now, secret, &id, &err);
        store_close(s);
        if (r < 0) {
                fprintf(stderr, "batchd: token create: %s\n", err.msg);
                return 1;
        }
        printf("%s\n", secret);
        fprintf(stderr, "token %lld \"%s\" (%s, tenant %s) created; the secret above is shown "
                        "only now\n", (long long)id, name, role, tenant);
        sodium_memzero(secret, sizeof(secret));
        return 0;
}
