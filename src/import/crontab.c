/* crontab.c: a crontab (crontab(5): a user's table, or /etc/crontab's form with a user
 * field) translated into batchd jobs, one per entry (import.h; rules in
 * docs/import.md, "crontab"). */
#include "import/import-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "core/cron.h"
#include "defs/params.h"

/* What the environment lines above an entry have set. */
struct cron_env {
        struct def_map env; /* passed to the commands */
        char *cron_tz;      /* CRON_TZ, or NULL */
        char *shell;        /* SHELL, or NULL: /bin/sh */
        char *mailto;       /* MAILTO, or NULL when unset */
        bool tz_noted, mail_noted, zone_noted, user_noted;
};

static bool blank(char c)
{
        return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p)
{
        while (blank(*p))
                p++;
        return p;
}

/* Cuts the next blank-separated word off *p: its start and length. */
static size_t word(const char **p, const char **start)
{
        const char *s = skip_blanks(*p), *e = s;
        while (*e && !blank(*e))
                e++;
        *start = s;
        *p = e;
        return (size_t)(e - s);
}

/* An environment line `NAME = VALUE` (crontab(5)): sets the name and value (value
 * unquoted when it is in matching quotes) and returns true; false for anything else. */
static bool env_line(const char *p, char **name, char **val, struct import_result *r)
{
        const char *n = p;
        while (*p && !blank(*p) && *p != '=')
                p++;
        if (p == n)
                return false;
        const char *ne = p;
        p = skip_blanks(p);
        if (*p != '=')
                return false;
        p = skip_blanks(p + 1);
        size_t vl = strlen(p);
        while (vl && blank(p[vl - 1]))
                vl--;
        if (vl >= 2 && (p[0] == '"' || p[0] == '\'') && p[vl - 1] == p[0]) {
                p++;
                vl -= 2;
        }
        *name = imp_strndup(r, n, (size_t)(ne - n));
        *val = imp_strndup(r, p, vl);
        return *name && *val;
}

static void set_env(struct import_result *r, struct cron_env *ce, const char *file, int line,
                    const char *name, const char *val)
{
        char **slot = NULL;
        if (!strcmp(name, "CRON_TZ"))
                slot = &ce->cron_tz;
        else if (!strcmp(name, "SHELL"))
                slot = &ce->shell;
        else if (!strcmp(name, "MAILTO"))
                slot = &ce->mailto;
        if (slot) {
                free(*slot);
                *slot = *val ? imp_strdup(r, val) : NULL;
                if (slot == &ce->mailto && !*val)
                        *slot = imp_strdup(r, "");
                if (slot == &ce->mailto && *val && !ce->mail_noted) {
                        ce->mail_noted = true;
                        imp_note(r, IMPORT_NOTE, file, line, "MAILTO",
                                 "cron mails each run's output to MAILTO; batchd sends an "
                                 "alert to these addresses when a run fails and keeps every "
                                 "run's output in its log");
                }
                return;
        }
        if (!strcmp(name, "TZ") && !ce->tz_noted) {
                ce->tz_noted = true;
                imp_note(r, IMPORT_NOTE, file, line, "TZ",
                         "TZ is passed to the commands' environment only; it does not move "
                         "their schedule (CRON_TZ or --tz does)");
        }
        imp_map_set(r, &ce->env, name, val);
}

/* The command as cron runs it: `\%` is a `%`; an unescaped `%` starts the command's
 * standard input, which batchd does not give (returns false). */
static bool unescape_percent(char *cmd)
{
        char *w = cmd;
        for (const char *p = cmd; *p; p++) {
                if (*p == '\\' && p[1] == '%') {
                        *w++ = '%';
                        p++;
                } else if (*p == '%') {
                        return false;
                } else {
                        *w++ = *p;
                }
        }
        *w = 0;
        return true;
}

/* The name an entry's job gets: its program's base name without extension. */
static void program_name(const char *cmd, char *out, size_t len)
{
        const char *s;
        const char *p = cmd;
        size_t n = word(&p, &s);
        const char *base = s;
        for (const char *q = s; q < s + n; q++)
                if (*q == '/')
                        base = q + 1;
        size_t bl = (size_t)(s + n - base);
        const char *dot = memchr(base + (bl ? 1 : 0), '.', bl ? bl - 1 : 0);
        if (dot)
                bl = (size_t)(dot - base);
        if (bl >= len)
                bl = len - 1;
        memcpy(out, base, bl);
        out[bl] = 0;
}

static const char *base_name(const char *path)
{
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

/* One entry: schedule, optional user, command. */
static void entry(struct import_result *r, struct cron_env *ce, const char *file, int line,
                  const char *p, const char *comment, const struct import_opts *o)
{
        char expr[512];
        const char *s;
        size_t n;
        if (*p == '@') {
                n = word(&p, &s);
                if (n == 7 && !strncmp(s, "@reboot", 7)) {
                        imp_note(r, IMPORT_REFUSED, file, line, "@reboot",
                                 "@reboot runs a command when cron starts, and batchd has no "
                                 "start-up trigger: run it from the machine's boot (a systemd "
                                 "unit) or make it a manual job and submit it");
                        return;
                }
                if (n >= sizeof(expr))
                        n = sizeof(expr) - 1;
                memcpy(expr, s, n);
                expr[n] = 0;
        } else {
                size_t el = 0;
                for (int f = 0; f < 5; f++) {
                        n = word(&p, &s);
                        if (!n) {
                                imp_note(r, IMPORT_ERROR, file, line, NULL,
                                         "an entry needs five time fields and a command; "
                                         "this line has %d field%s",
                                         f, f == 1 ? "" : "s");
                                return;
                        }
                        if (el + n + 2 > sizeof(expr)) {
                                imp_note(r, IMPORT_ERROR, file, line, NULL,
                                         "the time fields are too long");
                                return;
                        }
                        if (el)
                                expr[el++] = ' ';
                        memcpy(expr + el, s, n);
                        el += n;
                }
                expr[el] = 0;
        }
        struct cron c;
        struct batch_err e = {0};
        if (cron_parse(expr, &c, &e) < 0) {
                imp_note(r, IMPORT_ERROR, file, line, expr, "%s", e.msg);
                return;
        }
        if (cron_never(&c)) {
                imp_note(r, IMPORT_REFUSED, file, line, expr,
                         "the schedule never fires (no date matches it), so cron never ran "
                         "this command");
                return;
        }
        char *user = NULL;
        if (o->system_crontab) {
                n = word(&p, &s);
                if (!n) {
                        imp_note(r, IMPORT_ERROR, file, line, NULL,
                                 "a system crontab entry needs a user field and a command");
                        return;
                }
                user = imp_strndup(r, s, n);
        }
        p = skip_blanks(p);
        char *cmd = imp_strdup(r, p);
        if (!cmd) {
                free(user);
                return;
        }
        if (!*cmd) {
                imp_note(r, IMPORT_ERROR, file, line, NULL, "the entry has no command");
                goto out;
        }
        if (!unescape_percent(cmd)) {
                imp_note(r, IMPORT_REFUSED, file, line, NULL,
                         "an unescaped %% makes the rest of the command its standard input, "
                         "and batchd gives jobs none: put the input in a file or a here-document "
                         "of a script (a literal %% is written \\%%)");
                goto out;
        }
        char prog[129], fallback[32];
        program_name(cmd, prog, sizeof(prog));
        snprintf(fallback, sizeof(fallback), "cron-line-%d", line);
        struct job_def *j = imp_job(r, file, line, prog, fallback);
        if (!j)
                goto out;
        j->type = JOB_SCHEDULED;
        j->cron = imp_strdup(r, expr);
        j->timezone = imp_strdup(r, ce->cron_tz ? ce->cron_tz : o->timezone);
        j->catchup = CATCHUP_NONE;
        j->allow_multiple_instances = true;
        j->executor = EXECUTOR_EXEC;
        if (ce->shell && strcmp(ce->shell, "/bin/sh")) {
                imp_list_add(r, &j->exec_command, ce->shell);
                imp_list_add(r, &j->exec_command, "-c");
                imp_list_add(r, &j->exec_command, cmd);
        } else {
                imp_list_add(r, &j->exec_command, cmd);
                j->exec_shell = true;
        }
        imp_map_copy(r, &j->exec_env, &ce->env);
        j->exec_user = user;
        user = NULL;
        if (ce->mailto && *ce->mailto) {
                imp_list_add(r, &j->alert_on, "failure");
                for (const char *a = ce->mailto; *a;) {
                        const char *end = strchr(a, ',');
                        size_t al = end ? (size_t)(end - a) : strlen(a);
                        const char *as = skip_blanks(a);
                        size_t trim = (size_t)(as - a);
                        al = al > trim ? al - trim : 0;
                        while (al && blank(as[al - 1]))
                                al--;
                        if (al) {
                                char *addr = imp_strndup(r, as, al);
                                imp_list_add(r, &j->alert_email, addr);
                                free(addr);
                        }
                        a = end ? end + 1 : a + strlen(a);
                }
        }
        j->display_name = imp_strdup(r, comment);
        char desc[300];
        snprintf(desc, sizeof(desc), "imported from %s line %d", base_name(file), line);
        j->description = imp_strdup(r, desc);
        if (!ce->cron_tz && !o->timezone && !ce->zone_noted) {
                ce->zone_noted = true;
                imp_note(r, IMPORT_NOTE, file, line, j->name,
                         "cron ran this entry (and the others without CRON_TZ) in the "
                         "machine's local zone; the job follows the tenant's zone (UTC unless "
                         "set): give --tz ZONE to keep the old times");
        }
        if (!o->system_crontab && !ce->user_noted) {
                ce->user_noted = true;
                imp_note(r, IMPORT_NOTE, file, 0, NULL,
                         "a user's crontab runs as its owner; batchd runs these jobs as its own "
                         "user unless executor.exec.user says otherwise");
        }
out:
        free(user);
        free(cmd);
}

int import_crontab(const char *file, const char *data, size_t len, const struct import_opts *o,
                   struct import_result *r)
{
        struct cron_env ce;
        memset(&ce, 0, sizeof(ce));
        char *comment = NULL;
        int ncomment = 0; /* lines in the comment block above */
        int line = 0;
        imp_file(r, file);
        for (size_t pos = 0; pos < len && !r->oom;) {
                const char *nl = memchr(data + pos, '\n', len - pos);
                size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;
                line++;
                if (memchr(data + pos, 0, ll) || !utf8_valid(data + pos, ll, UTF8_YAML)) {
                        imp_note(r, IMPORT_ERROR, file, line, NULL,
                                 "not UTF-8 text (or a NUL byte, a C1 control, U+2028, "
                                 "U+2029, U+FFFE or U+FFFF): this is not a crontab batchd "
                                 "can translate");
                        break;
                }
                size_t next = pos + ll + (nl ? 1 : 0);
                if (ll && data[pos + ll - 1] == '\r')
                        ll--;
                char *text = imp_strndup(r, data + pos, ll);
                pos = next;
                if (!text)
                        break;
                const char *p = skip_blanks(text);
                char *name = NULL, *val = NULL;
                if (*p == '#') {
                        /* A one-line comment right above an entry names it; a block
                         * of several lines (a header, a field diagram) names nothing. */
                        p = skip_blanks(p + 1);
                        free(comment);
                        comment = ncomment++ ? NULL : imp_strdup(r, p);
                        free(text);
                        continue;
                }
                if (!*p) {
                        /* a blank line ends the comment block */
                } else if (env_line(p, &name, &val, r)) {
                        set_env(r, &ce, file, line, name, val);
                } else {
                        entry(r, &ce, file, line, p, comment, o);
                }
                free(comment);
                comment = NULL;
                ncomment = 0;
                free(name);
                free(val);
                free(text);
        }
        free(comment);
        def_map_release(&ce.env);
        free(ce.cron_tz);
        free(ce.shell);
        free(ce.mailto);
        return r->oom ? BATCH_ENOMEM : 0;
}
