/* jobs.h: job definitions as the REST API and batchctl show them: JSON renderings with
 * the fields one filters by (group, type, enabled), secrets redacted. */
#ifndef BATCH_OPS_JOBS_H
#define BATCH_OPS_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "store/store.h"

/* What a submit and a list filter need to know of a job. */
struct ops_job_info {
        char group[128];        /* "" when none */
        char type[16];          /* "scheduled" or "manual" */
        bool enabled;
        bool allow_multiple_instances;
};

/* Reads the job's stored definition. BATCH_ENOENT when the tenant has no such job,
 * BATCH_EFORMAT when its stored text does not load. */
int ops_job_info(struct store *s, const char *tenant, const char *job, struct ops_job_info *ret,
                 struct batch_err *reterr);

/* True when a parameter or environment key names a secret (it contains "secret",
 * "password", "passwd", "token", "credential" or "apikey"/"api_key", in any case):
 * its value is never shown by the API or batchctl, nor logged. */
bool ops_key_is_secret(const char *key);

/* Appends a flat JSON object text (instance parameters) with the values of secret keys
 * replaced by "***". Text that does not parse is shown as {}. */
void ops_put_params_redacted(struct buf *b, const char *params);

/* Appends the JSON object of a stored definition (as of a version when `history`:
 * with changed_at/changed_by/changed, else updated_at/updated_by and "drift"; version 0,
 * never stored, has them null and drift false); the "spec" text has
 * the values of secret environment and parameter keys replaced by "***"; jobs carry
 * "display_name" (translated for `lang`, an Accept-Language value or NULL: see
 * ops_display_name), "group", "type" and "enabled" too. With `mask_urls` (a reader who
 * may not edit definitions) every URL in "spec" and "changed" shows its scheme and host
 * only (urlmask_text). */
void ops_put_def(struct buf *b, const struct store_def *d, bool history, const char *lang,
                 bool mask_urls);

/* The mark on the actor of a definition changed for troubleshooting in a runtime
 * environment ("token:ada (troubleshooting)", docs/environments.md): such a definition is
 * drift, shown as "drift": true by ops_put_def until a later version replaces it. */
#define OPS_TROUBLESHOOTING_SUFFIX " (troubleshooting)"

struct job_def;

/* The job's display name for a reader preferring `lang` (an Accept-Language value, NULL
 * or "": none): the display_names entry lang_pick chooses, else display_name, else NULL.
 * Borrowed from j. */
const char *ops_display_name(const struct job_def *j, const char *lang);

struct defset;

/* Loads a stored definition text into *set (zeroed here) as its one document.
 * Returns 0, or BATCH_EFORMAT (nothing to release) when it does not load. */
int ops_load_spec(const char *spec, struct defset *set);

/* False when a job's stored (canonical) text cannot be of group `group`: the group's
 * name is written there as it is unless it holds a character the canonical text escapes
 * (defs_emit_scalar), so a text without it need not be parsed. True: parse to know. */
bool ops_spec_may_be_of_group(const char *spec, const char *group);

/* Which jobs ops_job_list shows: NULL/negative fields match everything. */
struct ops_job_filter {
        const char *group;
        const char *type;
        int enabled;            /* -1 any, 0 disabled, 1 enabled */
        int drift;              /* -1 any, 0 not drifted, 1 drifted (ops_put_def's "drift") */
        const char *after;      /* keyset cursor: names after this one */
        unsigned limit;         /* 0: 100 */
        bool mask_urls;         /* URLs as their host only (ops_put_def) */
};

struct store_def;

/* Calls fn for each current job definition of the tenant whose name comes after `after`
 * (NULL: from the first), in the store's name order, reading `batch` at a time (0:
 * 1,000), until fn returns non-zero: 1 stops the walk (0 returned), a negative value is
 * returned as the error. d is valid during the call only. 0 or a store error. */
int ops_job_walk(struct store *s, const char *tenant, const char *after, unsigned batch,
                 int (*fn)(const struct store_def *d, void *arg), void *arg,
                 struct batch_err *reterr);

/* Appends {"items": [...], "next_cursor": NAME | null} of the tenant's jobs, by name,
 * display names for `lang` (as ops_put_def). */
int ops_job_list(struct store *s, const char *tenant, const struct ops_job_filter *f,
                 const char *lang, struct buf *b, struct batch_err *reterr);

#endif
