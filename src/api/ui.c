/* ui.c: the web UI's files (docs/ui.md), compiled into batchd from the committed bundle
 * ui/dist/ (build/gen/ui.c, by scripts/embed-text.sh), served from the API's listener
 * without a token: they hold no data; every datum the pages show comes from the API with
 * the token the user pasted. Answers carry the server's strict headers (server.c) and an
 * ETag with "no-cache", so a browser revalidates and an upgraded batchd is seen at once;
 * gzip-encoded (compressed at build time) when the request's Accept-Encoding allows it,
 * with "Vary: Accept-Encoding" either way. Every file of ui/dist/ is served, the page at "/"
 * and the others under "/ui/". */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/request.h"
#include "api/ui_files.h"
#include "common/acceptenc.h"

/* The file at `path`: "/" and "/index.html" are the page, "/ui/NAME" any other file of
 * ui/dist/ (ui_files.h); NULL for any other path. */
static const struct ui_file *find(const char *path)
{
        const char *name;
        if (!strcmp(path, "/") || !strcmp(path, "/index.html"))
                name = "index.html";
        else if (!strncmp(path, "/ui/", 4) && strcmp(path + 4, "index.html"))
                name = path + 4;
        else
                return NULL;
        for (const struct ui_file *f = ui_files; f->name; f++)
                if (!strcmp(f->name, name))
                        return f;
        return NULL;
}

/* The Content-Type of a file of ui/dist/, by its name's ending. */
static const char *content_type(const char *name)
{
        static const struct {
                const char *ext, *type;
        } types[] = {
            {".html", "text/html; charset=utf-8"},
            {".js", "text/javascript; charset=utf-8"},
            {".css", "text/css; charset=utf-8"},
        };
        size_t n = strlen(name);
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                size_t e = strlen(types[i].ext);
                if (n > e && !strcmp(name + n - e, types[i].ext))
                        return types[i].type;
        }
        return "application/octet-stream";
}

bool api_ui_is_file(const char *path)
{
        return find(path) != NULL;
}

bool api_ui_serve(struct api_req *r)
{
        const struct ui_file *f = find(r->path);
        if (!f) {
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
        r->content_type = content_type(f->name);
        r->cache_control = "no-cache";
        r->vary_encoding = true;
        if (acceptenc_gzip(api_header(r, "Accept-Encoding"))) {
                /* The ETag (server.c) is then the hash of these bytes: each
                 * representation has its own, as RFC 9110 §8.8.3 asks. */
                r->content_encoding = "gzip";
                buf_add(&r->out, f->gz, f->gz_len);
        } else {
                buf_puts(&r->out, f->text);
        }
        return true;
}
