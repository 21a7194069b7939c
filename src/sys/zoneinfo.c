/* zoneinfo.c: loads IANA time zones by name from TZif files, with a cache.
 *
 * The I/O edge of the time-zone code: names are checked, the file is read whole
 * (at most ZONE_FILE_MAX bytes) and parsed by tz_parse() (src/core/tz.c). Every
 * loaded zone stays in a mutex-protected array until zoneinfo_cache_clear(), so
 * the pointers handed out are stable and shared by all threads. The process-wide
 * TZ variable and tzset() are never used. */
#include "sys/zoneinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONE_FILE_MAX (1024 * 1024) /* real TZif files are under 4 KiB */
#define ZONE_NAME_MAX 255
#define ZONE_CACHE_MAX 4096          /* distinct zones kept at once */
#define DEFAULT_DIR "/usr/share/zoneinfo"

struct zone_entry {
        char *name;
        struct tz *zone;
};

static pthread_mutex_t zi_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zone_entry *zi_cache;
static size_t zi_n, zi_cap;
static char *zi_dir; /* NULL: $TZDIR, else DEFAULT_DIR */

/* Writes name into buf for a message, escaping what is not printable ASCII. */
static const char *quoted(char *buf, size_t size, const char *name)
{
        size_t o = 0;
        for (const unsigned char *p = (const unsigned char *)name; *p && o + 5 < size; p++) {
                if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
                        buf[o++] = (char)*p;
                else
                        o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p);
        }
        buf[o] = '\0';
        return buf;
}

static int unknown(struct batch_err *reterr, const char *name, const char *why)
{
        char q[96];
        return batch_err_set(reterr, BATCH_ENOZONE, "timezone", "unknown time zone \"%s\"%s%s",
                             quoted(q, sizeof(q), name), why ? ": " : "", why ? why : "");
}

/* True when name is acceptable: see zoneinfo.h. */
static bool name_ok(const char *name)
{
        size_t len = strlen(name);
        if (len == 0 || len > ZONE_NAME_MAX || name[0] == '/')
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = name[i];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '/' || c == '_' || c == '+' || c == '-' || c == '.'))
                        return false;
        }
        for (const char *c = name; c; c = strchr(c, '/')) {
                if (*c == '/')
                        c++;
                if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
                        return false;
        }
        return true;
}

/* Reads the whole file dir/name into a new buffer. Called with zi_lock held. */
static int read_zone_file(const char *name, unsigned char **ret, size_t *ret_len,
                          struct batch_err *reterr)
{
        const char *dir = zi_dir;
        if (!dir) {
                dir = getenv("TZDIR");
                if (!dir || !*dir)
                        dir = DEFAULT_DIR;
        }
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (n < 0 || (size_t)n >= sizeof(path))
                return unknown(reterr, name, "path too long");
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return unknown(reterr, name, NULL);
                return unknown(reterr, name, strerror(errno));
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return unknown(reterr, name, NULL);
        }
        if (st.st_size > ZONE_FILE_MAX) {
                close(fd);
                return batch_err_set(reterr, BATCH_EFORMAT, "timezone",
                                     "time zone file %.200s is larger than %d bytes", path,
                                     ZONE_FILE_MAX);
        }
        size_t cap = (size_t)st.st_size + 1, len = 0;
        unsigned char *buf = malloc(cap);
        if (!buf) {
                close(fd);
                return batch_err_set(reterr, BATCH_ENOMEM, "timezone", "out of memory");
        }
        /* Read to EOF, one byte past the size fstat saw, to catch a growing file. */
        for (;;) {
                ssize_t r = read(fd, buf + len, cap - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        int e = errno;
                        free(buf);
                        close(fd);
                        return unknown(reterr, name, strerror(e));
                }
                if (r == 0)
                        break;
                len += (size_t)r;
                if (len == cap) {
                        free(buf);
                        close(fd);
                        return batch_err_set(reterr, BATCH_EFORMAT, "timezone",
                                             "time zone file %.200s changed while read", path);
                }
        }
        close(fd);
        *ret = buf;
        *ret_len = len;
        return 0;
}

int zoneinfo_get(const char *name, const struct tz **ret, struct batch_err *reterr)
{
        if (!name || !name_ok(name))
                return unknown(reterr, name ? name : "",
                               "names look like Area/City, e.g. Europe/Berlin");
        if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 || strcmp(name, "Z") == 0) {
                *ret = tz_utc();
                return 0;
        }
        pthread_mutex_lock(&zi_lock);
        for (size_t i = 0; i < zi_n; i++) {
                if (strcmp(zi_cache[i].name, name) == 0) {
                        *ret = zi_cache[i].zone;
                        pthread_mutex_unlock(&zi_lock);
                        return 0;
                }
        }
        int r;
        unsigned char *data = NULL;
        size_t len = 0;
        struct tz *z = NULL;
        char *key = NULL;
        if (zi_n >= ZONE_CACHE_MAX) {
                r = batch_err_set(reterr, BATCH_ENOMEM, "timezone",
                                  "too many time zones loaded (limit %d)", ZONE_CACHE_MAX);
                goto out;
        }
        r = read_zone_file(name, &data, &len, reterr);
        if (r < 0)
                goto out;
        r = tz_parse(name, data, len, &z, reterr);
        if (r < 0)
                goto out;
        if (zi_n == zi_cap) {
                size_t cap = zi_cap ? zi_cap * 2 : 16;
                struct zone_entry *v = realloc(zi_cache, cap * sizeof(*v));
                if (!v)
                        goto oom;
                zi_cache = v;
                zi_cap = cap;
        }
        key = strdup(name);
        if (!key)
                goto oom;
        zi_cache[zi_n++] = (struct zone_entry){ key, z };
        *ret = z;
        z = NULL;
        r = 0;
        goto out;
oom:
        r = batch_err_set(reterr, BATCH_ENOMEM, "timezone", "out of memory");
out:
        pthread_mutex_unlock(&zi_lock);
        tz_free(z);
        free(data);
        return r;
}

/* Frees the cache; zi_lock held. */
static void cache_clear_locked(void)
{
        for (size_t i = 0; i < zi_n; i++) {
                free(zi_cache[i].name);
                tz_free(zi_cache[i].zone);
        }
        free(zi_cache);
        zi_cache = NULL;
        zi_n = zi_cap = 0;
}

void zoneinfo_set_dir(const char *dir)
{
        char *copy = dir ? strdup(dir) : NULL;
        pthread_mutex_lock(&zi_lock);
        free(zi_dir);
        zi_dir = copy; /* on allocation failure: back to the default */
        cache_clear_locked();
        pthread_mutex_unlock(&zi_lock);
}

void zoneinfo_cache_clear(void)
{
        pthread_mutex_lock(&zi_lock);
        cache_clear_locked();
        pthread_mutex_unlock(&zi_lock);
}
