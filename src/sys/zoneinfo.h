/* zoneinfo.h: loads IANA time zones by name from the system's zoneinfo files.
 *
 * This is the I/O edge for time zones: it reads TZif files (by default from
 * $TZDIR or /usr/share/zoneinfo) and keeps every zone it loaded in a process-wide,
 * mutex-protected cache, so zones are shared and loaded once. Thread-safe. */
#ifndef BATCH_SYS_ZONEINFO_H
#define BATCH_SYS_ZONEINFO_H

#include "common/err.h"
#include "core/tz.h"

/* Looks up zone `name` ("Europe/Berlin", "UTC", "Etc/GMT+5"). "UTC", "Etc/UTC" and
 * "Z" give tz_utc() without a file. Names that are empty, longer than 255 bytes,
 * start with '/', contain a ".." component or characters outside [A-Za-z0-9/_+-.]
 * are refused. On success *ret is borrowed from the cache, valid until
 * zoneinfo_cache_clear(). Errors: BATCH_ENOZONE (unknown or refused name, with a
 * message naming it), BATCH_EFORMAT (the file is not valid TZif), BATCH_ENOMEM. */
int zoneinfo_get(const char *name, const struct tz **ret, struct batch_err *reterr);

/* Sets the directory zones are read from (NULL: $TZDIR, else /usr/share/zoneinfo).
 * The string is copied. Clears the cache. Not to be called while other threads
 * hold zones. */
void zoneinfo_set_dir(const char *dir);

/* Frees every cached zone. Zones returned earlier become invalid. */
void zoneinfo_cache_clear(void);

#endif
