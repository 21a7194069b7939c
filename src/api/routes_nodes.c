/* routes_nodes.c: /api/v1/nodes: the nodes sharing the repository (viewer), and drain /
 * undrain one (admin of the installation's tenant "default": a node serves every
 * tenant), audited with the change (docs/api.md, "Nodes"). */
#include <stdio.h>
#include <string.h>

#include "api/request.h"
#include "ops/nodes.h"

struct node_view {
        const struct store_node_list *l;
        int64_t db_now_s;
};

static void put_node_at(struct buf *b, const void *list, size_t i)
{
        const struct node_view *v = list;
        ops_put_node(b, &v->l->items[i], v->db_now_s);
}

static void node_key(const void *list, size_t i, char *out, size_t len)
{
        const struct node_view *v = list;
        snprintf(out, len, "%s", v->l->items[i].name);
}

/* The database's time, Unix seconds: nodes' times are on its clock. */
static int db_now(struct api_req *r, int64_t *ret)
{
        int64_t us;
        struct batch_err err;
        if (store_db_now_us(r->st, &us, &err) < 0)
                return api_store_problem(r, &err);
        *ret = us / 1000000;
        return 0;
}

int api_nodes_list(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){"limit", "cursor", NULL}) < 0)
                return -1;
        struct node_view v = {0};
        if (db_now(r, &v.db_now_s) < 0)
                return -1;
        struct store_node_list l;
        struct batch_err err;
        if (store_node_list(r->st, &l, &err) < 0)
                return api_store_problem(r, &err);
        v.l = &l;
        struct api_list_view page = {&v, l.n, put_node_at, node_key};
        int rc = api_put_page(r, &page);
        store_node_list_release(&l);
        return rc;
}

/* Answers `status` with node `name`, or the problem. */
static int answer_node(struct api_req *r, const char *name)
{
        int64_t now = 0;
        if (db_now(r, &now) < 0)
                return -1;
        struct store_node n;
        struct batch_err err;
        if (store_node_get(r->st, name, &n, &err) < 0)
                return api_store_problem(r, &err);
        api_json(r, 200);
        ops_put_node(&r->out, &n, now);
        buf_puts(&r->out, "\n");
        store_node_release(&n);
        return 0;
}

int api_node_get(struct api_req *r)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        return answer_node(r, r->args[0]);
}

static int set_state(struct api_req *r, const char *state)
{
        if (api_check_query(r, (const char *const[]){NULL}) < 0)
                return -1;
        if (r->body && r->body_len)
                return api_problem(r, 400, "body: %s takes no body",
                                   strcmp(state, "draining") ? "undrain" : "drain");
        if (strcmp(r->tenant, "default"))
                return api_problem(r, 403,
                                   "a node serves every tenant: draining one takes an admin "
                                   "token of tenant \"default\", this one is of tenant \"%s\"",
                                   r->tenant);
        bool changed;
        struct batch_err err;
        if (ops_node_set_state(r->st, r->args[0], state, r->actor, api_now(r), &changed, &err) <
            0)
                return api_store_problem(r, &err);
        return answer_node(r, r->args[0]);
}

int api_node_drain(struct api_req *r)
{
        return set_state(r, "draining");
}

int api_node_undrain(struct api_req *r)
{
        return set_state(r, "active");
}
