/* key.h: batchd's secrets key (docs/security.md): set up at start, and the offline
 * `batchd key` commands. */
#ifndef BATCH_DAEMON_KEY_H
#define BATCH_DAEMON_KEY_H

#include "ops/secrets.h"
#include "store/store.h"

/* Sets up the daemon's key (secrets_setup with create_now): the file `explicit_path`
 * (--secrets-key) or as secrets_path finds it for state_dir. A problem is logged as an
 * error naming the file — the daemon runs on, and runs that need a secret it cannot
 * decrypt become Start Failed with that reason. Returns 0 or the secrets_setup error. */
int key_start(struct secrets *k, const char *explicit_path, const char *state_dir,
              const char *dsn, struct store *st);

/* `batchd key rotate|list [--secrets-key FILE] [--state-dir DIR] [--db DB]`. argv[0] is
 * "key". Returns an exit status (0, 1 failure, 2 usage). */
int key_main(int argc, char **argv);

#endif
