/* store_conformance.h: the repository conformance suite, written against store.h
 * only, so that every backend runs the same checks (migrations, versions and
 * history, transactions, audit, instance slots, conditional transitions, listing).
 * Included by one test file per backend, which defines fresh_dsn() and
 * bump_schema() and its main(). */
#ifndef BATCH_TESTS_STORE_CONFORMANCE_H
#define BATCH_TESTS_STORE_CONFORMANCE_H

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/civil.h"
#include "core/lifecycle.h"
#include "ops/instances.h"
#include "ops/report.h"
#include "store/store.h"

/* Each backend's test file provides:
 *   fresh_dsn(buf, len): the DSN of a new, empty repository;
 *   bump_schema(dsn):    records schema version 99 in it, bypassing the store. */
static int fresh_dsn(char *buf, size_t len);
static void bump_schema(const char *dsn);

struct fixture {
        char dsn[256];
        struct store *s;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct batch_err err;
        if (!f || fresh_dsn(f->dsn, sizeof(f->dsn)) < 0)
                return -1;
        if (store_open(f->dsn, &f->s, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return -1;
        }
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        store_close(f->s);
        free(f);
        return 0;
}

static struct store_def job(const char *name, const char *spec, const char *changed)
{
        struct store_def d = {.tenant = (char *)"default",
                              .kind = (char *)"job",
                              .name = (char *)name,
                              .spec = (char *)spec,
                              .changed = (char *)changed,
                              .changed_by = (char *)"alice"};
        return d;
}

static void test_migrations(void **state)
{
        struct fixture *f = *state;
        int v = 0;
        assert_int_equal(store_schema_version(f->s, &v, NULL), 0);
        assert_int_equal(v, STORE_SCHEMA_VERSION);
        /* Opening again applies nothing and keeps the data. */
        struct store_def d = job("a", "kind: job\n", "created");
        assert_int_equal(store_def_put(f->s, &d, 100, NULL), 0);
        store_close(f->s);
        assert_int_equal(store_open(f->dsn, &f->s, NULL), 0);
        assert_int_equal(store_schema_version(f->s, &v, NULL), 0);
        assert_int_equal(v, STORE_SCHEMA_VERSION);
        struct store_def got;
        assert_int_equal(store_def_get(f->s, "default", "job", "a", &got, NULL), 0);
        store_def_release(&got);

        /* A repository written by a newer schema is refused. */
        store_close(f->s);
        f->s = NULL;
        bump_schema(f->dsn);
        struct batch_err err;
        assert_int_equal(store_open(f->dsn, &f->s, &err), BATCH_ESCHEMA);
        assert_non_null(strstr(err.msg, "schema version 99"));
        assert_null(f->s);
        /* A fresh repository for the teardown. */
        assert_int_equal(fresh_dsn(f->dsn, sizeof(f->dsn)), 0);
        assert_int_equal(store_open(f->dsn, &f->s, NULL), 0);
}

static void test_versions(void **state)
{
        struct fixture *f = *state;
        struct store_def v1 = job("load", "kind: job\nname: load\n", "created");
        struct store_def v2 = job("load", "kind: job\nname: load\ngroup: x\n", "group");
        assert_int_equal(store_def_put(f->s, &v1, 100, NULL), 0);
        assert_int_equal(store_def_put(f->s, &v2, 200, NULL), 0);
        struct store_def got;
        assert_int_equal(store_def_get(f->s, "default", "job", "load", &got, NULL), 0);
        assert_int_equal(got.version, 2);
        assert_string_equal(got.spec, v2.spec);
        assert_int_equal(got.changed_at, 200);
        assert_string_equal(got.changed_by, "alice");
        store_def_release(&got);

        assert_int_equal(store_def_delete(f->s, "default", "job", "load", "bob", 300, NULL), 0);
        struct batch_err err;
        assert_int_equal(store_def_get(f->s, "default", "job", "load", &got, &err), BATCH_ENOENT);
        assert_int_equal(store_def_delete(f->s, "default", "job", "load", "bob", 300, NULL),
                         BATCH_ENOENT);
        /* Re-created after deletion: the version keeps counting. */
        assert_int_equal(store_def_put(f->s, &v1, 400, NULL), 0);
        assert_int_equal(store_def_get(f->s, "default", "job", "load", &got, NULL), 0);
        assert_int_equal(got.version, 4);
        store_def_release(&got);

        struct store_def_list h;
        assert_int_equal(store_def_history(f->s, "default", "job", "load", &h, NULL), 0);
        assert_int_equal(h.n, 4);
        assert_int_equal(h.items[0].version, 1);
        assert_string_equal(h.items[0].changed, "created");
        assert_string_equal(h.items[1].changed, "group");
        assert_null(h.items[2].spec);
        assert_string_equal(h.items[2].changed, "deleted");
        assert_string_equal(h.items[2].changed_by, "bob");
        assert_int_equal(h.items[2].changed_at, 300);
        assert_int_equal(h.items[3].version, 4);
        store_def_list_release(&h);
}

static void test_transactions(void **state)
{
        struct fixture *f = *state;
        struct store_def a = job("a", "A", "created"), b = job("b", "B", "created");
        assert_int_equal(store_begin(f->s, NULL), 0);
        assert_int_equal(store_def_put(f->s, &a, 1, NULL), 0);
        assert_int_equal(store_def_put(f->s, &b, 1, NULL), 0);
        store_rollback(f->s);
        struct store_def_list l;
        assert_int_equal(store_def_list(f->s, NULL, NULL, &l, NULL), 0);
        assert_int_equal(l.n, 0);
        store_def_list_release(&l);
        struct store_def_list h;
        assert_int_equal(store_def_history(f->s, "default", "job", "a", &h, NULL), 0);
        assert_int_equal(h.n, 0);
        store_def_list_release(&h);

        assert_int_equal(store_begin(f->s, NULL), 0);
        assert_int_equal(store_def_put(f->s, &b, 1, NULL), 0);
        assert_int_equal(store_def_put(f->s, &a, 1, NULL), 0);
        assert_int_equal(store_commit(f->s, NULL), 0);
        assert_int_equal(store_def_list(f->s, "default", "job", &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[0].name, "a"); /* ordered by name */
        assert_string_equal(l.items[1].name, "b");
        store_def_list_release(&l);
        assert_int_equal(store_def_list(f->s, "other", NULL, &l, NULL), 0);
        assert_int_equal(l.n, 0);
        store_def_list_release(&l);
}

/* The names store_def_list gives, "tenant/kind/name" joined by spaces, into buf. */
static const char *listed(struct store *s, const char *tenant, const char *kind, char *buf,
                          size_t len)
{
        struct store_def_list l;
        assert_int_equal(store_def_list(s, tenant, kind, &l, NULL), 0);
        buf[0] = '\0';
        for (size_t i = 0; i < l.n; i++)
                snprintf(buf + strlen(buf), len - strlen(buf), "%s%s/%s/%s", i ? " " : "",
                         l.items[i].tenant, l.items[i].kind, l.items[i].name);
        store_def_list_release(&l);
        return buf;
}

/* Each filter of store_def_list (tenant, kind, both, neither), in key order. */
static void test_def_list_filters(void **state)
{
        struct fixture *f = *state;
        const char *defs[][3] = {{"default", "job", "b"},     {"acme", "settings", "settings"},
                                 {"default", "calendar", "c"}, {"acme", "job", "a"},
                                 {"default", "job", "a"},      {"default", "settings", "settings"}};
        for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
                struct store_def d = job(defs[i][2], "spec", "created");
                d.tenant = (char *)defs[i][0];
                d.kind = (char *)defs[i][1];
                assert_int_equal(store_def_put(f->s, &d, 1, NULL), 0);
        }
        char buf[512];
        assert_string_equal(listed(f->s, NULL, NULL, buf, sizeof(buf)),
                            "acme/job/a acme/settings/settings default/calendar/c "
                            "default/job/a default/job/b default/settings/settings");
        assert_string_equal(listed(f->s, "default", NULL, buf, sizeof(buf)),
                            "default/calendar/c default/job/a default/job/b "
                            "default/settings/settings");
        assert_string_equal(listed(f->s, NULL, "settings", buf, sizeof(buf)),
                            "acme/settings/settings default/settings/settings");
        assert_string_equal(listed(f->s, NULL, "job", buf, sizeof(buf)),
                            "acme/job/a default/job/a default/job/b");
        assert_string_equal(listed(f->s, "acme", "job", buf, sizeof(buf)), "acme/job/a");
        assert_string_equal(listed(f->s, "acme", "calendar", buf, sizeof(buf)), "");
        assert_string_equal(listed(f->s, "nobody", NULL, buf, sizeof(buf)), "");
}

/* The names of one page of store_def_list_after, joined by spaces, into buf. */
static const char *page_of(struct store *s, const char *tenant, const char *after,
                           unsigned limit, char *buf, size_t len)
{
        struct store_def_list l;
        assert_int_equal(store_def_list_after(s, tenant, "job", after, limit, &l, NULL), 0);
        buf[0] = '\0';
        for (size_t i = 0; i < l.n; i++)
                snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? " " : "",
                         l.items[i].name);
        store_def_list_release(&l);
        return buf;
}

/* store_def_list_after: one tenant's jobs by name, strictly after the cursor, at most
 * `limit`; other tenants and kinds, and deleted jobs, never in it. */
static void test_def_list_after(void **state)
{
        struct fixture *f = *state;
        const char *defs[][3] = {{"default", "job", "d"}, {"default", "job", "b"},
                                 {"acme", "job", "c"},    {"default", "calendar", "c"},
                                 {"default", "job", "a"}, {"default", "job", "e"},
                                 {"default", "job", "x"}};
        for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
                struct store_def d = job(defs[i][2], "spec", "created");
                d.tenant = (char *)defs[i][0];
                d.kind = (char *)defs[i][1];
                assert_int_equal(store_def_put(f->s, &d, 1, NULL), 0);
        }
        assert_int_equal(store_def_delete(f->s, "default", "job", "x", "t", 2, NULL), 0);
        char buf[256];
        assert_string_equal(page_of(f->s, "default", NULL, 2, buf, sizeof(buf)), "a b");
        assert_string_equal(page_of(f->s, "default", "b", 2, buf, sizeof(buf)), "d e");
        assert_string_equal(page_of(f->s, "default", "bb", 10, buf, sizeof(buf)), "d e");
        assert_string_equal(page_of(f->s, "default", "e", 2, buf, sizeof(buf)), "");
        assert_string_equal(page_of(f->s, "default", NULL, 100, buf, sizeof(buf)), "a b d e");
        assert_string_equal(page_of(f->s, "acme", NULL, 100, buf, sizeof(buf)), "c");
        assert_string_equal(page_of(f->s, "nobody", NULL, 100, buf, sizeof(buf)), "");
}

static void test_bad_input(void **state)
{
        struct fixture *f = *state;
        struct store_def d = job("x", NULL, "created");
        struct batch_err err;
        assert_int_equal(store_def_put(f->s, &d, 1, &err), BATCH_EINVAL);
        struct store_def k = job("x", "X", "created");
        k.kind = (char *)"widget";
        assert_int_equal(store_def_put(f->s, &k, 1, &err), BATCH_EIO); /* CHECK constraint */
        struct store_def_list l;
        assert_int_equal(store_def_list(f->s, NULL, NULL, &l, NULL), 0);
        assert_int_equal(l.n, 0);
        store_def_list_release(&l);
        struct store *s2;
        assert_int_equal(store_open("postgresql://batchd@127.0.0.1:1/x?connect_timeout=2", &s2,
                                    &err),
                         BATCH_EIO);
        assert_int_equal(store_open("", &s2, &err), BATCH_EINVAL);
        assert_int_equal(store_open("/nonexistent-dir/x/y.db", &s2, &err), BATCH_EIO);
        assert_int_equal(store_audit_add(f->s, 5, "alice", "apply", "job/default/x", NULL, NULL),
                         0);
}

static int64_t make(struct store *s, const char *job, bool scheduled, int64_t due,
                    struct batch_err *err)
{
        struct store_instance in = {.tenant = (char *)"default",
                                    .job = (char *)job,
                                    .scheduled = scheduled,
                                    .due = due,
                                    .first_due = due,
                                    .last_due = due,
                                    .state = STATE_INIT,
                                    .trace_id = (char *)"trace-1"};
        int64_t id = 0;
        int r = store_instance_create(s, &in, "scheduler", 1000, &id, err);
        return r < 0 ? r : id;
}

/* DESIGN §11.1: one instance per schedule slot; submits have no slot. */
static void test_instance_slot(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t id = make(f->s, "load", true, 1800, &err);
        assert_true(id > 0);
        assert_int_equal(make(f->s, "load", true, 1800, &err), BATCH_EEXIST);
        assert_true(make(f->s, "load", true, 3600, &err) > id);
        assert_true(make(f->s, "other", true, 1800, &err) > 0);
        assert_true(make(f->s, "load", false, 1800, &err) > 0); /* submits: no slot */
        assert_true(make(f->s, "load", false, 1800, &err) > 0);
        struct store_instance_filter flt = {.tenant = "default", .job = "load", .state = -1};
        struct store_instance_list l;
        assert_int_equal(store_instance_list(f->s, &flt, &l, NULL), 0);
        assert_int_equal(l.n, 4);
        store_instance_list_release(&l);
        /* The refused create left no transition behind. */
        struct store_transition_list h;
        assert_int_equal(store_instance_history(f->s, id, &h, NULL), 0);
        assert_int_equal(h.n, 1);
        assert_int_equal(h.items[0].from_state, -1);
        assert_int_equal(h.items[0].to_state, STATE_INIT);
        assert_string_equal(h.items[0].actor, "scheduler");
        store_transition_list_release(&h);
}

/* DESIGN §11.2: every state change is conditional; history records time, actor, reason. */
static void test_instance_transitions(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t id = make(f->s, "load", true, 1800, &err);
        assert_int_equal(store_instance_transition(f->s, id, STATE_INIT, STATE_DEPENDENCY_WAIT,
                                                   "scheduler", "waiting for extract", 1100, &err),
                         0);
        /* A stale writer (still believes Init) changes nothing. */
        assert_int_equal(store_instance_transition(f->s, id, STATE_INIT, STATE_STARTING,
                                                   "node-2", NULL, 1101, &err),
                         BATCH_ESTALE);
        /* An illegal transition is refused before touching the database. */
        assert_int_equal(store_instance_transition(f->s, id, STATE_DEPENDENCY_WAIT,
                                                   STATE_SUCCESS, "x", NULL, 1102, &err),
                         BATCH_EINVAL);
        assert_int_equal(store_instance_transition(f->s, 999999, STATE_INIT, STATE_STARTING, "x",
                                                   NULL, 1103, &err),
                         BATCH_ENOENT);
        assert_int_equal(store_instance_transition(f->s, id, STATE_DEPENDENCY_WAIT,
                                                   STATE_STARTING, "scheduler", "released", 1200,
                                                   &err),
                         0);
        struct store_instance in;
        assert_int_equal(store_instance_get(f->s, id, &in, NULL), 0);
        assert_int_equal(in.state, STATE_STARTING);
        assert_string_equal(in.reason, "released");
        assert_int_equal(in.updated_at, 1200);
        assert_int_equal(in.created_at, 1000);
        store_instance_release(&in);
        struct store_transition_list h;
        assert_int_equal(store_instance_history(f->s, id, &h, NULL), 0);
        assert_int_equal(h.n, 3);
        assert_int_equal(h.items[1].from_state, STATE_INIT);
        assert_int_equal(h.items[1].to_state, STATE_DEPENDENCY_WAIT);
        assert_string_equal(h.items[1].reason, "waiting for extract");
        assert_int_equal(h.items[1].at, 1100);
        assert_int_equal(h.items[2].to_state, STATE_STARTING);
        store_transition_list_release(&h);
        assert_int_equal(store_instance_get(f->s, 424242, &in, &err), BATCH_ENOENT);
}

/* The monitor's order: the latest due first, then the highest id; the keyset cursor
 * (due, id) continues after the last row, also between rows of the same due time. */
static void test_instance_list_by_due(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t a = make(f->s, "a", true, 3000, &err), b = make(f->s, "b", true, 1000, &err),
                c = make(f->s, "c", true, 3000, &err), d = make(f->s, "d", true, 2000, &err);
        struct store_instance_filter q = {.tenant = "default", .state = -1, .by_due = true,
                                          .limit = 2, .has_due_range = true, .due_from = 0,
                                          .due_to = 5000};
        struct store_instance_list l;
        assert_int_equal(store_instance_list(f->s, &q, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, c);
        assert_int_equal(l.items[1].id, a);
        q.after_due = l.items[1].due;
        q.after_id = l.items[1].id;
        store_instance_list_release(&l);
        assert_int_equal(store_instance_list(f->s, &q, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, d);
        assert_int_equal(l.items[1].id, b);
        store_instance_list_release(&l);
        /* Between two rows of one due time: the cursor (3000, c) leaves a. */
        q.after_due = 3000;
        q.after_id = c;
        q.limit = 1;
        assert_int_equal(store_instance_list(f->s, &q, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, a);
        store_instance_list_release(&l);
}

/* The event stream's feed: the tenant's recorded transitions after an id, oldest first,
 * with the instance's job; other tenants' are not in it; the last id of all. */
static void test_changes_after(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t last = -1;
        assert_int_equal(store_change_last_id(f->s, &last, &err), 0);
        assert_int_equal(last, 0);
        int64_t a = make(f->s, "extract", true, 1800, &err);
        struct store_instance other = {.tenant = (char *)"acme", .job = (char *)"extract",
                                       .scheduled = true, .due = 1800, .first_due = 1800,
                                       .last_due = 1800, .state = STATE_INIT,
                                       .trace_id = (char *)"trace-2"};
        int64_t o = 0;
        assert_int_equal(store_instance_create(f->s, &other, "scheduler", 1000, &o, &err), 0);
        assert_int_equal(store_instance_transition(f->s, a, STATE_INIT, STATE_STARTING,
                                                   "scheduler", NULL, 1801, &err),
                         0);
        assert_int_equal(store_instance_transition(f->s, o, STATE_INIT, STATE_STARTING,
                                                   "scheduler", NULL, 1802, &err),
                         0);
        assert_int_equal(store_instance_transition(f->s, a, STATE_STARTING, STATE_RUNNING,
                                                   "scheduler", NULL, 1803, &err),
                         0);
        struct store_change_list l;
        assert_int_equal(store_changes_after(f->s, "default", 0, 100, &l, &err), 0);
        assert_int_equal(l.n, 3); /* creation, Starting, Running; none of acme's */
        assert_int_equal(l.items[0].instance_id, a);
        assert_string_equal(l.items[0].job, "extract");
        assert_int_equal(l.items[0].from_state, -1);
        assert_int_equal(l.items[0].to_state, STATE_INIT);
        assert_int_equal(l.items[0].at, 1000);
        assert_int_equal(l.items[1].from_state, STATE_INIT);
        assert_int_equal(l.items[1].to_state, STATE_STARTING);
        assert_int_equal(l.items[2].from_state, STATE_STARTING);
        assert_int_equal(l.items[2].to_state, STATE_RUNNING);
        assert_int_equal(l.items[2].at, 1803);
        assert_true(l.items[0].id < l.items[1].id && l.items[1].id < l.items[2].id);
        int64_t second = l.items[1].id, third = l.items[2].id;
        store_change_list_release(&l);
        /* After an id: only what came later; a limit keeps the oldest. */
        assert_int_equal(store_changes_after(f->s, "default", second, 100, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, third);
        store_change_list_release(&l);
        assert_int_equal(store_changes_after(f->s, "default", 0, 1, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].to_state, STATE_INIT);
        store_change_list_release(&l);
        assert_int_equal(store_changes_after(f->s, "acme", 0, 100, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[1].instance_id, o);
        store_change_list_release(&l);
        assert_int_equal(store_changes_after(f->s, "default", third, 100, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_change_list_release(&l);
        /* The last id is of any tenant (acme's came between): the latest, a's Running. */
        assert_int_equal(store_change_last_id(f->s, &last, &err), 0);
        assert_int_equal(last, third);
        assert_int_equal(store_changes_after(f->s, "default", 0, 0, &l, &err), BATCH_EINVAL);
}

/* A waiting instance's reason follows its wait: a conditional update of the reason
 * (DESIGN §11.2) that records no transition (docs/scheduler.md). */
static void test_instance_set_reason(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t id = make(f->s, "load", true, 1800, &err);
        assert_int_equal(store_instance_transition(f->s, id, STATE_INIT, STATE_DEPENDENCY_WAIT,
                                                   "scheduler", "waiting for extract (Starting)",
                                                   1100, &err),
                         0);
        assert_int_equal(store_instance_set_reason(f->s, id, STATE_DEPENDENCY_WAIT,
                                                   "waiting for extract (Failed)", 1150, &err),
                         0);
        /* A stale writer (believes Init) changes nothing. */
        assert_int_equal(store_instance_set_reason(f->s, id, STATE_INIT, "stale", 1160, &err),
                         BATCH_ESTALE);
        assert_int_equal(store_instance_set_reason(f->s, 999999, STATE_DEPENDENCY_WAIT, "x", 1160,
                                                   &err),
                         BATCH_ENOENT);
        assert_int_equal(store_instance_set_reason(f->s, id, 13, "x", 1160, &err), BATCH_EINVAL);
        struct store_instance in;
        assert_int_equal(store_instance_get(f->s, id, &in, NULL), 0);
        assert_int_equal(in.state, STATE_DEPENDENCY_WAIT);
        assert_string_equal(in.reason, "waiting for extract (Failed)");
        assert_int_equal(in.updated_at, 1150);
        store_instance_release(&in);
        struct store_transition_list h;
        assert_int_equal(store_instance_history(f->s, id, &h, NULL), 0);
        assert_int_equal(h.n, 2);
        assert_string_equal(h.items[1].reason, "waiting for extract (Starting)");
        store_transition_list_release(&h);
        /* Once the state moved on, the reason is the transition's. */
        assert_int_equal(store_instance_transition(f->s, id, STATE_DEPENDENCY_WAIT,
                                                   STATE_STARTING, "scheduler", NULL, 1200, &err),
                         0);
        assert_int_equal(store_instance_set_reason(f->s, id, STATE_DEPENDENCY_WAIT, "late", 1201,
                                                   &err),
                         BATCH_ESTALE);
        assert_int_equal(store_instance_get(f->s, id, &in, NULL), 0);
        assert_null(in.reason);
        assert_int_equal(in.updated_at, 1200);
        store_instance_release(&in);
}

/* The published clock (docs/daemon.md): one per repository, the last publisher's;
 * withdrawn only by its holder (or by anyone with NULL). */
static void test_clock(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_clock c;
        assert_int_equal(store_clock_get(f->s, &c, &err), BATCH_ENOENT);
        struct store_clock a = {.holder = (char *)"batchd pid 1", .real_at_us = 1764547200123456,
                                .clock_at_us = 1900000000654321, .rate = 60};
        assert_int_equal(store_clock_publish(f->s, &a, &err), 0);
        assert_int_equal(store_clock_get(f->s, &c, &err), 0);
        assert_string_equal(c.holder, "batchd pid 1");
        assert_int_equal(c.real_at_us, 1764547200123456);
        assert_int_equal(c.clock_at_us, 1900000000654321);
        assert_true(c.rate == 60);
        store_clock_release(&c);
        /* A second publisher replaces it; the first one's withdrawal changes nothing. */
        struct store_clock b = {.holder = (char *)"batchd pid 2", .real_at_us = 5,
                                .clock_at_us = 7, .rate = 0.25};
        assert_int_equal(store_clock_publish(f->s, &b, &err), 0);
        assert_int_equal(store_clock_withdraw(f->s, "batchd pid 1", &err), 0);
        assert_int_equal(store_clock_get(f->s, &c, &err), 0);
        assert_string_equal(c.holder, "batchd pid 2");
        assert_true(c.rate == 0.25);
        assert_int_equal(c.clock_at_us, 7);
        store_clock_release(&c);
        /* Bad input is refused and changes nothing. */
        struct store_clock bad = b;
        bad.rate = 0;
        assert_int_equal(store_clock_publish(f->s, &bad, &err), BATCH_EINVAL);
        bad = b;
        bad.holder = NULL;
        assert_int_equal(store_clock_publish(f->s, &bad, &err), BATCH_EINVAL);
        assert_int_equal(store_clock_withdraw(f->s, "batchd pid 2", &err), 0);
        assert_int_equal(store_clock_get(f->s, &c, &err), BATCH_ENOENT);
        assert_int_equal(store_clock_publish(f->s, &a, &err), 0);
        assert_int_equal(store_clock_withdraw(f->s, NULL, &err), 0);
        assert_int_equal(store_clock_get(f->s, &c, &err), BATCH_ENOENT);
}

static void test_instance_list(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        assert_int_equal(store_begin(f->s, NULL), 0);
        for (int i = 0; i < 30; i++)
                assert_true(make(f->s, i % 2 ? "a" : "b", true, 1000 + i * 60, &err) > 0);
        assert_int_equal(store_commit(f->s, NULL), 0);
        struct store_instance_list l;
        struct store_instance_filter flt = {.tenant = "default", .job = "a", .state = -1};
        assert_int_equal(store_instance_list(f->s, &flt, &l, NULL), 0);
        assert_int_equal(l.n, 15);
        store_instance_list_release(&l);
        /* Due-time range [1000 + 10*60, 1000 + 20*60): i = 10..19, half of them "a". */
        flt.has_due_range = true;
        flt.due_from = 1000 + 600;
        flt.due_to = 1000 + 1200;
        assert_int_equal(store_instance_list(f->s, &flt, &l, NULL), 0);
        assert_int_equal(l.n, 5);
        assert_int_equal(l.items[0].due, 1000 + 11 * 60);
        store_instance_list_release(&l);
        /* Keyset pagination over every job: pages of 7 cover the 30 once, in order. */
        struct store_instance_filter all = {.tenant = "default", .state = -1, .limit = 7};
        int seen = 0;
        int64_t last = 0;
        for (;;) {
                assert_int_equal(store_instance_list(f->s, &all, &l, NULL), 0);
                if (l.n == 0)
                        break;
                for (size_t i = 0; i < l.n; i++) {
                        assert_true(l.items[i].id > last);
                        last = l.items[i].id;
                }
                seen += (int)l.n;
                all.after_id = last;
                store_instance_list_release(&l);
        }
        store_instance_list_release(&l);
        assert_int_equal(seen, 30);
        /* By state. */
        assert_int_equal(store_instance_transition(f->s, last, STATE_INIT, STATE_TIMEOUT_SKIP,
                                                   "scheduler", "outside batch window", 5, NULL),
                         0);
        struct store_instance_filter skipped = {.tenant = "default", .state = STATE_TIMEOUT_SKIP};
        assert_int_equal(store_instance_list(f->s, &skipped, &l, NULL), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, last);
        store_instance_list_release(&l);
}

/* Executions: attempts numbered per instance, finished once. */
static void test_executions(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "load", true, 1800, &err);
        struct store_execution e = {.instance_id = inst, .node = (char *)"n1", .pid = 4242,
                                    .log_path = (char *)"/var/log/1.log"};
        int64_t e1 = 0, e2 = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(f->s, &e, 2000, &e1, &attempt, &err), 0);
        assert_int_equal(attempt, 1);
        assert_int_equal(store_execution_finish(f->s, e1, 1, NULL, 2050, &err), 0);
        /* A late or duplicate report of the same end changes nothing. */
        assert_int_equal(store_execution_finish(f->s, e1, 0, NULL, 2060, &err), BATCH_ESTALE);
        assert_int_equal(store_execution_finish(f->s, 987654, 0, NULL, 2060, &err), BATCH_ENOENT);
        /* A finished execution cannot be withdrawn; an unknown one does not exist. */
        assert_int_equal(store_execution_withdraw(f->s, e1, &err), BATCH_ESTALE);
        assert_int_equal(store_execution_withdraw(f->s, 987654, &err), BATCH_ENOENT);
        e.pid = 4343;
        assert_int_equal(store_execution_start(f->s, &e, 2100, &e2, &attempt, &err), 0);
        assert_int_equal(attempt, 2);
        assert_true(e2 > e1);
        e.instance_id = 987654;
        assert_int_equal(store_execution_start(f->s, &e, 2100, &e2, &attempt, &err), BATCH_ENOENT);
        struct store_execution_list l;
        assert_int_equal(store_execution_list(f->s, inst, &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].attempt, 1);
        assert_true(l.items[0].finished);
        assert_int_equal(l.items[0].finished_at, 2050);
        assert_int_equal(l.items[0].exit_status, 1);
        assert_int_equal(l.items[0].pid, 4242);
        assert_string_equal(l.items[0].node, "n1");
        assert_string_equal(l.items[0].log_path, "/var/log/1.log");
        assert_int_equal(l.items[1].attempt, 2);
        assert_false(l.items[1].finished);
        assert_int_equal(l.items[1].started_at, 2100);
        assert_null(l.items[1].error);
        store_execution_list_release(&l);
        /* An execution that never started is withdrawn: the attempt is launched again
         * under its number. */
        assert_int_equal(store_execution_withdraw(f->s, e2, &err), 0);
        assert_int_equal(store_execution_withdraw(f->s, e2, &err), BATCH_ENOENT);
        e.instance_id = inst;
        int64_t e3 = 0;
        assert_int_equal(store_execution_start(f->s, &e, 2200, &e3, &attempt, &err), 0);
        assert_int_equal(attempt, 2);
        assert_int_equal(store_execution_list(f->s, inst, &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[1].id, e3);
        assert_int_equal(l.items[1].started_at, 2200);
        store_execution_list_release(&l);
}

/* Step executions carry the eight counts of DESIGN §7 and are updated in place. */
static void test_steps(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "import", false, 1800, &err);
        struct store_execution e = {.instance_id = inst};
        int64_t exec_id = 0, id1 = 0, id2 = 0;
        int attempt;
        assert_int_equal(store_execution_start(f->s, &e, 2000, &exec_id, &attempt, &err), 0);
        struct store_step st = {.execution_id = exec_id, .name = (char *)"load",
                                .status = (char *)"STARTED", .read_count = 100,
                                .write_count = 98, .commit_count = 1, .filter_count = 1,
                                .process_skip_count = 1};
        assert_int_equal(store_step_put(f->s, &st, 2001, &id1, &err), 0);
        st.status = (char *)"FAILED";
        st.read_count = 250;
        st.write_count = 240;
        st.commit_count = 2;
        st.rollback_count = 1;
        st.read_skip_count = 3;
        st.write_skip_count = 4;
        st.exit_message = (char *)"writer: disk full";
        assert_int_equal(store_step_put(f->s, &st, 2009, &id2, &err), 0);
        assert_int_equal(id2, id1);
        struct store_step part = {.execution_id = exec_id, .name = (char *)"load:1",
                                  .status = (char *)"COMPLETED", .read_count = 7};
        assert_int_equal(store_step_put(f->s, &part, 2010, NULL, &err), 0);
        /* Bad input is refused and writes nothing. */
        struct store_step bad = st;
        bad.status = (char *)"RUNNING";
        assert_int_equal(store_step_put(f->s, &bad, 2011, NULL, &err), BATCH_EINVAL);
        bad = st;
        bad.filter_count = -1;
        assert_int_equal(store_step_put(f->s, &bad, 2011, NULL, &err), BATCH_EINVAL);
        bad = st;
        bad.execution_id = 987654;
        assert_int_equal(store_step_put(f->s, &bad, 2011, NULL, &err), BATCH_ENOENT);
        struct store_step_list l;
        assert_int_equal(store_step_list(f->s, exec_id, &l, NULL), 0);
        assert_int_equal(l.n, 2);
        struct store_step *g = &l.items[0];
        assert_string_equal(g->name, "load");
        assert_string_equal(g->status, "FAILED");
        assert_int_equal(g->read_count, 250);
        assert_int_equal(g->write_count, 240);
        assert_int_equal(g->commit_count, 2);
        assert_int_equal(g->rollback_count, 1);
        assert_int_equal(g->read_skip_count, 3);
        assert_int_equal(g->process_skip_count, 1);
        assert_int_equal(g->write_skip_count, 4);
        assert_int_equal(g->filter_count, 1);
        assert_string_equal(g->exit_message, "writer: disk full");
        assert_int_equal(g->started_at, 2001);
        assert_int_equal(g->updated_at, 2009);
        assert_string_equal(l.items[1].name, "load:1");
        assert_int_equal(l.items[1].read_count, 7);
        int64_t load_id = l.items[0].id;
        store_step_list_release(&l);
        /* Without a caller for the id (the SDK at each chunk) the row is updated in place
         * the same way: its id and start kept, metrics kept when none are given. */
        st.status = (char *)"STARTED";
        st.read_count = 300;
        st.metrics = (char *)"{\"refreshes\":1}";
        assert_int_equal(store_step_put(f->s, &st, 2020, NULL, &err), 0);
        st.read_count = 301;
        st.metrics = NULL;
        st.exit_message = NULL;
        assert_int_equal(store_step_put(f->s, &st, 2021, NULL, &err), 0);
        assert_int_equal(store_step_list(f->s, exec_id, &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, load_id);
        assert_string_equal(l.items[0].status, "STARTED");
        assert_int_equal(l.items[0].read_count, 301);
        assert_int_equal(l.items[0].write_count, 240);
        assert_null(l.items[0].exit_message);
        assert_string_equal(l.items[0].metrics, "{\"refreshes\":1}");
        assert_int_equal(l.items[0].started_at, 2001);
        assert_int_equal(l.items[0].updated_at, 2021);
        store_step_list_release(&l);
}

/* Checkpoints belong to the instance and commit with the caller's transaction. */
static void test_checkpoints(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "import", false, 1800, &err);
        char *got = (char *)"unset";
        assert_int_equal(store_checkpoint_get(f->s, inst, "load", &got, &err), 0);
        assert_null(got);
        assert_int_equal(store_checkpoint_put(f->s, inst, "load", "{\"offset\":100}", 1, &err), 0);
        assert_int_equal(store_checkpoint_put(f->s, inst, "load", "{\"offset\":200}", 2, &err), 0);
        /* A chunk whose transaction rolls back leaves the previous checkpoint. */
        assert_int_equal(store_begin(f->s, &err), 0);
        assert_int_equal(store_checkpoint_put(f->s, inst, "load", "{\"offset\":300}", 3, &err), 0);
        store_rollback(f->s);
        assert_int_equal(store_checkpoint_get(f->s, inst, "load", &got, &err), 0);
        assert_string_equal(got, "{\"offset\":200}");
        free(got);
        assert_int_equal(store_checkpoint_get(f->s, inst, "other", &got, &err), 0);
        assert_null(got);
        assert_int_equal(store_checkpoint_put(f->s, 987654, "load", "{}", 4, &err), BATCH_ENOENT);
        assert_int_equal(store_checkpoint_put(f->s, inst, "", "{}", 4, &err), BATCH_EINVAL);
}

static void test_dead_letters(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t a = make(f->s, "import", false, 1800, &err);
        int64_t b = make(f->s, "export", false, 1800, &err);
        int64_t ids[3];
        struct store_dead_letter d = {.instance_id = a, .step = (char *)"load",
                                      .item = (char *)"42,Smith,,x", .error = (char *)"line 7: "
                                                                                     "bad date"};
        assert_int_equal(store_dead_letter_add(f->s, &d, 10, &ids[0], &err), 0);
        d.item = (char *)"43,Jones";
        assert_int_equal(store_dead_letter_add(f->s, &d, 11, &ids[1], &err), 0);
        d.instance_id = b;
        assert_int_equal(store_dead_letter_add(f->s, &d, 12, &ids[2], &err), 0);
        d.instance_id = 987654;
        assert_int_equal(store_dead_letter_add(f->s, &d, 12, NULL, &err), BATCH_ENOENT);
        struct store_dead_letter_list l;
        struct store_dead_letter_filter flt = {.tenant = "default", .job = "import"};
        assert_int_equal(store_dead_letter_list(f->s, &flt, &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, ids[0]);
        assert_string_equal(l.items[0].job, "import");
        assert_string_equal(l.items[0].step, "load");
        assert_string_equal(l.items[0].item, "42,Smith,,x");
        assert_string_equal(l.items[0].error, "line 7: bad date");
        assert_int_equal(l.items[0].created_at, 10);
        store_dead_letter_list_release(&l);
        struct store_dead_letter_filter page = {.tenant = "default", .after_id = ids[0],
                                                .limit = 1};
        assert_int_equal(store_dead_letter_list(f->s, &page, &l, NULL), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, ids[1]);
        store_dead_letter_list_release(&l);
        assert_int_equal(store_dead_letter_delete(f->s, ids[0], &err), 0);
        assert_int_equal(store_dead_letter_delete(f->s, ids[0], &err), BATCH_ENOENT);
        struct store_dead_letter_filter by_inst = {.tenant = "default", .instance_id = b};
        assert_int_equal(store_dead_letter_list(f->s, &by_inst, &l, NULL), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0].job, "export");
        store_dead_letter_list_release(&l);
}

static void test_alerts(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "load", true, 1800, &err);
        struct store_alert a = {.tenant = (char *)"default", .instance_id = inst,
                                .kind = (char *)"timeout_warning",
                                .message = (char *)"load has run 120 minutes"};
        int64_t first = 0, second = 0;
        assert_int_equal(store_alert_add(f->s, &a, 50, &first, &err), 0);
        struct store_alert paused = {.tenant = (char *)"bank", .kind = (char *)"paused",
                                     .message = (char *)"scheduling paused"};
        assert_int_equal(store_alert_add(f->s, &paused, 51, NULL, &err), 0);
        a.kind = (char *)"failed";
        a.message = (char *)"load failed";
        assert_int_equal(store_alert_add(f->s, &a, 52, &second, &err), 0);
        a.kind = (char *)"";
        assert_int_equal(store_alert_add(f->s, &a, 53, NULL, &err), BATCH_EINVAL);
        assert_int_equal(store_alert_ack(f->s, first, "alice", 60, &err), 0);
        assert_int_equal(store_alert_ack(f->s, first, "bob", 61, &err), BATCH_ESTALE);
        assert_int_equal(store_alert_ack(f->s, 987654, "bob", 61, &err), BATCH_ENOENT);
        struct store_alert_list l;
        assert_int_equal(store_alert_list(f->s, "default", false, &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, second); /* newest first */
        assert_false(l.items[0].acknowledged);
        assert_int_equal(l.items[1].id, first);
        assert_true(l.items[1].acknowledged);
        assert_int_equal(l.items[1].acknowledged_at, 60);
        assert_string_equal(l.items[1].acknowledged_by, "alice");
        assert_int_equal(l.items[1].instance_id, inst);
        assert_string_equal(l.items[1].kind, "timeout_warning");
        store_alert_list_release(&l);
        assert_int_equal(store_alert_list(f->s, "default", true, &l, NULL), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0].message, "load failed");
        store_alert_list_release(&l);
        assert_int_equal(store_alert_list(f->s, "bank", false, &l, NULL), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].instance_id, 0);
        store_alert_list_release(&l);
}

static void test_alert_deliveries(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "load", true, 1800, &err);
        /* An alert and its two deliveries in one transaction. */
        assert_int_equal(store_begin(f->s, &err), 0);
        struct store_alert a = {.tenant = (char *)"default", .instance_id = inst,
                                .job = (char *)"load", .kind = (char *)"failed",
                                .severity = (char *)"critical", .message = (char *)"load failed"};
        int64_t first = 0, mail = 0, hook = 0;
        assert_int_equal(store_alert_add(f->s, &a, 100, &first, &err), 0);
        struct store_delivery d = {.alert_id = first, .channel = (char *)"email",
                                   .target = (char *)"ops@example.com", .state = (char *)"pending",
                                   .next_attempt_at = 100, .message_id = (char *)"<m1@batchd>"};
        assert_int_equal(store_delivery_add(f->s, &d, 100, &mail, &err), 0);
        d.channel = (char *)"webhook";
        d.target = (char *)"http://127.0.0.1:9/hook";
        d.next_attempt_at = 130;
        d.message_id = (char *)"<m2@batchd>";
        assert_int_equal(store_delivery_add(f->s, &d, 100, &hook, &err), 0);
        assert_int_equal(store_commit(f->s, &err), 0);
        /* A rolled-back alert leaves neither the alert nor its delivery. */
        assert_int_equal(store_begin(f->s, &err), 0);
        int64_t gone = 0;
        assert_int_equal(store_alert_add(f->s, &a, 101, &gone, &err), 0);
        d.alert_id = gone;
        assert_int_equal(store_delivery_add(f->s, &d, 101, NULL, &err), 0);
        store_rollback(f->s);
        assert_int_equal(store_alert_get(f->s, gone, &(struct store_alert){0}, &err),
                         BATCH_ENOENT);
        /* A second alert within the window, suppressed by the first. */
        a.suppressed_by = first;
        int64_t second = 0;
        assert_int_equal(store_alert_add(f->s, &a, 200, &second, &err), 0);
        d.alert_id = second;
        d.state = (char *)"suppressed";
        d.message_id = (char *)"<m3@batchd>";
        assert_int_equal(store_delivery_add(f->s, &d, 200, NULL, &err), 0);
        struct store_alert got;
        assert_int_equal(store_alert_get(f->s, second, &got, &err), 0);
        assert_int_equal(got.suppressed_by, first);
        assert_string_equal(got.job, "load");
        assert_string_equal(got.severity, "critical");
        assert_int_equal(got.instance_id, inst);
        store_alert_release(&got);
        /* Bad input names the field; unknown parents are BATCH_ENOENT. */
        a.severity = (char *)"loud";
        assert_int_equal(store_alert_add(f->s, &a, 201, NULL, &err), BATCH_EINVAL);
        assert_string_equal(err.field, "severity");
        a.severity = NULL; /* the default: warning */
        a.suppressed_by = 0;
        a.kind = (char *)"timeout_warning";
        int64_t third = 0;
        assert_int_equal(store_alert_add(f->s, &a, 300, &third, &err), 0);
        d.state = (char *)"later";
        assert_int_equal(store_delivery_add(f->s, &d, 300, NULL, &err), BATCH_EINVAL);
        d.state = (char *)"pending";
        d.channel = (char *)"pager";
        assert_int_equal(store_delivery_add(f->s, &d, 300, NULL, &err), BATCH_EINVAL);
        d.channel = (char *)"email";
        d.alert_id = 987654;
        assert_int_equal(store_delivery_add(f->s, &d, 300, NULL, &err), BATCH_ENOENT);
        /* Recent alerts of a job and kind, newest first, since a time. */
        struct store_alert_list l;
        assert_int_equal(store_alert_recent(f->s, "default", "load", "failed", 0, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, second);
        assert_int_equal(l.items[1].id, first);
        assert_int_equal(l.items[1].suppressed_by, 0);
        store_alert_list_release(&l);
        assert_int_equal(store_alert_recent(f->s, "default", "load", "failed", 150, &l, &err), 0);
        assert_int_equal(l.n, 1);
        store_alert_list_release(&l);
        assert_int_equal(store_alert_recent(f->s, "default", "load", NULL, 0, &l, &err), 0);
        assert_int_equal(l.n, 3);
        assert_string_equal(l.items[0].severity, "warning");
        store_alert_list_release(&l);
        assert_int_equal(store_alert_recent(f->s, "default", "other", NULL, 0, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_alert_list_release(&l);
        /* Filters and keyset pages. */
        struct store_alert_filter af = {.tenant = "default", .severity = "critical", .limit = 1};
        assert_int_equal(store_alert_find(f->s, &af, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, second);
        af.before_id = l.items[0].id;
        store_alert_list_release(&l);
        assert_int_equal(store_alert_find(f->s, &af, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, first);
        store_alert_list_release(&l);
        assert_int_equal(store_alert_ack(f->s, third, "alice", 310, &err), 0);
        struct store_alert_filter un = {.tenant = "default", .unacknowledged_only = true,
                                        .kind = "timeout_warning"};
        assert_int_equal(store_alert_find(f->s, &un, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_alert_list_release(&l);
        /* Due deliveries: pending ones whose time came, the earliest first. */
        struct store_delivery_list dl;
        assert_int_equal(store_delivery_due(f->s, 99, 10, &dl, &err), 0);
        assert_int_equal(dl.n, 0);
        store_delivery_list_release(&dl);
        assert_int_equal(store_delivery_due(f->s, 130, 10, &dl, &err), 0);
        assert_int_equal(dl.n, 2);
        assert_int_equal(dl.items[0].id, mail);
        assert_int_equal(dl.items[1].id, hook);
        assert_string_equal(dl.items[0].tenant, "default");
        assert_string_equal(dl.items[0].message_id, "<m1@batchd>");
        assert_int_equal(dl.items[0].attempts, 0);
        store_delivery_list_release(&dl);
        /* One failed attempt: pending again later, with the server's answer. */
        struct store_delivery o = {.state = (char *)"pending", .attempts = 1,
                                   .next_attempt_at = 160,
                                   .last_answer = (char *)"451 try again later"};
        assert_int_equal(store_delivery_update(f->s, mail, &o, 130, &err), 0);
        assert_int_equal(store_delivery_due(f->s, 130, 10, &dl, &err), 0);
        assert_int_equal(dl.n, 1);
        assert_int_equal(dl.items[0].id, hook);
        store_delivery_list_release(&dl);
        o.state = (char *)"sent";
        o.attempts = 2;
        o.last_answer = (char *)"250 OK";
        assert_int_equal(store_delivery_update(f->s, mail, &o, 160, &err), 0);
        /* Sent once: a late second outcome changes nothing. */
        o.state = (char *)"failed";
        assert_int_equal(store_delivery_update(f->s, mail, &o, 161, &err), BATCH_ESTALE);
        assert_int_equal(store_delivery_update(f->s, 987654, &o, 161, &err), BATCH_ENOENT);
        o.state = (char *)"gone";
        assert_int_equal(store_delivery_update(f->s, hook, &o, 161, &err), BATCH_EINVAL);
        assert_int_equal(store_delivery_list(f->s, first, &dl, &err), 0);
        assert_int_equal(dl.n, 2);
        assert_string_equal(dl.items[0].state, "sent");
        assert_int_equal(dl.items[0].attempts, 2);
        assert_int_equal(dl.items[0].last_attempt_at, 160);
        assert_int_equal(dl.items[0].next_attempt_at, 0);
        assert_string_equal(dl.items[0].last_answer, "250 OK");
        assert_string_equal(dl.items[0].target, "ops@example.com");
        assert_string_equal(dl.items[1].state, "pending");
        assert_null(dl.items[1].last_answer);
        assert_int_equal(dl.items[1].last_attempt_at, 0);
        store_delivery_list_release(&dl);
        assert_int_equal(store_delivery_list(f->s, second, &dl, &err), 0);
        assert_int_equal(dl.n, 1);
        assert_string_equal(dl.items[0].state, "suppressed");
        store_delivery_list_release(&dl);
        assert_int_equal(store_delivery_due(f->s, 1000, 10, &dl, &err), 0);
        assert_int_equal(dl.n, 1); /* the suppressed one is never due */
        store_delivery_list_release(&dl);
        /* Escalation: critical, unacknowledged, not suppressed, in the period, not yet
         * escalated: only `first`; a paused critical one is not escalated either. */
        a.kind = (char *)"stop_failed";
        a.severity = (char *)"critical";
        int64_t held = 0;
        assert_int_equal(store_alert_add(f->s, &a, 400, &held, &err), 0);
        d.alert_id = held;
        d.channel = (char *)"email";
        d.state = (char *)"paused";
        d.message_id = (char *)"<m4@batchd>";
        assert_int_equal(store_delivery_add(f->s, &d, 400, NULL, &err), 0);
        assert_int_equal(store_alert_unescalated(f->s, "default", 0, 1000, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, first);
        store_alert_list_release(&l);
        assert_int_equal(store_alert_unescalated(f->s, "default", 101, 1000, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_alert_list_release(&l);
        d.alert_id = first;
        d.state = (char *)"pending";
        d.escalation = true;
        d.target = (char *)"boss@example.com";
        d.message_id = (char *)"<m5@batchd>";
        assert_int_equal(store_delivery_add(f->s, &d, 500, NULL, &err), 0);
        assert_int_equal(store_alert_unescalated(f->s, "default", 0, 1000, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_alert_list_release(&l);
        assert_int_equal(store_delivery_list(f->s, first, &dl, &err), 0);
        assert_int_equal(dl.n, 3);
        assert_false(dl.items[0].escalation);
        assert_true(dl.items[2].escalation);
        store_delivery_list_release(&dl);
}

static void test_tokens(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_token t = {.tenant = (char *)"default", .name = (char *)"ci",
                                .role = (char *)"operator", .hash = (char *)"aa11", .expires_at = 900};
        int64_t id = 0;
        assert_int_equal(store_token_add(f->s, &t, 100, &id, &err), 0);
        t.hash = (char *)"bb22";
        assert_int_equal(store_token_add(f->s, &t, 101, NULL, &err), BATCH_EEXIST); /* name */
        t.name = (char *)"ci2";
        t.hash = (char *)"aa11";
        assert_int_equal(store_token_add(f->s, &t, 101, NULL, &err), BATCH_EEXIST); /* hash */
        t.hash = (char *)"cc33";
        t.role = (char *)"root";
        assert_int_equal(store_token_add(f->s, &t, 101, NULL, &err), BATCH_EINVAL);
        t.role = (char *)"admin";
        t.expires_at = 0;
        assert_int_equal(store_token_add(f->s, &t, 102, NULL, &err), 0);
        struct store_token got;
        assert_int_equal(store_token_find(f->s, "aa11", &got, &err), 0);
        assert_int_equal(got.id, id);
        assert_string_equal(got.name, "ci");
        assert_string_equal(got.role, "operator");
        assert_int_equal(got.expires_at, 900);
        assert_int_equal(got.created_at, 100);
        assert_false(got.revoked);
        store_token_release(&got);
        assert_int_equal(store_token_find(f->s, "nope", &got, &err), BATCH_ENOENT);
        assert_int_equal(store_token_revoke(f->s, id, 200, &err), 0);
        assert_int_equal(store_token_revoke(f->s, id, 201, &err), BATCH_ESTALE);
        assert_int_equal(store_token_revoke(f->s, 987654, 201, &err), BATCH_ENOENT);
        assert_int_equal(store_token_find(f->s, "aa11", &got, &err), 0);
        assert_true(got.revoked);
        assert_int_equal(got.revoked_at, 200);
        store_token_release(&got);
        struct store_token_list l;
        assert_int_equal(store_token_list(f->s, "default", &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[1].name, "ci2");
        assert_string_equal(l.items[1].role, "admin");
        assert_int_equal(l.items[1].expires_at, 0);
        store_token_list_release(&l);
        assert_int_equal(store_token_list(f->s, "other", &l, NULL), 0);
        assert_int_equal(l.n, 0);
        store_token_list_release(&l);
}

/* docs/daemon.md "Nodes": a node's report keeps the operator's state; drain and
 * undrain change only the state, and name the node they miss. */
static void test_node_reports(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        char name[] = "n1", labels[] = "gpu,zone=eu-1", url[] = "http://127.0.0.1:8081";
        char empty[] = "";
        struct store_node n = {.name = name, .capacity = 4, .started_at = 1000,
                               .heartbeat_at = 1005, .labels = labels,
                               .api_url = url, .running = 2,
                               .clock_offset_us = -2500, .plan_ok = true,
                               .lease_expires_at = 1020};
        assert_int_equal(store_node_report(f->s, &n, &err), 0);
        struct store_node got;
        assert_int_equal(store_node_get(f->s, "n1", &got, &err), 0);
        assert_string_equal(got.state, "active");
        assert_string_equal(got.labels, "gpu,zone=eu-1");
        assert_string_equal(got.api_url, "http://127.0.0.1:8081");
        assert_int_equal(got.capacity, 4);
        assert_int_equal(got.running, 2);
        assert_int_equal(got.clock_offset_us, -2500);
        assert_true(got.plan_ok);
        assert_int_equal(got.heartbeat_at, 1005);
        assert_int_equal(got.lease_expires_at, 1020);
        store_node_release(&got);

        bool changed = false;
        assert_int_equal(store_node_set_state(f->s, "n1", "draining", &changed, &err), 0);
        assert_true(changed);
        assert_int_equal(store_node_set_state(f->s, "n1", "draining", &changed, &err), 0);
        assert_false(changed);
        /* The next heartbeat (no API now, skewed) keeps the operator's state. */
        n.heartbeat_at = 1010;
        n.api_url = NULL;
        n.labels = empty;
        n.running = 0;
        n.clock_offset_us = 9000000;
        n.plan_ok = false;
        assert_int_equal(store_node_report(f->s, &n, &err), 0);
        assert_int_equal(store_node_get(f->s, "n1", &got, &err), 0);
        assert_string_equal(got.state, "draining");
        assert_null(got.api_url);
        assert_string_equal(got.labels, "");
        assert_int_equal(got.clock_offset_us, 9000000);
        assert_false(got.plan_ok);
        assert_int_equal(got.heartbeat_at, 1010);
        store_node_release(&got);
        assert_int_equal(store_node_set_state(f->s, "n1", "active", &changed, &err), 0);
        assert_true(changed);

        assert_int_equal(store_node_set_state(f->s, "nope", "draining", &changed, &err),
                         BATCH_ENOENT);
        assert_int_equal(store_node_get(f->s, "nope", &got, &err), BATCH_ENOENT);
        assert_int_equal(store_node_set_state(f->s, "n1", "gone", &changed, &err), BATCH_EINVAL);
        n.name = empty;
        assert_int_equal(store_node_report(f->s, &n, &err), BATCH_EINVAL);
        struct store_node_list l;
        assert_int_equal(store_node_list(f->s, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0].state, "active");
        store_node_list_release(&l);

        /* The database's clock: within a minute of this machine's (the same machine). */
        int64_t db_us;
        assert_int_equal(store_db_now_us(f->s, &db_us, &err), 0);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t here_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        assert_true(db_us > here_us - 60000000 && db_us < here_us + 60000000);
}

/* DESIGN §9: heartbeats, and a lease only one holder has until it expires. */
static void test_nodes_and_leases(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        assert_int_equal(store_node_heartbeat(f->s, "b", 4, 100, &err), 0);
        assert_int_equal(store_node_heartbeat(f->s, "a", 8, 105, &err), 0);
        assert_int_equal(store_node_heartbeat(f->s, "b", 6, 130, &err), 0);
        struct store_node_list l;
        assert_int_equal(store_node_list(f->s, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[0].name, "a");
        assert_string_equal(l.items[1].name, "b");
        assert_int_equal(l.items[1].capacity, 6);
        assert_int_equal(l.items[1].started_at, 100);
        assert_int_equal(l.items[1].heartbeat_at, 130);
        store_node_list_release(&l);

        bool held = false;
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1000, 30, 0, &held, NULL, &err), 0);
        assert_true(held);
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 1010, 30, 0, &held, NULL, &err), 0);
        assert_false(held); /* a's lease runs until 1030 */
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1020, 30, 0, &held, NULL, &err), 0);
        assert_true(held); /* renewed until 1050 */
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 1049, 30, 0, &held, NULL, &err), 0);
        assert_false(held);
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 1050, 30, 0, &held, NULL, &err), 0);
        assert_true(held); /* expired: b takes over */
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1051, 30, 0, &held, NULL, &err), 0);
        assert_false(held);
        /* Release by someone else changes nothing; by the holder frees it. */
        assert_int_equal(store_lease_release(f->s, "planner", "a", &err), 0);
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1052, 30, 0, &held, NULL, &err), 0);
        assert_false(held);
        assert_int_equal(store_lease_release(f->s, "planner", "b", &err), 0);
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1053, 30, 0, &held, NULL, &err), 0);
        assert_true(held);
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1053, 0, 0, &held, NULL, &err),
                         BATCH_EINVAL);
}

/* docs/cluster.md: the lease's epoch grows on each take by another holder (or by a
 * holder that does not know it), stays on a renewal, never goes back after a release;
 * the fence passes only for the holder at its epoch. */
static void test_lease_epoch_and_fence(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        bool held = false;
        int64_t epoch = -1;
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1000, 30, 0, &held, &epoch,
                                             &err), 0);
        assert_true(held);
        assert_int_equal(epoch, 1); /* a new lease */
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1010, 30, 1, &held, &epoch,
                                             &err), 0);
        assert_true(held);
        assert_int_equal(epoch, 1); /* renewed: same epoch */
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 1039, 30, 0, &held, &epoch,
                                             &err), 0);
        assert_false(held); /* a's lease runs until 1040 */
        assert_int_equal(epoch, 0);
        assert_int_equal(store_lease_check(f->s, "planner", "a", 1, &err), 0);
        assert_int_equal(store_lease_check(f->s, "planner", "b", 1, &err), BATCH_ESTALE);
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 1040, 30, 0, &held, &epoch,
                                             &err), 0);
        assert_true(held);
        assert_int_equal(epoch, 2); /* taken over from an expired holder */
        /* The former holder is fenced out, and cannot renew its old term. */
        assert_int_equal(store_lease_check(f->s, "planner", "a", 1, &err), BATCH_ESTALE);
        assert_int_equal(store_lease_check(f->s, "planner", "b", 2, &err), 0);
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1041, 30, 1, &held, &epoch,
                                             &err), 0);
        assert_false(held);
        /* A holder renewing after its own expiry, nobody else having taken it, keeps it. */
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 1100, 30, 2, &held, &epoch,
                                             &err), 0);
        assert_true(held);
        assert_int_equal(epoch, 2);
        /* The same holder restarted (it does not know the epoch): a new term, which
         * fences out its former incarnation. */
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 1101, 30, 0, &held, &epoch,
                                             &err), 0);
        assert_true(held);
        assert_int_equal(epoch, 3);
        assert_int_equal(store_lease_check(f->s, "planner", "b", 2, &err), BATCH_ESTALE);
        /* Released: expired at once with its epoch kept; the next take is epoch 4. */
        assert_int_equal(store_lease_release(f->s, "planner", "b", &err), 0);
        struct store_lease l;
        assert_int_equal(store_lease_get(f->s, "planner", &l, &err), 0);
        assert_string_equal(l.holder, "b");
        assert_int_equal(l.epoch, 3);
        assert_int_equal(l.expires_at, 0);
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1102, 30, 0, &held, &epoch,
                                             &err), 0);
        assert_true(held);
        assert_int_equal(epoch, 4);
        assert_int_equal(store_lease_get(f->s, "planner", &l, &err), 0);
        assert_string_equal(l.holder, "a");
        assert_int_equal(l.expires_at, 1132);
        /* Inside a transaction, as the daemon fences each of its turns. */
        assert_int_equal(store_begin(f->s, &err), 0);
        assert_int_equal(store_lease_check(f->s, "planner", "a", 4, &err), 0);
        assert_int_equal(store_commit(f->s, &err), 0);
        assert_int_equal(store_lease_get(f->s, "nothing", &l, &err), BATCH_ENOENT);
        /* now 0: the database's clock (this machine's here), for the expiry and the check
         * of the current one (1132 is long past): a takeover with the next epoch. */
        int64_t before = (int64_t)time(NULL);
        assert_int_equal(store_lease_acquire(f->s, "planner", "b", 0, 30, 0, &held, &epoch,
                                             &err), 0);
        int64_t after = (int64_t)time(NULL);
        assert_true(held);
        assert_int_equal(epoch, 5);
        assert_int_equal(store_lease_get(f->s, "planner", &l, &err), 0);
        assert_true(l.expires_at >= before + 30 && l.expires_at <= after + 30);
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 0, 30, 0, &held, &epoch,
                                             &err), 0);
        assert_false(held); /* b's lease runs on the database's clock */
        assert_int_equal(store_lease_acquire(f->s, "planner", "a", 1103, 30, -1, &held, &epoch,
                                             &err), BATCH_EINVAL);
}

/* The filters a restarting daemon reads its state with. */
static void test_instance_filters(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t a1 = make(f->s, "a", true, 1000, &err), a2 = make(f->s, "a", true, 2000, &err);
        int64_t sub = make(f->s, "a", false, 2500, &err), b1 = make(f->s, "b", true, 1000, &err);
        assert_int_equal(store_instance_transition(f->s, a1, STATE_INIT, STATE_TIMEOUT_SKIP, "x",
                                                   "superseded", 3000, &err),
                         0);
        struct store_instance_list l;
        struct store_instance_filter live = {.tenant = "default", .state = -1, .live_only = true};
        assert_int_equal(store_instance_list(f->s, &live, &l, &err), 0);
        assert_int_equal(l.n, 3);
        assert_int_equal(l.items[0].id, a2);
        assert_int_equal(l.items[1].id, sub);
        assert_int_equal(l.items[2].id, b1);
        store_instance_list_release(&l);
        /* The latest scheduled instance of a job: newest first, scheduled only, limit 1. */
        struct store_instance_filter latest = {.tenant = "default", .job = "a", .state = -1,
                                               .scheduled_only = true, .newest_first = true,
                                               .limit = 1};
        assert_int_equal(store_instance_list(f->s, &latest, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, a2);
        store_instance_list_release(&l);
        /* Newest-first pages go down from after_id. */
        struct store_instance_filter down = {.tenant = "default", .state = -1,
                                             .newest_first = true, .after_id = b1};
        assert_int_equal(store_instance_list(f->s, &down, &l, &err), 0);
        assert_int_equal(l.n, 3);
        assert_int_equal(l.items[0].id, sub);
        assert_int_equal(l.items[2].id, a1);
        store_instance_list_release(&l);
}

static int64_t make_by(struct store *s, const char *job, bool scheduled, int64_t due,
                       const char *actor)
{
        struct store_instance in = {.tenant = (char *)"default",
                                    .job = (char *)job,
                                    .scheduled = scheduled,
                                    .due = due,
                                    .first_due = due,
                                    .last_due = due,
                                    .state = STATE_INIT,
                                    .trace_id = (char *)"trace-2"};
        int64_t id = 0;
        int r = store_instance_create(s, &in, actor, 1000, &id, NULL);
        return r < 0 ? r : id;
}

/* Moves instance `id` from Init through the states in `path` (ending at -1). */
static void walk(struct store *s, int64_t id, const char *actor, const int *path)
{
        int from = STATE_INIT;
        for (int i = 0; path[i] >= 0; i++) {
                assert_int_equal(store_instance_transition(s, id, from, path[i], actor, NULL,
                                                           1100 + i, NULL),
                                 0);
                from = path[i];
        }
}


/* An instance of `job` in `tenant`, due `due`, walked to `final` (through Starting and
 * Running unless it is a skip) with every transition at time `at`. */
static int64_t ended(struct store *s, const char *tenant, const char *job, int64_t due, int final,
                     int64_t at)
{
        struct store_instance in = {.tenant = (char *)tenant, .job = (char *)job,
                                    .scheduled = true, .due = due, .first_due = due,
                                    .last_due = due, .state = STATE_INIT,
                                    .trace_id = (char *)"trace-r"};
        int64_t id = 0;
        assert_int_equal(store_instance_create(s, &in, "scheduler", at, &id, NULL), 0);
        if (final == STATE_TIMEOUT_SKIP) {
                assert_int_equal(store_instance_transition(s, id, STATE_INIT, final, "s", NULL, at, NULL), 0);
                return id;
        }
        assert_int_equal(store_instance_transition(s, id, STATE_INIT, STATE_STARTING, "s", NULL, at, NULL), 0);
        assert_int_equal(store_instance_transition(s, id, STATE_STARTING, STATE_RUNNING, "s", NULL, at, NULL), 0);
        if (final != STATE_RUNNING)
                assert_int_equal(store_instance_transition(s, id, STATE_RUNNING, final, "s", NULL, at, NULL), 0);
        return id;
}

static bool exists(struct store *s, int64_t id)
{
        struct store_instance in;
        if (store_instance_get(s, id, &in, NULL) < 0)
                return false;
        store_instance_release(&in);
        return true;
}

/* Retention (docs/daemon.md "Retention"): what store_purge_step removes and keeps. */
static void test_retention(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        const int64_t cutoff = 5000;
        /* a: three ended runs; the oldest with everything that refers to an instance */
        int64_t a1 = ended(f->s, "default", "a", 1000, STATE_SUCCESS, 1100);
        int64_t a2 = ended(f->s, "default", "a", 2000, STATE_FAILED, 2100);
        int64_t a3 = ended(f->s, "default", "a", 3000, STATE_SUCCESS, 3100);
        struct store_execution e = {.instance_id = a1, .node = (char *)"n1", .pid = 7,
                                    .log_path = (char *)"/state/logs/a1.log"};
        int64_t eid = 0, alert = 0, dl = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(f->s, &e, 1050, &eid, &attempt, &err), 0);
        assert_int_equal(store_execution_finish(f->s, eid, 0, NULL, 1060, &err), 0);
        struct store_step st = {.execution_id = eid, .name = (char *)"load",
                                .status = (char *)"COMPLETED", .read_count = 3, .started_at = 1050};
        assert_int_equal(store_step_put(f->s, &st, 1055, NULL, &err), 0);
        assert_int_equal(store_checkpoint_put(f->s, a1, "load", "{\"line\": 3}", 1055, &err), 0);
        struct store_dead_letter d = {.instance_id = a1, .step = (char *)"load",
                                      .item = (char *)"x", .error = (char *)"bad"};
        assert_int_equal(store_dead_letter_add(f->s, &d, 6000, &dl, &err), 0);
        struct store_alert al = {.tenant = (char *)"default", .instance_id = a1,
                                 .kind = (char *)"failure", .job = (char *)"a",
                                 .severity = (char *)"critical", .message = (char *)"a failed"};
        assert_int_equal(store_alert_add(f->s, &al, 6000, &alert, &err), 0);
        struct store_delivery dv = {.alert_id = alert, .channel = (char *)"email",
                                    .target = (char *)"ops@example.com", .state = (char *)"sent",
                                    .message_id = (char *)"<r1@batchd>"};
        assert_int_equal(store_delivery_add(f->s, &dv, 6000, NULL, &err), 0);
        struct store_request rq = {.tenant = (char *)"default", .instance_id = a1,
                                   .action = (char *)"rerun", .actor = (char *)"ops"};
        assert_int_equal(store_request_add(f->s, &rq, 1200, NULL, &err), 0);
        /* b: its only instance, the job's latest */
        int64_t b1 = ended(f->s, "default", "b", 1500, STATE_SUCCESS, 1600);
        /* c: an ended instance whose execution has not finished (the run goes on) */
        int64_t c1 = ended(f->s, "default", "c", 1200, STATE_SUCCESS, 1300);
        struct store_execution ce = {.instance_id = c1, .node = (char *)"n1", .pid = 8};
        assert_int_equal(store_execution_start(f->s, &ce, 1250, &eid, &attempt, &err), 0);
        ended(f->s, "default", "c", 1300, STATE_SUCCESS, 1400);
        /* e: changed after the cutoff (a late mark-success) */
        int64_t e1 = ended(f->s, "default", "e", 1000, STATE_FAILED, 1100);
        assert_int_equal(store_instance_transition(f->s, e1, STATE_FAILED, STATE_MANUAL_SUCCESS,
                                                   "ops", NULL, 6000, &err), 0);
        ended(f->s, "default", "e", 1100, STATE_SUCCESS, 1200);
        /* d: ended long ago, and a live run due 2500: a2 may govern it (a's latest due
         * before 2500), a3 is due after it */
        int64_t d1 = ended(f->s, "default", "d", 1000, STATE_SUCCESS, 1100);
        int64_t d2 = ended(f->s, "default", "d", 2500, STATE_RUNNING, 2600);
        /* bank: an old live instance holds back its tenant only */
        int64_t k1 = ended(f->s, "bank", "k", 100, STATE_SUCCESS, 200);
        ended(f->s, "bank", "k", 300, STATE_SUCCESS, 400);
        ended(f->s, "bank", "live", 50, STATE_RUNNING, 60);
        /* aged rows of no purged instance */
        struct store_alert lone = {.tenant = (char *)"default", .kind = (char *)"paused",
                                   .message = (char *)"scheduling paused"};
        int64_t old_alert = 0, new_alert = 0, old_dl = 0, new_dl = 0;
        assert_int_equal(store_alert_add(f->s, &lone, 10, &old_alert, &err), 0);
        assert_int_equal(store_alert_add(f->s, &lone, 9000, &new_alert, &err), 0);
        d.instance_id = a3;
        assert_int_equal(store_dead_letter_add(f->s, &d, 10, &old_dl, &err), 0);
        assert_int_equal(store_dead_letter_add(f->s, &d, 9000, &new_dl, &err), 0);

        /* One instance per step with limit 1: a1 first (the lowest id). */
        struct store_purge p;
        assert_int_equal(store_purge_step(f->s, cutoff, 1, &p, &err), 0);
        assert_int_equal(p.instances, 1);
        assert_false(exists(f->s, a1));
        assert_int_equal(p.executions, 1);
        assert_int_equal(p.steps, 1);
        assert_int_equal(p.checkpoints, 1);
        assert_int_equal(p.requests, 1);
        assert_int_equal(p.transitions, 4); /* created, starting, running, success */
        /* a1's alert and dead letter, plus one aged alert and one aged dead letter */
        assert_int_equal(p.alerts, 2);
        assert_int_equal(p.deliveries, 1);
        assert_int_equal(p.dead_letters, 2);
        assert_int_equal(p.nlogs, 1);
        assert_string_equal(p.logs[0], "/state/logs/a1.log");
        store_purge_release(&p);
        struct store_alert got;
        assert_int_equal(store_alert_get(f->s, old_alert, &got, NULL), BATCH_ENOENT);
        assert_int_equal(store_alert_get(f->s, new_alert, &got, NULL), 0);
        store_alert_release(&got);
        struct store_dead_letter_list l;
        struct store_dead_letter_filter flt = {.tenant = "default"};
        assert_int_equal(store_dead_letter_list(f->s, &flt, &l, NULL), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, new_dl);
        store_dead_letter_list_release(&l);
        /* Then until nothing is left: d1 only. */
        int64_t total = 0;
        for (int i = 0; i < 10; i++) {
                assert_int_equal(store_purge_step(f->s, cutoff, 1, &p, &err), 0);
                total += p.instances;
                int64_t any = p.instances + p.alerts + p.dead_letters;
                store_purge_release(&p);
                if (!any)
                        break;
        }
        assert_int_equal(total, 1);
        assert_false(exists(f->s, d1));
        assert_true(exists(f->s, a2) && exists(f->s, a3) && exists(f->s, b1) && exists(f->s, c1) &&
                    exists(f->s, e1) && exists(f->s, d2) && exists(f->s, k1));
        /* Once d2 has ended, a2 governs nothing any more; c's run ended too. */
        assert_int_equal(store_instance_transition(f->s, d2, STATE_RUNNING, STATE_SUCCESS, "s", NULL, 2700, &err), 0);
        assert_int_equal(store_execution_finish(f->s, eid, 0, NULL, 2700, &err), 0);
        assert_int_equal(store_purge_step(f->s, cutoff, 100, &p, &err), 0);
        assert_int_equal(p.instances, 2); /* a2 and c1 */
        store_purge_release(&p);
        assert_false(exists(f->s, a2) || exists(f->s, c1));
        assert_true(exists(f->s, a3) && exists(f->s, d2) && exists(f->s, k1));
        assert_int_equal(store_purge_step(f->s, cutoff, 0, &p, &err), BATCH_EINVAL);
}

/* Runs one execution of instance `id`, finished with `status` and `error` unless
 * `finish` is false. */
static void execute(struct store *s, int64_t id, bool finish, int status, const char *error)
{
        struct store_execution e = {.instance_id = id, .node = (char *)"n1", .pid = 7};
        int64_t eid = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(s, &e, 2000, &eid, &attempt, NULL), 0);
        if (finish)
                assert_int_equal(store_execution_finish(s, eid, status, error, 2010, NULL), 0);
}

/* Lists with `flt` and checks the ids are exactly want[0..n). */
static void expect_ids(struct store *s, const struct store_instance_filter *flt,
                       const int64_t *want, size_t n)
{
        struct store_instance_list l;
        struct batch_err err;
        assert_int_equal(store_instance_list(s, flt, &l, &err), 0);
        assert_int_equal(l.n, n);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(l.items[i].id, want[i]);
        store_instance_list_release(&l);
}

/* failed_only: a failed state (3, 6, 7, 11) now, whatever its executions exited with (a
 * failed execution that was retried, or an error on a run that goes on, is not a failed
 * instance). created_by: the actor of the creation transition only. */
static void test_instance_failed_created_by(void **state)
{
        struct fixture *f = *state;
        static const int to_running[] = {STATE_STARTING, STATE_RUNNING, -1};
        static const int to_start_failed[] = {STATE_STARTING, STATE_START_FAILED, -1};
        static const int to_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_FAILED, -1};
        static const int to_timeout_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_STOPPING,
                                                STATE_TIMEOUT_FAILED, -1};
        static const int to_stop_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_STOPPING,
                                             STATE_STOP_FAILED, -1};
        static const int rerun[] = {STATE_STARTING, STATE_RUNNING, STATE_FAILED, STATE_INIT, -1};
        static const int to_success[] = {STATE_STARTING, STATE_RUNNING, STATE_SUCCESS, -1};
        /* i1: a's, by the scheduler, running after an execution that exited 1; every
         * later change by token:ops (not its creator). */
        int64_t i1 = make_by(f->s, "a", true, 1000, "scheduler");
        walk(f->s, i1, "token:ops", to_running);
        execute(f->s, i1, true, 1, NULL);
        /* i2: a's submit by token:ops, Start Failed, no execution. */
        int64_t i2 = make_by(f->s, "a", false, 1100, "token:ops");
        walk(f->s, i2, "scheduler", to_start_failed);
        /* i3: a's submit by token:ops, succeeded (exit 0). */
        int64_t i3 = make_by(f->s, "a", false, 1200, "token:ops");
        walk(f->s, i3, "scheduler", to_success);
        execute(f->s, i3, true, 0, NULL);
        /* i4: b's, by token:ops, an execution that exited 0 but recorded an error. */
        int64_t i4 = make_by(f->s, "b", true, 1000, "token:ops");
        execute(f->s, i4, true, 0, "lost: node n1 stopped reporting");
        /* i5: b's, by batchctl, running: its one execution has not finished. */
        int64_t i5 = make_by(f->s, "b", true, 2000, "batchctl");
        walk(f->s, i5, "scheduler", to_running);
        execute(f->s, i5, false, 0, NULL);
        /* i6: a's, by batchctl, a failed attempt (exit -9) and a successful retry. */
        int64_t i6 = make_by(f->s, "a", true, 3000, "batchctl");
        execute(f->s, i6, true, -9, "killed");
        execute(f->s, i6, true, 0, NULL);
        /* i7: a's, by token:ops, Failed and then rerun to Init, no execution: not failed
         * any more (the state is what counts, not its history). */
        int64_t i7 = make_by(f->s, "a", true, 4000, "token:ops");
        walk(f->s, i7, "scheduler", rerun);
        /* i8, i9, i10: a's by token:ops: Failed, Timeout Failed, Stop Failed. */
        int64_t i8 = make_by(f->s, "a", true, 5000, "token:ops");
        walk(f->s, i8, "scheduler", to_failed);
        int64_t i9 = make_by(f->s, "a", true, 6000, "token:ops");
        walk(f->s, i9, "scheduler", to_timeout_failed);
        int64_t i10 = make_by(f->s, "a", true, 7000, "token:ops");
        walk(f->s, i10, "scheduler", to_stop_failed);
        /* i11: b's, by the scheduler, never run. */
        int64_t i11 = make_by(f->s, "b", true, 3000, "scheduler");
        /* i12: created with no actor: recorded as "system". */
        int64_t i12 = make_by(f->s, "b", true, 4000, NULL);
        assert_true(i1 > 0 && i12 > i11);

        struct store_instance_filter flt = {.tenant = "default", .state = -1,
                                            .failed_only = true};
        int64_t failed[] = {i2, i8, i9, i10};
        expect_ids(f->s, &flt, failed, 4);
        /* Failed, newest first. */
        flt.newest_first = true;
        int64_t failed_desc[] = {i10, i9, i8, i2};
        expect_ids(f->s, &flt, failed_desc, 4);
        /* Failed and job b: i4's execution recorded an error, but b has no failed state. */
        flt.newest_first = false;
        flt.job = "b";
        expect_ids(f->s, &flt, NULL, 0);
        /* Failed and job a, state Running: i1's execution exited 1, but it is Running. */
        flt.job = "a";
        flt.state = STATE_RUNNING;
        expect_ids(f->s, &flt, NULL, 0);
        /* Failed, job a, in due range [1100, 6000): i2, i8. */
        flt.state = -1;
        flt.has_due_range = true;
        flt.due_from = 1100;
        flt.due_to = 6000;
        int64_t failed_a_due[] = {i2, i8};
        expect_ids(f->s, &flt, failed_a_due, 2);
        /* Failed and live: Stop Failed is both. */
        struct store_instance_filter live = {.tenant = "default", .state = -1,
                                             .failed_only = true, .live_only = true};
        int64_t failed_live[] = {i10};
        expect_ids(f->s, &live, failed_live, 1);
        /* Failed and scheduled (no submits). */
        struct store_instance_filter sched = {.tenant = "default", .state = -1,
                                              .failed_only = true, .scheduled_only = true};
        int64_t failed_sched[] = {i8, i9, i10};
        expect_ids(f->s, &sched, failed_sched, 3);

        /* created_by: the creator only, whoever changed the instance afterwards. */
        struct store_instance_filter by = {.tenant = "default", .state = -1,
                                           .created_by = "token:ops"};
        int64_t ops[] = {i2, i3, i4, i7, i8, i9, i10};
        expect_ids(f->s, &by, ops, 7);
        by.created_by = "scheduler";
        int64_t sched_made[] = {i1, i11};
        expect_ids(f->s, &by, sched_made, 2);
        by.created_by = "system";
        int64_t system_made[] = {i12};
        expect_ids(f->s, &by, system_made, 1);
        by.created_by = "token:nobody";
        expect_ids(f->s, &by, NULL, 0);
        /* created_by with job and state. */
        by.created_by = "token:ops";
        by.job = "b";
        int64_t ops_b[] = {i4};
        expect_ids(f->s, &by, ops_b, 1);
        by.job = "a";
        by.state = STATE_FAILED;
        int64_t ops_a_failed_state[] = {i8};
        expect_ids(f->s, &by, ops_a_failed_state, 1);
        by.state = STATE_INIT;
        int64_t ops_a_init[] = {i7};
        expect_ids(f->s, &by, ops_a_init, 1);
        /* Both filters: token:ops's failed instances of a. */
        by.state = -1;
        by.failed_only = true;
        int64_t ops_a_failed[] = {i2, i8, i9, i10};
        expect_ids(f->s, &by, ops_a_failed, 4);

        /* Keyset pages of 2 over token:ops's instances of a (any state), both ways,
         * cover them exactly once and in order. */
        int64_t want[] = {i2, i3, i7, i8, i9};
        for (int desc = 0; desc < 2; desc++) {
                struct store_instance_filter pg = {.tenant = "default", .job = "a",
                                                   .state = -1, .has_due_range = true,
                                                   .due_from = 1000, .due_to = 7000,
                                                   .created_by = "token:ops", .limit = 2,
                                                   .newest_first = desc != 0};
                size_t seen = 0;
                for (int pages = 0; pages < 10; pages++) {
                        struct store_instance_list l;
                        assert_int_equal(store_instance_list(f->s, &pg, &l, NULL), 0);
                        if (l.n == 0) {
                                store_instance_list_release(&l);
                                break;
                        }
                        assert_true(l.n <= 2);
                        for (size_t i = 0; i < l.n; i++, seen++) {
                                assert_true(seen < 5);
                                assert_int_equal(l.items[i].id,
                                                 want[desc ? 4 - seen : seen]);
                        }
                        pg.after_id = l.items[l.n - 1].id;
                        store_instance_list_release(&l);
                }
                assert_int_equal(seen, 5);
        }
        /* A page of job a's failed instances after i8, newest first: below i8 only i2. */
        struct store_instance_filter below = {.tenant = "default", .job = "a", .state = -1,
                                              .failed_only = true, .newest_first = true,
                                              .after_id = i8};
        int64_t below_i8[] = {i2};
        expect_ids(f->s, &below, below_i8, 1);
        /* The same filter in another tenant finds nothing. */
        below.tenant = "other";
        expect_ids(f->s, &below, NULL, 0);
}

/* Starts a new execution of instance `id` and records one step in it with these skip
 * counts (and some counts that are not skips: filter, rollback, read, write). */
static void step_with_skips(struct store *s, int64_t id, const char *name, int64_t read_skip,
                            int64_t process_skip, int64_t write_skip)
{
        struct store_execution e = {.instance_id = id, .node = (char *)"n1", .pid = 7};
        int64_t eid = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(s, &e, 2000, &eid, &attempt, NULL), 0);
        struct store_step st = {.execution_id = eid, .name = (char *)name,
                                .status = (char *)"COMPLETED", .read_count = 50,
                                .write_count = 40, .commit_count = 5, .rollback_count = 2,
                                .filter_count = 3, .read_skip_count = read_skip,
                                .process_skip_count = process_skip,
                                .write_skip_count = write_skip};
        assert_int_equal(store_step_put(s, &st, 2001, NULL, NULL), 0);
}

/* Checks skip_count of instance `id` as get returns it. */
static void expect_skips(struct store *s, int64_t id, int64_t want)
{
        struct store_instance in;
        assert_int_equal(store_instance_get(s, id, &in, NULL), 0);
        assert_int_equal(in.skip_count, want);
        store_instance_release(&in);
}

/* has_failure (DESIGN §8, seed 001 "Has Failure"): a data failure, i.e. items skipped
 * (read-skip + process-skip + write-skip > 0) in the step executions of any of the
 * instance's executions, whatever its state; failed_only is the state. The two are
 * independent filters, and skip_count is the sum. */
static void test_instance_has_failure(void **state)
{
        struct fixture *f = *state;
        static const int to_success[] = {STATE_STARTING, STATE_RUNNING, STATE_SUCCESS, -1};
        static const int to_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_FAILED, -1};
        static const int to_running[] = {STATE_STARTING, STATE_RUNNING, -1};
        static const int to_start_failed[] = {STATE_STARTING, STATE_START_FAILED, -1};
        /* h1: succeeded with 2 process skips: a partial data failure. */
        int64_t h1 = make_by(f->s, "a", true, 1000, "scheduler");
        step_with_skips(f->s, h1, "load", 0, 2, 0);
        walk(f->s, h1, "scheduler", to_success);
        /* h2: Failed, its step skipped nothing (rollbacks and filtered items only). */
        int64_t h2 = make_by(f->s, "a", true, 2000, "scheduler");
        step_with_skips(f->s, h2, "load", 0, 0, 0);
        walk(f->s, h2, "scheduler", to_failed);
        /* h3: Failed with 1 write skip: both. */
        int64_t h3 = make_by(f->s, "b", true, 1000, "scheduler");
        step_with_skips(f->s, h3, "load", 0, 0, 1);
        walk(f->s, h3, "scheduler", to_failed);
        /* h4: Running, 3 read skips so far. */
        int64_t h4 = make_by(f->s, "b", true, 2000, "scheduler");
        walk(f->s, h4, "scheduler", to_running);
        step_with_skips(f->s, h4, "load", 3, 0, 0);
        /* h5: two executions (a retry) and three steps: 1 + 2 + 4 skips. */
        int64_t h5 = make_by(f->s, "a", true, 3000, "scheduler");
        step_with_skips(f->s, h5, "extract", 1, 0, 0);
        step_with_skips(f->s, h5, "extract", 0, 0, 2);
        struct store_execution_list ex;
        assert_int_equal(store_execution_list(f->s, h5, &ex, NULL), 0);
        assert_int_equal(ex.n, 2);
        struct store_step more = {.execution_id = ex.items[1].id, .name = (char *)"load",
                                  .status = (char *)"COMPLETED", .process_skip_count = 4};
        store_execution_list_release(&ex);
        assert_int_equal(store_step_put(f->s, &more, 2002, NULL, NULL), 0);
        walk(f->s, h5, "scheduler", to_success);
        /* h6: succeeded, no skips; h7: Start Failed, no execution at all. */
        int64_t h6 = make_by(f->s, "b", true, 3000, "scheduler");
        step_with_skips(f->s, h6, "load", 0, 0, 0);
        walk(f->s, h6, "scheduler", to_success);
        int64_t h7 = make_by(f->s, "a", true, 4000, "scheduler");
        walk(f->s, h7, "scheduler", to_start_failed);

        expect_skips(f->s, h1, 2);
        expect_skips(f->s, h2, 0);
        expect_skips(f->s, h3, 1);
        expect_skips(f->s, h4, 3);
        expect_skips(f->s, h5, 7);
        expect_skips(f->s, h6, 0);
        expect_skips(f->s, h7, 0);
        /* A list carries the same counts. */
        struct store_instance_filter all = {.tenant = "default", .state = -1};
        struct store_instance_list l;
        assert_int_equal(store_instance_list(f->s, &all, &l, NULL), 0);
        assert_int_equal(l.n, 7);
        const int64_t counts[] = {2, 0, 1, 3, 7, 0, 0};
        for (size_t i = 0; i < l.n; i++)
                assert_int_equal(l.items[i].skip_count, counts[i]);
        store_instance_list_release(&l);

        struct store_instance_filter hf = {.tenant = "default", .state = -1,
                                           .has_failure = true};
        int64_t has_failure[] = {h1, h3, h4, h5};
        expect_ids(f->s, &hf, has_failure, 4);
        struct store_instance_filter failed = {.tenant = "default", .state = -1,
                                               .failed_only = true};
        int64_t failed_ids[] = {h2, h3, h7};
        expect_ids(f->s, &failed, failed_ids, 3);
        /* Both: failed with skipped items. */
        hf.failed_only = true;
        int64_t both[] = {h3};
        expect_ids(f->s, &hf, both, 1);
        /* With job, state, live and order. */
        hf.failed_only = false;
        hf.job = "a";
        hf.newest_first = true;
        int64_t a_desc[] = {h5, h1};
        expect_ids(f->s, &hf, a_desc, 2);
        hf.job = NULL;
        hf.newest_first = false;
        hf.live_only = true;
        int64_t live[] = {h4};
        expect_ids(f->s, &hf, live, 1);
        hf.live_only = false;
        hf.state = STATE_SUCCESS;
        int64_t ok_with_skips[] = {h1, h5};
        expect_ids(f->s, &hf, ok_with_skips, 2);
        /* Pages of 1 after h1. */
        hf.state = -1;
        hf.limit = 1;
        hf.after_id = h1;
        int64_t after_h1[] = {h3};
        expect_ids(f->s, &hf, after_h1, 1);
        hf.tenant = "other";
        hf.after_id = 0;
        expect_ids(f->s, &hf, NULL, 0);
}

/* skip_count is kept on the instance (schema v17): it follows each write of a step's row,
 * the per-chunk update in place included, up and down (a remote job reports its own
 * counts), and only that instance's. */
static void test_instance_skip_count_follows_steps(void **state)
{
        struct fixture *f = *state;
        int64_t other = make_by(f->s, "b", true, 1000, "scheduler");
        step_with_skips(f->s, other, "load", 5, 0, 0);
        int64_t h = make_by(f->s, "a", true, 1000, "scheduler");
        struct store_execution e = {.instance_id = h, .node = (char *)"n1", .pid = 7};
        int64_t eid = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(f->s, &e, 2000, &eid, &attempt, NULL), 0);
        static const struct {
                const char *status;
                int64_t read, read_skip, process_skip, write_skip, want;
        } chunks[] = {
                {"STARTED", 0, 0, 0, 0, 0},     /* the step's start: a new row */
                {"STARTED", 100, 0, 0, 0, 0},   /* a chunk without skips: updated in place */
                {"STARTED", 200, 0, 2, 0, 2},   /* two process skips */
                {"STARTED", 300, 0, 2, 0, 2},   /* the same skips, more items */
                {"STARTED", 400, 1, 2, 1, 4},   /* a read and a write skip */
                {"COMPLETED", 400, 1, 2, 1, 4}, /* its end */
                {"COMPLETED", 400, 0, 0, 0, 0}, /* counts reported lower */
                {"COMPLETED", 400, 0, 0, 3, 3},
        };
        for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
                struct store_step st = {.execution_id = eid, .name = (char *)"load",
                                        .status = (char *)chunks[i].status,
                                        .read_count = chunks[i].read,
                                        .read_skip_count = chunks[i].read_skip,
                                        .process_skip_count = chunks[i].process_skip,
                                        .write_skip_count = chunks[i].write_skip};
                assert_int_equal(store_step_put(f->s, &st, 2001 + (int64_t)i, NULL, NULL), 0);
                expect_skips(f->s, h, chunks[i].want);
                expect_skips(f->s, other, 5);
                struct store_step_list l;
                assert_int_equal(store_step_list(f->s, eid, &l, NULL), 0);
                assert_int_equal(l.n, 1);
                assert_int_equal(l.items[0].read_count, chunks[i].read);
                assert_int_equal(l.items[0].read_skip_count, chunks[i].read_skip);
                assert_int_equal(l.items[0].process_skip_count, chunks[i].process_skip);
                assert_int_equal(l.items[0].write_skip_count, chunks[i].write_skip);
                assert_string_equal(l.items[0].status, chunks[i].status);
                store_step_list_release(&l);
        }
        /* A second step of the same execution adds to the instance's count. */
        struct store_step more = {.execution_id = eid, .name = (char *)"report",
                                  .status = (char *)"STARTED", .write_skip_count = 2};
        assert_int_equal(store_step_put(f->s, &more, 2010, NULL, NULL), 0);
        expect_skips(f->s, h, 5);
        struct store_instance_filter hf = {.tenant = "default", .state = -1,
                                           .has_failure = true};
        int64_t both[] = {other, h};
        expect_ids(f->s, &hf, both, 2);
        /* A step of an execution that does not exist changes nothing. */
        struct store_step lost = {.execution_id = eid + 100, .name = (char *)"load",
                                  .status = (char *)"STARTED", .read_skip_count = 9};
        assert_int_equal(store_step_put(f->s, &lost, 2011, NULL, NULL), BATCH_ENOENT);
        expect_skips(f->s, h, 5);
        expect_skips(f->s, other, 5);
}

/* Operators' requests queue for the daemon and are answered once. */
static void test_requests(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "load", true, 1800, &err);
        struct store_request q = {.tenant = (char *)"default", .instance_id = inst,
                                  .action = (char *)"stop", .actor = (char *)"alice",
                                  .reason = (char *)"wrong input file"};
        int64_t r1 = 0, r2 = 0;
        assert_int_equal(store_request_add(f->s, &q, 10, &r1, &err), 0);
        q.action = (char *)"mark-success";
        assert_int_equal(store_request_add(f->s, &q, 11, &r2, &err), 0);
        q.action = (char *)"explode";
        assert_int_equal(store_request_add(f->s, &q, 12, NULL, &err), BATCH_EINVAL);
        q.action = (char *)"rerun";
        q.instance_id = 987654;
        assert_int_equal(store_request_add(f->s, &q, 12, NULL, &err), BATCH_ENOENT);
        struct store_request_list l;
        assert_int_equal(store_request_pending(f->s, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, r1);
        assert_string_equal(l.items[0].action, "stop");
        assert_string_equal(l.items[0].actor, "alice");
        assert_string_equal(l.items[0].reason, "wrong input file");
        assert_int_equal(l.items[0].instance_id, inst);
        assert_false(l.items[0].done);
        store_request_list_release(&l);
        assert_int_equal(store_request_finish(f->s, r1, 0, "stopping", 20, &err), 0);
        assert_int_equal(store_request_finish(f->s, r1, 0, "again", 21, &err), BATCH_ESTALE);
        assert_int_equal(store_request_finish(f->s, 987654, 0, "x", 21, &err), BATCH_ENOENT);
        assert_int_equal(store_request_finish(f->s, r2, BATCH_EINVAL, "not allowed", 22, &err),
                         0);
        assert_int_equal(store_request_pending(f->s, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_request_list_release(&l);
        struct store_request got;
        assert_int_equal(store_request_get(f->s, r2, &got, &err), 0);
        assert_true(got.done);
        assert_int_equal(got.done_at, 22);
        assert_int_equal(got.result, BATCH_EINVAL);
        assert_string_equal(got.message, "not allowed");
        store_request_release(&got);
        assert_int_equal(store_request_get(f->s, 987654, &got, &err), BATCH_ENOENT);
}

/* Another connection's commit changes the data version; reading does not. */
static void test_data_version(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t v1, v2, v3;
        assert_int_equal(store_data_version(f->s, &v1, &err), 0);
        struct store *other;
        assert_int_equal(store_open(f->dsn, &other, &err), 0);
        assert_int_equal(store_data_version(f->s, &v2, &err), 0);
        assert_true(v2 == v1);
        struct store_def d = job("x", "kind: job\n", "created");
        assert_int_equal(store_def_put(other, &d, 5, &err), 0);
        assert_int_equal(store_data_version(f->s, &v3, &err), 0);
        assert_true(v3 != v2);
        store_close(other);
}

/* Savepoints: what follows a rolled-back savepoint stays; what it covered is undone. */
static void test_savepoints(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "import", false, 1800, &err);
        assert_int_equal(store_savepoint(f->s, &err), BATCH_EINVAL); /* no transaction */
        assert_int_equal(store_begin(f->s, &err), 0);
        assert_int_equal(store_checkpoint_put(f->s, inst, "a", "1", 1, &err), 0);
        assert_int_equal(store_savepoint(f->s, &err), 0);
        assert_int_equal(store_checkpoint_put(f->s, inst, "b", "2", 1, &err), 0);
        store_savepoint_rollback(f->s);
        assert_int_equal(store_savepoint(f->s, &err), 0);
        assert_int_equal(store_checkpoint_put(f->s, inst, "c", "3", 1, &err), 0);
        assert_int_equal(store_savepoint_release(f->s, &err), 0);
        assert_int_equal(store_commit(f->s, &err), 0);
        char *got;
        assert_int_equal(store_checkpoint_get(f->s, inst, "a", &got, &err), 0);
        assert_string_equal(got, "1");
        free(got);
        assert_int_equal(store_checkpoint_get(f->s, inst, "b", &got, &err), 0);
        assert_null(got);
        assert_int_equal(store_checkpoint_get(f->s, inst, "c", &got, &err), 0);
        assert_string_equal(got, "3");
        free(got);
        const char *kind = NULL;
        assert_non_null(store_native(f->s, &kind));
        assert_true(!strcmp(kind, "sqlite") || !strcmp(kind, "postgres"));
}

/* An instance's requests, done or not, after a cursor. */
static void test_request_list(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t a = make(f->s, "load", false, 1800, &err);
        int64_t b = make(f->s, "load", false, 1900, &err);
        struct store_request q = {.tenant = (char *)"default", .instance_id = a,
                                  .action = (char *)"stop", .actor = (char *)"alice"};
        int64_t r1, r2, r3;
        assert_int_equal(store_request_add(f->s, &q, 10, &r1, &err), 0);
        q.instance_id = b;
        assert_int_equal(store_request_add(f->s, &q, 11, &r2, &err), 0);
        q.instance_id = a;
        q.action = (char *)"rerun";
        assert_int_equal(store_request_add(f->s, &q, 12, &r3, &err), 0);
        assert_int_equal(store_request_finish(f->s, r1, 0, "stopping", 20, &err), 0);
        struct store_request_list l;
        assert_int_equal(store_request_list(f->s, a, 0, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.items[0].id, r1);
        assert_true(l.items[0].done);
        assert_string_equal(l.items[0].action, "stop");
        assert_int_equal(l.items[1].id, r3);
        assert_false(l.items[1].done);
        store_request_list_release(&l);
        assert_int_equal(store_request_list(f->s, a, r1, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, r3);
        store_request_list_release(&l);
        assert_int_equal(store_request_list(f->s, b, r2, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_request_list_release(&l);
}

/* Runs one execution of instance `id` from `start` to `end` (exit status `status`),
 * with one step of the given counts when read >= 0. */
static void timed_run(struct store *s, int64_t id, int64_t start, int64_t end, int status,
                      int64_t read, int64_t write, int64_t commit, int64_t rollback,
                      int64_t write_skip)
{
        struct store_execution e = {.instance_id = id, .node = (char *)"n1", .pid = 7};
        int64_t eid = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(s, &e, start, &eid, &attempt, NULL), 0);
        if (read >= 0) {
                struct store_step st = {.execution_id = eid, .name = (char *)"load",
                                        .status = (char *)"COMPLETED", .read_count = read,
                                        .write_count = write, .commit_count = commit,
                                        .rollback_count = rollback,
                                        .write_skip_count = write_skip, .filter_count = 1};
                assert_int_equal(store_step_put(s, &st, start + 1, NULL, NULL), 0);
        }
        assert_int_equal(store_execution_finish(s, eid, status, NULL, end, NULL), 0);
}

/* The tenant's settings with batch window START-END in UTC, as a new version. */
static void put_window(struct store *s, const char *start, const char *end, int64_t now)
{
        char spec[160];
        snprintf(spec, sizeof(spec),
                 "kind: settings\ntenant: default\nbatch_window: {start: \"%s\", end: \"%s\"}\n",
                 start, end);
        struct store_def d = {.tenant = (char *)"default", .kind = (char *)"settings",
                              .name = (char *)"default", .changed_by = (char *)"test",
                              .spec = spec};
        assert_int_equal(store_def_put(s, &d, now, NULL), 0);
}

/* An instance of `job` due at `due` created as batchd creates one: with the process date
 * of the tenant's window as it is now (ops_instance_process_date), or none (`stamp`
 * false: an instance from before schema 11). */
static int64_t make_dated(struct store *s, const char *job, bool scheduled, int64_t due,
                          bool stamp)
{
        struct store_instance in = {.tenant = (char *)"default", .job = (char *)job,
                                    .scheduled = scheduled, .due = due, .first_due = due,
                                    .last_due = due, .state = STATE_INIT,
                                    .trace_id = (char *)"trace-1"};
        struct ops_tenant_window tw;
        char pdate[OPS_PROCESS_DATE_MAX];
        if (stamp) {
                ops_tenant_window(s, "default", &tw);
                in.process_date = ops_instance_process_date(&in, &tw.window, tw.zone, pdate);
        }
        int64_t id = 0;
        assert_int_equal(store_instance_create(s, &in, "scheduler", 1000, &id, NULL), 0);
        return id;
}

/* The process date of instance `id` as shown with the tenant's window now. */
static void assert_shown_date(struct store *s, int64_t id, const char *want)
{
        struct store_instance in;
        assert_int_equal(store_instance_get(s, id, &in, NULL), 0);
        struct ops_tenant_window tw;
        ops_tenant_window(s, "default", &tw);
        char pdate[OPS_PROCESS_DATE_MAX];
        assert_string_equal(ops_instance_process_date(&in, &tw.window, tw.zone, pdate), want);
        store_instance_release(&in);
}

/* DESIGN §8: the process date, stored when the instance is created (schema 11). With a
 * window 22:00-06:00 (UTC) a run due at 00:30 on 3 March 2026 processes 2 March, one due
 * at 23:30 on the 2nd processes the 2nd. After the window moves to 01:00-09:00 (00:30 is
 * then before the night of the 3rd opens: the 3rd), the stored dates stay; an instance
 * created without one shows the date of the window now. */
static void test_process_date(void **state)
{
        struct fixture *f = *state;
        const int64_t mar3_0030 = 1772497800, mar2_2330 = 1772494200;
        put_window(f->s, "22:00", "06:00", 100);
        int64_t early = make_dated(f->s, "night", true, mar3_0030, true);
        int64_t late = make_dated(f->s, "late", true, mar2_2330, true);
        int64_t legacy = make_dated(f->s, "night", false, mar3_0030, false);
        struct store_instance in;
        assert_int_equal(store_instance_get(f->s, early, &in, NULL), 0);
        assert_string_equal(in.process_date, "2026-03-02");
        store_instance_release(&in);
        assert_int_equal(store_instance_get(f->s, legacy, &in, NULL), 0);
        assert_null(in.process_date);
        store_instance_release(&in);
        assert_shown_date(f->s, late, "2026-03-02");
        assert_shown_date(f->s, legacy, "2026-03-02");
        put_window(f->s, "01:00", "09:00", 200);
        assert_shown_date(f->s, early, "2026-03-02"); /* history is not rewritten */
        assert_shown_date(f->s, legacy, "2026-03-03"); /* none stored: the window now */
        int64_t again = make_dated(f->s, "night", false, mar3_0030, true);
        assert_shown_date(f->s, again, "2026-03-03");
        /* The report's process dates of the day of 3 March (00:00-24:00 UTC): per job, one
         * row per stored date, one per due time of those stored without one; by job, then
         * date (the row without one last). "late" is due on the 2nd: not in the day. */
        struct store_report_pdate_list l;
        assert_int_equal(store_report_process_dates(f->s, "default", 1772496000, 1772582400,
                                                    &l, NULL),
                         0);
        assert_int_equal(l.n, 3);
        assert_string_equal(l.items[0].job, "night");
        assert_string_equal(l.items[0].process_date, "2026-03-02");
        assert_int_equal(l.items[0].due, mar3_0030);
        assert_string_equal(l.items[1].process_date, "2026-03-03");
        assert_null(l.items[2].process_date);
        assert_int_equal(l.items[2].due, mar3_0030);
        store_report_pdate_list_release(&l);
}

/* The report figures (store_report_stats, store_report_dues), computed in SQL: the
 * expected values are counted by hand from the instances made here. */
static void test_report(void **state)
{
        struct fixture *f = *state;
        static const int to_success[] = {STATE_STARTING, STATE_RUNNING, STATE_SUCCESS, -1};
        static const int to_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_FAILED, -1};
        static const int to_skip[] = {STATE_TIMEOUT_SKIP, -1};
        static const int to_canceled[] = {STATE_CANCELED, -1};
        /* a1: Success, ran 10000-10600 (600 s); read 10, write 8, commit 2, rollback 1. */
        int64_t a1 = make_by(f->s, "a", true, 10000, "scheduler");
        timed_run(f->s, a1, 10000, 10600, 0, 10, 8, 2, 1, 0);
        walk(f->s, a1, "scheduler", to_success);
        /* a2: Failed, ran 11000-11300 (300 s); read 5, rollback 3. */
        int64_t a2 = make_by(f->s, "a", true, 11000, "scheduler");
        timed_run(f->s, a2, 11000, 11300, 1, 5, 0, 0, 3, 0);
        walk(f->s, a2, "scheduler", to_failed);
        /* a3: a failed attempt 12000-12100 without steps, then a retry to 12900: 900 s;
         * read 20, write 18, commit 4, 2 write skips: a partial data failure. */
        int64_t a3 = make_by(f->s, "a", true, 12000, "scheduler");
        timed_run(f->s, a3, 12000, 12100, 1, -1, 0, 0, 0, 0);
        timed_run(f->s, a3, 12200, 12900, 0, 20, 18, 4, 0, 2);
        walk(f->s, a3, "scheduler", to_success);
        /* a4: Timeout Skip, never ran; a6: a submit, canceled before it ran. */
        int64_t a4 = make_by(f->s, "a", true, 13000, "scheduler");
        walk(f->s, a4, "scheduler", to_skip);
        int64_t a6 = make_by(f->s, "a", false, 14000, "batchctl");
        walk(f->s, a6, "batchctl", to_canceled);
        /* Outside [10000, 20000): a5 due at 20000 and b0 at 9999. */
        int64_t a5 = make_by(f->s, "a", true, 20000, "scheduler");
        timed_run(f->s, a5, 20000, 20050, 0, 1, 1, 1, 0, 0);
        walk(f->s, a5, "scheduler", to_success);
        int64_t b0 = make_by(f->s, "b", true, 9999, "scheduler");
        walk(f->s, b0, "scheduler", to_skip);
        /* b1: Success, 60 s, no steps. */
        int64_t b1 = make_by(f->s, "b", true, 15000, "scheduler");
        timed_run(f->s, b1, 15000, 15060, 0, -1, 0, 0, 0, 0);
        walk(f->s, b1, "scheduler", to_success);
        /* Another tenant's instance in the range counts nowhere. */
        struct store_instance other = {.tenant = (char *)"other", .job = (char *)"a",
                                       .scheduled = true, .due = 12500, .first_due = 12500,
                                       .last_due = 12500, .state = STATE_INIT,
                                       .trace_id = (char *)"t"};
        int64_t oid;
        assert_int_equal(store_instance_create(f->s, &other, "scheduler", 1000, &oid, NULL), 0);

        struct store_report_stats_list l;
        struct batch_err err;
        assert_int_equal(store_report_stats(f->s, "default", 10000, 20000, NULL, &l, &err), 0);
        assert_int_equal(l.n, 2);
        const struct store_report_stats *a = &l.items[0], *b = &l.items[1];
        assert_string_equal(a->job, "a");
        assert_int_equal(a->total, 5);
        assert_int_equal(a->success, 2);
        assert_int_equal(a->failed, 1);
        assert_int_equal(a->skipped, 1);
        assert_int_equal(a->canceled, 1);
        assert_int_equal(a->has_failure, 1);
        assert_int_equal(a->timed, 3);
        assert_true(a->avg_s == 600.0);  /* (600 + 300 + 900) / 3 */
        assert_true(a->p50_s == 600.0);  /* the middle of 300, 600, 900 */
        assert_int_equal(a->max_s, 900);
        assert_int_equal(a->read_count, 35);
        assert_int_equal(a->write_count, 26);
        assert_int_equal(a->commit_count, 6);
        assert_int_equal(a->write_skip_count, 2);
        assert_int_equal(a->rollback_count, 4);
        assert_string_equal(b->job, "b");
        assert_int_equal(b->total, 1);
        assert_int_equal(b->success, 1);
        assert_int_equal(b->failed + b->skipped + b->canceled + b->has_failure, 0);
        assert_int_equal(b->timed, 1);
        assert_true(b->avg_s == 60.0 && b->p50_s == 60.0);
        assert_int_equal(b->max_s, 60);
        assert_int_equal(b->read_count + b->write_count + b->commit_count, 0);
        store_report_stats_list_release(&l);

        /* One job, an even count: the median is the mean of the middle two. */
        assert_int_equal(store_report_stats(f->s, "default", 10000, 12000, "a", &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].total, 2);
        assert_true(l.items[0].p50_s == 450.0);  /* (300 + 600) / 2 */
        assert_true(l.items[0].avg_s == 450.0);
        assert_int_equal(l.items[0].max_s, 600);
        store_report_stats_list_release(&l);

        /* An empty range, an unknown job: no rows. */
        assert_int_equal(store_report_stats(f->s, "default", 30000, 40000, NULL, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_report_stats_list_release(&l);
        assert_int_equal(store_report_stats(f->s, "default", 0, 40000, "zz", &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_report_stats_list_release(&l);

        /* Due times of scheduled instances (the submit a6 is not one). */
        struct store_report_due_list d;
        assert_int_equal(store_report_dues(f->s, "default", 10000, 20000, NULL, &d, &err), 0);
        static const struct {
                const char *job;
                int64_t due;
                int state;
        } want[] = {{"a", 10000, STATE_SUCCESS}, {"a", 11000, STATE_FAILED},
                    {"a", 12000, STATE_SUCCESS}, {"a", 13000, STATE_TIMEOUT_SKIP},
                    {"b", 15000, STATE_SUCCESS}};
        assert_int_equal(d.n, 5);
        for (size_t i = 0; i < 5; i++) {
                assert_string_equal(d.items[i].job, want[i].job);
                assert_int_equal(d.items[i].due, want[i].due);
                assert_int_equal(d.items[i].state, want[i].state);
        }
        store_report_due_list_release(&d);
        assert_int_equal(store_report_dues(f->s, "default", 9999, 20001, "b", &d, &err), 0);
        assert_int_equal(d.n, 2);
        assert_int_equal(d.items[0].due, 9999);
        assert_int_equal(d.items[1].due, 15000);
        store_report_due_list_release(&d);
}

/* The runs of job `job` in one store_report_runs answer. */
static const struct store_report_stats *runs_of(const struct store_report_stats_list *l,
                                                const char *job)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->items[i].job, job) == 0)
                        return &l->items[i];
        return NULL;
}

struct slot_sums {
        int rows;
        int64_t first_slot, last_slot, found, total;
};

static int add_slot(const struct store_report_slot *p, void *ctx, struct batch_err *reterr)
{
        struct slot_sums *s = ctx;
        (void)reterr;
        if (s->rows++ == 0)
                s->first_slot = p->slot;
        assert_true(p->slot >= s->last_slot); /* by slot */
        s->last_slot = p->slot;
        s->found += p->found;
        s->total += p->total;
        return 0;
}

/* The runs figures from the rollup (schema 10, docs/report.md "The rollup"): kept in the
 * transaction that makes an instance final or takes it back (rerun), counted with the
 * instances not yet final; the median exact for one or two runs, else interpolated in
 * its histogram bucket (edges 0 5 10 20 30 45 60 90 120 180 240 300 450 600 900 1200 s
 * ...). Expected values counted by hand from the instances made here. */
static void test_report_rollup(void **state)
{
        struct fixture *f = *state;
        static const int to_success[] = {STATE_STARTING, STATE_RUNNING, STATE_SUCCESS, -1};
        static const int to_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_FAILED, -1};
        static const int to_skip[] = {STATE_TIMEOUT_SKIP, -1};
        static const int to_running[] = {STATE_STARTING, STATE_RUNNING, -1};
        static const int to_stop_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_STOPPING,
                                             STATE_STOP_FAILED, -1};
        static const int to_stopping[] = {STATE_STARTING, STATE_RUNNING, STATE_STOPPING, -1};
        const int64_t T = 900 * 100; /* a slot's start: slots [T, T+900), [T+900, T+1800) */
        struct store_report_stats_list l;
        const struct store_report_stats *x;
        struct batch_err err;

        /* The first slot: r1 Success 600 s, r2 Failed 300 s, r3 Failed 100 s. */
        int64_t r1 = make_by(f->s, "r", true, T, "scheduler");
        timed_run(f->s, r1, T, T + 600, 0, -1, 0, 0, 0, 0);
        walk(f->s, r1, "scheduler", to_success);
        int64_t r2 = make_by(f->s, "r", true, T + 60, "scheduler");
        timed_run(f->s, r2, T + 60, T + 360, 1, -1, 0, 0, 0, 0);
        walk(f->s, r2, "scheduler", to_failed);
        int64_t r3 = make_by(f->s, "r", true, T + 120, "scheduler");
        timed_run(f->s, r3, T + 120, T + 220, 1, -1, 0, 0, 0, 0);
        walk(f->s, r3, "scheduler", to_failed);
        assert_int_equal(store_report_runs(f->s, "default", T, T + 900, NULL, &l, &err), 0);
        assert_int_equal(l.n, 1);
        x = &l.items[0];
        assert_string_equal(x->job, "r");
        assert_int_equal(x->total, 3);
        assert_int_equal(x->success, 1);
        assert_int_equal(x->failed, 2);
        assert_int_equal(x->timed, 3);
        assert_int_equal(x->max_s, 600);
        assert_true(x->avg_s == 1000.0 / 3);
        /* rank 1.5: 100 in [90, 120), 300 in [300, 450): 300 + 150 * 0.5 */
        assert_true(x->p50_s == 375.0);
        store_report_stats_list_release(&l);

        /* A rerun takes r3 out of the figures (it is live again) ... */
        assert_int_equal(store_instance_transition(f->s, r3, STATE_FAILED, STATE_INIT, "alice",
                                                   "rerun", 1200, NULL),
                         0);
        assert_int_equal(store_report_runs(f->s, "default", T, T + 900, NULL, &l, &err), 0);
        x = &l.items[0];
        assert_int_equal(x->total, 3);
        assert_int_equal(x->success + x->failed + x->skipped + x->canceled, 2);
        assert_int_equal(x->failed, 1);
        assert_int_equal(x->timed, 2);
        assert_true(x->p50_s == 450.0); /* two runs: the mean of 300 and 600 */
        store_report_stats_list_release(&l);
        /* ... and its success puts it back, its duration from its first start: 900 s. */
        timed_run(f->s, r3, T + 300, T + 1020, 0, -1, 0, 0, 0, 0);
        walk(f->s, r3, "alice", to_success);
        assert_int_equal(store_report_runs(f->s, "default", T, T + 900, "r", &l, &err), 0);
        assert_int_equal(l.n, 1);
        x = &l.items[0];
        assert_int_equal(x->total, 3);
        assert_int_equal(x->success, 2);
        assert_int_equal(x->failed, 1);
        assert_int_equal(x->timed, 3);
        assert_int_equal(x->max_s, 900);
        assert_true(x->avg_s == 600.0);
        /* rank 1.5: 300 in [300, 450), 600 in [600, 900): 600 + 300 * 0.5 */
        assert_true(x->p50_s == 750.0);
        store_report_stats_list_release(&l);

        /* The second slot: r4 skipped, r5 running, r6 Stop Failed, r7 failed (100 s) then
         * marked successful, r8 created skipped, r9 canceled while its execution ran,
         * which ended 50 s after its start; q1 of job q, 42 s. */
        int64_t r4 = make_by(f->s, "r", true, T + 900, "scheduler");
        walk(f->s, r4, "scheduler", to_skip);
        int64_t r5 = make_by(f->s, "r", true, T + 1000, "scheduler");
        struct store_execution e5 = {.instance_id = r5, .node = (char *)"n1", .pid = 8};
        int64_t eid = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(f->s, &e5, T + 1000, &eid, &attempt, NULL), 0);
        walk(f->s, r5, "scheduler", to_running);
        int64_t r6 = make_by(f->s, "r", true, T + 1100, "scheduler");
        walk(f->s, r6, "scheduler", to_stop_failed);
        int64_t r7 = make_by(f->s, "r", true, T + 1200, "scheduler");
        timed_run(f->s, r7, T + 1200, T + 1300, 1, -1, 0, 0, 0, 0);
        walk(f->s, r7, "scheduler", to_failed);
        assert_int_equal(store_instance_transition(f->s, r7, STATE_FAILED, STATE_MANUAL_SUCCESS,
                                                   "alice", "checked by hand", 1300, NULL),
                         0);
        struct store_instance in8 = {.tenant = (char *)"default", .job = (char *)"r",
                                     .scheduled = true, .due = T + 1500, .first_due = T + 1500,
                                     .last_due = T + 1500, .state = STATE_TIMEOUT_SKIP,
                                     .reason = (char *)"scheduling paused",
                                     .trace_id = (char *)"t8"};
        int64_t r8;
        assert_int_equal(store_instance_create(f->s, &in8, "scheduler", 1000, &r8, NULL), 0);
        int64_t r9 = make_by(f->s, "r", true, T + 1600, "scheduler");
        struct store_execution e9 = {.instance_id = r9, .node = (char *)"n1", .pid = 9};
        assert_int_equal(store_execution_start(f->s, &e9, T + 1600, &eid, &attempt, NULL), 0);
        walk(f->s, r9, "scheduler", to_stopping);
        assert_int_equal(store_instance_transition(f->s, r9, STATE_STOPPING, STATE_CANCELED,
                                                   "scheduler", NULL, 1300, NULL),
                         0);
        assert_int_equal(store_execution_finish(f->s, eid, 1, "stopped", T + 1650, NULL), 0);
        int64_t q1 = make_by(f->s, "q", true, T + 1700, "scheduler");
        timed_run(f->s, q1, T + 1700, T + 1742, 0, -1, 0, 0, 0, 0);
        walk(f->s, q1, "scheduler", to_success);
        /* Another tenant's final instance in the range counts nowhere. */
        int64_t o1 = ended(f->s, "other", "r", T + 100, STATE_SUCCESS, 1000);
        assert_true(o1 > 0);

        assert_int_equal(store_report_runs(f->s, "default", T, T + 1800, NULL, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[0].job, "q");
        x = runs_of(&l, "r");
        assert_non_null(x);
        assert_int_equal(x->total, 9);
        assert_int_equal(x->success, 3);  /* r1, r3, r7 (marked) */
        assert_int_equal(x->failed, 2);   /* r2, r6 (Stop Failed, not final) */
        assert_int_equal(x->skipped, 2);  /* r4, r8 */
        assert_int_equal(x->canceled, 1); /* r9 */
        assert_int_equal(x->timed, 5);    /* 600, 300, 900, 100, 50 */
        assert_int_equal(x->max_s, 900);
        assert_true(x->avg_s == 390.0);
        /* rank 2.5: 50 in [45, 60), 100 in [90, 120), 300 in [300, 450): 300 + 150 * 0.5 */
        assert_true(x->p50_s == 375.0);
        x = runs_of(&l, "q");
        assert_int_equal(x->total, 1);
        assert_int_equal(x->success, 1);
        assert_true(x->p50_s == 42.0 && x->avg_s == 42.0);
        assert_int_equal(x->max_s, 42);

        /* The rows themselves, by slot: `found` counts the scheduled instances not ended
         * in Timeout Skip (r1, r2, r3; then r7, r9). */
        struct slot_sums sums = {0};
        assert_int_equal(store_report_slots(f->s, "default", T, T + 1800, "r", add_slot, &sums,
                                            &err),
                         0);
        assert_int_equal(sums.rows, 2);
        assert_int_equal(sums.first_slot, T);
        assert_int_equal(sums.last_slot, T + 900);
        assert_int_equal(sums.found, 5);
        assert_int_equal(sums.total, 7); /* the final ones: r5 and r6 are not */

        /* The rollup's counts are the instances' own (store_report_stats). */
        struct store_report_stats_list exact;
        assert_int_equal(store_report_stats(f->s, "default", T, T + 1800, NULL, &exact, &err), 0);
        assert_int_equal(exact.n, 2);
        for (size_t i = 0; i < 2; i++) {
                const struct store_report_stats *a = &exact.items[i], *b = runs_of(&l, a->job);
                assert_non_null(b);
                assert_int_equal(a->total, b->total);
                assert_int_equal(a->success, b->success);
                assert_int_equal(a->failed, b->failed);
                assert_int_equal(a->skipped, b->skipped);
                assert_int_equal(a->canceled, b->canceled);
                assert_int_equal(a->timed, b->timed);
                assert_int_equal(a->max_s, b->max_s);
                assert_true(a->avg_s == b->avg_s);
        }
        store_report_stats_list_release(&exact);
        store_report_stats_list_release(&l);

        /* An empty range, an unknown job: no rows. */
        assert_int_equal(store_report_runs(f->s, "default", T + 1800, T + 9000, NULL, &l, &err),
                         0);
        assert_int_equal(l.n, 0);
        store_report_stats_list_release(&l);
        assert_int_equal(store_report_runs(f->s, "default", 0, T + 9000, "zz", &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_report_stats_list_release(&l);
}

/* Two workers on one repository (two connections): of two claims on a pending delivery
 * read as due by both, exactly one succeeds; the other is stale and must not send. A
 * claim that ran out is due again and can be taken over; a recorded one cannot. */
static void test_delivery_claim(void **state)
{
        struct fixture *f = *state;
        struct store *s2;
        struct batch_err err;
        assert_int_equal(store_open(f->dsn, &s2, &err), 0);
        struct store_alert al = {.tenant = (char *)"default", .kind = (char *)"failure",
                                 .message = (char *)"m", .severity = (char *)"warning"};
        int64_t aid = 0, did = 0;
        assert_int_equal(store_alert_add(f->s, &al, 1000, &aid, &err), 0);
        struct store_delivery d = {.alert_id = aid, .channel = (char *)"webhook",
                                   .target = (char *)"http://127.0.0.1:9/h",
                                   .state = (char *)"pending", .next_attempt_at = 1000,
                                   .message_id = (char *)"<m@x>"};
        assert_int_equal(store_delivery_add(f->s, &d, 1000, &did, &err), 0);
        struct store_delivery_list l1, l2;
        assert_int_equal(store_delivery_due(f->s, 1001, 10, &l1, &err), 0);
        assert_int_equal(store_delivery_due(s2, 1001, 10, &l2, &err), 0);
        assert_int_equal(l1.n, 1);
        assert_int_equal(l2.n, 1);
        assert_int_equal(l2.items[0].next_attempt_at, 1000);
        assert_int_equal(store_delivery_claim(s2, did, l2.items[0].next_attempt_at, 1301, &err),
                         0);
        assert_int_equal(store_delivery_claim(f->s, did, l1.items[0].next_attempt_at, 1301,
                                              &err),
                         BATCH_ESTALE);
        store_delivery_list_release(&l1);
        store_delivery_list_release(&l2);
        /* Claimed: not due again before the claim ends, due after it. */
        assert_int_equal(store_delivery_due(f->s, 1300, 10, &l1, &err), 0);
        assert_int_equal(l1.n, 0);
        store_delivery_list_release(&l1);
        assert_int_equal(store_delivery_due(f->s, 1301, 10, &l1, &err), 0);
        assert_int_equal(l1.n, 1);
        assert_int_equal(store_delivery_claim(f->s, did, 1301, 1601, &err), 0);
        store_delivery_list_release(&l1);
        /* Recorded as sent: no claim takes it, and it is never due again. */
        struct store_delivery o = {.state = (char *)"sent", .attempts = 1};
        assert_int_equal(store_delivery_update(f->s, did, &o, 1310, &err), 0);
        assert_int_equal(store_delivery_claim(s2, did, 1601, 1900, &err), BATCH_ESTALE);
        assert_int_equal(store_delivery_due(s2, 99999, 10, &l2, &err), 0);
        assert_int_equal(l2.n, 0);
        store_delivery_list_release(&l2);
        assert_int_equal(store_delivery_claim(s2, did + 1000, 1, 2, &err), BATCH_ENOENT);
        store_close(s2);
}

/* A second batchd node's attempt to record the day's report: its own connection, its
 * own transaction with the alert and the claim; the claim's answer, rolled back unless 0. */
struct report_claim_try {
        const char *dsn, *date;
        int rc;
};

static void *report_claim_other(void *arg)
{
        struct report_claim_try *t = arg;
        struct store *s2;
        struct batch_err err;
        t->rc = -1000;
        if (store_open(t->dsn, &s2, &err) < 0)
                return NULL;
        struct store_alert al = {.tenant = (char *)"default", .kind = (char *)"daily_report",
                                 .severity = (char *)"info", .message = (char *)"node 2"};
        int64_t aid = 0;
        if (store_begin(s2, &err) == 0) {
                t->rc = store_alert_add(s2, &al, 2000, &aid, &err);
                if (t->rc == 0)
                        t->rc = store_report_claim(s2, "default", t->date, aid, 2000, &err);
                if (t->rc == 0)
                        t->rc = store_commit(s2, &err);
                else
                        store_rollback(s2);
        }
        store_close(s2);
        return NULL;
}

/* The daily report's claim (schema 13): of two connections recording the same day, the
 * one whose transaction commits first has it, the other is told BATCH_EEXIST — also
 * when it tries while the first transaction is still open — and its alert is rolled
 * back; another day or another tenant is a claim of its own. */
static void test_report_claim(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_alert al = {.tenant = (char *)"default", .kind = (char *)"daily_report",
                                 .severity = (char *)"info", .message = (char *)"node 1"};
        int64_t aid = 0;
        assert_int_equal(store_begin(f->s, &err), 0);
        assert_int_equal(store_alert_add(f->s, &al, 1000, &aid, &err), 0);
        assert_int_equal(store_report_claim(f->s, "default", "2026-12-02", aid, 1000, &err), 0);
        /* The other node tries while this transaction is open: it waits (SQLite's write
         * lock at its BEGIN, PostgreSQL's key at its insert) and then finds the day taken. */
        struct report_claim_try t = {.dsn = f->dsn, .date = "2026-12-02"};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, report_claim_other, &t), 0);
        usleep(200 * 1000);
        assert_int_equal(store_commit(f->s, &err), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(t.rc, BATCH_EEXIST);
        /* Again after the commit, from the first connection: taken. */
        assert_int_equal(store_report_claim(f->s, "default", "2026-12-02", aid, 1001, &err),
                         BATCH_EEXIST);
        /* One daily_report alert: the second node's was rolled back. */
        struct store_alert_filter af = {.tenant = "default", .kind = "daily_report", .limit = 10};
        struct store_alert_list l;
        assert_int_equal(store_alert_find(f->s, &af, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].id, aid);
        store_alert_list_release(&l);
        /* The next day is free for the other node; another tenant's same day too. */
        t.date = "2026-12-03";
        assert_int_equal(pthread_create(&th, NULL, report_claim_other, &t), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(t.rc, 0);
        struct store_alert other = {.tenant = (char *)"acme", .kind = (char *)"daily_report",
                                    .severity = (char *)"info", .message = (char *)"acme"};
        int64_t oid = 0;
        assert_int_equal(store_alert_add(f->s, &other, 1000, &oid, &err), 0);
        assert_int_equal(store_report_claim(f->s, "acme", "2026-12-02", oid, 1000, &err), 0);
        assert_int_equal(store_report_claim(f->s, "default", "2026-12", aid, 1000, &err),
                         BATCH_EINVAL);
}

/* ---- the runs figures from their packs, against the instances --------------------- */

/* An instance as the test made it: its due time, whether scheduled, its outcome (one of
 * STATE_SUCCESS, STATE_FAILED, STATE_TIMEOUT_SKIP, or STATE_RUNNING: not final) and its
 * duration (-1: none). */
struct made {
        const char *job;
        int64_t due;
        bool scheduled;
        int outcome;
        int64_t dur;
};

#define RUNS_DAYS 22 /* 2026-10-20 .. 2026-11-10 */

/* The tenant's settings with time zone `zone`, as a new version. */
static void put_zone(struct store *s, const char *zone, int64_t now)
{
        char spec[128];
        snprintf(spec, sizeof(spec), "kind: settings\ntenant: default\ntimezone: %s\n", zone);
        struct store_def d = {.tenant = (char *)"default", .kind = (char *)"settings",
                              .name = (char *)"default", .changed_by = (char *)"test",
                              .spec = spec};
        assert_int_equal(store_def_put(s, &d, now, NULL), 0);
}

/* Local midnight of day `i` of the range in UTC seconds, written from the zones' rules:
 * New York is UTC-4 until its clocks go back at 02:00 on Sunday 2026-11-01 (that day
 * starts at 04:00 UTC and lasts 25 hours), UTC-5 after; Tokyo is UTC+9 all year. */
static int64_t local_midnight_of(bool tokyo, int i)
{
        int64_t day = civil_days_from_date(2026, 10, 20) + i;
        if (tokyo)
                return day * 86400 - 9 * 3600;
        return day * 86400 + (day <= civil_days_from_date(2026, 11, 1) ? 4 : 5) * 3600;
}

/* Checks every row of the runs figures over the range against what the test made:
 * per local day and job the outcomes, the durations' count and maximum, the median
 * when one or two runs give it exactly, and not_run = the UTC cron fire times of the
 * day (j1 every 6 hours, j2 at 03:30) less its scheduled instances not skipped. */
static void check_runs_rows(struct store *s, const struct made *m, size_t n, bool tokyo)
{
        static const char *jobs[] = {"gone", "j1", "j2", "dense"};
        struct report_runs r;
        struct batch_err err;
        assert_int_equal(report_runs_build(s, "default", "2026-10-20", "2026-11-10", NULL, &r,
                                           &err),
                         0);
        assert_true(r.items_kept);
        size_t rows = 0;
        for (int d = 0; d < RUNS_DAYS; d++) {
                int64_t ds = local_midnight_of(tokyo, d), de = local_midnight_of(tokyo, d + 1);
                for (int j = 0; j < 4; j++) {
                        int64_t total = 0, ok = 0, failed = 0, skipped = 0, live = 0, timed = 0;
                        int64_t max = 0, sum = 0, found = 0, admitted = 0;
                        for (size_t k = 0; k < n; k++) {
                                if (strcmp(m[k].job, jobs[j]) || m[k].due < ds || m[k].due >= de)
                                        continue;
                                total++;
                                ok += m[k].outcome == STATE_SUCCESS;
                                failed += m[k].outcome == STATE_FAILED;
                                skipped += m[k].outcome == STATE_TIMEOUT_SKIP;
                                live += m[k].outcome == STATE_RUNNING;
                                found += m[k].scheduled && m[k].outcome != STATE_TIMEOUT_SKIP;
                                if (m[k].dur >= 0) {
                                        timed++;
                                        sum += m[k].dur;
                                        if (m[k].dur > max)
                                                max = m[k].dur;
                                }
                        }
                        for (int64_t t = ds - ds % 900; t < de; t += 900)
                                if (t >= ds && ((j == 1 && t % 21600 == 0) ||
                                                (j == 2 && t % 86400 == 3 * 3600 + 1800) ||
                                                j == 3))
                                        admitted++;
                        if (total == 0 && admitted == 0)
                                continue;
                        rows++;
                        const struct report_runs_row *w = NULL;
                        char date[11];
                        inspect_format_date(civil_days_from_date(2026, 10, 20) + d, date);
                        for (size_t i = 0; i < r.n && !w; i++)
                                if (!strcmp(r.rows[i].date, date) &&
                                    !strcmp(r.rows[i].job, jobs[j]))
                                        w = &r.rows[i];
                        if (!w)
                                fail_msg("no row for %s %s", date, jobs[j]);
                        assert_int_equal(w->total, total);
                        assert_int_equal(w->success, ok);
                        assert_int_equal(w->failed, failed);
                        assert_int_equal(w->skipped, skipped);
                        assert_int_equal(w->canceled, 0);
                        assert_int_equal(w->live, live);
                        assert_int_equal(w->timed, timed);
                        if (timed)
                                assert_int_equal(w->max_s, max);
                        if (timed == 1 || timed == 2)
                                assert_true(w->p50_s == (double)sum / (double)timed);
                        assert_int_equal(w->not_run, admitted > found ? admitted - found : 0);
                        assert_int_equal(w->estimated_minutes, j == 0 ? -1 : j == 1 ? 1 : 10);
                }
        }
        assert_int_equal(r.n, rows);
        report_runs_release(&r);
}

/* Compares the rows store_report_packs gives with those of store_report_slots over
 * [from, to): the same rows, field by field. */
struct slot_rows {
        size_t n;
        struct store_report_slot row[1024];
        char job[1024][8];
};

static int keep_slot(const struct store_report_slot *p, void *ctx, struct batch_err *reterr)
{
        (void)reterr;
        struct slot_rows *l = ctx;
        assert_true(l->n < 1024);
        l->row[l->n] = *p;
        snprintf(l->job[l->n], sizeof(l->job[0]), "%s", p->job);
        l->row[l->n].job = l->job[l->n];
        l->n++;
        return 0;
}

static void check_packs(struct store *s, int64_t from, int64_t to)
{
        static struct slot_rows a, b;
        struct batch_err err;
        a.n = b.n = 0;
        assert_int_equal(store_report_slots(s, "default", from, to, NULL, keep_slot, &a, &err), 0);
        assert_int_equal(store_report_packs(s, "default", from, to, NULL, keep_slot, &b, &err), 0);
        assert_int_equal(a.n, b.n);
        for (size_t i = 0; i < a.n; i++) {
                const struct store_report_slot *x = &a.row[i], *y = NULL;
                for (size_t k = 0; k < b.n && !y; k++)
                        if (b.row[k].slot == x->slot && !strcmp(b.row[k].job, x->job))
                                y = &b.row[k];
                assert_non_null(y);
                assert_true(y->slot >= from && y->slot < to);
                assert_int_equal(x->total, y->total);
                assert_int_equal(x->success, y->success);
                assert_int_equal(x->failed, y->failed);
                assert_int_equal(x->skipped, y->skipped);
                assert_int_equal(x->canceled, y->canceled);
                assert_int_equal(x->found, y->found);
                assert_int_equal(x->timed, y->timed);
                assert_int_equal(x->dur_sum, y->dur_sum);
                assert_int_equal(x->dur_max, y->dur_max);
                assert_memory_equal(x->hist, y->hist, sizeof(x->hist));
        }
}

/* The runs figures, read from the packs (schema 14), are the instances' over 22 days
 * that cross a month end, New York's fall-back day and a pack's border, for defined
 * jobs, one no longer defined and one too dense to pack, with missing, skipped,
 * failed, live, submitted and rerun instances; again after the tenant's zone changed
 * to Tokyo (the packs do not depend on it); and the packs give exactly the rows of
 * run_slots. */
static void test_report_runs_exact(void **state)
{
        struct fixture *f = *state;
        static const int to_success[] = {STATE_STARTING, STATE_RUNNING, STATE_SUCCESS, -1};
        static const int to_failed[] = {STATE_STARTING, STATE_RUNNING, STATE_FAILED, -1};
        static const int to_skip[] = {STATE_TIMEOUT_SKIP, -1};
        static const int to_running[] = {STATE_STARTING, STATE_RUNNING, -1};
        static struct made m[1000];
        size_t n = 0;
        put_zone(f->s, "America/New_York", 900);
        struct store_def j1 = job("j1",
                                  "kind: job\nname: j1\ntype: scheduled\n"
                                  "executor: {exec: {command: [/bin/true]}}\n"
                                  "trigger: {cron: \"0 */6 * * *\", timezone: UTC}\n"
                                  "estimated_minutes: 1\n",
                                  "created");
        struct store_def j2 = job("j2",
                                  "kind: job\nname: j2\ntype: scheduled\n"
                                  "executor: {exec: {command: [/bin/true]}}\n"
                                  "trigger: {cron: \"30 3 * * *\", timezone: UTC}\n"
                                  "estimated_minutes: 10\n",
                                  "created");
        struct store_def dense = job("dense",
                                     "kind: job\nname: dense\ntype: scheduled\n"
                                     "executor: {exec: {command: [/bin/true]}}\n"
                                     "trigger: {cron: \"*/15 * * * *\", timezone: UTC}\n"
                                     "estimated_minutes: 10\n",
                                     "created");
        assert_int_equal(store_def_put(f->s, &j1, 900, NULL), 0);
        assert_int_equal(store_def_put(f->s, &j2, 900, NULL), 0);
        assert_int_equal(store_def_put(f->s, &dense, 900, NULL), 0);
        int64_t t0 = (civil_days_from_date(2026, 10, 19)) * 86400;
        for (int k = 0; k < 4 * (RUNS_DAYS + 2); k++) {
                int64_t due = t0 + k * 21600;
                if (k % 11 == 3)
                        continue; /* missing: the daemon was down */
                struct made x = {"j1", due, true, STATE_SUCCESS, 30 + (k * 37) % 900};
                int64_t id = make_by(f->s, "j1", true, due, "scheduler");
                if (k % 7 == 2) {
                        x.outcome = STATE_TIMEOUT_SKIP;
                        x.dur = -1;
                        walk(f->s, id, "scheduler", to_skip);
                } else if (k % 17 == 4) {
                        x.outcome = STATE_RUNNING;
                        x.dur = -1;
                        struct store_execution e = {.instance_id = id, .node = (char *)"n1",
                                                    .pid = 9};
                        int64_t eid = 0;
                        int attempt = 0;
                        assert_int_equal(store_execution_start(f->s, &e, due, &eid, &attempt, NULL),
                                         0);
                        walk(f->s, id, "scheduler", to_running);
                } else if (k % 13 == 5) {
                        x.outcome = STATE_FAILED;
                        timed_run(f->s, id, due, due + x.dur, 1, -1, 0, 0, 0, 0);
                        walk(f->s, id, "scheduler", to_failed);
                } else {
                        timed_run(f->s, id, due, due + x.dur, 0, -1, 0, 0, 0, 0);
                        walk(f->s, id, "scheduler", to_success);
                }
                if (k % 19 == 6 && x.outcome == STATE_SUCCESS) {
                        /* failed, then rerun to success: one run, from its first start */
                        assert_int_equal(store_instance_transition(f->s, id, STATE_SUCCESS,
                                                                   STATE_INIT, "alice", "rerun",
                                                                   1200, NULL),
                                         0);
                        timed_run(f->s, id, due + 3000, due + 3100, 0, -1, 0, 0, 0, 0);
                        walk(f->s, id, "alice", to_success);
                        x.dur = 3100;
                }
                m[n++] = x;
        }
        for (int d = 0; d < RUNS_DAYS + 2; d++) {
                int64_t day = t0 + d * 86400;
                /* j2 daily at 03:30 UTC, longer than its estimate on some days */
                struct made y = {"j2", day + 12600, true, STATE_SUCCESS, 300 + (d * 131) % 600};
                int64_t id = make_by(f->s, "j2", true, y.due, "scheduler");
                timed_run(f->s, id, y.due, y.due + y.dur, 0, -1, 0, 0, 0, 0);
                walk(f->s, id, "scheduler", to_success);
                m[n++] = y;
                /* submits of j1 just before and at both zones' local midnights */
                int64_t ny = local_midnight_of(false, d - 1), tk = local_midnight_of(true, d - 1);
                int64_t at[] = {ny - 1, ny, tk - 1, tk};
                for (int i = 0; i < 4; i++) {
                        struct made z = {"j1", at[i], false, STATE_SUCCESS, 5 + i};
                        id = make_by(f->s, "j1", false, z.due, "alice");
                        timed_run(f->s, id, z.due, z.due + z.dur, 0, -1, 0, 0, 0, 0);
                        walk(f->s, id, "alice", to_success);
                        m[n++] = z;
                }
                /* a job no longer defined */
                struct made g = {"gone", day + 43200, true, d % 5 ? STATE_SUCCESS : STATE_FAILED,
                                 60};
                id = make_by(f->s, "gone", true, g.due, "scheduler");
                timed_run(f->s, id, g.due, g.due + 60, d % 5 ? 0 : 1, -1, 0, 0, 0, 0);
                walk(f->s, id, "scheduler", d % 5 ? to_success : to_failed);
                m[n++] = g;
        }
        /* Three runs of j2 in one quarter hour (their histogram is in the pack), and
         * "dense" every quarter hour for 5 days inside one 14-day pack period (from
         * its start, 1209600 s since the epoch's multiples): more slots than a pack
         * holds (ROLLUP_PACK_MAX), so they are read from run_slots; a tenth of them
         * ran 50 s, the others were skipped. */
        for (int i = 0; i < 3; i++) {
                struct made z = {"j2", t0 + 5 * 86400 + 7200 + i * 100, false, STATE_SUCCESS,
                                 100 * (i + 1) + 400 * (i == 2)};
                int64_t id = make_by(f->s, "j2", false, z.due, "alice");
                timed_run(f->s, id, z.due, z.due + z.dur, 0, -1, 0, 0, 0, 0);
                walk(f->s, id, "alice", to_success);
                m[n++] = z;
        }
        int64_t pb = t0 - t0 % 1209600 + 1209600;
        for (int i = 0; i < 480; i++) {
                struct made z = {"dense", pb + i * 900, true, STATE_TIMEOUT_SKIP, -1};
                int64_t id = make_by(f->s, "dense", true, z.due, "scheduler");
                if (i % 10 == 0) {
                        z.outcome = STATE_SUCCESS;
                        z.dur = 50;
                        timed_run(f->s, id, z.due, z.due + 50, 0, -1, 0, 0, 0, 0);
                        walk(f->s, id, "scheduler", to_success);
                } else
                        walk(f->s, id, "scheduler", to_skip);
                m[n++] = z;
        }
        assert_true(n <= sizeof(m) / sizeof(m[0]));
        check_runs_rows(f->s, m, n, false);
        put_zone(f->s, "Asia/Tokyo", 2000);
        check_runs_rows(f->s, m, n, true);
        check_packs(f->s, t0, t0 + (RUNS_DAYS + 2) * 86400);
        check_packs(f->s, local_midnight_of(false, 3), local_midnight_of(false, 17));
}

/* Remote runs (schema 8): a callback token per execution, found by its hash while the
 * execution runs; the first final report counts, and none once the execution ended. */
static void test_remote_runs(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t inst = make(f->s, "remote", true, 1800, &err), inst2 = make(f->s, "remote", true,
                                                                             3600, &err);
        struct store_execution e = {.instance_id = inst};
        int64_t e1 = 0, e2 = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(f->s, &e, 2000, &e1, &attempt, &err), 0);
        e.instance_id = inst2;
        assert_int_equal(store_execution_start(f->s, &e, 2000, &e2, &attempt, &err), 0);
        assert_int_equal(store_remote_run_add(f->s, e1, inst, "hash-1", 2000, &err), 0);
        assert_int_equal(store_remote_run_add(f->s, e1, inst, "hash-9", 2000, &err), BATCH_EEXIST);
        assert_int_equal(store_remote_run_add(f->s, e2, inst2, "hash-1", 2000, &err), BATCH_EEXIST);
        assert_int_equal(store_remote_run_add(f->s, e2, inst2, "hash-2", 2000, &err), 0);
        assert_int_equal(store_remote_run_add(f->s, e2, inst2, "", 2000, &err), BATCH_EINVAL);
        struct store_remote_run r;
        assert_int_equal(store_remote_run_find(f->s, "hash-1", &r, &err), 0);
        assert_int_equal(r.execution_id, e1);
        assert_int_equal(r.instance_id, inst);
        assert_string_equal(r.tenant, "default");
        assert_false(r.finished);
        assert_null(r.reported_status);
        assert_int_equal(r.reported_at, 0);
        store_remote_run_release(&r);
        assert_int_equal(store_remote_run_find(f->s, "nope", &r, &err), BATCH_ENOENT);
        struct store_remote_run_list l;
        assert_int_equal(store_remote_run_reports(f->s, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_remote_run_list_release(&l);
        /* The first final report counts; a repeated one is stale. */
        assert_int_equal(store_remote_run_report(f->s, e1, "running", NULL, 2100, &err),
                         BATCH_EINVAL);
        assert_int_equal(store_remote_run_report(f->s, e1, "failed", "boom", 2100, &err), 0);
        assert_int_equal(store_remote_run_report(f->s, e1, "success", NULL, 2110, &err),
                         BATCH_ESTALE);
        assert_int_equal(store_remote_run_report(f->s, 987654, "success", NULL, 2110, &err),
                         BATCH_ENOENT);
        assert_int_equal(store_remote_run_reports(f->s, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].execution_id, e1);
        assert_int_equal(l.items[0].instance_id, inst);
        assert_string_equal(l.items[0].reported_status, "failed");
        assert_string_equal(l.items[0].reported_message, "boom");
        assert_int_equal(l.items[0].reported_at, 2100);
        store_remote_run_list_release(&l);
        /* Once the execution ended, its token is expired and nothing more is reported. */
        assert_int_equal(store_execution_finish(f->s, e1, 1, "boom", 2120, &err), 0);
        assert_int_equal(store_remote_run_reports(f->s, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_remote_run_list_release(&l);
        assert_int_equal(store_remote_run_find(f->s, "hash-1", &r, &err), 0);
        assert_true(r.finished);
        assert_string_equal(r.reported_status, "failed");
        store_remote_run_release(&r);
        assert_int_equal(store_execution_finish(f->s, e2, 0, NULL, 2130, &err), 0);
        assert_int_equal(store_remote_run_report(f->s, e2, "success", NULL, 2140, &err),
                         BATCH_ESTALE);
}

/* The last answer of a next_due_api trigger, one per tenant and job, replaced. */
static void test_next_due(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        int64_t due = 0;
        assert_int_equal(store_next_due_get(f->s, "t1", "api-job", &due, &err), BATCH_ENOENT);
        assert_int_equal(store_next_due_put(f->s, "t1", "api-job", 5000, 100, &err), 0);
        assert_int_equal(store_next_due_put(f->s, "t2", "api-job", 7000, 100, &err), 0);
        assert_int_equal(store_next_due_get(f->s, "t1", "api-job", &due, &err), 0);
        assert_int_equal(due, 5000);
        assert_int_equal(store_next_due_put(f->s, "t1", "api-job", 6000, 200, &err), 0);
        assert_int_equal(store_next_due_get(f->s, "t1", "api-job", &due, &err), 0);
        assert_int_equal(due, 6000);
        assert_int_equal(store_next_due_get(f->s, "t2", "api-job", &due, &err), 0);
        assert_int_equal(due, 7000);
        assert_int_equal(store_next_due_get(f->s, "t1", "other", &due, &err), BATCH_ENOENT);
}

/* ---- claims (schema 16, docs/cluster.md "Claims") --------------------------------- */

static bool on_postgres(struct store *s)
{
        const char *kind = NULL;
        store_native(s, &kind);
        return kind && strcmp(kind, "postgres") == 0;
}

/* A new instance of `job` (unscheduled, so any number of them) in 2 Starting, offered
 * with `labels`. */
static int64_t offered(struct store *s, const char *job, const char *labels)
{
        struct store_instance in = {.tenant = (char *)"default", .job = (char *)job,
                                    .due = 1000, .first_due = 1000, .last_due = 1000,
                                    .state = STATE_STARTING, .trace_id = (char *)"trace-c"};
        int64_t id = 0;
        struct batch_err err;
        assert_int_equal(store_instance_create(s, &in, "planner", 1000, &id, &err), 0);
        assert_int_equal(store_instance_offer(s, id, labels, &err), 0);
        return id;
}

/* The claimed runs: exactly one, into *ret (released by the caller). */
static void one_claimed_run(struct store *s, int64_t now, struct store_claimed_run_list *ret)
{
        struct batch_err err;
        assert_int_equal(store_claimed_runs(s, now, ret, &err), 0);
        assert_int_equal(ret->n, 1);
}

static size_t claimed_count(struct store *s, const char *node, const char *labels,
                            unsigned limit, int64_t *ids)
{
        struct store_claim_list l;
        struct batch_err err;
        assert_int_equal(store_claim(s, node, labels, limit, &l, &err), 0);
        size_t n = l.n;
        for (size_t i = 0; ids && i < n; i++)
                ids[i] = l.items[i].instance_id;
        store_claim_list_release(&l);
        return n;
}

/* One claimed run from its offer to its end, as the planner reads it at each step. */
static void test_claim_flow(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_claimed_run_list runs;
        int64_t id = offered(f->s, "load", "");
        assert_int_equal(store_claimed_runs(f->s, 1000, &runs, &err), 0);
        assert_int_equal(runs.n, 0); /* offered, not claimed */
        store_claimed_run_list_release(&runs);
        struct store_claim_list l;
        assert_int_equal(store_claim(f->s, "n1", "", 10, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].instance_id, id);
        assert_string_equal(l.items[0].tenant, "default");
        assert_string_equal(l.items[0].job, "load");
        assert_int_equal(l.items[0].token, 1);
        store_claim_list_release(&l);
        /* Taken: a second claim gets nothing. */
        assert_int_equal(claimed_count(f->s, "n2", "", 10, NULL), 0);
        one_claimed_run(f->s, 1000, &runs);
        assert_int_equal(runs.items[0].instance_id, id);
        assert_string_equal(runs.items[0].tenant, "default");
        assert_int_equal(runs.items[0].state, STATE_STARTING);
        assert_string_equal(runs.items[0].node, "n1");
        assert_int_equal(runs.items[0].token, 1);
        assert_int_equal(runs.items[0].exec_id, 0);
        assert_false(runs.items[0].finished);
        assert_true(runs.items[0].node_lost); /* n1 has no row in nodes */
        store_claimed_run_list_release(&runs);
        /* Started, under the claim. */
        struct store_execution e = {.instance_id = id, .node = (char *)"n1", .pid = 77,
                                    .log_path = (char *)"/l/1"};
        int64_t x = 0;
        int attempt = 0;
        assert_int_equal(store_claim_start(f->s, 1, &e, 1010, &x, &attempt, &err), 0);
        assert_int_equal(attempt, 1);
        one_claimed_run(f->s, 1011, &runs);
        assert_int_equal(runs.items[0].exec_id, x);
        assert_int_equal(runs.items[0].started_at, 1010);
        assert_int_equal(runs.items[0].running_at, 0);
        assert_false(runs.items[0].finished);
        store_claimed_run_list_release(&runs);
        /* Running, reported once. */
        assert_int_equal(store_claim_running(f->s, x, 1, 1020, &err), 0);
        assert_int_equal(store_claim_running(f->s, x, 1, 1021, &err), BATCH_ESTALE);
        assert_int_equal(store_claim_running(f->s, x + 1000, 1, 1021, &err), BATCH_ENOENT);
        one_claimed_run(f->s, 1022, &runs);
        assert_int_equal(runs.items[0].running_at, 1020);
        assert_int_equal(runs.items[0].state, STATE_STARTING);
        store_claimed_run_list_release(&runs);
        /* The planner records the transition it read. */
        assert_int_equal(store_instance_transition(f->s, id, STATE_STARTING, STATE_RUNNING,
                                                   "planner", NULL, 1023, &err), 0);
        one_claimed_run(f->s, 1024, &runs);
        assert_int_equal(runs.items[0].state, STATE_RUNNING);
        store_claimed_run_list_release(&runs);
        assert_int_equal(store_node_claims(f->s, "n1", 1024, &runs, &err), 0);
        assert_int_equal(runs.n, 1);
        assert_int_equal(runs.items[0].exec_id, x);
        store_claimed_run_list_release(&runs);
        assert_int_equal(store_node_claims(f->s, "n2", 1024, &runs, &err), 0);
        assert_int_equal(runs.n, 0);
        store_claimed_run_list_release(&runs);
        /* Ended, once. */
        assert_int_equal(store_claim_finish(f->s, x, 1, 3, "boom", 1030, &err), 0);
        assert_int_equal(store_claim_finish(f->s, x, 1, 0, NULL, 1031, &err), BATCH_ESTALE);
        assert_int_equal(store_claim_finish(f->s, x + 1000, 1, 0, NULL, 1031, &err),
                         BATCH_ENOENT);
        assert_int_equal(store_claim_running(f->s, x, 1, 1032, &err), BATCH_ESTALE);
        one_claimed_run(f->s, 1032, &runs);
        assert_true(runs.items[0].finished);
        assert_int_equal(runs.items[0].exit_status, 3);
        assert_string_equal(runs.items[0].error, "boom");
        assert_int_equal(runs.items[0].running_at, 1020);
        store_claimed_run_list_release(&runs);
        /* Its node has no run left; once final, it is no claimed run. */
        assert_int_equal(store_node_claims(f->s, "n1", 1032, &runs, &err), 0);
        assert_int_equal(runs.n, 0);
        store_claimed_run_list_release(&runs);
        assert_int_equal(store_instance_transition(f->s, id, STATE_RUNNING, STATE_FAILED,
                                                   "planner", NULL, 1033, &err), 0);
        assert_int_equal(store_claimed_runs(f->s, 1034, &runs, &err), 0);
        assert_int_equal(runs.n, 0);
        store_claimed_run_list_release(&runs);
        struct store_execution_list el;
        assert_int_equal(store_execution_list(f->s, id, &el, &err), 0);
        assert_int_equal(el.n, 1);
        assert_int_equal(el.items[0].finished_at, 1030);
        assert_int_equal(el.items[0].pid, 77);
        store_execution_list_release(&el);
        /* Offering needs 2 Starting; an unknown instance is not found. */
        assert_int_equal(store_instance_offer(f->s, id, "", &err), BATCH_ESTALE);
        assert_int_equal(store_instance_offer(f->s, id + 1000, "", &err), BATCH_ENOENT);
        assert_int_equal(store_claim(f->s, "n1", "", 0, &l, &err), BATCH_EINVAL);
        assert_int_equal(store_claim(f->s, "n1", "", 1001, &l, &err), BATCH_EINVAL);
}

/* Labels: every label an instance requires must be one of the node's (exact text); a
 * claim with limit 1 finds a matching instance behind non-matching ones. */
static void test_claim_labels(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_claim_list l;
        int64_t a = offered(f->s, "a", "gpu,zone=eu");
        int64_t got[8];
        assert_int_equal(claimed_count(f->s, "n1", "gpu", 10, NULL), 0);
        assert_int_equal(claimed_count(f->s, "n1", "", 10, NULL), 0);
        assert_int_equal(claimed_count(f->s, "n1", "gpu2,zone=eu", 10, NULL), 0);
        assert_int_equal(claimed_count(f->s, "n1", "gpu,zone=eu-1", 10, NULL), 0);
        assert_int_equal(claimed_count(f->s, "n1", "gpu,ssd,zone=eu", 10, got), 1);
        assert_int_equal(got[0], a);
        /* '' requires nothing: any node takes it. */
        int64_t b = offered(f->s, "b", "");
        assert_int_equal(claimed_count(f->s, "n2", "", 10, got), 1);
        assert_int_equal(got[0], b);
        int64_t c = offered(f->s, "c", "");
        assert_int_equal(claimed_count(f->s, "n3", "gpu,ssd", 10, got), 1);
        assert_int_equal(got[0], c);
        /* Behind three it does not match (lower ids), limit 1. */
        for (int i = 0; i < 3; i++)
                offered(f->s, "us", "zone=us");
        int64_t d = offered(f->s, "d", "gpu,zone=eu");
        assert_int_equal(claimed_count(f->s, "n1", "gpu,ssd,zone=eu", 1, got), 1);
        assert_int_equal(got[0], d);
        /* Then the three, lowest id first. */
        int64_t us[3];
        assert_int_equal(claimed_count(f->s, "n4", "zone=us", 2, us), 2);
        assert_true(us[0] < us[1] && us[1] < d);
        assert_int_equal(claimed_count(f->s, "n4", "zone=us", 2, us), 1);
        /* Labels must be canonical. */
        assert_int_equal(store_claim(f->s, "n1", "zone=eu,gpu", 1, &l, &err), BATCH_EINVAL);
        assert_int_equal(store_instance_offer(f->s, d, "b,a", &err), BATCH_EINVAL);
        assert_int_equal(store_instance_offer(f->s, d, NULL, &err), BATCH_EINVAL);
}

/* The executions of one instance: exactly `n`, into *ret (released by the caller). */
static void executions_of(struct store *s, int64_t id, size_t n, struct store_execution_list *ret)
{
        struct batch_err err;
        assert_int_equal(store_execution_list(s, id, ret, &err), 0);
        assert_int_equal(ret->n, n);
}

/* Many claimed runs recorded in one statement: each only under its own claim (token and
 * node), the others left out with nothing recorded; bad lists are refused whole. */
static void test_claim_starts(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_execution_list el;
        int64_t a = offered(f->s, "load", ""), b = offered(f->s, "load", ""),
                c = offered(f->s, "load", ""), d = offered(f->s, "load", "");
        assert_int_equal(claimed_count(f->s, "n1", "", 10, NULL), 4);
        struct store_claim_run runs[5] = {
                {.instance_id = a, .token = 1, .pid = 11, .log_path = "/l/a"},
                {.instance_id = b, .token = 1, .pid = 12, .log_path = "/l/\"b\\"},
                {.instance_id = c, .token = 2, .pid = 13, .log_path = "/l/c"}, /* stale */
                {.instance_id = d, .token = 1, .pid = 14, .log_path = NULL},
                {.instance_id = d + 1000, .token = 1, .pid = 15, .log_path = "/l/x"},
        };
        size_t started = 99;
        assert_int_equal(store_claim_starts(f->s, "n1", runs, 5, 1010, &started, &err), 0);
        assert_int_equal(started, 3);
        assert_true(runs[0].exec_id > 0 && runs[1].exec_id > 0 && runs[3].exec_id > 0);
        assert_true(runs[0].exec_id != runs[1].exec_id && runs[1].exec_id != runs[3].exec_id);
        assert_int_equal(runs[0].attempt, 1);
        assert_int_equal(runs[3].attempt, 1);
        assert_int_equal(runs[2].exec_id, 0);
        assert_int_equal(runs[4].exec_id, 0);
        executions_of(f->s, b, 1, &el);
        assert_int_equal(el.items[0].id, runs[1].exec_id);
        assert_string_equal(el.items[0].node, "n1");
        assert_int_equal(el.items[0].pid, 12);
        assert_string_equal(el.items[0].log_path, "/l/\"b\\");
        assert_int_equal(el.items[0].started_at, 1010);
        assert_false(el.items[0].finished);
        store_execution_list_release(&el);
        executions_of(f->s, d, 1, &el);
        assert_null(el.items[0].log_path);
        store_execution_list_release(&el);
        executions_of(f->s, c, 0, &el);
        store_execution_list_release(&el);
        /* Another node's list, under c's own token: not its claim, nothing recorded. */
        struct store_claim_run one = {.instance_id = c, .token = 1, .pid = 16};
        assert_int_equal(store_claim_starts(f->s, "n2", &one, 1, 1011, &started, &err), 0);
        assert_int_equal(started, 0);
        assert_int_equal(one.exec_id, 0);
        executions_of(f->s, c, 0, &el);
        store_execution_list_release(&el);
        assert_int_equal(store_claim_starts(f->s, "n1", &one, 1, 1012, &started, &err), 0);
        assert_int_equal(started, 1);
        assert_int_equal(one.attempt, 1);
        /* Its end is written under the same claim, as for a run started alone. */
        assert_int_equal(store_claim_finish(f->s, one.exec_id, 1, 0, NULL, 1013, &err), 0);
        /* Out of order, twice, too many, no node: refused, nothing recorded. */
        struct store_claim_run bad[2] = {{.instance_id = c, .token = 1, .pid = 17},
                                         {.instance_id = a, .token = 1, .pid = 18}};
        assert_int_equal(store_claim_starts(f->s, "n1", bad, 2, 1014, &started, &err),
                         BATCH_EINVAL);
        assert_non_null(strstr(err.msg, "ascending"));
        bad[1].instance_id = c;
        assert_int_equal(store_claim_starts(f->s, "n1", bad, 2, 1014, &started, &err),
                         BATCH_EINVAL);
        assert_int_equal(store_claim_starts(f->s, "n1", bad, 1001, 1014, &started, &err),
                         BATCH_EINVAL);
        assert_int_equal(store_claim_starts(f->s, "", bad, 1, 1014, &started, &err),
                         BATCH_EINVAL);
        executions_of(f->s, c, 1, &el);
        assert_true(el.items[0].finished);
        store_execution_list_release(&el);
        executions_of(f->s, a, 1, &el);
        store_execution_list_release(&el);
        assert_int_equal(store_claim_starts(f->s, "n1", NULL, 0, 1015, &started, &err), 0);
        assert_int_equal(started, 0);
}

/* Fencing by the claim token: a node whose claim was taken over changes nothing. */
static void test_claim_fencing(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_claimed_run_list runs;
        struct store_execution_list el;
        int64_t id = offered(f->s, "load", "gpu"), got[2];
        assert_int_equal(claimed_count(f->s, "n1", "gpu", 5, NULL), 1);
        struct store_execution e = {.instance_id = id, .node = (char *)"n1", .pid = 1};
        int64_t x = 0, y = 0;
        int attempt = 0;
        assert_int_equal(store_claim_start(f->s, 2, &e, 1010, &x, &attempt, &err),
                         BATCH_ESTALE);
        e.node = (char *)"n2";
        assert_int_equal(store_claim_start(f->s, 1, &e, 1010, &x, &attempt, &err),
                         BATCH_ESTALE);
        assert_int_equal(store_execution_list(f->s, id, &el, &err), 0);
        assert_int_equal(el.n, 0);
        store_execution_list_release(&el);
        e.node = (char *)"n1";
        assert_int_equal(store_claim_start(f->s, 1, &e, 1010, &x, &attempt, &err), 0);
        /* A run in flight is never offered again beside itself. */
        assert_int_equal(store_instance_offer(f->s, id, "gpu", &err), BATCH_ESTALE);
        assert_int_equal(claimed_count(f->s, "n2", "gpu", 5, NULL), 0);
        /* n1 is lost: the planner records its run's end, then offers the instance again
         * (a retry), and n2 claims it: token 2. */
        assert_int_equal(store_execution_finish(f->s, x, -1, "node lost", 1019, &err), 0);
        assert_int_equal(store_instance_offer(f->s, id, "gpu", &err), 0);
        assert_int_equal(store_claimed_runs(f->s, 1020, &runs, &err), 0);
        assert_int_equal(runs.n, 0); /* offered: no claim */
        store_claimed_run_list_release(&runs);
        struct store_claim_list l;
        assert_int_equal(store_claim(f->s, "n2", "gpu", 5, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].token, 2);
        store_claim_list_release(&l);
        /* n1's writes under token 1 are stale, nothing changed. */
        assert_int_equal(store_claim_running(f->s, x, 1, 1021, &err), BATCH_ESTALE);
        assert_int_equal(store_claim_finish(f->s, x, 1, 0, NULL, 1022, &err), BATCH_ESTALE);
        assert_int_equal(store_claim_return(f->s, x, 1, &err), BATCH_ESTALE);
        assert_int_equal(store_claim_start(f->s, 1, &e, 1023, &y, &attempt, &err),
                         BATCH_ESTALE);
        assert_int_equal(store_execution_list(f->s, id, &el, &err), 0);
        assert_int_equal(el.n, 1);
        assert_true(el.items[0].finished);
        assert_string_equal(el.items[0].error, "node lost");
        store_execution_list_release(&el);
        one_claimed_run(f->s, 1024, &runs);
        assert_string_equal(runs.items[0].node, "n2");
        assert_int_equal(runs.items[0].token, 2);
        assert_int_equal(runs.items[0].exec_id, x);
        assert_int_equal(runs.items[0].running_at, 0);
        store_claimed_run_list_release(&runs);
        /* n2 starts attempt 2, its supervisor gets no go: the claim is returned, the
         * execution gone and the instance offered again with its labels. */
        e.node = (char *)"n2";
        assert_int_equal(store_claim_start(f->s, 2, &e, 1030, &y, &attempt, &err), 0);
        assert_int_equal(attempt, 2);
        assert_int_equal(store_claim_return(f->s, y, 2, &err), 0);
        assert_int_equal(store_claim_return(f->s, y, 2, &err), BATCH_ENOENT);
        assert_int_equal(store_execution_list(f->s, id, &el, &err), 0);
        assert_int_equal(el.n, 1);
        assert_int_equal(el.items[0].id, x);
        store_execution_list_release(&el);
        assert_int_equal(store_claimed_runs(f->s, 1031, &runs, &err), 0);
        assert_int_equal(runs.n, 0);
        store_claimed_run_list_release(&runs);
        assert_int_equal(claimed_count(f->s, "n3", "ssd", 5, NULL), 0); /* still needs gpu */
        assert_int_equal(store_claim(f->s, "n3", "gpu,ssd", 5, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].token, 3);
        store_claim_list_release(&l);
        /* A run that reported running cannot be returned. */
        e.node = (char *)"n3";
        assert_int_equal(store_claim_start(f->s, 3, &e, 1040, &y, &attempt, &err), 0);
        assert_int_equal(store_claim_running(f->s, y, 3, 1041, &err), 0);
        assert_int_equal(store_claim_return(f->s, y, 3, &err), BATCH_ESTALE);
        assert_int_equal(claimed_count(f->s, "n1", "gpu", 5, got), 0);
        /* Offer of an instance not in Starting: stale. */
        assert_int_equal(store_instance_transition(f->s, id, STATE_STARTING, STATE_RUNNING,
                                                   "planner", NULL, 1042, &err), 0);
        assert_int_equal(store_instance_offer(f->s, id, "gpu", &err), BATCH_ESTALE);
        /* The stale claim_start of a started instance, by its own node: stale too. */
        assert_int_equal(store_claim_start(f->s, 3, &e, 1043, &y, &attempt, &err),
                         BATCH_ESTALE);
}

/* node_lost: the claim's node has no row, or its lease ended at or before now. */
static void test_claim_node_lost(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_claimed_run_list runs;
        offered(f->s, "load", "");
        assert_int_equal(claimed_count(f->s, "n1", "", 1, NULL), 1);
        one_claimed_run(f->s, 1500, &runs);
        assert_true(runs.items[0].node_lost);
        store_claimed_run_list_release(&runs);
        char name[] = "n1", labels[] = "";
        struct store_node n = {.name = name, .capacity = 4, .started_at = 1000,
                               .heartbeat_at = 1005, .labels = labels, .plan_ok = true,
                               .lease_expires_at = 2000};
        assert_int_equal(store_node_report(f->s, &n, &err), 0);
        one_claimed_run(f->s, 1999, &runs);
        assert_false(runs.items[0].node_lost);
        store_claimed_run_list_release(&runs);
        one_claimed_run(f->s, 2000, &runs);
        assert_true(runs.items[0].node_lost);
        store_claimed_run_list_release(&runs);
        one_claimed_run(f->s, 2500, &runs);
        assert_true(runs.items[0].node_lost);
        store_claimed_run_list_release(&runs);
        assert_int_equal(store_node_claims(f->s, "n1", 1999, &runs, &err), 0);
        assert_int_equal(runs.n, 1); /* claimed, no execution yet */
        assert_int_equal(runs.items[0].exec_id, 0);
        assert_false(runs.items[0].node_lost);
        store_claimed_run_list_release(&runs);
        /* now 0: the database's clock (2000 is long past). */
        one_claimed_run(f->s, 0, &runs);
        assert_true(runs.items[0].node_lost);
        store_claimed_run_list_release(&runs);
        /* The outlook: the offers (not the claimed one) and the active nodes whose lease
         * holds; a draining node does not count. */
        int64_t offers = -1, nodes = -1;
        assert_int_equal(store_offer_outlook(f->s, 1999, &offers, &nodes, &err), 0);
        assert_int_equal(offers, 0);
        assert_int_equal(nodes, 1);
        offered(f->s, "load", "");
        offered(f->s, "load", "gpu");
        char name2[] = "n2";
        n.name = name2;
        n.lease_expires_at = 3000;
        assert_int_equal(store_node_report(f->s, &n, &err), 0);
        assert_int_equal(store_offer_outlook(f->s, 1999, &offers, &nodes, &err), 0);
        assert_int_equal(offers, 2);
        assert_int_equal(nodes, 2);
        assert_int_equal(store_offer_outlook(f->s, 2000, &offers, &nodes, &err), 0);
        assert_int_equal(nodes, 1); /* n1's lease has passed */
        bool changed = false;
        assert_int_equal(store_node_set_state(f->s, "n2", "draining", &changed, &err), 0);
        assert_int_equal(store_offer_outlook(f->s, 1999, &offers, &nodes, &err), 0);
        assert_int_equal(nodes, 1);
}

/* A failed stop of a claimed run: said on its unfinished execution only while its
 * instance is in 10 Stopping under the caller's claim. */
static void test_claim_stop_failed(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        struct store_claimed_run_list runs;
        int64_t id = offered(f->s, "load", "");
        assert_int_equal(claimed_count(f->s, "n1", "", 1, NULL), 1);
        struct store_execution e = {.instance_id = id, .node = (char *)"n1", .pid = 7};
        int64_t x = 0;
        int attempt = 0;
        assert_int_equal(store_claim_start(f->s, 1, &e, 1010, &x, &attempt, &err), 0);
        const char *why = "the run did not end after SIGKILL";
        /* Not stopping yet: stale. */
        assert_int_equal(store_claim_stop_failed(f->s, x, 1, why, &err), BATCH_ESTALE);
        assert_int_equal(store_instance_transition(f->s, id, STATE_STARTING, STATE_RUNNING,
                                                   "planner", NULL, 1011, &err), 0);
        assert_int_equal(store_instance_transition(f->s, id, STATE_RUNNING, STATE_STOPPING,
                                                   "planner", NULL, 1012, &err), 0);
        assert_int_equal(store_claim_stop_failed(f->s, x, 2, why, &err), BATCH_ESTALE);
        assert_int_equal(store_claim_stop_failed(f->s, x, 1, "", &err), BATCH_EINVAL);
        one_claimed_run(f->s, 1013, &runs);
        assert_null(runs.items[0].error);
        store_claimed_run_list_release(&runs);
        assert_int_equal(store_claim_stop_failed(f->s, x, 1, why, &err), 0);
        one_claimed_run(f->s, 1013, &runs);
        assert_false(runs.items[0].finished);
        assert_string_equal(runs.items[0].error, why);
        store_claimed_run_list_release(&runs);
        /* Its end, recorded later, keeps the end's own reason. */
        assert_int_equal(store_claim_finish(f->s, x, 1, -9, "killed by signal 9", 1014, &err), 0);
        assert_int_equal(store_claim_stop_failed(f->s, x, 1, why, &err), BATCH_ESTALE);
        one_claimed_run(f->s, 1015, &runs);
        assert_true(runs.items[0].finished);
        assert_string_equal(runs.items[0].error, "killed by signal 9");
        store_claimed_run_list_release(&runs);
}

#define CLAIM_N 6

struct claim_try {
        const char *dsn;
        int64_t ids[CLAIM_N];
        size_t n;
        int rc;
        volatile int done; /* set when the claim returned (its transaction still open) */
        volatile int release;
};

/* The second node: its own connection and transaction; claims CLAIM_N and starts them,
 * says so, then waits for the word to commit. */
static void *claim_other(void *arg)
{
        struct claim_try *t = arg;
        struct store *s2;
        struct batch_err err;
        t->rc = -1000;
        if (store_open(t->dsn, &s2, &err) < 0) {
                t->done = 1;
                return NULL;
        }
        struct store_claim_list l = {0, NULL};
        if ((t->rc = store_begin(s2, &err)) == 0 &&
            (t->rc = store_claim(s2, "n2", "", CLAIM_N, &l, &err)) == 0) {
                for (size_t i = 0; i < l.n && i < CLAIM_N && t->rc == 0; i++) {
                        struct store_execution e = {.instance_id = l.items[i].instance_id,
                                                    .node = (char *)"n2", .pid = 2};
                        int64_t x;
                        int attempt;
                        t->ids[t->n++] = l.items[i].instance_id;
                        t->rc = store_claim_start(s2, l.items[i].token, &e, 1100, &x, &attempt,
                                                  &err);
                }
        }
        store_claim_list_release(&l);
        t->done = 1;
        while (!t->release)
                usleep(1000);
        if (t->rc == 0)
                t->rc = store_commit(s2, &err);
        else
                store_rollback(s2);
        store_close(s2);
        return NULL;
}

/* Two nodes claim with limit N from 2N offered, each in an open transaction: disjoint
 * sets, and on PostgreSQL neither waits for the other (SKIP LOCKED): the second claims
 * while the first's transaction still holds its rows. SQLite has one writer: the second
 * claims after the first commits. */
static void test_claim_concurrent(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        bool pg = on_postgres(f->s);
        for (int i = 0; i < 2 * CLAIM_N; i++)
                offered(f->s, "load", "");
        int64_t mine[CLAIM_N];
        assert_int_equal(store_begin(f->s, &err), 0);
        assert_int_equal(claimed_count(f->s, "n1", "", CLAIM_N, mine), CLAIM_N);
        if (!pg)
                assert_int_equal(store_commit(f->s, &err), 0);
        struct claim_try t = {.dsn = f->dsn};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, claim_other, &t), 0);
        for (int ms = 0; !t.done && ms < 10000; ms++)
                usleep(1000);
        bool done_while_open = t.done; /* on PostgreSQL: our transaction is still open */
        t.release = 1;
        if (pg)
                assert_int_equal(store_commit(f->s, &err), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_true(done_while_open);
        assert_int_equal(t.rc, 0);
        assert_int_equal(t.n, CLAIM_N);
        for (int i = 0; i < CLAIM_N; i++)
                for (int j = 0; j < CLAIM_N; j++)
                        assert_true(mine[i] != t.ids[j]);
        assert_int_equal(claimed_count(f->s, "n3", "", CLAIM_N, NULL), 0);
        struct store_claimed_run_list runs;
        assert_int_equal(store_claimed_runs(f->s, 1200, &runs, &err), 0);
        assert_int_equal(runs.n, 2 * CLAIM_N);
        for (size_t i = 0; i < runs.n; i++) {
                bool theirs = false;
                for (int j = 0; j < CLAIM_N; j++)
                        theirs = theirs || runs.items[i].instance_id == t.ids[j];
                assert_string_equal(runs.items[i].node, theirs ? "n2" : "n1");
                assert_int_equal(runs.items[i].exec_id != 0, theirs);
        }
        store_claimed_run_list_release(&runs);
}

/* Notifications: on PostgreSQL a notify committed on one connection is drained on a
 * listener, one rolled back is not; SQLite has none (store_notify does nothing). */
static void test_claim_notify(void **state)
{
        struct fixture *f = *state;
        struct batch_err err;
        const char *channels[] = {"batchd_offer", "batchd_run"};
        struct store_listener *ln = NULL;
        if (!on_postgres(f->s)) {
                assert_int_equal(store_notify(f->s, "batchd_run", &err), 0);
                assert_int_equal(store_listen(f->dsn, channels, 2, &ln, &err), BATCH_EINVAL);
                return;
        }
        assert_int_equal(store_listen(f->dsn, channels, 2, &ln, &err), 0);
        assert_true(store_listener_fd(ln) >= 0);
        const char *bad[] = {"Bad;"};
        struct store_listener *ln2 = NULL;
        assert_int_equal(store_listen(f->dsn, bad, 1, &ln2, &err), BATCH_EINVAL);
        assert_int_equal(store_notify(f->s, "", &err), BATCH_EINVAL);
        /* rolled back: nothing */
        assert_int_equal(store_begin(f->s, &err), 0);
        assert_int_equal(store_notify(f->s, "batchd_run", &err), 0);
        store_rollback(f->s);
        struct pollfd p = {.fd = store_listener_fd(ln), .events = POLLIN};
        int n = 0;
        if (poll(&p, 1, 300) > 0)
                n = store_listener_drain(ln, &err);
        assert_int_equal(n, 0);
        /* committed: drained (an offer notifies too, in its own transaction) */
        assert_int_equal(store_begin(f->s, &err), 0);
        assert_int_equal(store_notify(f->s, "batchd_run", &err), 0);
        assert_int_equal(store_commit(f->s, &err), 0);
        int64_t deadline = (int64_t)time(NULL) + 10;
        while (n < 1 && (int64_t)time(NULL) < deadline) {
                if (poll(&p, 1, 1000) > 0) {
                        int got = store_listener_drain(ln, &err);
                        assert_true(got >= 0);
                        n += got;
                }
        }
        assert_int_equal(n, 1);
        offered(f->s, "load", "");
        n = 0;
        deadline = (int64_t)time(NULL) + 10;
        while (n < 1 && (int64_t)time(NULL) < deadline)
                if (poll(&p, 1, 1000) > 0)
                        n += store_listener_drain(ln, &err);
        assert_int_equal(n, 1);
        store_listener_close(ln);
}

#define STORE_CONFORMANCE_TESTS                                                                   \
        cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),                        \
                cmocka_unit_test_setup_teardown(test_versions, setup, teardown),                  \
                cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),                 \
                cmocka_unit_test_setup_teardown(test_instance_slot, setup, teardown),             \
                cmocka_unit_test_setup_teardown(test_changes_after, setup, teardown),             \
                cmocka_unit_test_setup_teardown(test_instance_list_by_due, setup, teardown),      \
                cmocka_unit_test_setup_teardown(test_instance_transitions, setup, teardown),      \
                cmocka_unit_test_setup_teardown(test_instance_set_reason, setup, teardown),       \
                cmocka_unit_test_setup_teardown(test_clock, setup, teardown),                     \
                cmocka_unit_test_setup_teardown(test_instance_list, setup, teardown),             \
                cmocka_unit_test_setup_teardown(test_executions, setup, teardown),                \
                cmocka_unit_test_setup_teardown(test_steps, setup, teardown),                     \
                cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),               \
                cmocka_unit_test_setup_teardown(test_dead_letters, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_alerts, setup, teardown),                    \
                cmocka_unit_test_setup_teardown(test_alert_deliveries, setup, teardown),          \
                cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),                    \
                cmocka_unit_test_setup_teardown(test_nodes_and_leases, setup, teardown),          \
                cmocka_unit_test_setup_teardown(test_lease_epoch_and_fence, setup, teardown),     \
                cmocka_unit_test_setup_teardown(test_node_reports, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_instance_filters, setup, teardown),          \
                cmocka_unit_test_setup_teardown(test_instance_failed_created_by, setup,           \
                                                teardown),                                        \
                cmocka_unit_test_setup_teardown(test_instance_has_failure, setup, teardown),      \
                cmocka_unit_test_setup_teardown(test_instance_skip_count_follows_steps, setup,    \
                                                teardown),                                        \
                cmocka_unit_test_setup_teardown(test_requests, setup, teardown),                  \
                cmocka_unit_test_setup_teardown(test_data_version, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_savepoints, setup, teardown),                \
                cmocka_unit_test_setup_teardown(test_request_list, setup, teardown),             \
                cmocka_unit_test_setup_teardown(test_report, setup, teardown),                    \
                cmocka_unit_test_setup_teardown(test_report_rollup, setup, teardown),             \
                cmocka_unit_test_setup_teardown(test_report_runs_exact, setup, teardown),         \
                cmocka_unit_test_setup_teardown(test_delivery_claim, setup, teardown),            \
                cmocka_unit_test_setup_teardown(test_report_claim, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_process_date, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_remote_runs, setup, teardown),               \
                cmocka_unit_test_setup_teardown(test_next_due, setup, teardown),                  \
                cmocka_unit_test_setup_teardown(test_retention, setup, teardown),                 \
                cmocka_unit_test_setup_teardown(test_claim_flow, setup, teardown),                \
                cmocka_unit_test_setup_teardown(test_claim_labels, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_claim_fencing, setup, teardown),             \
                cmocka_unit_test_setup_teardown(test_claim_starts, setup, teardown),              \
                cmocka_unit_test_setup_teardown(test_def_list_filters, setup, teardown),          \
                cmocka_unit_test_setup_teardown(test_def_list_after, setup, teardown),            \
                cmocka_unit_test_setup_teardown(test_claim_node_lost, setup, teardown),           \
                cmocka_unit_test_setup_teardown(test_claim_stop_failed, setup, teardown),         \
                cmocka_unit_test_setup_teardown(test_claim_concurrent, setup, teardown),          \
                cmocka_unit_test_setup_teardown(test_claim_notify, setup, teardown)

#endif
