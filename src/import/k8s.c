/* k8s.c: Kubernetes CronJob manifests (batch/v1) translated into batchd jobs (import.h;
 * rules in docs/import.md, "Kubernetes CronJob"). Read with libyaml's document API, the
 * YAML library of the definition files; several documents per file. */
#include "import/import-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/err.h"
#include "common/utf8.h"
#include "core/cron.h"

struct kctx {
        struct import_result *r;
        const struct import_opts *o;
        const char *file;
        yaml_document_t *y;
        bool zone_noted;
};

static int line_of(const yaml_node_t *n)
{
        return n ? (int)n->start_mark.line + 1 : 0;
}

/* The value of `key` in mapping n, or NULL. */
static yaml_node_t *get(struct kctx *k, yaml_node_t *n, const char *key)
{
        if (!n || n->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
                yaml_node_t *kn = yaml_document_get_node(k->y, p->key);
                if (kn && kn->type == YAML_SCALAR_NODE &&
                    kn->data.scalar.length == strlen(key) &&
                    !memcmp(kn->data.scalar.value, key, kn->data.scalar.length))
                        return yaml_document_get_node(k->y, p->value);
        }
        return NULL;
}

static yaml_node_t *path(struct kctx *k, yaml_node_t *n, const char *const *keys)
{
        for (; n && *keys; keys++)
                n = get(k, n, *keys);
        return n;
}

/* A scalar's text (borrowed from the document), or NULL when n is not a scalar or holds
 * what a definition cannot carry. */
static const char *str(const yaml_node_t *n)
{
        if (!n || n->type != YAML_SCALAR_NODE)
                return NULL;
        const char *s = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;
        if (strlen(s) != len || !utf8_valid(s, len, UTF8_YAML))
                return NULL;
        return s;
}

/* A whole number scalar in [min, max] into *v: 1, 0 when absent, -1 when invalid. */
static int num(const yaml_node_t *n, long long min, long long max, long long *v)
{
        if (!n)
                return 0;
        const char *s = str(n);
        char *e;
        if (!s || !*s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return -1;
        long long x = strtoll(s, &e, 10);
        if (*e || x < min || x > max)
                return -1;
        *v = x;
        return 1;
}

static void bad(struct kctx *k, const yaml_node_t *n, const char *subject, const char *key,
                const char *what)
{
        imp_note(k->r, IMPORT_ERROR, k->file, line_of(n), subject, "%s: %s", key, what);
}

/* spec.jobTemplate.spec.template.spec.containers[0]: command, args, env, workingDir. */
static void container(struct kctx *k, yaml_node_t *pod, struct job_def *j, const char *name,
                      char *image, size_t imagelen, bool *ok)
{
        yaml_node_t *cs = get(k, pod, "containers");
        if (!cs || cs->type != YAML_SEQUENCE_NODE ||
            cs->data.sequence.items.top == cs->data.sequence.items.start) {
                bad(k, cs ? cs : pod, name, "spec.jobTemplate.spec.template.spec.containers",
                    "a CronJob needs a list of containers");
                *ok = false;
                return;
        }
        size_t nc = (size_t)(cs->data.sequence.items.top - cs->data.sequence.items.start);
        if (nc > 1 || get(k, pod, "initContainers")) {
                imp_note(k->r, IMPORT_REFUSED, k->file, line_of(cs), name,
                         "the pod has %zu containers%s: batchd runs one command per job; "
                         "import each as its own job by hand",
                         nc, get(k, pod, "initContainers") ? " and init containers" : "");
                *ok = false;
                return;
        }
        yaml_node_t *c = yaml_document_get_node(k->y, *cs->data.sequence.items.start);
        const char *img = str(get(k, c, "image"));
        snprintf(image, imagelen, "%s", img ? img : "?");
        yaml_node_t *cmd = get(k, c, "command"), *args = get(k, c, "args");
        if (!cmd) {
                imp_note(k->r, IMPORT_REFUSED, k->file, line_of(c), name,
                         "the container runs its image's entrypoint (no command), which the "
                         "manifest does not show: write the command by hand");
                *ok = false;
                return;
        }
        yaml_node_t *lists[2] = {cmd, args};
        for (int l = 0; l < 2; l++) {
                yaml_node_t *s = lists[l];
                if (!s)
                        continue;
                if (s->type != YAML_SEQUENCE_NODE) {
                        bad(k, s, name, l ? "args" : "command", "must be a list of strings");
                        *ok = false;
                        return;
                }
                for (yaml_node_item_t *i = s->data.sequence.items.start;
                     i < s->data.sequence.items.top; i++) {
                        const char *a = str(yaml_document_get_node(k->y, *i));
                        if (!a) {
                                bad(k, s, name, l ? "args" : "command",
                                    "must be a list of strings (UTF-8 text)");
                                *ok = false;
                                return;
                        }
                        imp_list_add(k->r, &j->exec_command, a);
                }
        }
        if (!j->exec_command.n || !j->exec_command.items[0][0]) {
                bad(k, cmd, name, "command", "the program name is empty");
                *ok = false;
                return;
        }
        yaml_node_t *env = get(k, c, "env");
        for (yaml_node_item_t *i = env && env->type == YAML_SEQUENCE_NODE
                                           ? env->data.sequence.items.start
                                           : NULL;
             i && i < env->data.sequence.items.top; i++) {
                yaml_node_t *e = yaml_document_get_node(k->y, *i);
                const char *en = str(get(k, e, "name"));
                yaml_node_t *vn = get(k, e, "value");
                const char *ev = vn ? str(vn) : "";
                if (!en || !*en || !ev) {
                        bad(k, e, name, "env", "an entry needs a name and a string value");
                        *ok = false;
                        return;
                }
                if (get(k, e, "valueFrom")) {
                        imp_note(k->r, IMPORT_NOTE, k->file, line_of(e), name,
                                 "env %s comes from valueFrom (a Secret, a ConfigMap or the "
                                 "pod): not copied; give it to the job another way",
                                 en);
                        continue;
                }
                imp_map_set(k->r, &j->exec_env, en, ev);
        }
        if (get(k, c, "envFrom"))
                imp_note(k->r, IMPORT_NOTE, k->file, line_of(get(k, c, "envFrom")), name,
                         "envFrom (variables from a Secret or ConfigMap) is not copied");
        const char *wd = str(get(k, c, "workingDir"));
        if (wd && *wd)
                j->exec_workdir = imp_strdup(k->r, wd);
        imp_note(k->r, IMPORT_NOTE, k->file, line_of(c), name,
                 "ran in a container of image %s; batchd runs the command on its own machine: "
                 "install the program there (or have the command start the container)",
                 image);
}

static const char *const k_meta_name[] = {"metadata", "name", NULL};
static const char *const k_meta_ns[] = {"metadata", "namespace", NULL};
static const char *const k_job_spec[] = {"spec", "jobTemplate", "spec", NULL};
static const char *const k_pod_spec[] = {"template", "spec", NULL};

/* One manifest document. */
static void cronjob(struct kctx *k, yaml_node_t *root)
{
        struct import_result *r = k->r;
        int line = line_of(root);
        const char *kind = str(get(k, root, "kind"));
        const char *api = str(get(k, root, "apiVersion"));
        if (!kind || strcmp(kind, "CronJob")) {
                imp_note(r, IMPORT_REFUSED, k->file, line, kind ? kind : NULL,
                         "only CronJob manifests are translated (this is %s)",
                         kind ? kind : "not a manifest with a kind");
                return;
        }
        const char *name = str(path(k, root, k_meta_name));
        if (!name || !*name) {
                bad(k, root, NULL, "metadata.name", "a CronJob needs a name");
                return;
        }
        if (api && strcmp(api, "batch/v1") && strcmp(api, "batch/v1beta1")) {
                bad(k, get(k, root, "apiVersion"), name, "apiVersion",
                    "a CronJob is batch/v1 (or the older batch/v1beta1)");
                return;
        }
        yaml_node_t *spec = get(k, root, "spec");
        const char *sched = str(get(k, spec, "schedule"));
        if (!sched) {
                bad(k, spec ? spec : root, name, "spec.schedule", "a CronJob needs a schedule");
                return;
        }
        /* "CRON_TZ=Zone expr" or "TZ=Zone expr": the zone prefix Kubernetes used to accept */
        char zone_prefix[128] = "";
        if (!strncmp(sched, "CRON_TZ=", 8) || !strncmp(sched, "TZ=", 3)) {
                const char *z = strchr(sched, '=') + 1, *sp = strchr(z, ' ');
                size_t zl = sp ? (size_t)(sp - z) : strlen(z);
                snprintf(zone_prefix, sizeof(zone_prefix), "%.*s",
                         (int)(zl < sizeof(zone_prefix) ? zl : sizeof(zone_prefix) - 1), z);
                sched = sp ? sp + 1 : "";
                while (*sched == ' ')
                        sched++;
        }
        struct cron c;
        struct batch_err e = {0};
        if (cron_parse(sched, &c, &e) < 0) {
                imp_note(r, IMPORT_ERROR, k->file, line_of(get(k, spec, "schedule")), name,
                         "spec.schedule: %s", e.msg);
                return;
        }
        if (c.nfields != 5) {
                bad(k, get(k, spec, "schedule"), name, "spec.schedule",
                    "a CronJob's schedule has 5 fields (or a macro)");
                return;
        }
        const char *tz = str(get(k, spec, "timeZone"));
        if (tz && zone_prefix[0]) {
                bad(k, get(k, spec, "timeZone"), name, "spec.timeZone",
                    "a schedule with a TZ= prefix and timeZone both: Kubernetes refuses it");
                return;
        }
        const char *cp = str(get(k, spec, "concurrencyPolicy"));
        if (cp && strcmp(cp, "Allow") && strcmp(cp, "Forbid") && strcmp(cp, "Replace")) {
                bad(k, get(k, spec, "concurrencyPolicy"), name, "spec.concurrencyPolicy",
                    "is Allow, Forbid or Replace");
                return;
        }
        long long deadline = 0, active = 0, backoff = 6;
        yaml_node_t *jspec = path(k, root, k_job_spec);
        int hd = num(get(k, spec, "startingDeadlineSeconds"), 0, 1LL << 40, &deadline);
        int ha = num(get(k, jspec, "activeDeadlineSeconds"), 1, 525600LL * 60, &active);
        int hb = num(get(k, jspec, "backoffLimit"), 0, 100, &backoff);
        const char *badkey = hd < 0   ? "spec.startingDeadlineSeconds"
                             : ha < 0 ? "spec.jobTemplate.spec.activeDeadlineSeconds"
                             : hb < 0 ? "spec.jobTemplate.spec.backoffLimit"
                                      : NULL;
        if (badkey) {
                bad(k, spec, name, badkey,
                    hb < 0 && !(hd < 0 || ha < 0)
                            ? "must be a whole number 0-100"
                            : "must be a whole number (activeDeadlineSeconds at most a year)");
                return;
        }
        const char *susp = str(get(k, spec, "suspend"));
        if (susp && strcmp(susp, "true") && strcmp(susp, "false")) {
                bad(k, get(k, spec, "suspend"), name, "spec.suspend", "is true or false");
                return;
        }
        struct job_def *j = imp_job(r, k->file, line, name, "cronjob");
        if (!j)
                return;
        bool ok = true;
        char image[256];
        j->type = JOB_SCHEDULED;
        j->executor = EXECUTOR_EXEC;
        container(k, path(k, jspec, k_pod_spec), j, name, image, sizeof(image), &ok);
        if (!ok) {
                imp_job_drop(r);
                return;
        }
        j->cron = imp_strdup(r, sched);
        if (zone_prefix[0]) {
                j->timezone = imp_strdup(r, zone_prefix);
                imp_note(r, IMPORT_NOTE, k->file, line_of(get(k, spec, "schedule")), name,
                         "the TZ= prefix of the schedule became the job's zone (Kubernetes "
                         "refuses the prefix since 1.29: timeZone is the field)");
        } else {
                j->timezone = imp_strdup(r, tz ? tz : k->o->timezone);
                if (!tz && !k->o->timezone && !k->zone_noted) {
                        k->zone_noted = true;
                        imp_note(r, IMPORT_NOTE, k->file, line, name,
                                 "without spec.timeZone the schedule ran in the zone of "
                                 "kube-controller-manager; the job follows the tenant's zone "
                                 "(UTC unless set): give --tz ZONE to keep the old times");
                }
        }
        if (strcmp(j->name, name))
                j->display_name = imp_strdup(r, name);
        const char *ns = str(path(k, root, k_meta_ns));
        if (ns && *ns)
                j->group = imp_strdup(r, ns);
        char desc[600];
        snprintf(desc, sizeof(desc), "imported from %s line %d (CronJob %s/%s, image %s)",
                 strrchr(k->file, '/') ? strrchr(k->file, '/') + 1 : k->file, line,
                 ns && *ns ? ns : "default", name, image);
        j->description = imp_strdup(r, desc);
        j->enabled = !(susp && !strcmp(susp, "true"));
        if (!cp || !strcmp(cp, "Allow")) {
                j->allow_multiple_instances = true;
        } else if (!strcmp(cp, "Forbid")) {
                imp_note(r, IMPORT_NOTE, k->file, line_of(get(k, spec, "concurrencyPolicy")),
                         name,
                         "Forbid skipped a run while the previous one went on; batchd's new "
                         "instance waits for it instead, and is skipped (Timeout Skip) when "
                         "the next one is due first");
        } else {
                imp_note(r, IMPORT_NOTE, k->file, line_of(get(k, spec, "concurrencyPolicy")),
                         name,
                         "Replace stopped the running job to start the new one; batchd has no "
                         "such policy: the new instance waits for the running one");
        }
        if (hd > 0)
                imp_note(r, IMPORT_NOTE, k->file,
                         line_of(get(k, spec, "startingDeadlineSeconds")), name,
                         "startingDeadlineSeconds %lld: Kubernetes skipped a run that could "
                         "not start within it; batchd runs the latest missed one (catchup: "
                         "latest) however late",
                         deadline);
        if (ha > 0) {
                j->max_minutes = (int)((active + 59) / 60);
                if (active % 60)
                        imp_note(r, IMPORT_NOTE, k->file,
                                 line_of(get(k, jspec, "activeDeadlineSeconds")), name,
                                 "activeDeadlineSeconds %lld rounded up to %d minutes "
                                 "(max_minutes)",
                                 active, j->max_minutes);
        }
        j->retry_attempts = (int)backoff;
        j->retry_backoff_seconds = 10;
        j->retry_factor = 2;
        long long par = 1, comp = 1;
        if (num(get(k, jspec, "parallelism"), 0, 1LL << 31, &par) > 0 && par > 1)
                imp_note(r, IMPORT_NOTE, k->file, line_of(get(k, jspec, "parallelism")), name,
                         "parallelism %lld: Kubernetes ran that many pods at once; batchd "
                         "runs one process",
                         par);
        if (num(get(k, jspec, "completions"), 0, 1LL << 31, &comp) > 0 && comp > 1)
                imp_note(r, IMPORT_NOTE, k->file, line_of(get(k, jspec, "completions")), name,
                         "completions %lld: Kubernetes ran the pod until that many succeeded; "
                         "batchd runs the command once",
                         comp);
}

int import_k8s(const char *file, const char *data, size_t len, const struct import_opts *o,
               struct import_result *r)
{
        struct kctx k = {.r = r, .o = o, .file = imp_file(r, file)};
        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser))
                return BATCH_ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
        for (int docs = 0; !r->oom; docs++) {
                yaml_document_t y;
                if (!yaml_parser_load(&parser, &y)) {
                        if (parser.error == YAML_MEMORY_ERROR)
                                r->oom = true;
                        else
                                imp_note(r, IMPORT_ERROR, file, (int)parser.problem_mark.line + 1,
                                         NULL, "YAML: %s%s%s",
                                         parser.problem ? parser.problem : "unreadable",
                                         parser.context ? " " : "",
                                         parser.context ? parser.context : "");
                        break;
                }
                yaml_node_t *root = yaml_document_get_root_node(&y);
                if (!root) {
                        yaml_document_delete(&y);
                        break;
                }
                k.y = &y;
                bool empty = root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0;
                if (!empty && root->type != YAML_MAPPING_NODE)
                        imp_note(r, IMPORT_ERROR, file, line_of(root), NULL,
                                 "a manifest is a mapping (apiVersion, kind, metadata, spec)");
                else if (!empty)
                        cronjob(&k, root);
                yaml_document_delete(&y);
        }
        yaml_parser_delete(&parser);
        return r->oom ? BATCH_ENOMEM : 0;
}
