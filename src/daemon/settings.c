/* settings.c: the settings batchd runs with (see settings.h). */
#include "daemon/settings.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/dlog.h"

enum { OPT_CONFIG = 1000, OPT_HELP, OPT_VERSION };

/* Parses argv[optind...] into s->cli (and --config into *config). Returns 0, or -1 with
 * *exit_code (problems printed). */
static int parse_options(struct settings *s, int argc, char **argv, const char *usage,
                         const char **config, int *exit_code)
{
        struct option longopts[CFG_NKEYS + 4];
        for (int k = 0; k < CFG_NKEYS; k++)
                longopts[k] = (struct option){cfg_keys[k].option + 2, required_argument, NULL, k};
        longopts[CFG_NKEYS] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
        longopts[CFG_NKEYS + 1] = (struct option){"help", no_argument, NULL, OPT_HELP};
        longopts[CFG_NKEYS + 2] = (struct option){"version", no_argument, NULL, OPT_VERSION};
        longopts[CFG_NKEYS + 3] = (struct option){NULL, 0, NULL, 0};
        struct cfg_problems p = {0, NULL};
        int ch;
        while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
                if (ch >= 0 && ch < CFG_NKEYS) {
                        cfg_set(&s->cli, (enum cfg_key)ch, optarg, cfg_keys[ch].option, &p);
                } else if (ch == 'd') {
                        cfg_set(&s->cli, CFG_DB, optarg, "--db", &p);
                } else if (ch == OPT_CONFIG) {
                        *config = optarg;
                } else if (ch == 'h' || ch == OPT_HELP) {
                        fputs(usage, stdout);
                        *exit_code = 0;
                        return -1;
                } else if (ch == OPT_VERSION) {
                        printf("batchd %s\n", BATCH_VERSION);
                        *exit_code = 0;
                        return -1;
                } else {
                        fputs(usage, stderr);
                        *exit_code = 2;
                        return -1;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "batchd: unexpected argument \"%s\"\n%s", argv[optind], usage);
                *exit_code = 2;
                cfg_problems_release(&p);
                return -1;
        }
        for (size_t i = 0; i < p.n; i++)
                fprintf(stderr, "batchd: %s\n", p.msg[i]);
        if (p.n)
                fputs(usage, stderr);
        *exit_code = 2;
        int rc = p.n ? -1 : 0;
        cfg_problems_release(&p);
        return rc;
}

/* Reads the config file (none when s->file is NULL, or is the default and does not
 * exist) into *file. Returns 0, or -1 with the problems in *p. */
static int read_file(const struct settings *s, struct cfg_layer *file, struct cfg_problems *p)
{
        if (!s->file || (!s->file_named && access(s->file, F_OK) != 0))
                return 0;
        return cfg_read_file(s->file, file, p);
}

/* Copies the merged settings into s->now (every key). */
static void take_all(struct settings *s, const struct cfg *c)
{
        for (int k = 0; k < CFG_NKEYS; k++) {
                free(s->now[k]);
                s->now[k] = c->val[k] ? strdup(c->val[k]) : NULL;
                snprintf(s->from[k], sizeof(s->from[k]), "%s", c->from[k]);
        }
}

static bool same(const char *a, const char *b)
{
        return a == b || (a && b && !strcmp(a, b));
}

int settings_start(struct settings *s, int argc, char **argv, const char *usage, int *exit_code)
{
        memset(s, 0, sizeof(*s));
        const char *config = NULL;
        if (parse_options(s, argc, argv, usage, &config, exit_code) < 0)
                return -1;
        const char *env_config = getenv("BATCHD_CONFIG");
        if (!config && env_config && *env_config)
                config = env_config;
        s->file_named = config != NULL;
        s->file = strdup(config ? config : CFG_DEFAULT_PATH);
        struct cfg_problems p = {0, NULL};
        cfg_from_env(&s->env, &p);
        struct cfg_layer file = {0};
        if (s->file)
                read_file(s, &file, &p);
        for (size_t i = 0; i < p.n; i++)
                fprintf(stderr, "batchd: %s\n", p.msg[i]);
        int rc = 0;
        if (p.n || !s->file) {
                if (!s->file)
                        fprintf(stderr, "batchd: out of memory\n");
                *exit_code = 2;
                rc = -1;
        } else {
                struct cfg c;
                cfg_merge(&s->cli, &s->env, &file, s->file, &c);
                take_all(s, &c);
        }
        cfg_layer_release(&file);
        cfg_problems_release(&p);
        return rc;
}

int settings_reload(struct settings *s, bool changed[CFG_NKEYS])
{
        memset(changed, 0, CFG_NKEYS * sizeof(bool));
        struct cfg_problems p = {0, NULL};
        struct cfg_layer file = {0};
        if (read_file(s, &file, &p) < 0) {
                for (size_t i = 0; i < p.n; i++)
                        dlog("error", NULL, 0, 0, NULL, "SIGHUP: %s", p.msg[i]);
                dlog("error", NULL, 0, 0, NULL,
                     "SIGHUP: %s refused (%zu problem%s); the "
                     "settings in force are kept",
                     s->file, p.n, p.n == 1 ? "" : "s");
                cfg_layer_release(&file);
                cfg_problems_release(&p);
                return -1;
        }
        struct cfg c;
        cfg_merge(&s->cli, &s->env, &file, s->file, &c);
        /* A more verbose log_level at once, so that the lines below are written whichever
         * way it changes (a less verbose one is applied by the caller, after them). */
        if (!same(c.val[CFG_LOG_LEVEL], s->now[CFG_LOG_LEVEL]) &&
            !strcmp(c.val[CFG_LOG_LEVEL], "info"))
                dlog_set_level("info");
        int nchanged = 0;
        for (int k = 0; k < CFG_NKEYS; k++) {
                if (same(c.val[k], s->now[k]))
                        continue;
                const char *key = cfg_keys[k].key;
                const char *was = s->now[k] ? s->now[k] : "(unset)";
                const char *is = c.val[k] ? c.val[k] : "(unset)";
                if (!cfg_keys[k].reload) {
                        dlog("warn", NULL, 0, 0, NULL,
                             "SIGHUP: %s: %s (%s) takes effect at the "
                             "next start; %s stays in force until then",
                             key, is, c.from[k], was);
                        continue;
                }
                char *v = c.val[k] ? strdup(c.val[k]) : NULL;
                if (c.val[k] && !v) {
                        dlog("error", NULL, 0, 0, NULL, "SIGHUP: %s: out of memory; %s stays", key,
                             was);
                        continue;
                }
                dlog("info", NULL, 0, 0, NULL, "SIGHUP: %s: %s (%s), was %s", key, is, c.from[k],
                     was);
                free(s->now[k]);
                s->now[k] = v;
                snprintf(s->from[k], sizeof(s->from[k]), "%s", c.from[k]);
                changed[k] = true;
                nchanged++;
        }
        dlog("info", NULL, 0, 0, NULL, "SIGHUP: settings reloaded from %s (%d changed)",
             s->file && (s->file_named || access(s->file, F_OK) == 0) ? s->file : "no config file",
             nchanged);
        cfg_layer_release(&file);
        return 0;
}

void settings_release(struct settings *s)
{
        cfg_layer_release(&s->cli);
        cfg_layer_release(&s->env);
        for (int k = 0; k < CFG_NKEYS; k++)
                free(s->now[k]);
        free(s->file);
        memset(s, 0, sizeof(*s));
}

/* A value written so that YAML reads it back as the same text. */
static void put_value(const char *v)
{
        bool plain = strcspn(v, ":#'\"{}[],&*!|>%@`") == strlen(v) && v[0] != ' ' && v[0] != '-';
        if (plain) {
                fputs(v, stdout);
                return;
        }
        putchar('"');
        for (const char *c = v; *c; c++) {
                if (*c == '"' || *c == '\\')
                        putchar('\\');
                putchar(*c);
        }
        putchar('"');
}

int settings_main(int argc, char **argv, const char *usage)
{
        const char *verb = argc > 1 ? argv[1] : "";
        if (!strcmp(verb, "keys") && argc == 2) {
                printf("%-19s %-21s %-26s %-15s %-10s %s\n", "KEY", "OPTION", "VARIABLE", "DEFAULT",
                       "SIGHUP", "MEANING");
                for (int k = 0; k < CFG_NKEYS; k++)
                        printf("%-19s %-21s %-26s %-15s %-10s %s\n", cfg_keys[k].key,
                               cfg_keys[k].option, cfg_keys[k].env,
                               cfg_keys[k].dflt ? cfg_keys[k].dflt : "-",
                               cfg_keys[k].reload ? "applied" : "next start", cfg_keys[k].help);
                return 0;
        }
        if (!strcmp(verb, "check")) {
                struct settings s;
                int status;
                if (settings_start(&s, argc - 1, argv + 1, usage, &status) < 0)
                        return status;
                bool file = s.file_named || access(s.file, F_OK) == 0;
                printf("# batchd settings: command line > environment > %s > defaults\n",
                       file ? s.file : "(no config file)");
                for (int k = 0; k < CFG_NKEYS; k++) {
                        if (!s.now[k]) {
                                printf("# %s: (unset)\n", cfg_keys[k].key);
                                continue;
                        }
                        printf("%s: ", cfg_keys[k].key);
                        put_value(s.now[k]);
                        printf("  # %s\n", s.from[k]);
                }
                settings_release(&s);
                return 0;
        }
        bool help = !strcmp(verb, "--help") || !strcmp(verb, "-h");
        fprintf(help ? stdout : stderr, "usage: batchd config check [--config FILE] [OPTIONS]\n"
                                        "       batchd config keys\n");
        return help ? 0 : 2;
}
