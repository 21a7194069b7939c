/* token.h: API bearer tokens: 256 random bits shown once as "bdt_" + base64url, stored
 * only as a BLAKE2b-256 hash (hex). High-entropy secrets need no slow password hash:
 * nobody can guess 2^256 inputs, so a fast hash keeps the lookup one index probe. */
#ifndef BATCH_API_TOKEN_H
#define BATCH_API_TOKEN_H

#include <stdint.h>

#include "common/err.h"
#include "store/store.h"

#define TOKEN_SECRET_MAX 64
#define TOKEN_HASH_LEN 64

/* Fills `out` with a new secret. Returns 0, or BATCH_EIO when libsodium cannot start. */
int token_secret_new(char out[TOKEN_SECRET_MAX]);

/* The hex hash of a secret, as the repository stores it. */
void token_hash(const char *secret, char out[TOKEN_HASH_LEN + 1]);

/* Creates a token (name, role, tenant, expiry: Unix seconds or 0) in the repository
 * with an audit row, and writes its secret to `secret`. Errors of store_token_add
 * (BATCH_EEXIST for a taken name, BATCH_EINVAL for a bad role). */
int token_create(struct store *s, const char *tenant, const char *name, const char *role,
                 int64_t expires_at, const char *actor, int64_t now,
                 char secret[TOKEN_SECRET_MAX], int64_t *ret_id, struct batch_err *reterr);

/* `batchd token create --name NAME --role ROLE [--tenant T] [--expires-days N] [--db DB]`:
 * bootstraps a token offline and prints its secret once. argv[0] is "token". Returns
 * an exit status (0, 1 failure, 2 usage). */
int token_main(int argc, char **argv);

#endif
