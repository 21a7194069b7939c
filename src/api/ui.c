/* ui.c: the web UI's files (docs/ui.md), compiled into batchd from the committed bundle
 * ui/dist/ (build/gen/ui.c, by scripts/embed-text.sh), served from the API's listener
 * without a token: they hold no data; every datum the pages show comes from the API with
 * the token the user pasted. Answers carry the server's strict headers (server.c) and an
 * ETag with "no-cache", so a browser revalidates and an upgraded batchd is seen at once. */
#include <stdio.h>
#include <string.h>

#include "api/request.h"

extern const char ui_index_html[];
extern const char ui_app_js[];
extern const char ui_app_css[];
extern const char ui_chart_js[];
extern const char ui_graph_js[];
extern const char ui_shared_js[];

struct ui_file {
        const char *path;
        const char *content_type;
        const char *text;
};

static const struct ui_file files[] = {
        {"/", "text/html; charset=utf-8", ui_index_html},
        {"/index.html", "text/html; charset=utf-8", ui_index_html},
        {"/ui/app.js", "text/javascript; charset=utf-8", ui_app_js},
        {"/ui/app.css", "text/css; charset=utf-8", ui_app_css},
        /* loaded by the pages that need them (ES module imports of app.js) */
        {"/ui/chart.js", "text/javascript; charset=utf-8", ui_chart_js},
        {"/ui/graph.js", "text/javascript; charset=utf-8", ui_graph_js},
        {"/ui/shared.js", "text/javascript; charset=utf-8", ui_shared_js},
        {NULL, NULL, NULL},
};

bool api_ui_serve(struct api_req *r)
{
        const struct ui_file *f = files;
        while (f->path && strcmp(f->path, r->path))
                f++;
        if (!f->path) {
                if (strncmp(r->path, "/ui/", 4))
                        return false;
                api_problem(r, 404, "no such file of the web UI: %s", r->path);
                return true;
        }
        if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
                snprintf(r->allow, sizeof(r->allow), "GET, HEAD");
                api_problem(r, 405, "%s is not allowed here (allowed: GET, HEAD)", r->method);
                return true;
        }
        r->status = 200;
        r->content_type = f->content_type;
        r->cache_control = "no-cache";
        buf_puts(&r->out, f->text);
        return true;
}
