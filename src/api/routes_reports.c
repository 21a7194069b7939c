/* routes_reports.c: the daily inspection report (GET /api/v1/reports/daily) as JSON,
 * CSV or XLSX, and the runs figures for the UI's charts (GET /api/v1/reports/runs).
 * Both are computed on request from the repository (ops/report.h); docs/report.md. */
#include <string.h>

#include "api/request.h"
#include "ops/report.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* The tenant to report on: the caller's own; `tenant=` may only name it. Returns 0 or
 * -1 with a 403 problem. */
static int check_tenant(struct api_req *r)
{
        const char *t = api_query(r, "tenant");
        if (t && strcmp(t, r->tenant) != 0)
                return api_problem(r, 403, "tenant=\"%s\": this token belongs to tenant \"%s\"",
                                   t, r->tenant);
        return 0;
}

enum form { FORM_JSON, FORM_CSV, FORM_XLSX };

/* The form asked for: format= wins over Accept; JSON by default. */
static int pick_form(struct api_req *r, enum form *ret)
{
        const char *f = api_query(r, "format");
        if (f) {
                if (!strcmp(f, "json"))
                        *ret = FORM_JSON;
                else if (!strcmp(f, "csv"))
                        *ret = FORM_CSV;
                else if (!strcmp(f, "xlsx"))
                        *ret = FORM_XLSX;
                else
                        return api_problem(r, 400, "format=\"%s\": expected json, csv or xlsx", f);
                return 0;
        }
        const char *a = api_header(r, "Accept");
        *ret = FORM_JSON;
        if (a && strstr(a, XLSX_TYPE))
                *ret = FORM_XLSX;
        else if (a && strstr(a, "text/csv"))
                *ret = FORM_CSV;
        return 0;
}

int api_report_daily(struct api_req *r)
{
        static const char *const known[] = {"date", "tenant", "format", NULL};
        enum form form = FORM_JSON;
        if (api_check_query(r, known) < 0 || check_tenant(r) < 0 || pick_form(r, &form) < 0)
                return -1;
        struct report_daily rep;
        struct batch_err err;
        r->out.max = REPORT_MAX_BYTES; /* a row per job: more than any other answer */
        if (report_daily_build(r->st, r->tenant, api_query(r, "date"), api_now(r), &rep, &err) < 0)
                return api_store_problem(r, &err);
        int rc = 0;
        r->status = 200;
        switch (form) {
        case FORM_JSON:
                api_json(r, 200);
                report_daily_json(&rep, &r->out);
                break;
        case FORM_CSV:
                r->content_type = "text/csv; charset=utf-8; header=present";
                report_daily_csv(&rep, &r->out);
                break;
        case FORM_XLSX:
                r->content_type = XLSX_TYPE;
                if (report_daily_xlsx(&rep, &r->out, &err) < 0)
                        rc = api_store_problem(r, &err);
                break;
        }
        report_daily_release(&rep);
        return rc;
}

int api_report_runs(struct api_req *r)
{
        static const char *const known[] = {"from", "to", "job", "tenant", NULL};
        if (api_check_query(r, known) < 0 || check_tenant(r) < 0)
                return -1;
        const char *from = api_query(r, "from"), *to = api_query(r, "to");
        if (!from || !to)
                return api_problem(r, 400, "from= and to= are required (YYYY-MM-DD, at most %d "
                                           "days)", REPORT_RUNS_MAX_DAYS);
        struct report_runs rep;
        struct batch_err err;
        r->out.max = REPORT_MAX_BYTES;
        if (report_runs_build(r->st, r->tenant, from, to, api_query(r, "job"), &rep, &err) < 0)
                return api_store_problem(r, &err);
        api_json(r, 200);
        report_runs_json(&rep, &r->out);
        report_runs_release(&rep);
        return 0;
}
