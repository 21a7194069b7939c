/* mail_send_test.c: a command-line driver of mail_send and webhook_post for
 * tests/daemon/transport.sh. It sends exactly what its arguments say and prints the
 * outcome; the script checks what the sinks received.
 *
 *   mail_send_test mail --url U --from A --to B [--to C ...] --subject S --message-id ID
 *                  [--text-file F] [--html-file F] [--attach NAME:TYPE:FILE ...]
 *                  [--user U --password-env VAR] [--starttls] [--ca FILE] [--timeout S]
 *   mail_send_test webhook --url U --body-file F --delivery ID --now S
 *                  [--secret-env VAR] [--timeout S]
 *
 * Output: "answer: <server's last reply or body>" and "status: <http status>" (webhook)
 * on stdout; "error: <code name>: <message>" on stderr. Exit 0 on success, 1 on a
 * failed send, 2 on bad usage. Passwords and secrets come from the environment so they
 * never appear in a process listing. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/mail.h"
#include "daemon/webhook.h"

#define MAX_LIST 16

static char *read_file(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "mail_send_test: cannot open %s\n", path);
                exit(2);
        }
        size_t cap = 4096, len = 0;
        char *d = malloc(cap);
        size_t n;
        while (d && (n = fread(d + len, 1, cap - len - 1, f)) > 0) {
                len += n;
                if (cap - len < 2) {
                        char *nd = realloc(d, cap * 2);
                        if (!nd) {
                                free(d);
                                d = NULL;
                                break;
                        }
                        d = nd;
                        cap *= 2;
                }
        }
        fclose(f);
        if (!d) {
                fprintf(stderr, "mail_send_test: out of memory reading %s\n", path);
                exit(2);
        }
        d[len] = '\0';
        *ret_len = len;
        return d;
}

static const char *env_or_die(const char *var)
{
        const char *v = getenv(var);
        if (!v) {
                fprintf(stderr, "mail_send_test: environment variable %s is not set\n", var);
                exit(2);
        }
        return v;
}

static int usage(void)
{
        fputs("usage: mail_send_test mail|webhook OPTIONS (see tests/daemon/mail_send_test.c)\n",
              stderr);
        return 2;
}

static int run_mail(int argc, char **argv)
{
        struct mail_server srv = {0};
        struct mail_message m = {0};
        const char *to[MAX_LIST];
        struct mail_attachment att[MAX_LIST];
        char *owned[3 * MAX_LIST];
        size_t nowned = 0, len;
        for (int i = 2; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (strcmp(a, "--starttls") == 0) {
                        srv.starttls = true;
                        continue;
                }
                if (!v)
                        return usage();
                i++;
                if (strcmp(a, "--url") == 0)
                        srv.url = v;
                else if (strcmp(a, "--from") == 0)
                        srv.from = v;
                else if (strcmp(a, "--user") == 0)
                        srv.user = v;
                else if (strcmp(a, "--password-env") == 0)
                        srv.password = env_or_die(v);
                else if (strcmp(a, "--ca") == 0)
                        srv.ca_file = v;
                else if (strcmp(a, "--timeout") == 0)
                        srv.timeout_s = strtol(v, NULL, 10);
                else if (strcmp(a, "--to") == 0 && m.nto < MAX_LIST)
                        to[m.nto++] = v;
                else if (strcmp(a, "--subject") == 0)
                        m.subject = v;
                else if (strcmp(a, "--message-id") == 0)
                        m.message_id = v;
                else if (strcmp(a, "--text-file") == 0)
                        m.text = owned[nowned++] = read_file(v, &len);
                else if (strcmp(a, "--html-file") == 0)
                        m.html = owned[nowned++] = read_file(v, &len);
                else if (strcmp(a, "--attach") == 0 && m.natt < MAX_LIST) {
                        /* NAME:TYPE:FILE */
                        char *spec = owned[nowned++] = strdup(v);
                        char *c1 = spec ? strchr(spec, ':') : NULL;
                        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                        if (!c2)
                                return usage();
                        *c1 = *c2 = '\0';
                        struct mail_attachment *t = &att[m.natt++];
                        t->name = spec;
                        t->mime = c1 + 1;
                        t->data = owned[nowned++] = read_file(c2 + 1, &t->len);
                } else
                        return usage();
        }
        m.to = to;
        m.att = att;
        char *answer = NULL;
        struct batch_err err;
        int r = mail_send(&srv, &m, &answer, &err);
        printf("answer: %s\n", answer ? answer : "");
        free(answer);
        for (size_t i = 0; i < nowned; i++)
                free(owned[i]);
        if (r < 0) {
                fprintf(stderr, "error: %s: %s\n", batch_err_name(r), err.msg);
                return 1;
        }
        return 0;
}

static int run_webhook(int argc, char **argv)
{
        struct webhook_target t = {0};
        const char *delivery = NULL;
        char *body = NULL;
        size_t len = 0;
        long long now_s = 0;
        for (int i = 2; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!v)
                        return usage();
                i++;
                if (strcmp(a, "--url") == 0)
                        t.url = v;
                else if (strcmp(a, "--secret-env") == 0)
                        t.secret = env_or_die(v);
                else if (strcmp(a, "--timeout") == 0)
                        t.timeout_s = strtol(v, NULL, 10);
                else if (strcmp(a, "--delivery") == 0)
                        delivery = v;
                else if (strcmp(a, "--now") == 0)
                        now_s = strtoll(v, NULL, 10);
                else if (strcmp(a, "--body-file") == 0 && !body)
                        body = read_file(v, &len);
                else
                        return usage();
        }
        long status = -1;
        char *answer = NULL;
        struct batch_err err;
        int r = webhook_post(&t, body, len, delivery, now_s, &status, &answer, &err);
        printf("status: %ld\nanswer: %s\n", status, answer ? answer : "");
        free(answer);
        free(body);
        if (r < 0) {
                fprintf(stderr, "error: %s: %s\n", batch_err_name(r), err.msg);
                return 1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 2)
                return usage();
        struct batch_err err;
        if (mail_global_init(&err) < 0) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
        }
        if (strcmp(argv[1], "mail") == 0)
                return run_mail(argc, argv);
        if (strcmp(argv[1], "webhook") == 0)
                return run_webhook(argc, argv);
        return usage();
}
