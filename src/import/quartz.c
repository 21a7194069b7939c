/* quartz.c: Quartz's job-scheduling-data file (quartz_jobs.xml, read by Quartz's
 * XMLSchedulingDataProcessorPlugin; schema job_scheduling_data_2_0.xsd) translated into
 * batchd jobs (import.h; rules in docs/import.md, "Quartz"). Read with libxml2, without
 * network access, DTD loading or entity substitution. */
#include "import/import-internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/err.h"
#include "common/utf8.h"
#include "defs/params.h"

struct qctx {
        struct import_result *r;
        const struct import_opts *o;
        const char *file;
        bool bad;             /* an error was reported */
        bool zone_noted;
};

struct qjob {
        xmlNode *node;
        char *name, *group, *desc, *cls;
        bool recovery;
        struct def_map data;
        bool made;            /* a job was made for it (for its first translated trigger) */
        int ntriggers;        /* triggers naming it */
        size_t doc;           /* the index of that job's document */
};

static bool is(const xmlNode *n, const char *name)
{
        return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static int line_of(const xmlNode *n)
{
        long l = xmlGetLineNo(n);
        return l > 0 && l < 1000000000 ? (int)l : 0;
}

static xmlNode *child(xmlNode *n, const char *name)
{
        for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (is(c, name))
                        return c;
        return NULL;
}

/* The trimmed text of element n (heap), or NULL when n is NULL; text that a definition
 * cannot carry is an error at its line. */
static char *text_of(struct qctx *q, xmlNode *n)
{
        if (!n)
                return NULL;
        xmlChar *t = xmlNodeGetContent(n);
        if (!t) {
                q->r->oom = true;
                return NULL;
        }
        const char *s = (const char *)t;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        size_t len = strlen(s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
                       s[len - 1] == '\r'))
                len--;
        char *out = NULL;
        if (!utf8_valid(s, len, UTF8_YAML)) {
                imp_note(q->r, IMPORT_ERROR, q->file, line_of(n), (const char *)n->name,
                         "holds a character a definition cannot carry (a C1 control, U+2028, "
                         "U+2029, U+FFFE or U+FFFF)");
                q->bad = true;
        } else {
                out = imp_strndup(q->r, s, len);
        }
        xmlFree(t);
        return out;
}

static char *child_text(struct qctx *q, xmlNode *n, const char *name)
{
        return text_of(q, child(n, name));
}

/* <job-data-map><entry><key/><value/></entry>...</job-data-map> into m. */
static void data_map(struct qctx *q, xmlNode *n, struct def_map *m)
{
        for (xmlNode *e = n ? n->children : NULL; e; e = e->next) {
                if (!is(e, "entry"))
                        continue;
                char *k = child_text(q, e, "key"), *v = child_text(q, e, "value");
                if (k && *k)
                        imp_map_set(q->r, m, k, v ? v : "");
                free(k);
                free(v);
        }
}

static bool true_text(const char *s)
{
        return s && (!strcmp(s, "true") || !strcmp(s, "1"));
}

/* The job document made for qj, or a new one for its next trigger. */
static struct job_def *job_for(struct qctx *q, struct qjob *qj, const char *trigger_name,
                               int line)
{
        struct import_result *r = q->r;
        struct job_def *j;
        if (!qj->made) {
                j = imp_job(r, q->file, line_of(qj->node), qj->name, "quartz-job");
                if (!j)
                        return NULL;
                qj->doc = r->set.ndocs - 1;
                qj->made = true;
        } else {
                /* batchd jobs have one trigger: a copy of the job for each further one */
                char base[300];
                snprintf(base, sizeof(base), "%s-%s", qj->name, trigger_name);
                j = imp_job(r, q->file, line, base, "quartz-job");
                if (!j)
                        return NULL;
                struct job_def *f = &r->set.docs[qj->doc].u.job;
                imp_note(r, IMPORT_NOTE, q->file, line, j->name,
                         "a batchd job has one trigger: Quartz trigger \"%s\" of job \"%s\" "
                         "became this copy of job %s",
                         trigger_name, qj->name, f->name);
        }
        return j;
}

/* Fills what every job made from qj has: executor, group, description, parameters. */
static void job_base(struct qctx *q, struct qjob *qj, struct job_def *j)
{
        struct import_result *r = q->r;
        j->executor = EXECUTOR_HTTP;
        j->http_service = imp_strdup(r, q->o->service);
        j->http_remote_job = imp_strdup(r, qj->name);
        if (qj->group && strcmp(qj->group, "DEFAULT"))
                j->group = imp_strdup(r, qj->group);
        char desc[1200];
        snprintf(desc, sizeof(desc), "%s%simported from %s line %d (job-class %s)",
                 qj->desc ? qj->desc : "", qj->desc ? "; " : "",
                 strrchr(q->file, '/') ? strrchr(q->file, '/') + 1 : q->file,
                 line_of(qj->node), qj->cls ? qj->cls : "?");
        j->description = imp_strdup(r, desc);
        if (!j->parameters.n)
                imp_map_copy(r, &j->parameters, &qj->data);
        if (qj->name && strcmp(j->name, qj->name) && !j->display_name)
                j->display_name = imp_strdup(r, qj->name);
}

/* Seconds after midnight UTC of an xs:dateTime ("2026-01-01T10:07:00", optionally with
 * fractions and Z or +hh:mm); -1 when it is not one. *zoned tells whether it had a zone. */
static long start_phase(const char *s, bool *zoned)
{
        int y, mo, d, h, mi, sec, n = 0;
        if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
            h > 23 || mi > 59 || sec > 60)
                return -1;
        const char *p = s + n;
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        long off = 0;
        *zoned = false;
        if (*p == 'Z') {
                *zoned = true;
                p++;
        } else if (*p == '+' || *p == '-') {
                int oh, om, k = 0;
                if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || oh > 14 || om > 59)
                        return -1;
                off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
                *zoned = true;
                p += 1 + k;
        }
        if (*p)
                return -1;
        return ((h * 3600L + mi * 60L + (sec > 59 ? 59 : sec) - off) % 86400 + 86400) % 86400;
}

/* The catch-up policy of a misfire instruction; -1 when it is not one of the trigger's. */
static int misfire(const char *m, bool cron, long long repeat)
{
        static const char pre[] = "MISFIRE_INSTRUCTION_";
        if (!m)
                m = "MISFIRE_INSTRUCTION_SMART_POLICY";
        if (strncmp(m, pre, sizeof(pre) - 1))
                return -1;
        m += sizeof(pre) - 1;
        if (!strcmp(m, "IGNORE_MISFIRE_POLICY"))
                return CATCHUP_ALL;
        if (cron) {
                if (!strcmp(m, "SMART_POLICY") || !strcmp(m, "FIRE_ONCE_NOW"))
                        return CATCHUP_LATEST;
                if (!strcmp(m, "DO_NOTHING"))
                        return CATCHUP_NONE;
                return -1;
        }
        if (!strcmp(m, "SMART_POLICY")) /* Quartz's SimpleTriggerImpl.updateAfterMisfire */
                return repeat < 0 ? CATCHUP_NONE : CATCHUP_LATEST;
        if (!strcmp(m, "FIRE_NOW") || !strcmp(m, "RESCHEDULE_NOW_WITH_EXISTING_REPEAT_COUNT") ||
            !strcmp(m, "RESCHEDULE_NOW_WITH_REMAINING_REPEAT_COUNT"))
                return CATCHUP_LATEST;
        if (!strcmp(m, "RESCHEDULE_NEXT_WITH_REMAINING_COUNT") ||
            !strcmp(m, "RESCHEDULE_NEXT_WITH_EXISTING_COUNT"))
                return CATCHUP_NONE;
        return -1;
}

/* The schedule of one <cron> or <simple> trigger: into *expr and *zone (static or owned
 * by the caller's buffers); false (with a report line) when it does not translate. */
struct qsched {
        char expr[300];
        const char *zone;
        int catchup;
};

static bool cron_trigger(struct qctx *q, xmlNode *t, const char *tname, struct qsched *s,
                         char **zone)
{
        int line = line_of(t);
        char *expr = child_text(q, t, "cron-expression");
        char why[300];
        bool ok = false;
        *zone = child_text(q, t, "time-zone");
        char *mi = child_text(q, t, "misfire-instruction");
        if (!expr) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "a cron trigger needs a <cron-expression>");
                q->bad = true;
        } else if (import_quartz_cron(expr, s->expr, sizeof(s->expr), why, sizeof(why)) < 0) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname, "%s", why);
                q->bad = true;
        } else if ((s->catchup = misfire(mi, true, 0)) < 0) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "\"%s\" is not a misfire instruction of a cron trigger", mi);
                q->bad = true;
        } else {
                s->zone = *zone ? *zone : q->o->timezone;
                if (!*zone && !q->o->timezone && !q->zone_noted) {
                        q->zone_noted = true;
                        imp_note(q->r, IMPORT_NOTE, q->file, line, tname,
                                 "a cron trigger without <time-zone> ran in the JVM's default "
                                 "zone; the job follows the tenant's zone (UTC unless set): "
                                 "give --tz ZONE to keep the old times");
                }
                ok = true;
        }
        free(expr);
        free(mi);
        return ok;
}

static bool simple_trigger(struct qctx *q, xmlNode *t, const char *tname, struct qsched *s)
{
        int line = line_of(t);
        char *cnt = child_text(q, t, "repeat-count"), *iv = child_text(q, t, "repeat-interval");
        char *start = child_text(q, t, "start-time"), *end = child_text(q, t, "end-time");
        char *mi = child_text(q, t, "misfire-instruction");
        char *e1 = NULL, *e2 = NULL, why[300];
        bool ok = false, zoned = false;
        long long repeat = cnt ? strtoll(cnt, &e1, 10) : -2;
        long long interval = iv ? strtoll(iv, &e2, 10) : -1;
        long phase = start ? start_phase(start, &zoned) : 0;
        if (!cnt || !iv || *e1 || *e2 || !*cnt || !*iv || repeat < -1) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "a simple trigger needs <repeat-count> (-1 for ever, or 0 or more) "
                         "and <repeat-interval> (milliseconds), both whole numbers");
                q->bad = true;
        } else if (phase < 0) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "<start-time> \"%s\" is not an xs:dateTime (2026-01-31T10:00:00, "
                         "optionally with Z or +01:00)",
                         start);
                q->bad = true;
        } else if ((s->catchup = misfire(mi, false, repeat)) < 0) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "\"%s\" is not a misfire instruction of a simple trigger", mi);
                q->bad = true;
        } else if (repeat == 0) {
                imp_note(q->r, IMPORT_REFUSED, q->file, line, tname,
                         "fires once (repeat-count 0)%s%s, and batchd has no one-off trigger: "
                         "the trigger is left out; submit the job then",
                         start ? " at " : "", start ? start : "");
        } else if (import_interval_cron(interval, phase, s->expr, sizeof(s->expr), why,
                                        sizeof(why)) < 0) {
                imp_note(q->r, IMPORT_REFUSED, q->file, line, tname,
                         "%s: the trigger is left out", why);
        } else {
                s->zone = "UTC";
                ok = true;
                if (!start)
                        imp_note(q->r, IMPORT_NOTE, q->file, line, tname,
                                 "without <start-time> Quartz counted the interval from when it "
                                 "loaded the file; the job fires on the clock (%s in UTC)",
                                 s->expr);
                else if (!zoned)
                        imp_note(q->r, IMPORT_NOTE, q->file, line, tname,
                                 "<start-time> has no zone (Quartz used the JVM's): read as "
                                 "UTC for the interval's phase");
                if (repeat > 0)
                        imp_note(q->r, IMPORT_NOTE, q->file, line, tname,
                                 "Quartz stops after %lld runs (repeat-count %lld); the batchd "
                                 "job runs on: disable it when it should stop",
                                 repeat + 1, repeat);
        }
        if (ok && end)
                imp_note(q->r, IMPORT_NOTE, q->file, line, tname,
                         "batchd has no end time: disable the job after %s (<end-time>)", end);
        free(cnt);
        free(iv);
        free(start);
        free(end);
        free(mi);
        return ok;
}

/* One <trigger>: its <cron>, <simple> or <calendar-interval>. */
static void trigger(struct qctx *q, xmlNode *tr, struct qjob *jobs, size_t njobs)
{
        xmlNode *t = NULL;
        for (xmlNode *c = tr->children; c && !t; c = c->next)
                if (c->type == XML_ELEMENT_NODE)
                        t = c;
        int line = line_of(t ? t : tr);
        if (!t) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, NULL, "an empty <trigger>");
                q->bad = true;
                return;
        }
        char *tname = child_text(q, t, "name");
        char *jname = child_text(q, t, "job-name");
        char *jgroup = child_text(q, t, "job-group");
        char *cal = child_text(q, t, "calendar-name");
        char *prio = child_text(q, t, "priority");
        char *zone = NULL;
        struct qjob *qj = NULL;
        for (size_t i = 0; jname && i < njobs; i++)
                if (!strcmp(jobs[i].name, jname) &&
                    !strcmp(jobs[i].group ? jobs[i].group : "DEFAULT", jgroup ? jgroup : "DEFAULT"))
                        qj = &jobs[i];
        struct qsched s = {.catchup = CATCHUP_LATEST};
        if (qj)
                qj->ntriggers++;
        bool ok = false;
        if (!tname || !jname) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "a trigger needs <name> and <job-name>");
                q->bad = true;
        } else if (!qj) {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "trigger for job \"%s\" (group %s), which the file does not define",
                         jname, jgroup ? jgroup : "DEFAULT");
                q->bad = true;
        } else if (is(t, "cron")) {
                ok = cron_trigger(q, t, tname, &s, &zone);
        } else if (is(t, "simple")) {
                ok = simple_trigger(q, t, tname, &s);
        } else if (is(t, "calendar-interval")) {
                imp_note(q->r, IMPORT_REFUSED, q->file, line, tname,
                         "calendar-interval triggers (every N units of the calendar from the "
                         "start time) are not translated: give the job a cron trigger by hand");
        } else {
                imp_note(q->r, IMPORT_ERROR, q->file, line, tname,
                         "<%s> is not a trigger (cron, simple, calendar-interval)", t->name);
                q->bad = true;
        }
        if (ok) {
                struct job_def *j = job_for(q, qj, tname, line);
                if (j) {
                        job_base(q, qj, j);
                        j->type = JOB_SCHEDULED;
                        j->cron = imp_strdup(q->r, s.expr);
                        j->timezone = imp_strdup(q->r, s.zone);
                        j->catchup = (enum job_catchup)s.catchup;
                        /* the trigger's data map is merged over the job's, as Quartz does */
                        struct def_map tm = {0};
                        data_map(q, child(t, "job-data-map"), &tm);
                        imp_map_copy(q->r, &j->parameters, &tm);
                        def_map_release(&tm);
                        if (cal)
                                imp_note(q->r, IMPORT_NOTE, q->file, line, tname,
                                         "Quartz calendar \"%s\" (times it excludes) is not "
                                         "translated: a batchd calendar lists workdays and "
                                         "holidays; define one and set workday_only",
                                         cal);
                        if (prio && strcmp(prio, "5"))
                                imp_note(q->r, IMPORT_NOTE, q->file, line, tname,
                                         "priority %s is not translated: batchd starts due "
                                         "jobs without priorities",
                                         prio);
                }
        }
        free(tname);
        free(jname);
        free(jgroup);
        free(cal);
        free(prio);
        free(zone);
}

static void jobs_release(struct qjob *jobs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(jobs[i].name);
                free(jobs[i].group);
                free(jobs[i].desc);
                free(jobs[i].cls);
                def_map_release(&jobs[i].data);
        }
        free(jobs);
}

static void translate(struct qctx *q, xmlNode *root)
{
        struct import_result *r = q->r;
        struct qjob *jobs = NULL;
        size_t njobs = 0;
        if (!is(root, "job-scheduling-data")) {
                imp_note(r, IMPORT_ERROR, q->file, root ? line_of(root) : 0, NULL,
                         "the root element is <%s>, not <job-scheduling-data>",
                         root ? (const char *)root->name : "");
                return;
        }
        for (xmlNode *c = root->children; c; c = c->next) {
                if (is(c, "pre-processing-commands"))
                        for (xmlNode *p = c->children; p; p = p->next)
                                if (p->type == XML_ELEMENT_NODE)
                                        imp_note(r, IMPORT_NOTE, q->file, line_of(p),
                                                 (const char *)p->name,
                                                 "not carried out: import only writes new "
                                                 "definitions (apply --prune deletes the ones "
                                                 "the files no longer hold)");
                if (!is(c, "schedule"))
                        continue;
                for (xmlNode *jn = c->children; jn; jn = jn->next) {
                        if (!is(jn, "job"))
                                continue;
                        struct qjob *a = realloc(jobs, (njobs + 1) * sizeof(*a));
                        if (!a) {
                                r->oom = true;
                                break;
                        }
                        jobs = a;
                        struct qjob *qj = &jobs[njobs++];
                        memset(qj, 0, sizeof(*qj));
                        qj->node = jn;
                        qj->name = child_text(q, jn, "name");
                        qj->group = child_text(q, jn, "group");
                        qj->desc = child_text(q, jn, "description");
                        qj->cls = child_text(q, jn, "job-class");
                        char *rec = child_text(q, jn, "recovery");
                        qj->recovery = true_text(rec);
                        free(rec);
                        data_map(q, child(jn, "job-data-map"), &qj->data);
                        if (!qj->name || !*qj->name || !qj->cls) {
                                imp_note(r, IMPORT_ERROR, q->file, line_of(jn), qj->name,
                                         "a job needs <name> and <job-class>");
                                q->bad = true;
                                njobs--;
                                free(qj->name);
                                free(qj->group);
                                free(qj->desc);
                                free(qj->cls);
                                def_map_release(&qj->data);
                        }
                }
        }
        for (xmlNode *c = root->children; c && !r->oom; c = c->next)
                for (xmlNode *t = is(c, "schedule") ? c->children : NULL; t; t = t->next)
                        if (is(t, "trigger"))
                                trigger(q, t, jobs, njobs);
        /* Jobs no trigger fires (or whose triggers did not translate) are manual. */
        for (size_t i = 0; i < njobs && !r->oom; i++) {
                struct qjob *qj = &jobs[i];
                if (!qj->made) {
                        struct job_def *j = job_for(q, qj, NULL, line_of(qj->node));
                        if (j)
                                job_base(q, qj, j);
                        if (j && qj->ntriggers)
                                imp_note(r, IMPORT_NOTE, q->file, line_of(qj->node), j->name,
                                         "none of the job's triggers translated: it is a "
                                         "manual job, run when submitted");
                }
                if (qj->recovery)
                        imp_note(r, IMPORT_NOTE, q->file, line_of(qj->node), qj->name,
                                 "<recovery>true</recovery> re-ran a job a crash interrupted; "
                                 "batchd records such a run as lost after a restart "
                                 "(docs/daemon.md): give the job retry: {attempts: N} to run "
                                 "it again");
        }
        if (njobs)
                imp_note(r, IMPORT_NOTE, q->file, 0, NULL,
                         "Quartz runs a job while its previous run goes on unless the class "
                         "has @DisallowConcurrentExecution, which the file does not say; the "
                         "jobs wait for their previous instance (allow_multiple_instances: "
                         "false): set it to true where the class allows it");
        jobs_release(jobs, njobs);
}

/* The first error libxml2 reports (the later ones tend to follow from it). */
struct first_error {
        bool seen;
        int line;
        char msg[300];
};

static void keep_first_error(void *user, xmlErrorPtr e)
{
        xmlParserCtxtPtr ctx = user;
        struct first_error *fe = ctx ? ctx->_private : NULL;
        if (!fe || fe->seen || !e || e->level < XML_ERR_ERROR)
                return;
        fe->seen = true;
        fe->line = e->line > 0 ? e->line : 0;
        snprintf(fe->msg, sizeof(fe->msg), "%s", e->message ? e->message : "not well-formed");
        size_t n = strlen(fe->msg);
        while (n && (fe->msg[n - 1] == '\n' || fe->msg[n - 1] == ' '))
                fe->msg[--n] = 0;
}

int import_quartz(const char *file, const char *data, size_t len, const struct import_opts *o,
                  struct import_result *r)
{
        struct qctx q = {.r = r, .o = o, .file = imp_file(r, file)};
        if (!o->service) {
                imp_note(r, IMPORT_ERROR, file, 0, NULL,
                         "Quartz jobs are Java classes: give --service URL, the service that "
                         "runs them (each job becomes an http job naming it)");
                return r->oom ? BATCH_ENOMEM : 0;
        }
        if (len > (size_t)INT32_MAX) {
                imp_note(r, IMPORT_ERROR, file, 0, NULL, "too large");
                return 0;
        }
        xmlParserCtxtPtr ctx = xmlNewParserCtxt();
        if (!ctx)
                return BATCH_ENOMEM;
        struct first_error fe = {0};
        ctx->_private = &fe;
        ctx->sax->serror = keep_first_error;
        xmlDocPtr doc = xmlCtxtReadMemory(ctx, data, (int)len, file, NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                  XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
        if (!doc || fe.seen) {
                imp_note(r, IMPORT_ERROR, file, fe.line, NULL, "XML: %s",
                         fe.seen ? fe.msg : "not well-formed");
                xmlFreeDoc(doc);
        } else if (doc->intSubset || doc->extSubset) {
                /* quartz_jobs.xml is checked against a schema, never a DTD; a DOCTYPE only
                 * brings entities, which are refused rather than expanded. */
                imp_note(r, IMPORT_ERROR, file, 0, NULL,
                         "a <!DOCTYPE> is not accepted in a job-scheduling-data file");
                xmlFreeDoc(doc);
        } else {
                translate(&q, xmlDocGetRootElement(doc));
                xmlFreeDoc(doc);
        }
        xmlFreeParserCtxt(ctx);
        return r->oom ? BATCH_ENOMEM : 0;
}
