/* cmd-db.c: `batchctl db backup|restore|vacuum`: the repository file's maintenance
 * (docs/schema.md, "Backup, restore, vacuum"). SQLite only; for PostgreSQL they print
 * what its own tools do instead. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "store/sqlite/copy.h"
#include "store/store.h"

/* How long a backup or restore waits for a lock another connection holds. */
#define DB_BUSY_MS 60000

struct db_opts {
        const char *db, *actor;
        bool force;
};

static int db_backup(int argc, char **argv);
static int db_restore(int argc, char **argv);
static int db_vacuum(int argc, char **argv);

const struct cli_cmd cli_db_cmds[] = {
        {"backup", "FILE [--db DB]",
         "copy the repository, while batchd runs, into a new file (SQLite's online backup)",
         db_backup},
        {"restore", "FILE [--db DB] [--force] [--actor NAME]",
         "replace the repository's content with a backup (batchd stopped)", db_restore},
        {"vacuum", "[--db DB] [--force] [--actor NAME]",
         "give the space of deleted rows back to the file system (batchd stopped)", db_vacuum},
        {NULL, NULL, NULL, NULL},
};

static int parse(const struct cli_cmd *cmd, int argc, char **argv, int operands,
                 struct db_opts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},   {"actor", required_argument, NULL, 'a'},
                {"force", no_argument, NULL, 'f'},      {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        *o = (struct db_opts){0};
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 'a': o->actor = optarg; break;
                case 'f': o->force = true; break;
                case 'h':
                        printf("usage: batchctl db %s %s\n%s\n", cmd->name, cmd->usage, cmd->summary);
                        return -1;
                default:
                        return cli_usage_error("db", cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        if (argc - optind < operands)
                return cli_usage_error("db", cmd, "%s", "one FILE is needed");
        if (argc - optind > operands)
                return cli_usage_error("db", cmd, "unexpected operand \"%s\"",
                                       argv[optind + operands]);
        return 0;
}

/* For a PostgreSQL repository: prints what its own tools do (the DSN is not repeated:
 * it may hold a password) and returns CLI_USAGE; CLI_OK for SQLite. */
static int postgres_advice(const char *db, const char *verb)
{
        char buf[4096];
        const char *dsn = cli_repo_dsn(db, buf, sizeof(buf));
        if (!dsn || strncmp(dsn, "postgres", 8))
                return CLI_OK;
        fprintf(stderr, "batchctl: db %s works on a SQLite repository; this one is PostgreSQL, "
                        "whose own tools do it:\n", verb);
        if (!strcmp(verb, "backup"))
                fprintf(stderr, "  pg_dump --format=custom --file=batchd.dump 'DSN'\n"
                                "  (a consistent snapshot while batchd runs; DSN: what --db names)\n");
        else if (!strcmp(verb, "restore"))
                fprintf(stderr, "  stop batchd, then: pg_restore --clean --if-exists --single-transaction "
                                "--dbname='DSN' batchd.dump\n");
        else
                fprintf(stderr, "  autovacuum does it continuously; to reclaim space now: "
                                "vacuumdb --analyze --dbname='DSN'\n");
        fprintf(stderr, "  (docs/schema.md, \"Backup, restore, vacuum\")\n");
        return CLI_USAGE;
}

/* CLI_FAILURE (printed) when a batchd runs on the repository file `path` and --force
 * was not given: batchd holds a shared flock(2) on it while it runs (docs/schema.md); a
 * batchd on a virtual clock also publishes its clock there. On CLI_OK, *lock_fd holds
 * the file locked exclusively (a batchd starting meanwhile waits): close it after the
 * store (closing a descriptor of the file drops this process's SQLite locks on it). */
static int refuse_if_running(struct store *s, const char *path, const char *what, bool force,
                             int *lock_fd)
{
        *lock_fd = open(path, O_RDONLY | O_CLOEXEC);
        bool running = *lock_fd >= 0 && flock(*lock_fd, LOCK_EX | LOCK_NB) < 0;
        struct store_clock c;
        struct batch_err err;
        if (store_clock_get(s, &c, &err) == 0) {
                store_clock_release(&c);
                running = true;
        }
        if (running && !force) {
                fprintf(stderr, "batchctl: a batchd is running on this repository: stop it before "
                                "%s, or give --force if it is gone\n",
                        what);
                return CLI_FAILURE;
        }
        return CLI_OK;
}

static sqlite3 *native(struct store *s)
{
        const char *kind = NULL;
        void *h = store_native(s, &kind);
        return kind && !strcmp(kind, "sqlite") ? h : NULL;
}

static long long file_size(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* fsyncs path (a file, or the directory holding it when dir). */
static int sync_path(const char *path, bool dir)
{
        char copy[4096];
        snprintf(copy, sizeof(copy), "%s", path);
        int fd = open(dir ? dirname(copy) : path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
        if (fd < 0)
                return -1;
        int r = fsync(fd);
        close(fd);
        return r;
}

static const char *actor_of(const struct db_opts *o)
{
        const char *u = getenv("USER");
        return o->actor ? o->actor : (u && *u ? u : "batchctl");
}

static int db_backup(int argc, char **argv)
{
        struct db_opts o;
        int r = parse(&cli_db_cmds[0], argc, argv, 1, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        if ((r = postgres_advice(o.db, "backup")))
                return r;
        const char *file = argv[optind];
        if (access(file, F_OK) == 0) {
                fprintf(stderr, "batchctl: %s exists: a backup goes to a new file, never over one\n",
                        file);
                return CLI_FAILURE;
        }
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        char part[4200];
        snprintf(part, sizeof(part), "%s.part-%ld", file, (long)getpid());
        sqlite3 *to = NULL;
        struct batch_err err = {0};
        int pages = 0;
        r = CLI_FAILURE;
        if (sqlite3_open_v2(part, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
                fprintf(stderr, "batchctl: cannot create %s: %s\n", part,
                        to ? sqlite3_errmsg(to) : "out of memory");
                goto out;
        }
        /* One self-contained file: no -wal beside the copy. */
        if (sqlite_copy(native(s), to, DB_BUSY_MS, &pages, &err) < 0 ||
            sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK ||
            sqlite_check(to, &err) < 0) {
                fprintf(stderr, "batchctl: backup: %s\n", err.msg[0] ? err.msg : sqlite3_errmsg(to));
                goto out;
        }
        sqlite3_close(to);
        to = NULL;
        if (sync_path(part, false) < 0 || rename(part, file) < 0 || sync_path(file, true) < 0) {
                fprintf(stderr, "batchctl: backup: cannot put %s in place: %s\n", file,
                        strerror(errno));
                goto out;
        }
        printf("backup: %d pages (%lld KiB) written to %s; integrity check ok\n", pages,
               file_size(file) / 1024, file);
        r = CLI_OK;
out:
        if (to)
                sqlite3_close(to);
        if (r != CLI_OK)
                unlink(part);
        store_close(s);
        return r;
}

/* The schema version of a batchd repository file opened as db (0: not one). */
static int schema_version(sqlite3 *db)
{
        sqlite3_stmt *st;
        int v = 0;
        if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations", -1, &st, NULL) ==
            SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW)
                        v = sqlite3_column_int(st, 0);
                sqlite3_finalize(st);
        }
        return v;
}

static int db_restore(int argc, char **argv)
{
        struct db_opts o;
        int r = parse(&cli_db_cmds[1], argc, argv, 1, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        if ((r = postgres_advice(o.db, "restore")))
                return r;
        const char *file = argv[optind];
        sqlite3 *from = NULL;
        struct batch_err err = {0};
        /* The backup first, read only: a readable batchd repository, whole. */
        if (access(file, R_OK) != 0) {
                fprintf(stderr, "batchctl: restore: cannot read %s: %s\n", file, strerror(errno));
                return CLI_FAILURE;
        }
        if (sqlite3_open_v2(file, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite_check(from, &err) < 0) {
                fprintf(stderr, "batchctl: restore: %s is not a usable backup: %s\n", file,
                        err.msg[0] ? err.msg : sqlite3_errmsg(from));
                sqlite3_close(from);
                return CLI_FAILURE;
        }
        int version = schema_version(from);
        struct store *s;
        if (version == 0) {
                fprintf(stderr, "batchctl: restore: %s is not a batchd repository (no "
                                "schema_migrations)\n", file);
                sqlite3_close(from);
                return CLI_FAILURE;
        }
        if ((r = cli_open_repo(o.db, &s))) {
                sqlite3_close(from);
                return r;
        }
        int mine = schema_version(native(s));
        char pbuf[4096];
        const char *path = cli_repo_dsn(o.db, pbuf, sizeof(pbuf));
        int lock_fd = -1;
        if (version > mine) {
                fprintf(stderr, "batchctl: restore: %s has schema version %d, newer than this "
                                "batchctl's %d: restore it with that version\n", file, version, mine);
                r = CLI_FAILURE;
        } else if (!(r = refuse_if_running(s, path, "a restore", o.force, &lock_fd))) {
                int pages = 0;
                if (sqlite_copy(from, native(s), DB_BUSY_MS, &pages, &err) < 0) {
                        fprintf(stderr, "batchctl: restore: %s; the repository is unchanged\n",
                                err.msg);
                        r = CLI_FAILURE;
                } else {
                        store_close(s);
                        s = NULL;
                        /* Again through the store: migrations of an older backup, then the
                         * clock the backup may hold (of a batchd that ran when it was taken,
                         * not now) withdrawn, and the audit row. */
                        if ((r = cli_open_repo(o.db, &s)) == CLI_OK) {
                                char detail[4200];
                                snprintf(detail, sizeof(detail), "from %s (schema %d, %d pages)",
                                         file, version, pages);
                                if (store_clock_withdraw(s, NULL, &err) < 0 ||
                                    store_audit_add(s, (int64_t)time(NULL), actor_of(&o),
                                                    "db-restore", "repository", detail, &err) < 0) {
                                        fprintf(stderr, "batchctl: restore: %s\n", err.msg);
                                        r = CLI_FAILURE;
                                } else {
                                        printf("restore: %d pages from %s; the repository is that "
                                               "backup now\n", pages, file);
                                }
                        }
                }
        }
        sqlite3_close(from);
        store_close(s);
        if (lock_fd >= 0)
                close(lock_fd);
        return r;
}

static int db_vacuum(int argc, char **argv)
{
        struct db_opts o;
        int r = parse(&cli_db_cmds[2], argc, argv, 0, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        if ((r = postgres_advice(o.db, "vacuum")))
                return r;
        char buf[4096], wal[4200];
        const char *path = cli_repo_dsn(o.db, buf, sizeof(buf));
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        int lock_fd = -1;
        if ((r = refuse_if_running(s, path, "a vacuum (it holds the write lock while it runs)",
                                   o.force, &lock_fd))) {
                store_close(s);
                if (lock_fd >= 0)
                        close(lock_fd);
                return r;
        }
        snprintf(wal, sizeof(wal), "%s-wal", path);
        long long before = file_size(path) + file_size(wal);
        sqlite3 *db = native(s);
        sqlite3_busy_timeout(db, DB_BUSY_MS);
        struct batch_err err;
        if (sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE); "
                             "PRAGMA optimize", NULL, NULL, NULL) != SQLITE_OK) {
                fprintf(stderr, "batchctl: vacuum: %s; the repository is unchanged\n",
                        sqlite3_errmsg(db));
                store_close(s);
                close(lock_fd);
                return CLI_FAILURE;
        }
        long long after = file_size(path) + file_size(wal);
        char detail[128];
        snprintf(detail, sizeof(detail), "%lld KiB to %lld KiB", before / 1024, after / 1024);
        if (store_audit_add(s, (int64_t)time(NULL), actor_of(&o), "db-vacuum", "repository", detail,
                            &err) < 0) {
                fprintf(stderr, "batchctl: vacuum: %s\n", err.msg);
                store_close(s);
                close(lock_fd);
                return CLI_FAILURE;
        }
        store_close(s);
        if (lock_fd >= 0)
                close(lock_fd);
        printf("vacuum: %s from %lld KiB to %lld KiB\n", path, before / 1024, after / 1024);
        return CLI_OK;
}
