/* ui.c: the web UI's files (docs/ui.md), compiled into batchd from the committed bundle
 * ui/dist/ (build/gen/ui.c, by scripts/embed-text.sh), served from the API's listener
 * without a token: they hold no data; every datum the pages show comes from the API with
 * the token the user pasted. Answers carry the server's strict headers (server.c) and an
 * ETag with "no-cache", so a browser revalidates and an upgraded batchd is seen at once;
 * gzip-encoded (compressed at build time) when the request's Accept-Encoding allows it,
 * with "Vary: Accept-Encoding" either way. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/request.h"
#include "common/acceptenc.h"

/* Each file's text and its gzip -9 bytes (build/gen/ui.c, the Makefile). */
#define UI_FILE(name)                                                                              \
        extern const char ui_##name[];                                                             \
        extern const unsigned char ui_##name##_gz[];                                               \
        extern const size_t ui_##name##_gz_len;
UI_FILE(index_html)
UI_FILE(app_js)
UI_FILE(app_css)
UI_FILE(chart_js)
UI_FILE(graph_js)
UI_FILE(shared_js)

struct ui_file {
        const char *path;
        const char *content_type;
        const char *text;
        const unsigned char *gz;
        const size_t *gz_len;
};

#define JS "text/javascript; charset=utf-8"
static const struct ui_file files[] = {
    {"/", "text/html; charset=utf-8", ui_index_html, ui_index_html_gz, &ui_index_html_gz_len},
    {"/index.html", "text/html; charset=utf-8", ui_index_html, ui_index_html_gz,
     &ui_index_html_gz_len},
    {"/ui/app.js", JS, ui_app_js, ui_app_js_gz, &ui_app_js_gz_len},
    {"/ui/app.css", "text/css; charset=utf-8", ui_app_css, ui_app_css_gz, &ui_app_css_gz_len},
    /* loaded by the pages that need them (ES module imports of app.js) */
    {"/ui/chart.js", JS, ui_chart_js, ui_chart_js_gz, &ui_chart_js_gz_len},
    {"/ui/graph.js", JS, ui_graph_js, ui_graph_js_gz, &ui_graph_js_gz_len},
    {"/ui/shared.js", JS, ui_shared_js, ui_shared_js_gz, &ui_shared_js_gz_len},
    {NULL, NULL, NULL, NULL, NULL},
};

/* The file at `path`, or the table's end (path NULL). */
static const struct ui_file *find(const char *path)
{
        const struct ui_file *f = files;
        while (f->path && strcmp(f->path, path))
                f++;
        return f;
}

bool api_ui_is_file(const char *path)
{
        return find(path)->path != NULL;
}

bool api_ui_serve(struct api_req *r)
{
        const struct ui_file *f = find(r->path);
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
        r->vary_encoding = true;
        if (acceptenc_gzip(api_header(r, "Accept-Encoding"))) {
                /* The ETag (server.c) is then the hash of these bytes: each
                 * representation has its own, as RFC 9110 §8.8.3 asks. */
                r->content_encoding = "gzip";
                buf_add(&r->out, f->gz, *f->gz_len);
        } else {
                buf_puts(&r->out, f->text);
        }
        return true;
}
