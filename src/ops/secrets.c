/* secrets.c: secret values encrypted at rest with a key file outside the repository
 * (see secrets.h, docs/security.md). */
#include "ops/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/files.h"
#include "defs/load.h"
#include "ops/jobs.h"

#define FILE_MAX (64 * 1024)
#define B64_KEY_LEN 43 /* base64url of 32 bytes, no padding */
#define VALUE_MAX (1024 * 1024)

static const char file_header[] =
        "# batchd secrets key file (docs/security.md): one base64url key per line; the first\n"
        "# encrypts, every one decrypts. Back it up apart from the repository.\n";

int secrets_path(const char *explicit_path, const char *state_dir, const char *dsn, char *buf,
                 size_t len)
{
        int n;
        const char *env = getenv("BATCHD_SECRETS_KEY");
        if (explicit_path && *explicit_path)
                n = snprintf(buf, len, "%s", explicit_path);
        else if (env && *env)
                n = snprintf(buf, len, "%s", env);
        else if (strncmp(dsn, "postgres", 8) != 0) /* beside the SQLite file, whatever */
                n = snprintf(buf, len, "%s.d/" SECRETS_FILE_NAME, /* the state directory */
                             strncmp(dsn, "sqlite:", 7) ? dsn : dsn + 7);
        else if (state_dir && *state_dir)
                n = snprintf(buf, len, "%s/" SECRETS_FILE_NAME, state_dir);
        else
                n = snprintf(buf, len, "/var/lib/batchd/" SECRETS_FILE_NAME);
        if (n < 0 || (size_t)n >= len)
                return batch_err_set(NULL, BATCH_ERANGE, NULL, "path too long");
        return 0;
}

static void key_id(const unsigned char key[SECRETS_KEY_LEN], char out[SECRETS_ID_LEN + 1])
{
        static const unsigned char ctx[16] = "batchd-key-id-v1";
        unsigned char h[16];
        crypto_generichash(h, sizeof(h), key, SECRETS_KEY_LEN, ctx, sizeof(ctx));
        sodium_bin2hex(out, SECRETS_ID_LEN + 1, h, SECRETS_ID_LEN / 2);
}

/* Reads the key file into k->keys. */
static int load_file(struct secrets *k, struct batch_err *reterr)
{
        int fd = open(k->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return batch_err_set(reterr, errno == ENOENT ? BATCH_ENOENT : BATCH_EIO,
                                     SECRETS_FIELD, "cannot read the key file %s: %s", k->path,
                                     strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
                close(fd);
                return batch_err_set(reterr, BATCH_EFORMAT, SECRETS_FIELD,
                                     "the key file %s is not a regular file of at most 64 KiB",
                                     k->path);
        }
        if (st.st_mode & 077) {
                close(fd);
                return batch_err_set(reterr, BATCH_EFORMAT, SECRETS_FIELD,
                                     "the key file %s has mode %04o: other users may read it; "
                                     "make it 0600",
                                     k->path, (unsigned)(st.st_mode & 07777));
        }
        char *text = malloc((size_t)st.st_size + 1);
        ssize_t got = text ? read(fd, text, (size_t)st.st_size) : -1;
        close(fd);
        if (got < 0) {
                free(text);
                return batch_err_set(reterr, BATCH_EIO, SECRETS_FIELD,
                                     "cannot read the key file %s", k->path);
        }
        text[got] = '\0';
        int rc = 0, line = 0;
        k->n = 0;
        for (char *p = text, *nl; *p && rc == 0; p = nl ? nl + 1 : p + strlen(p)) {
                nl = strchr(p, '\n');
                if (nl)
                        *nl = '\0';
                line++;
                size_t l = strlen(p);
                while (l && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r'))
                        p[--l] = '\0';
                if (!l || p[0] == '#')
                        continue;
                size_t bin = 0;
                struct secrets_key *key = &k->keys[k->n];
                if (k->n == SECRETS_MAX_KEYS)
                        rc = batch_err_set(reterr, BATCH_EFORMAT, SECRETS_FIELD,
                                           "the key file %s has more than %d keys", k->path,
                                           SECRETS_MAX_KEYS);
                else if (sodium_base642bin(key->key, sizeof(key->key), p, l, NULL, &bin, NULL,
                                           sodium_base64_VARIANT_URLSAFE_NO_PADDING) < 0 ||
                         bin != SECRETS_KEY_LEN)
                        rc = batch_err_set(reterr, BATCH_EFORMAT, SECRETS_FIELD,
                                           "the key file %s, line %d: not a key (43 base64url "
                                           "characters)", k->path, line);
                else
                        key_id(key->key, key->id), k->n++;
        }
        sodium_memzero(text, (size_t)got);
        free(text);
        if (rc == 0 && k->n == 0)
                rc = batch_err_set(reterr, BATCH_EFORMAT, SECRETS_FIELD,
                                   "the key file %s holds no key", k->path);
        if (rc < 0)
                sodium_memzero(k->keys, sizeof(k->keys)), k->n = 0;
        return rc;
}

/* Writes a new key file at `path` holding a new key and then the key lines `rest` (or
 * NULL): to path.tmp with mode 0600, synced, renamed over `path`. With `exclusive`, an
 * existing file is left alone (EEXIST). */
static int write_key_file(const char *path, const char *rest, bool exclusive,
                          char ret_id[SECRETS_ID_LEN + 1], struct batch_err *reterr)
{
        if (sodium_init() < 0)
                return batch_err_set(reterr, BATCH_EIO, SECRETS_FIELD, "libsodium failed to start");
        if (files_make_parents(path) < 0)
                return batch_err_set(reterr, BATCH_EIO, SECRETS_FIELD,
                                     "cannot create the directory of the key file %s: %s", path,
                                     strerror(errno));
        unsigned char key[SECRETS_KEY_LEN];
        char b64[B64_KEY_LEN + 2];
        randombytes_buf(key, sizeof(key));
        sodium_bin2base64(b64, sizeof(b64), key, sizeof(key),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        key_id(key, ret_id);
        sodium_memzero(key, sizeof(key));
        char tmp[sizeof(((struct secrets *)0)->path) + 8];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        unlink(tmp);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        int rc = 0;
        if (fd < 0 || fchmod(fd, 0600) < 0 ||
            files_write_all(fd, file_header, strlen(file_header)) < 0 ||
            files_write_all(fd, b64, strlen(b64)) < 0 || files_write_all(fd, "\n", 1) < 0 ||
            (rest && files_write_all(fd, rest, strlen(rest)) < 0) || fsync(fd) < 0)
                rc = -1;
        int e = errno;
        if (fd >= 0 && close(fd) < 0 && rc == 0)
                rc = -1, e = errno;
        if (rc == 0 && exclusive && link(tmp, path) < 0) /* never replaces a file */
                rc = -1, e = errno;
        else if (rc == 0 && !exclusive && rename(tmp, path) < 0)
                rc = -1, e = errno;
        unlink(tmp);
        sodium_memzero(b64, sizeof(b64));
        if (rc < 0)
                return batch_err_set(reterr, e == EEXIST ? BATCH_EEXIST : BATCH_EIO, SECRETS_FIELD,
                                     "cannot create the key file %s: %s", path, strerror(e));
        /* The new name is durable once its directory is synced. */
        char dir[sizeof(tmp)];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash == dir)
                dir[1] = '\0';
        else if (slash)
                *slash = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
        }
        return 0;
}

/* Creates the missing key file (another process may just have) and loads it. */
static int create_and_load(struct secrets *k, struct batch_err *reterr)
{
        char id[SECRETS_ID_LEN + 1];
        k->may_create = false; /* one attempt: after it *k is read-only */
        int rc = write_key_file(k->path, NULL, true, id, reterr);
        if (rc < 0 && rc != BATCH_EEXIST)
                return rc;
        return load_file(k, reterr);
}

static const struct secrets_key *find_key(const struct secrets *k, const char *id)
{
        for (size_t i = 0; i < k->n; i++)
                if (!strncmp(k->keys[i].id, id, SECRETS_ID_LEN))
                        return &k->keys[i];
        return NULL;
}

/* The first key id of an encrypted value in the repository's current definitions that k
 * does not hold, copied to id with the definition it is in; false when there is none. */
static bool stored_key_missing(const struct secrets *k, struct store *s,
                               char id[SECRETS_ID_LEN + 1], char *where, size_t wlen)
{
        struct store_def_list l = {0, NULL};
        struct batch_err err;
        bool found = false;
        if (!s || store_def_list(s, NULL, NULL, &l, &err) < 0)
                return false;
        for (size_t i = 0; i < l.n && !found; i++) {
                const char *p = l.items[i].spec;
                while (p && !found && (p = strstr(p, SECRETS_PREFIX))) {
                        p += strlen(SECRETS_PREFIX);
                        if (strspn(p, "0123456789abcdef") < SECRETS_ID_LEN || find_key(k, p))
                                continue;
                        snprintf(id, SECRETS_ID_LEN + 1, "%s", p);
                        snprintf(where, wlen, "%s %s/%s", l.items[i].kind, l.items[i].tenant,
                                 l.items[i].name);
                        found = true;
                }
        }
        store_def_list_release(&l);
        return found;
}

int secrets_setup(struct secrets *k, const char *path, struct store *s, bool create_now,
                  struct batch_err *reterr)
{
        memset(k, 0, sizeof(*k));
        snprintf(k->path, sizeof(k->path), "%s", path);
        if (sodium_init() < 0) {
                snprintf(k->problem, sizeof(k->problem), "libsodium failed to start");
                return batch_err_set(reterr, BATCH_EIO, SECRETS_FIELD, "%s", k->problem);
        }
        struct batch_err err;
        char id[SECRETS_ID_LEN + 1], where[600];
        int rc = load_file(k, &err);
        if (rc == BATCH_ENOENT) {
                if (stored_key_missing(k, s, id, where, sizeof(where))) {
                        snprintf(k->problem, sizeof(k->problem), "the key file %.220s is missing",
                                 k->path);
                        rc = batch_err_set(&err, BATCH_ENOENT, SECRETS_FIELD,
                                           "the key file %s is missing, and the repository "
                                           "holds secrets encrypted with key %s (%s): restore "
                                           "the key file from its backup", k->path, id, where);
                } else {
                        k->may_create = true;
                        rc = create_now ? create_and_load(k, &err) : 0;
                }
        } else if (rc == 0 && stored_key_missing(k, s, id, where, sizeof(where))) {
                rc = batch_err_set(&err, BATCH_EINVAL, SECRETS_FIELD,
                                   "the key file %s does not hold key %s, which encrypted "
                                   "secrets of %s: give the key file they were written with",
                                   k->path, id, where);
        }
        if (rc < 0) {
                if (!k->problem[0])
                        snprintf(k->problem, sizeof(k->problem), "%s", err.msg);
                if (reterr)
                        *reterr = err;
        }
        return rc;
}

void secrets_release(struct secrets *k)
{
        if (k)
                sodium_memzero(k->keys, sizeof(k->keys));
}

bool secrets_is_sealed(const char *value)
{
        return value && !strncmp(value, SECRETS_PREFIX, strlen(SECRETS_PREFIX));
}

static int no_key(const struct secrets *k, struct batch_err *reterr)
{
        return batch_err_set(reterr, BATCH_ENOENT, SECRETS_FIELD, "%s",
                             k->problem[0] ? k->problem : "there is no secrets key file");
}

int secrets_seal(struct secrets *k, const char *plain, char **ret, struct batch_err *reterr)
{
        if (k->n == 0 && k->may_create) {
                struct batch_err err;
                if (create_and_load(k, &err) < 0)
                        snprintf(k->problem, sizeof(k->problem), "%s", err.msg);
        }
        if (k->n == 0)
                return no_key(k, reterr);
        size_t mlen = strlen(plain);
        if (mlen > VALUE_MAX)
                return batch_err_set(reterr, BATCH_ERANGE, NULL, "a secret value over 1 MiB");
        size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + mlen;
        unsigned char *blob = malloc(blen);
        size_t tlen = strlen(SECRETS_PREFIX) + SECRETS_ID_LEN + 1 +
                      sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        char *text = malloc(tlen);
        if (!blob || !text) {
                free(blob);
                free(text);
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        }
        randombytes_buf(blob, crypto_secretbox_NONCEBYTES);
        crypto_secretbox_easy(blob + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain,
                              mlen, blob, k->keys[0].key);
        int n = snprintf(text, tlen, SECRETS_PREFIX "%s:", k->keys[0].id);
        sodium_bin2base64(text + n, tlen - (size_t)n, blob, blen,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        free(blob);
        *ret = text;
        return 0;
}

int secrets_open(const struct secrets *k, const char *sealed, char **ret,
                 struct batch_err *reterr)
{
        const char *id = sealed + strlen(SECRETS_PREFIX);
        if (!secrets_is_sealed(sealed) || strspn(id, "0123456789abcdef") != SECRETS_ID_LEN ||
            id[SECRETS_ID_LEN] != ':')
                return batch_err_set(reterr, BATCH_EFORMAT, NULL,
                                     "not an encrypted value (" SECRETS_PREFIX "<key id>:<data>)");
        const struct secrets_key *key = find_key(k, id);
        if (!key && k->n == 0)
                return no_key(k, reterr);
        if (!key)
                return batch_err_set(reterr, BATCH_ENOENT, SECRETS_FIELD,
                                     "key %.8s is not in the key file %s", id, k->path);
        const char *b64 = id + SECRETS_ID_LEN + 1;
        size_t b64len = strlen(b64), blen = 0;
        unsigned char *blob = malloc(b64len + 1);
        if (!blob)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        char *plain = NULL;
        int rc = 0;
        if (sodium_base642bin(blob, b64len + 1, b64, b64len, NULL, &blen, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) < 0 ||
            blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
                rc = batch_err_set(reterr, BATCH_EFORMAT, NULL,
                                   "an encrypted value whose data is not base64url");
        } else {
                size_t mlen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
                plain = malloc(mlen + 1);
                if (!plain)
                        rc = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                else if (crypto_secretbox_open_easy((unsigned char *)plain,
                                                    blob + crypto_secretbox_NONCEBYTES,
                                                    blen - crypto_secretbox_NONCEBYTES, blob,
                                                    key->key) < 0 ||
                         memchr(plain, '\0', mlen))
                        rc = batch_err_set(reterr, BATCH_EFORMAT, NULL,
                                           "an encrypted value that does not decrypt with key "
                                           "%s of %s: the value or the key was altered",
                                           key->id, k->path);
                else
                        plain[mlen] = '\0';
        }
        free(blob);
        if (rc < 0) {
                free(plain);
                return rc;
        }
        *ret = plain;
        return 0;
}

static void wipe_free(char *s)
{
        if (s) {
                sodium_memzero(s, strlen(s));
                free(s);
        }
}

/* Whether `sealed` is encrypted with k's current key. */
static bool current_key(const struct secrets *k, const char *sealed)
{
        return k->n && secrets_is_sealed(sealed) &&
               !strncmp(sealed + strlen(SECRETS_PREFIX), k->keys[0].id, SECRETS_ID_LEN);
}

/* The new text of one secret value: see secrets_seal_map. */
static int seal_value(struct secrets *k, const char *value, const char *was, char **ret,
                      struct batch_err *reterr)
{
        char *plain = NULL, *old = NULL;
        int rc = 0;
        if (secrets_is_sealed(value)) {
                if ((rc = secrets_open(k, value, &plain, reterr)) < 0)
                        return rc;
                if (current_key(k, value)) {
                        wipe_free(plain);
                        return (*ret = strdup(value)) ? 0 : BATCH_ENOMEM;
                }
        }
        const char *p = plain ? plain : value;
        struct batch_err ignored;
        if (current_key(k, was) && secrets_open(k, was, &old, &ignored) == 0 && !strcmp(old, p))
                rc = (*ret = strdup(was)) ? 0 : BATCH_ENOMEM;
        else
                rc = secrets_seal(k, p, ret, reterr);
        wipe_free(old);
        wipe_free(plain);
        return rc;
}

int secrets_seal_map(struct secrets *k, struct def_map *m, const struct def_map *prior,
                     const char *where, struct batch_err *reterr)
{
        for (size_t i = 0; i < m->n; i++) {
                if (!ops_key_is_secret(m->keys[i]))
                        continue;
                const char *was = NULL;
                for (size_t j = 0; prior && j < prior->n; j++)
                        if (!strcmp(prior->keys[j], m->keys[i]))
                                was = prior->vals[j];
                char *text = NULL;
                struct batch_err err;
                int rc = seal_value(k, m->vals[i], was, &text, &err);
                if (rc == BATCH_ENOMEM)
                        return batch_err_set(reterr, rc, NULL, "out of memory");
                if (rc < 0)
                        return batch_err_set(reterr, rc, err.field, "%s.%s: %s", where,
                                             m->keys[i], err.msg);
                wipe_free(m->vals[i]);
                m->vals[i] = text;
        }
        return 0;
}

int secrets_seal_doc(struct secrets *k, struct def_doc *doc, const char *stored,
                     struct batch_err *reterr)
{
        if (doc->kind != DEF_JOB)
                return 0;
        struct job_def *j = &doc->u.job;
        struct defset old;
        const struct job_def *o = NULL;
        if (stored && ops_load_spec(stored, &old) == 0 && old.docs[0].kind == DEF_JOB)
                o = &old.docs[0].u.job;
        else
                stored = NULL; /* nothing to release */
        char where[300];
        snprintf(where, sizeof(where), "job %s/%s: executor.exec.env", j->tenant, j->name);
        int rc = secrets_seal_map(k, &j->exec_env, o ? &o->exec_env : NULL, where, reterr);
        snprintf(where, sizeof(where), "job %s/%s: parameters", j->tenant, j->name);
        if (rc == 0)
                rc = secrets_seal_map(k, &j->parameters, o ? &o->parameters : NULL, where, reterr);
        if (stored)
                defset_release(&old);
        return rc;
}

int secrets_open_env(const struct secrets *k, char **env, char *why, size_t len)
{
        for (size_t i = 0; env[i]; i++) {
                char *eq = strchr(env[i], '=');
                if (!eq || !secrets_is_sealed(eq + 1))
                        continue;
                char name[256];
                snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
                if (!ops_key_is_secret(name))
                        continue;
                char *plain;
                struct batch_err err;
                int rc = secrets_open(k, eq + 1, &plain, &err);
                if (rc < 0) {
                        snprintf(why, len, "%s: cannot decrypt: %s", name, err.msg);
                        return rc;
                }
                size_t n = strlen(name) + strlen(plain) + 2;
                char *s = malloc(n);
                if (!s) {
                        wipe_free(plain);
                        snprintf(why, len, "out of memory");
                        return BATCH_ENOMEM;
                }
                snprintf(s, n, "%s=%s", name, plain);
                wipe_free(plain);
                free(env[i]);
                env[i] = s;
        }
        return 0;
}

int secrets_add_key(const char *path, char ret_id[SECRETS_ID_LEN + 1], struct batch_err *reterr)
{
        struct secrets k;
        memset(&k, 0, sizeof(k));
        snprintf(k.path, sizeof(k.path), "%s", path);
        if (sodium_init() < 0)
                return batch_err_set(reterr, BATCH_EIO, SECRETS_FIELD, "libsodium failed to start");
        int rc = load_file(&k, reterr);
        if (rc == BATCH_ENOENT)
                return write_key_file(path, NULL, true, ret_id, reterr);
        if (rc < 0)
                return rc;
        struct buf rest;
        buf_init(&rest, 0);
        for (size_t i = 0; i < k.n; i++) {
                char b64[B64_KEY_LEN + 2];
                sodium_bin2base64(b64, sizeof(b64), k.keys[i].key, SECRETS_KEY_LEN,
                                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
                buf_printf(&rest, "%s\n", b64);
                sodium_memzero(b64, sizeof(b64));
        }
        secrets_release(&k);
        if (k.n == SECRETS_MAX_KEYS)
                rc = batch_err_set(reterr, BATCH_ERANGE, SECRETS_FIELD,
                                   "the key file %s already holds %d keys: remove the oldest "
                                   "one no value needs any more first", path, SECRETS_MAX_KEYS);
        else if (rest.err)
                rc = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        else
                rc = write_key_file(path, rest.data, false, ret_id, reterr);
        if (rest.len)
                sodium_memzero(rest.data, rest.len);
        buf_release(&rest);
        return rc;
}
