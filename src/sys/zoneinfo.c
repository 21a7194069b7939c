/* zoneinfo.c: loads IANA zones from the system's zoneinfo files into a
 * process-wide, mutex-protected cache (see zoneinfo.h). */
#include "zoneinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONE_FILE_MAX (1024 * 1024)
#define ZONE_NAME_MAX 255

struct entry {
        struct tz *zone;
        struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *cache;
static char *zone_dir;

static bool name_ok(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || n > ZONE_NAME_MAX || name[0] == '/' || name[0] == '.')
                return false;
        for (const char *p = name; *p; p++) {
                char c = *p;
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '/' || c == '_' || c == '+' || c == '-' || c == '.'))
                        return false;
                if (c == '.' && p[1] == '.')
                        return false;
                if (c == '/' && (p[1] == '.' || p[1] == '/' || p[1] == '\0'))
                        return false;
        }
        return true;
}

static const char *dir(void)
{
        if (zone_dir)
                return zone_dir;
        const char *env = getenv("TZDIR");
        return env && *env ? env : "/usr/share/zoneinfo";
}

static int load(const char *name, struct tz **ret, struct batch_err *reterr)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir(), name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                if (fd >= 0)
                        close(fd);
                return batch_err_set(reterr, BATCH_ENOZONE, "timezone",
                                     "unknown time zone \"%.100s\"", name);
        }
        if (st.st_size > ZONE_FILE_MAX) {
                close(fd);
                return batch_err_set(reterr, BATCH_EFORMAT, "timezone",
                                     "time zone \"%.100s\": file too large", name);
        }
        unsigned char *buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                close(fd);
                return BATCH_ENOMEM;
        }
        size_t got = 0;
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        close(fd);
        int r = tz_parse(name, buf, got, ret, reterr);
        free(buf);
        return r;
}

int zoneinfo_get(const char *name, const struct tz **ret, struct batch_err *reterr)
{
        if (!name)
                return batch_err_set(reterr, BATCH_ENOZONE, "timezone", "missing time zone");
        if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC") || !strcmp(name, "Z")) {
                *ret = tz_utc();
                return 0;
        }
        if (!name_ok(name))
                return batch_err_set(reterr, BATCH_ENOZONE, "timezone",
                                     "unknown time zone \"%.100s\"", name);
        pthread_mutex_lock(&lock);
        for (struct entry *e = cache; e; e = e->next) {
                if (!strcmp(tz_name(e->zone), name)) {
                        *ret = e->zone;
                        pthread_mutex_unlock(&lock);
                        return 0;
                }
        }
        struct tz *z;
        int r = load(name, &z, reterr);
        if (r == 0) {
                struct entry *e = malloc(sizeof(*e));
                if (!e) {
                        tz_free(z);
                        r = BATCH_ENOMEM;
                } else {
                        e->zone = z;
                        e->next = cache;
                        cache = e;
                        *ret = z;
                }
        }
        pthread_mutex_unlock(&lock);
        return r;
}

void zoneinfo_cache_clear(void)
{
        pthread_mutex_lock(&lock);
        while (cache) {
                struct entry *e = cache;
                cache = e->next;
                tz_free(e->zone);
                free(e);
        }
        pthread_mutex_unlock(&lock);
}

void zoneinfo_set_dir(const char *d)
{
        zoneinfo_cache_clear();
        pthread_mutex_lock(&lock);
        free(zone_dir);
        zone_dir = d ? strdup(d) : NULL;
        pthread_mutex_unlock(&lock);
}
