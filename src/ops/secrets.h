/* secrets.h: secret parameter and environment values encrypted at rest (DESIGN §11.7,
 * docs/security.md).
 *
 * A value of a secret key (ops_key_is_secret) is stored as the text
 * "enc:v1:<key id>:<base64url(nonce || ciphertext)>": libsodium's crypto_secretbox_easy
 * (XSalsa20-Poly1305) with a random nonce per value, under a 256-bit key kept in a key
 * file outside the repository. The key id (8 hex digits of a BLAKE2b hash of the key)
 * tells which key encrypted a value, so a key file that does not hold it is named as the
 * reason. The plaintext is recovered only to hand it to a run (secrets_open_env).
 *
 * The key file is text: comment lines (#) and one base64url key per line; the first key
 * encrypts, every key decrypts (rotation, docs/security.md). A `struct secrets` is
 * read-only once set up, so threads may share it. */
#ifndef BATCH_OPS_SECRETS_H
#define BATCH_OPS_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "defs/defs.h"
#include "store/store.h"

#define SECRETS_PREFIX "enc:v1:"
#define SECRETS_ID_LEN 8          /* hex digits of a key id */
#define SECRETS_KEY_LEN 32
#define SECRETS_MAX_KEYS 16
#define SECRETS_FILE_NAME "secrets.key"
/* The `field` of the errors that mean "no usable key" (the API answers them with 503). */
#define SECRETS_FIELD "secrets key"

struct secrets_key {
        char id[SECRETS_ID_LEN + 1];
        unsigned char key[SECRETS_KEY_LEN];
};

struct secrets {
        char path[4096];          /* the key file */
        size_t n;                 /* keys loaded: keys[0] encrypts; 0: none */
        struct secrets_key keys[SECRETS_MAX_KEYS];
        bool may_create;          /* the file is missing and the repository holds no
                                     encrypted value: created by the first secrets_seal */
        char problem[256];        /* why a value cannot be encrypted or decrypted, naming
                                     the file; "" when all is well */
};

/* The key file's path, written to buf (len bytes): `explicit_path` when given, else
 * $BATCHD_SECRETS_KEY, else for an SQLite repository <file>.d/secrets.key (beside the
 * file, whatever the state directory), for PostgreSQL <state_dir>/secrets.key (NULL:
 * batchd's default, /var/lib/batchd). batchd and batchctl's offline commands thus find
 * the same file for the same --db. Returns 0, or BATCH_ERANGE when it does not fit. */
int secrets_path(const char *explicit_path, const char *state_dir, const char *dsn, char *buf,
                 size_t len);

/* Sets *k up for key file `path` and the repository s (may be NULL: no check). The file
 * is loaded when it exists; when missing it is created (mode 0600, its directory 0700)
 * now if `create_now`, else by the first secrets_seal — unless the repository's
 * definitions hold values encrypted with some key, which the new key could not read.
 * Returns 0; or, with k->problem saying why (naming the file) and *k still usable for
 * what it can do: BATCH_ENOENT (missing, and needed), BATCH_EIO (unreadable, or cannot be
 * created), BATCH_EFORMAT (not a key file, or readable by group or others), BATCH_EINVAL
 * (loaded, but it lacks a key that encrypted stored definitions). Release with
 * secrets_release. */
int secrets_setup(struct secrets *k, const char *path, struct store *s, bool create_now,
                  struct batch_err *reterr);

/* Wipes the keys. */
void secrets_release(struct secrets *k);

/* True when `value` has the encrypted form's prefix. */
bool secrets_is_sealed(const char *value);

/* Encrypts `plain` with the current key into a new string *ret (the caller frees it).
 * Errors: BATCH_ENOENT/BATCH_EIO with field SECRETS_FIELD when there is no usable key
 * (k->problem is the message), BATCH_ENOMEM. */
int secrets_seal(struct secrets *k, const char *plain, char **ret, struct batch_err *reterr);

/* Decrypts an encrypted value into a new string *ret (the caller wipes and frees it).
 * Errors: BATCH_EFORMAT (not the encrypted form, or it does not decrypt: altered),
 * BATCH_ENOENT with field SECRETS_FIELD (the key file is missing or does not hold the
 * value's key id), BATCH_ENOMEM. */
int secrets_open(const struct secrets *k, const char *sealed, char **ret,
                 struct batch_err *reterr);

/* Encrypts the values of m's secret keys in place. A value already encrypted with the
 * current key is kept once it is checked to decrypt; one encrypted with an older key is
 * re-encrypted with the current key. When `prior` (the stored map, or NULL) holds the key
 * encrypted with the current key and decrypting to the same plaintext, its text is
 * reused, so that writing an unchanged value back changes nothing. `where` names the map
 * in messages (e.g. "job default/x: parameters"). Errors as secrets_seal and
 * secrets_open. */
int secrets_seal_map(struct secrets *k, struct def_map *m, const struct def_map *prior,
                     const char *where, struct batch_err *reterr);

/* Encrypts the secret values of a job definition (its exec env and parameters), reusing
 * the values of the stored definition text `stored` (or NULL) as secrets_seal_map does.
 * Other kinds are left alone. */
int secrets_seal_doc(struct secrets *k, struct def_doc *doc, const char *stored,
                     struct batch_err *reterr);

/* Decrypts in place the encrypted values of secret variables of a NULL-terminated
 * "NAME=VALUE" environment (strings from malloc). Returns 0, or a negative code with
 * `why` (len bytes) naming the variable and the reason, e.g. that the key file is
 * missing; the environment is then left for the caller to free as usual. */
int secrets_open_env(const struct secrets *k, char **env, char *why, size_t len);

/* Adds a new random key in front of the key file's keys (creating the file when
 * missing), so it encrypts from now on while the older keys still decrypt: written to a
 * temporary file with mode 0600, synced and renamed over the old one. *ret_id (9 bytes)
 * is the new key's id. */
int secrets_add_key(const char *path, char ret_id[SECRETS_ID_LEN + 1], struct batch_err *reterr);

#endif
