/* config.c: batchd's settings and its config file (see config.h). */
#include "daemon/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/logline.h"
#include "common/suggest.h"
#include "core/isotime.h"
#include "core/lease.h"
#include "core/labels.h"
#include "core/tz.h"

const struct cfg_desc cfg_keys[CFG_NKEYS] = {
    [CFG_DB] = {"db", "--db", "BATCHD_DB", "DB", NULL, false,
                "the repository: an SQLite file or a postgres:// URL (default "
                "$XDG_STATE_HOME/batchd/batchd.db)"},
    [CFG_LISTEN] = {"listen", "--listen", "BATCHD_LISTEN", "ADDR:PORT|off", "127.0.0.1:8080", false,
                    "the REST API's address (port 0: any free port; off: no API)"},
    [CFG_STATE_DIR] = {"state_dir", "--state-dir", "BATCHD_STATE_DIR", "DIR", NULL, false,
                       "run logs and status files (default DB.d for SQLite, "
                       "/var/lib/batchd for PostgreSQL)"},
    [CFG_LOG_FILE] = {"log_file", "--log-file", "BATCHD_LOG_FILE", "FILE", NULL, false,
                      "append the log to FILE instead of stderr (SIGUSR1 reopens it)"},
    [CFG_LOG_LEVEL] = {"log_level", "--log-level", "BATCHD_LOG_LEVEL", "info|warn|error", "info",
                       true, "the lowest level logged"},
    [CFG_LOG_FORMAT] = {"log_format", "--log-format", "BATCHD_LOG_FORMAT", "json|text", "json",
                        true, "the log's lines: JSON objects or text (docs/daemon.md, Logs)"},
    [CFG_MAX_RUNS] = {"max_runs", "--max-runs", "BATCHD_MAX_RUNS", "N", "256", true,
                      "runs in flight at most (1 to 100000)"},
    [CFG_DEFS] = {"defs", "--defs", "BATCHD_DEFS", "DIR", NULL, true,
                  "a definitions directory applied at start and on SIGHUP"},
    [CFG_SECRETS_KEY] = {"secrets_key", "--secrets-key", "BATCHD_SECRETS_KEY", "FILE", NULL, false,
                         "the secrets key file (default DB.d/secrets.key for SQLite, "
                         "STATE_DIR/secrets.key for PostgreSQL)"},
    [CFG_CALLBACK_URL] = {"callback_url", "--callback-url", "BATCHD_CALLBACK_URL", "URL", NULL,
                          false, "where remote services call back (default: the API's address)"},
    [CFG_RETENTION_DAYS] = {"retention_days", "--retention-days", "BATCHD_RETENTION_DAYS", "N", "0",
                            true,
                            "delete what ended more than N days ago (1 to 36500; 0: keep "
                            "everything)"},
    [CFG_RETENTION_INTERVAL] = {"retention_interval", "--retention-interval",
                                "BATCHD_RETENTION_INTERVAL", "SECONDS", "3600", true,
                                "seconds between two retention passes (1 to 86400)"},
    [CFG_CLOCK_START] = {"clock_start", "--clock-start", "BATCHD_CLOCK_START", "ISO", NULL, false,
                         "run on a virtual clock starting at ISO (tests, demos)"},
    [CFG_CLOCK_RATE] = {"clock_rate", "--clock-rate", "BATCHD_CLOCK_RATE", "N", "1", false,
                        "the virtual clock's speed (0 to 1000000)"},
    [CFG_ENVIRONMENT] = {"environment", "--environment", "BATCHD_ENVIRONMENT", "master|runtime",
                         "master", false,
                         "master: definitions editable; runtime: definitions only by apply "
                         "(docs/environments.md)"},
    [CFG_OVERLAY] = {"overlay", "--overlay", "BATCHD_OVERLAY", "PATH", NULL, false,
                     "this environment's overlay file or directory, read at start and on "
                     "SIGHUP (docs/environments.md)"},
    [CFG_NODE_NAME] = {"node_name", "--node-name", "BATCHD_NODE_NAME", "NAME", NULL, false,
                       "this node's name among the nodes sharing the repository (default the "
                       "host name)"},
    [CFG_LABELS] = {"labels", "--labels", "BATCHD_LABELS", "L1,L2=V", NULL, true,
                    "this node's labels, comma-separated NAME or NAME=VALUE (docs/daemon.md, "
                    "Nodes)"},
    [CFG_HEARTBEAT_INTERVAL] = {"heartbeat_interval", "--heartbeat-interval",
                                "BATCHD_HEARTBEAT_INTERVAL", "SECONDS", "5", true,
                                "seconds between two heartbeats of this node (1 to 300; its "
                                "lease is three of them)"},
    [CFG_MAX_CLOCK_SKEW] = {"max_clock_skew", "--max-clock-skew", "BATCHD_MAX_CLOCK_SKEW",
                            "SECONDS", "2", true,
                            "the node refuses to plan while its clock is further than this "
                            "from the database's (0.001 to 3600)"},
    [CFG_LEASE_TTL] = {"lease_ttl", "--lease-ttl", "BATCHD_LEASE_TTL", "SECONDS", "15", false,
                       "the planner lease's time to live on PostgreSQL, 2 to 3600 s "
                       "(docs/cluster.md)"},
};

static void problem(struct cfg_problems *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(struct cfg_problems *p, const char *fmt, ...)
{
        char buf[600];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        char **m = realloc(p->msg, (p->n + 1) * sizeof(*m));
        if (!m)
                return;
        p->msg = m;
        if ((m[p->n] = strdup(buf)))
                p->n++;
}

/* A whole decimal number from lo to hi. */
static bool whole(const char *v, long lo, long hi)
{
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        return *v && !*end && !errno && n >= lo && n <= hi;
}

bool cfg_check(enum cfg_key k, const char *v, bool in_file, char *why, size_t len)
{
        why[0] = '\0';
        if (!v || !*v) {
                snprintf(why, len, "needs a value");
                return false;
        }
        switch (k) {
        case CFG_DB:
                if (in_file && v[0] != '/' && strncmp(v, "postgres", 8) != 0)
                        snprintf(why, len, "\"%s\" must be an absolute path or a postgres:// URL",
                                 v);
                break;
        case CFG_STATE_DIR:
        case CFG_LOG_FILE:
        case CFG_DEFS:
        case CFG_SECRETS_KEY:
        case CFG_OVERLAY:
                if (in_file && v[0] != '/')
                        snprintf(why, len, "\"%s\" must be an absolute path", v);
                break;
        case CFG_LISTEN: {
                const char *colon = strrchr(v, ':');
                if (strcmp(v, "off") != 0 && (!colon || !whole(colon + 1, 0, 65535)))
                        snprintf(why, len, "\"%s\" must be ADDR:PORT (port 0 to 65535) or off", v);
                break;
        }
        case CFG_ENVIRONMENT:
                if (strcmp(v, "master") && strcmp(v, "runtime"))
                        snprintf(why, len, "\"%s\" must be master or runtime", v);
                break;
        case CFG_LOG_LEVEL:
                if (strcmp(v, "info") && strcmp(v, "warn") && strcmp(v, "error"))
                        snprintf(why, len, "\"%s\" must be info, warn or error", v);
                break;
        case CFG_LOG_FORMAT:
                if (log_format_from_name(v) == LOG_FORMAT_INVALID)
                        snprintf(why, len, "\"%s\" must be json or text", v);
                break;
        case CFG_MAX_RUNS:
                if (!whole(v, 1, 100000))
                        snprintf(why, len, "\"%s\" must be 1 to 100000", v);
                break;
        case CFG_LEASE_TTL:
                if (!whole(v, LEASE_TTL_MIN, LEASE_TTL_MAX))
                        snprintf(why, len, "\"%s\" must be %d to %d seconds", v, LEASE_TTL_MIN,
                                 LEASE_TTL_MAX);
                break;
        case CFG_CALLBACK_URL:
                if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
                        snprintf(why, len, "\"%s\" must begin with http:// or https://", v);
                break;
        case CFG_RETENTION_DAYS:
                if (!whole(v, 0, 36500))
                        snprintf(why, len,
                                 "\"%s\" must be a number of days from 1 to 36500 "
                                 "(0: keep everything)",
                                 v);
                break;
        case CFG_RETENTION_INTERVAL:
                if (!whole(v, 1, 86400))
                        snprintf(why, len, "\"%s\" must be 1 to 86400 seconds", v);
                break;
        case CFG_CLOCK_START: {
                int64_t t;
                struct batch_err err;
                if (iso_parse(v, tz_utc(), &t, &err) < 0)
                        snprintf(why, len, "%s", err.msg);
                break;
        }
        case CFG_NODE_NAME:
                if (!label_word_valid(v, strlen(v)))
                        snprintf(why, len,
                                 "\"%.80s\" must be 1 to 63 letters, digits, '.', '_' or '-', "
                                 "beginning with a letter or digit",
                                 v);
                break;
        case CFG_LABELS: {
                char canon[LABELS_TEXT_MAX];
                struct batch_err err;
                if (labels_parse(v, canon, sizeof(canon), &err) < 0)
                        snprintf(why, len, "%s", err.msg);
                break;
        }
        case CFG_HEARTBEAT_INTERVAL:
                if (!whole(v, 1, 300))
                        snprintf(why, len, "\"%s\" must be 1 to 300 seconds", v);
                break;
        case CFG_MAX_CLOCK_SKEW: {
                char *end;
                double s = strtod(v, &end);
                if (*end || !(s >= 0.001 && s <= 3600))
                        snprintf(why, len, "\"%s\" must be a number of seconds from 0.001 to 3600",
                                 v);
                break;
        }
        case CFG_CLOCK_RATE: {
                char *end;
                double r = strtod(v, &end);
                if (*end || !(r > 0 && r <= 1e6))
                        snprintf(why, len, "\"%s\" must be a number in (0, 1000000]", v);
                break;
        }
        case CFG_NKEYS:
                break;
        }
        return why[0] == '\0';
}

int cfg_set(struct cfg_layer *l, enum cfg_key k, const char *value, const char *where,
            struct cfg_problems *p)
{
        char why[400];
        if (!cfg_check(k, value, false, why, sizeof(why))) {
                problem(p, "%s: %s", where, why);
                return -1;
        }
        char *copy = strdup(value);
        if (!copy) {
                problem(p, "%s: out of memory", where);
                return -1;
        }
        free(l->val[k]);
        l->val[k] = copy;
        l->line[k] = 0;
        return 0;
}

void cfg_from_env(struct cfg_layer *l, struct cfg_problems *p)
{
        for (int k = 0; k < CFG_NKEYS; k++) {
                const char *v = getenv(cfg_keys[k].env);
                if (v && *v)
                        cfg_set(l, (enum cfg_key)k, v, cfg_keys[k].env, p);
        }
}

/* The key named `name`, or -1. */
static int key_named(const char *name)
{
        for (int k = 0; k < CFG_NKEYS; k++)
                if (!strcmp(cfg_keys[k].key, name))
                        return k;
        return -1;
}

static void unknown_key(const char *file, int line, const char *name, struct cfg_problems *p)
{
        const char *names[CFG_NKEYS];
        for (int k = 0; k < CFG_NKEYS; k++)
                names[k] = cfg_keys[k].key;
        const char *close = suggest_closest(name, names, CFG_NKEYS);
        /* A command-line spelling ("retention-days", "--max-runs") is recognised too. */
        char alt[128];
        if (!close) {
                snprintf(alt, sizeof(alt), "%s", name + strspn(name, "-"));
                for (char *c = alt; *c; c++)
                        if (*c == '-')
                                *c = '_';
                int k = key_named(alt);
                close = k >= 0 ? cfg_keys[k].key : NULL;
        }
        if (close)
                problem(p, "%s:%d: %s: unknown key (did you mean %s?)", file, line, name, close);
        else
                problem(p,
                        "%s:%d: %s: unknown key (the keys are listed in batchd.yaml(5) and by "
                        "batchd config keys)",
                        file, line, name);
}

static void read_mapping(const char *file, yaml_document_t *doc, yaml_node_t *map,
                         struct cfg_layer *l, struct cfg_problems *p)
{
        for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
             pr++) {
                yaml_node_t *kn = yaml_document_get_node(doc, pr->key);
                yaml_node_t *vn = yaml_document_get_node(doc, pr->value);
                int line = kn ? (int)kn->start_mark.line + 1 : 0;
                if (!kn || kn->type != YAML_SCALAR_NODE) {
                        problem(p, "%s:%d: a key must be a word, not a list or mapping", file,
                                line);
                        continue;
                }
                const char *name = (const char *)kn->data.scalar.value;
                int k = key_named(name);
                if (k < 0) {
                        unknown_key(file, line, name, p);
                        continue;
                }
                if (l->val[k]) {
                        problem(p, "%s:%d: %s: given twice (first on line %d)", file, line, name,
                                l->line[k]);
                        continue;
                }
                if (!vn || vn->type != YAML_SCALAR_NODE) {
                        problem(p, "%s:%d: %s: must be a single value, not a %s", file, line, name,
                                vn && vn->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
                        continue;
                }
                const char *v = (const char *)vn->data.scalar.value;
                bool plain = vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                if (plain && (!*v || !strcmp(v, "~") || !strcmp(v, "null"))) {
                        problem(p,
                                "%s:%d: %s: has no value (remove the line to take the "
                                "default)",
                                file, line, name);
                        continue;
                }
                char why[400];
                if (!cfg_check((enum cfg_key)k, v, true, why, sizeof(why))) {
                        problem(p, "%s:%d: %s: %s", file, line, name, why);
                        continue;
                }
                if (!(l->val[k] = strdup(v))) {
                        problem(p, "%s:%d: %s: out of memory", file, line, name);
                        continue;
                }
                l->line[k] = line;
        }
}

int cfg_parse(const char *file, const char *data, size_t len, struct cfg_layer *l,
              struct cfg_problems *p)
{
        size_t before = p->n;
        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser)) {
                problem(p, "%s: out of memory", file);
                return -1;
        }
        yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
        for (int ndoc = 0;; ndoc++) {
                yaml_document_t doc;
                if (!yaml_parser_load(&parser, &doc)) {
                        problem(p, "%s:%d: not YAML: %s", file, (int)parser.problem_mark.line + 1,
                                parser.problem ? parser.problem : "unreadable");
                        break;
                }
                yaml_node_t *root = yaml_document_get_root_node(&doc);
                if (!root) { /* the end of the stream */
                        yaml_document_delete(&doc);
                        break;
                }
                int line = (int)root->start_mark.line + 1;
                if (ndoc > 0)
                        problem(p, "%s:%d: a second document: the config file is one mapping", file,
                                line);
                else if (root->type == YAML_MAPPING_NODE)
                        read_mapping(file, &doc, root, l, p);
                else if (!(root->type == YAML_SCALAR_NODE && !root->data.scalar.value[0] &&
                           root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE))
                        problem(p, "%s:%d: the config file must be a mapping of keys to values",
                                file, line);
                yaml_document_delete(&doc);
                if (ndoc > 0)
                        break;
        }
        yaml_parser_delete(&parser);
        return p->n > before ? -1 : 0;
}

int cfg_read_file(const char *path, struct cfg_layer *l, struct cfg_problems *p)
{
        FILE *f = fopen(path, "re");
        if (!f) {
                problem(p, "%s: cannot read the config file: %s", path, strerror(errno));
                return -1;
        }
        char *data = malloc(CFG_FILE_MAX + 1);
        size_t n = data ? fread(data, 1, CFG_FILE_MAX + 1, f) : 0;
        bool bad = ferror(f);
        fclose(f);
        if (!data || bad || n > CFG_FILE_MAX) {
                problem(p, "%s: %s", path,
                        !data ? "out of memory"
                        : bad ? "cannot read the config file"
                              : "the config file is larger than 1 MiB");
                free(data);
                return -1;
        }
        int rc = cfg_parse(path, data, n, l, p);
        free(data);
        return rc;
}

void cfg_merge(const struct cfg_layer *cli, const struct cfg_layer *env,
               const struct cfg_layer *file, const char *file_name, struct cfg *c)
{
        for (int k = 0; k < CFG_NKEYS; k++) {
                if (cli && cli->val[k]) {
                        c->val[k] = cli->val[k];
                        snprintf(c->from[k], sizeof(c->from[k]), "%s", cfg_keys[k].option);
                } else if (env && env->val[k]) {
                        c->val[k] = env->val[k];
                        snprintf(c->from[k], sizeof(c->from[k]), "%s", cfg_keys[k].env);
                } else if (file && file->val[k]) {
                        c->val[k] = file->val[k];
                        snprintf(c->from[k], sizeof(c->from[k]), "%.280s:%d",
                                 file_name ? file_name : "config", file->line[k]);
                } else {
                        c->val[k] = cfg_keys[k].dflt;
                        snprintf(c->from[k], sizeof(c->from[k]), "default");
                }
        }
}

long cfg_long(const struct cfg *c, enum cfg_key k)
{
        return c->val[k] ? strtol(c->val[k], NULL, 10) : 0;
}

double cfg_double(const struct cfg *c, enum cfg_key k)
{
        return c->val[k] ? strtod(c->val[k], NULL) : 0;
}

void cfg_layer_release(struct cfg_layer *l)
{
        for (int k = 0; k < CFG_NKEYS; k++)
                free(l->val[k]);
        memset(l, 0, sizeof(*l));
}

void cfg_problems_release(struct cfg_problems *p)
{
        for (size_t i = 0; i < p->n; i++)
                free(p->msg[i]);
        free(p->msg);
        p->n = 0;
        p->msg = NULL;
}
