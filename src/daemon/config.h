/* config.h: batchd's settings (docs/daemon.md, "The config file"). One table of keys,
 * each with its command-line option, environment variable and config file key, its
 * check and whether SIGHUP may change it while batchd runs; and the layers a value
 * comes from, which win in this order: command line > environment > file > default.
 *
 * The config file is YAML: one mapping of keys to scalar values. Every problem is
 * reported as "FILE:LINE: KEY: reason" (or "--option: reason", "BATCHD_X: reason"), and
 * all of a file's problems are reported at once. Nothing here logs or keeps state
 * between calls. */
#ifndef BATCH_DAEMON_CONFIG_H
#define BATCH_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* The default config file, read when it exists and no --config or BATCHD_CONFIG names
 * another. */
#define CFG_DEFAULT_PATH "/etc/batchd/batchd.yaml"
/* Largest config file accepted. */
#define CFG_FILE_MAX (1024 * 1024)

enum cfg_key {
        CFG_DB,
        CFG_LISTEN,
        CFG_STATE_DIR,
        CFG_LOG_FILE,
        CFG_LOG_LEVEL,
        CFG_LOG_FORMAT,
        CFG_MAX_RUNS,
        CFG_DEFS,
        CFG_SECRETS_KEY,
        CFG_CALLBACK_URL,
        CFG_RETENTION_DAYS,
        CFG_RETENTION_INTERVAL,
        CFG_CLOCK_START,
        CFG_CLOCK_RATE,
        CFG_ENVIRONMENT,
        CFG_OVERLAY,
        CFG_NODE_NAME,
        CFG_LABELS,
        CFG_HEARTBEAT_INTERVAL,
        CFG_MAX_CLOCK_SKEW,
        CFG_LEASE_TTL,
        CFG_NKEYS
};

/* One key. */
struct cfg_desc {
        const char *key;    /* in the file: "retention_days" */
        const char *option; /* on the command line: "--retention-days" */
        const char *env;    /* in the environment: "BATCHD_RETENTION_DAYS" */
        const char *arg;    /* what the value is, for the help: "N" */
        const char *dflt;   /* the default's text, or NULL (none, or derived) */
        bool reload;        /* SIGHUP applies a changed value; else at the next start */
        const char *help;   /* one line */
};

/* The keys, indexed by enum cfg_key. */
extern const struct cfg_desc cfg_keys[CFG_NKEYS];

/* The values one source gives (a NULL value: the source does not set the key). */
struct cfg_layer {
        char *val[CFG_NKEYS];
        int line[CFG_NKEYS]; /* the file's line of each value; 0 for other sources */
};

/* Problems, each one line. */
struct cfg_problems {
        size_t n;
        char **msg;
};

/* The settings in force: each key's value (borrowed from the layers, or a default, or
 * NULL) and where it came from ("--max-runs", "BATCHD_MAX_RUNS",
 * "/etc/batchd/batchd.yaml:4", "default"). */
struct cfg {
        const char *val[CFG_NKEYS];
        char from[CFG_NKEYS][300];
};

/* Checks `value` for key k; on a problem writes the reason ("must be 1 to 100000") to
 * why and returns false. `in_file`: paths must then be absolute. */
bool cfg_check(enum cfg_key k, const char *value, bool in_file, char *why, size_t len);

/* Sets key k of `l` to a copy of `value` after cfg_check; a problem is added to *p as
 * "WHERE: reason" (WHERE: the option or variable). Returns 0, or -1 (a problem, or out
 * of memory, then also a problem). */
int cfg_set(struct cfg_layer *l, enum cfg_key k, const char *value, const char *where,
            struct cfg_problems *p);

/* Fills `l` from the environment's BATCHD_* variables of the table (empty ones are
 * unset); problems go to *p. */
void cfg_from_env(struct cfg_layer *l, struct cfg_problems *p);

/* Parses the YAML text `data` (len bytes), named `file` in problems, into `l`: unknown
 * keys (with a "did you mean"), repeated keys, values that are not scalars or fail their
 * check, relative paths, more than one document are problems. An empty document sets
 * nothing. Returns 0 when *p got no problem, else -1. */
int cfg_parse(const char *file, const char *data, size_t len, struct cfg_layer *l,
              struct cfg_problems *p);

/* Reads and parses the file at `path` (at most CFG_FILE_MAX bytes). A file that cannot
 * be read is a problem. Returns 0 or -1 as cfg_parse. */
int cfg_read_file(const char *path, struct cfg_layer *l, struct cfg_problems *p);

/* The settings from the layers, the first that sets a key winning (`file_name` names
 * the file in `from`); a key none sets takes its default. `*c` borrows from the layers. */
void cfg_merge(const struct cfg_layer *cli, const struct cfg_layer *env,
               const struct cfg_layer *file, const char *file_name, struct cfg *c);

/* Key k's value as a number (the checks made it one); 0 when unset. */
long cfg_long(const struct cfg *c, enum cfg_key k);
double cfg_double(const struct cfg *c, enum cfg_key k);

/* Frees the layer's values and zeroes it. */
void cfg_layer_release(struct cfg_layer *l);

/* Frees the problems and zeroes the list. */
void cfg_problems_release(struct cfg_problems *p);

#endif
