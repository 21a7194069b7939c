/* cmd-alerts-remote.c: `batchctl alerts list|get|explain|ack` against the server (GET
 * /api/v1/alerts, GET /api/v1/alerts/ID[?explain=true], POST /api/v1/alerts/ID/ack),
 * printing what the local forms (cmd-alerts.c) print. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rcmd.h"
#include "common/buf.h"

static int alerts_list(int argc, char **argv);
static int alerts_get(int argc, char **argv);
static int alerts_explain(int argc, char **argv);
static int alerts_ack(int argc, char **argv);

const struct cli_cmd cli_remote_alerts_cmds[] = {
        {"list",
         "[--job NAME] [--kind KIND] [--severity S] [--unacknowledged] [--limit N] "
         "[-o table|wide|json|yaml]",
         "alerts, newest first", alerts_list},
        {"get", "ID [-o table|wide|json|yaml]", "an alert and its deliveries", alerts_get},
        {"explain", "ID [-o table|wide|json|yaml]", "why an alert was or was not delivered",
         alerts_explain},
        {"ack", "ID", "acknowledge an alert, audited", alerts_ack},
        {NULL, NULL, NULL, NULL},
};

/* Parses a remote alerts verb; with `id`, one operand: the alert id (into id). */
static int parse(const struct cli_cmd *cmd, int argc, char **argv, const char *const *formats,
                 struct ropts *o, long long *id)
{
        int r = ropts_parse("alerts", cmd, argc, argv, formats, o);
        if (r)
                return r;
        if (id) {
                if (optind >= argc)
                        return cli_usage_error("alerts", cmd, "'alerts %s' needs an alert id",
                                               cmd->name);
                char *end;
                *id = strtoll(argv[optind], &end, 10);
                if (*end || end == argv[optind] || *id <= 0)
                        return cli_usage_error("alerts", cmd, "\"%s\" is not an alert id",
                                               argv[optind]);
                optind++;
        }
        if (optind != argc)
                return cli_usage_error("alerts", cmd, "unexpected argument '%s'", argv[optind]);
        return 0;
}

static int alerts_list(int argc, char **argv)
{
        static const char *const formats[] = {"table", "json", NULL};
        struct ropts o;
        int r = parse(&cli_remote_alerts_cmds[0], argc, argv, formats, &o, NULL);
        if (r)
                goto out;
        struct buf q;
        buf_init(&q, 0);
        if (o.job)
                remote_query_add(&q, "job", o.job);
        if (o.kind)
                remote_query_add(&q, "kind", o.kind);
        if (o.severity)
                remote_query_add(&q, "severity", o.severity);
        if (o.unacknowledged)
                remote_query_add(&q, "unacknowledged", "true");
        json_t *items, *next;
        r = rcmd_list_limit("/api/v1/alerts", q.data, o.limit, &items, &next);
        buf_release(&q);
        if (r)
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_list(items, next);
        } else {
                printf("%8s  %-20s %-9s %-16s %-20s %-4s %s\n", "ID", "AT", "SEVERITY", "KIND",
                       "JOB", "ACK", "MESSAGE");
                size_t i;
                json_t *it;
                json_array_foreach(items, i, it)
                        printf("%8lld  %-20s %-9s %-16s %-20s %-4s %s\n", rcmd_int(it, "id"),
                               remote_str(it, "created_at", ""), remote_str(it, "severity", ""),
                               remote_str(it, "kind", ""), remote_str(it, "job", "-"),
                               json_is_true(json_object_get(it, "acknowledged")) ? "yes" : "no",
                               remote_str(it, "message", ""));
        }
        json_decref(items);
        json_decref(next);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int show(const struct cli_cmd *cmd, int argc, char **argv, bool why)
{
        static const char *const formats[] = {"table", "json", NULL};
        struct ropts o;
        long long id;
        int r = parse(cmd, argc, argv, formats, &o, &id);
        if (r)
                goto out;
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/alerts/%lld", id);
        struct remote_resp resp;
        if ((r = rcmd_call("GET", path, why ? "explain=true" : NULL, NULL, NULL, 0, &resp)))
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_body(&resp);
                remote_resp_release(&resp);
                goto out;
        }
        json_t *a = remote_json(&resp);
        remote_resp_release(&resp);
        if (!a) {
                r = CLI_FAILURE;
                goto out;
        }
        size_t i;
        json_t *it;
        if (why) {
                json_array_foreach(json_object_get(a, "explain"), i, it)
                        printf("%s\n", json_string_value(it) ? json_string_value(it) : "");
        } else {
                printf("alert:      %lld\nseverity:   %s\nkind:       %s\njob:        %s\n",
                       rcmd_int(a, "id"), remote_str(a, "severity", ""), remote_str(a, "kind", ""),
                       remote_str(a, "job", "-"));
                if (rcmd_int(a, "instance"))
                        printf("instance:   %lld\n", rcmd_int(a, "instance"));
                printf("raised:     %s\nmessage:    %s\n", remote_str(a, "created_at", ""),
                       remote_str(a, "message", ""));
                if (rcmd_int(a, "suppressed_by"))
                        printf("suppressed: by alert %lld\n", rcmd_int(a, "suppressed_by"));
                if (json_is_true(json_object_get(a, "acknowledged")))
                        printf("acknowledged: %s by %s\n", remote_str(a, "acknowledged_at", ""),
                               remote_str(a, "acknowledged_by", "-"));
                json_array_foreach(json_object_get(a, "deliveries"), i, it)
                        printf("delivery:   %lld %s %s %s (%lld attempt(s))\n",
                               rcmd_int(it, "id"), remote_str(it, "channel", ""),
                               remote_str(it, "target", ""), remote_str(it, "state", ""),
                               rcmd_int(it, "attempts"));
        }
        json_decref(a);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int alerts_get(int argc, char **argv)
{
        return show(&cli_remote_alerts_cmds[1], argc, argv, false);
}

static int alerts_explain(int argc, char **argv)
{
        return show(&cli_remote_alerts_cmds[2], argc, argv, true);
}

static int alerts_ack(int argc, char **argv)
{
        struct ropts o;
        long long id;
        int r = parse(&cli_remote_alerts_cmds[3], argc, argv, NULL, &o, &id);
        if (r)
                goto out;
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/alerts/%lld/ack", id);
        struct remote_resp resp;
        if ((r = rcmd_call("POST", path, NULL, "application/json", "{}", 2, &resp)))
                goto out;
        json_t *a = remote_json(&resp);
        remote_resp_release(&resp);
        if (!a) {
                r = CLI_FAILURE;
                goto out;
        }
        printf("alert %lld acknowledged by %s\n", id, remote_str(a, "acknowledged_by", "?"));
        json_decref(a);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}
