/* Unit tests for secret values at rest (src/ops/secrets.c, docs/security.md): the key
 * file (made 0600, refused when others may read it), the stored form
 * enc:v1:<key id>:<base64url>, a random nonce per value, altered data and a foreign key
 * refused, re-encryption rules of secrets_seal_map, the run environment, and a missing
 * key file that the repository's secrets need. Real files in a temporary directory and a
 * real SQLite repository. */
#include "test.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/secrets.h"

static char dir[] = "/tmp/batchd-secrets-XXXXXX";

static void path_in(char *buf, size_t len, const char *name)
{
        snprintf(buf, len, "%s/%s", dir, name);
}

static void setup_keys(struct secrets *k, const char *name)
{
        char path[512];
        path_in(path, sizeof(path), name);
        struct batch_err err;
        assert_int_equal(secrets_setup(k, path, NULL, true, &err), 0);
        assert_int_equal(k->n, 1);
}

static bool matches(const char *re, const char *text)
{
        regex_t r;
        assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
        bool ok = regexec(&r, text, 0, NULL, 0) == 0;
        regfree(&r);
        return ok;
}

static void test_key_file_and_form(void **state)
{
        (void)state;
        struct secrets k;
        setup_keys(&k, "sub/a.key"); /* its directory is made too */
        char path[512];
        path_in(path, sizeof(path), "sub/a.key");
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_true(matches("^[0-9a-f]{8}$", k.keys[0].id));

        char *a, *b, *plain;
        assert_int_equal(secrets_seal(&k, "s3cr3t value", &a, NULL), 0);
        assert_int_equal(secrets_seal(&k, "s3cr3t value", &b, NULL), 0);
        assert_true(matches("^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$", a));
        assert_memory_equal(a + 7, k.keys[0].id, 8);
        assert_string_not_equal(a, b); /* a random nonce per value */
        assert_null(strstr(a, "s3cr3t"));
        assert_int_equal(secrets_open(&k, a, &plain, NULL), 0);
        assert_string_equal(plain, "s3cr3t value");
        free(plain);
        assert_true(secrets_is_sealed(a));
        assert_false(secrets_is_sealed("s3cr3t value"));

        /* One character of the data changed: refused, not decrypted to garbage. */
        size_t n = strlen(a);
        a[n - 5] = a[n - 5] == 'A' ? 'B' : 'A';
        struct batch_err err;
        assert_int_equal(secrets_open(&k, a, &plain, &err), BATCH_EFORMAT);
        assert_non_null(strstr(err.msg, "does not decrypt"));
        free(a);

        /* Another key file does not hold the value's key: named in the error. */
        struct secrets other;
        setup_keys(&other, "b.key");
        assert_int_equal(secrets_open(&other, b, &plain, &err), BATCH_ENOENT);
        assert_string_equal(err.field, SECRETS_FIELD);
        assert_non_null(strstr(err.msg, k.keys[0].id));
        free(b);
        secrets_release(&k);
        secrets_release(&other);

        /* Readable by others: refused, naming the file and the mode. */
        assert_int_equal(chmod(path, 0644), 0);
        assert_int_equal(secrets_setup(&k, path, NULL, true, &err), BATCH_EFORMAT);
        assert_non_null(strstr(err.msg, path));
        assert_non_null(strstr(err.msg, "0644"));
        assert_int_equal(k.n, 0);
}

static void test_seal_map(void **state)
{
        (void)state;
        struct secrets k;
        setup_keys(&k, "c.key");
        char *keys[] = {(char *)"region", (char *)"db_password"};
        char *vals[] = {strdup("EU"), strdup("pw-1")};
        struct def_map m = {2, keys, vals};
        assert_int_equal(secrets_seal_map(&k, &m, NULL, "parameters", NULL), 0);
        assert_string_equal(m.vals[0], "EU"); /* not a secret key */
        assert_true(secrets_is_sealed(m.vals[1]));
        char *first = strdup(m.vals[1]);

        /* The same plaintext again, with the stored map: the stored text is kept. */
        char *vals2[] = {strdup("EU"), strdup("pw-1")};
        struct def_map m2 = {2, keys, vals2};
        assert_int_equal(secrets_seal_map(&k, &m2, &m, "parameters", NULL), 0);
        assert_string_equal(m2.vals[1], first);
        /* An already encrypted value with the current key is kept as it is. */
        assert_int_equal(secrets_seal_map(&k, &m2, NULL, "parameters", NULL), 0);
        assert_string_equal(m2.vals[1], first);
        /* Another plaintext: a new text. */
        free(m2.vals[1]);
        m2.vals[1] = strdup("pw-2");
        assert_int_equal(secrets_seal_map(&k, &m2, &m, "parameters", NULL), 0);
        assert_string_not_equal(m2.vals[1], first);

        /* After a rotation the old key still decrypts; values are re-encrypted with the
         * new one. */
        char id[SECRETS_ID_LEN + 1];
        assert_int_equal(secrets_add_key(k.path, id, NULL), 0);
        struct secrets r;
        assert_int_equal(secrets_setup(&r, k.path, NULL, false, NULL), 0);
        assert_int_equal(r.n, 2);
        assert_string_equal(r.keys[0].id, id);
        assert_string_equal(r.keys[1].id, k.keys[0].id);
        assert_int_equal(secrets_seal_map(&r, &m, NULL, "parameters", NULL), 0);
        assert_memory_equal(m.vals[1] + 7, id, 8);

        /* An encrypted value the key file cannot decrypt is refused, naming the key. */
        struct secrets other;
        setup_keys(&other, "d.key");
        struct batch_err err;
        assert_int_equal(secrets_seal_map(&other, &m, NULL, "parameters", &err), BATCH_ENOENT);
        assert_non_null(strstr(err.msg, "parameters.db_password"));

        /* The run's environment: secret names decrypted, others left alone. */
        char *env[4];
        size_t n = strlen(first) + 32;
        env[0] = malloc(n);
        snprintf(env[0], n, "BATCH_PARAM_DB_PASSWORD=%s", first);
        env[1] = malloc(n);
        snprintf(env[1], n, "BATCH_PARAM_NOTE=%s", first);
        env[2] = strdup("PATH=/bin");
        env[3] = NULL;
        char why[200];
        assert_int_equal(secrets_open_env(&r, env, why, sizeof(why)), 0);
        assert_string_equal(env[0], "BATCH_PARAM_DB_PASSWORD=pw-1");
        assert_true(secrets_is_sealed(strchr(env[1], '=') + 1));
        free(env[0]);
        env[0] = malloc(n);
        snprintf(env[0], n, "API_TOKEN=%s", first);
        assert_int_equal(secrets_open_env(&other, env, why, sizeof(why)), BATCH_ENOENT);
        assert_non_null(strstr(why, "API_TOKEN"));
        assert_non_null(strstr(why, other.path));
        for (size_t i = 0; env[i]; i++)
                free(env[i]);

        free(first);
        for (size_t i = 0; i < 2; i++)
                free(vals[i]), free(vals2[i]);
        secrets_release(&k);
        secrets_release(&r);
        secrets_release(&other);
}

static void test_missing_key_the_repository_needs(void **state)
{
        (void)state;
        char db[512], key[512];
        path_in(db, sizeof(db), "r.db");
        path_in(key, sizeof(key), "e.key");
        struct store *s;
        assert_int_equal(store_open(db, &s, NULL), 0);
        struct secrets k;
        /* An empty repository: the missing file is made at first need only. */
        assert_int_equal(secrets_setup(&k, key, s, false, NULL), 0);
        assert_int_equal(k.n, 0);
        assert_int_equal(access(key, F_OK), -1);
        char *v;
        assert_int_equal(secrets_seal(&k, "x", &v, NULL), 0);
        assert_int_equal(access(key, F_OK), 0);
        struct store_def d = {.tenant = (char *)"default", .kind = (char *)"job",
                              .name = (char *)"j", .changed = (char *)"created",
                              .changed_by = (char *)"test"};
        char spec[600];
        snprintf(spec, sizeof(spec), "kind: job\nname: j\nparameters: {password: \"%s\"}\n", v);
        d.spec = spec;
        assert_int_equal(store_def_put(s, &d, 1000, NULL), 0);
        free(v);
        secrets_release(&k);

        /* The key file gone: not replaced by a new key; the error names it. */
        assert_int_equal(unlink(key), 0);
        struct batch_err err;
        assert_int_equal(secrets_setup(&k, key, s, true, &err), BATCH_ENOENT);
        assert_int_equal(access(key, F_OK), -1);
        assert_non_null(strstr(err.msg, key));
        assert_non_null(strstr(err.msg, "missing"));
        assert_int_equal(secrets_seal(&k, "y", &v, &err), BATCH_ENOENT);
        assert_string_equal(err.field, SECRETS_FIELD);
        assert_int_equal(access(key, F_OK), -1);

        /* Another key there instead: set up, and the missing key named. */
        char kid[SECRETS_ID_LEN + 1];
        snprintf(kid, sizeof(kid), "%.8s", strstr(spec, "enc:v1:") + 7);
        char other_id[SECRETS_ID_LEN + 1];
        assert_int_equal(secrets_add_key(key, other_id, NULL), 0);
        assert_int_equal(secrets_setup(&k, key, s, true, &err), BATCH_EINVAL);
        assert_non_null(strstr(err.msg, kid));
        assert_int_equal(k.n, 1);
        secrets_release(&k);
        store_close(s);
}

int main(void)
{
        if (!mkdtemp(dir))
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_key_file_and_form),
                cmocka_unit_test(test_seal_map),
                cmocka_unit_test(test_missing_key_the_repository_needs),
        };
        int rc = cmocka_run_group_tests(tests, NULL, NULL);
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        if (system(cmd) != 0)
                rc = rc ? rc : 1;
        return rc;
}
