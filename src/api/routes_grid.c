/* routes_grid.c: GET /api/v1/grid, the grid of jobs x recent days (docs/api.md; the web
 * UI's #/grid). */
#include <stdio.h>

#include "api/request.h"
#include "core/isotime.h"
#include "ops/deps.h"
#include "ops/grid.h"

int api_grid(struct api_req *r)
{
        static const char *const known[] = {"to", "days", "group", "limit", "cursor", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        unsigned days = 14;
        unsigned limit = 100;
        if (api_query_uint(r, "days", OPS_GRID_MAX_DAYS, &days) < 0 ||
            api_query_uint(r, "limit", OPS_GRID_MAX_JOBS, &limit) < 0)
                return -1;
        /* Default: the grid ends today, by batchd's clock in the tenant's zone. */
        char today[16], iso[ISO_FORMAT_MAX];
        const char *to = api_query(r, "to");
        if (!to) {
                snprintf(today, sizeof(today), "%.10s",
                         iso_format(api_now(r), ops_tenant_zone(r->st, r->tenant), iso));
                to = today;
        }
        struct batch_err err;
        api_json(r, 200);
        if (ops_grid_view(r->st, r->tenant, to, (int)days, api_query(r, "group"),
                          api_query(r, "cursor"), limit, &r->out, &err) < 0)
                return api_store_problem(r, &err);
        return 0;
}
