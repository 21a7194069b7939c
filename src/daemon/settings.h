/* settings.h: the settings batchd runs with (docs/daemon.md, "The config file"): its
 * command line, BATCHD_* variables and config file (daemon/config.h) layered at start,
 * the file read again on SIGHUP, and `batchd config check|keys`. */
#ifndef BATCH_DAEMON_SETTINGS_H
#define BATCH_DAEMON_SETTINGS_H

#include <stdbool.h>

#include "daemon/config.h"

struct settings {
        struct cfg_layer cli, env; /* read once, at start */
        char *file;                /* the config file's path, or NULL: none */
        bool file_named;           /* by --config or BATCHD_CONFIG (then it must exist) */
        char *now[CFG_NKEYS];      /* the values in force (owned), NULL: unset */
        char from[CFG_NKEYS][300]; /* where each came from */
};

/* Reads the command line (the table's options, --config FILE, --help, --version), the
 * environment and the config file into *s. Returns 0 to go on, or -1 with the status
 * to exit with in *exit_code (0 after --help or --version; 2 after a usage error or a
 * setting's problem, each printed on stderr as "batchd: WHERE: reason"). */
int settings_start(struct settings *s, int argc, char **argv, const char *usage, int *exit_code);

/* Reads the config file again (SIGHUP). With a problem, each is logged, nothing changes
 * and -1 is returned. Else, for each key whose value would change: a key SIGHUP may
 * change takes its new value in s->now and gets changed[k] = true; any other is logged
 * as waiting for the next start and keeps its value. Every change is logged. */
int settings_reload(struct settings *s, bool changed[CFG_NKEYS]);

/* Frees what *s owns. */
void settings_release(struct settings *s);

/* `batchd config check [--config FILE] [OPTIONS]`: prints the settings in force as a
 * config file with where each came from, or the problems (status 2);
 * `batchd config keys`: the table of keys. argv[0] is "config". Returns the exit status. */
int settings_main(int argc, char **argv, const char *usage);

#endif
