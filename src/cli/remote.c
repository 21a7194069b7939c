/* remote.c: batchctl's HTTP client of the REST API (see remote.h): configuration
 * (flags, environment, config file), requests with libcurl, problem+json errors. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "cli.h"
#include "cli/remote.h"
#include "ops/report.h"

/* The one configuration of this process, set by remote_configure() from main. */
static struct remote current;

static void copy(char *dst, size_t len, const char *src)
{
        snprintf(dst, len, "%s", src);
}

/* Trims spaces at both ends, in place. */
static char *trim(char *s)
{
        while (isspace((unsigned char)*s))
                s++;
        size_t n = strlen(s);
        while (n && isspace((unsigned char)s[n - 1]))
                s[--n] = '\0';
        return s;
}

/* Reads `url` and `token` of the config file into the empty fields of `rm`. */
static void read_config(struct remote *rm, bool want_url, bool want_token)
{
        char path[4096];
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
                snprintf(path, sizeof(path), "%s/batchd/config", xdg);
        else if (home && *home)
                snprintf(path, sizeof(path), "%s/.config/batchd/config", home);
        else
                return;
        FILE *f = fopen(path, "re");
        if (!f)
                return;
        char line[4096];
        bool has_token = false;
        int lineno = 0;
        while (fgets(line, sizeof(line), f)) {
                lineno++;
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = '\0';
                char *s = trim(line);
                if (!*s)
                        continue;
                char *eq = strchr(s, '=');
                if (!eq) {
                        fprintf(stderr, "batchctl: %s:%d: expected key = value\n", path, lineno);
                        continue;
                }
                *eq = '\0';
                char *key = trim(s), *val = trim(eq + 1);
                if (!strcmp(key, "url")) {
                        if (want_url)
                                copy(rm->url, sizeof(rm->url), val);
                } else if (!strcmp(key, "token")) {
                        has_token = true;
                        if (want_token)
                                copy(rm->token, sizeof(rm->token), val);
                } else {
                        fprintf(stderr, "batchctl: %s:%d: unknown key \"%s\" (url or token)\n",
                                path, lineno, key);
                }
        }
        struct stat st;
        if (has_token && fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
                fprintf(stderr,
                        "batchctl: warning: %s holds a token and is accessible by group or "
                        "others (mode %03o); run: chmod 600 %s\n",
                        path, (unsigned)(st.st_mode & 0777), path);
        fclose(f);
}

void remote_configure(const char *flag_url, const char *flag_token)
{
        const char *env_url = getenv("BATCHD_URL"), *env_token = getenv("BATCHD_TOKEN");
        memset(&current, 0, sizeof(current));
        if (flag_url)
                copy(current.url, sizeof(current.url), flag_url);
        else if (env_url && *env_url)
                copy(current.url, sizeof(current.url), env_url);
        if (flag_token)
                copy(current.token, sizeof(current.token), flag_token);
        else if (env_token && *env_token)
                copy(current.token, sizeof(current.token), env_token);
        if (!current.url[0] || !current.token[0])
                read_config(&current, !current.url[0], !current.token[0]);
        size_t n = strlen(current.url);
        while (n && current.url[n - 1] == '/')
                current.url[--n] = '\0';
}

const struct remote *remote_current(void)
{
        return current.url[0] ? &current : NULL;
}

void remote_resp_release(struct remote_resp *r)
{
        buf_release(&r->body);
}

struct sink {
        CURL *curl;
        struct buf *body;
        FILE *stream;
};

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
        struct sink *k = ud;
        size_t len = size * n;
        long status = 0;
        curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &status);
        if (k->stream && status >= 200 && status < 300) {
                if (fwrite(data, 1, len, k->stream) != len)
                        return 0;
                fflush(k->stream);
                return len;
        }
        buf_add(k->body, data, len);
        return k->body->err ? 0 : len;
}

int remote_request(const struct remote *rm, const char *method, const char *path,
                   const char *query, const char *content_type, const char *body,
                   size_t body_len, FILE *stream, struct remote_resp *ret)
{
        static bool ready;
        if (!ready) {
                curl_global_init(CURL_GLOBAL_DEFAULT);
                ready = true;
        }
        memset(ret, 0, sizeof(*ret));
        buf_init(&ret->body, REPORT_MAX_BYTES); /* a report: the largest answer there is */
        struct buf url;
        buf_init(&url, 0);
        buf_printf(&url, "%s%s%s%s", rm->url, path, query && *query ? "?" : "",
                   query && *query ? query : "");
        CURL *c = curl_easy_init();
        if (!c) {
                buf_release(&url);
                fprintf(stderr, "batchctl: cannot start an HTTP client\n");
                return CLI_FAILURE;
        }
        char errbuf[CURL_ERROR_SIZE] = "";
        struct sink k = {c, &ret->body, stream};
        struct curl_slist *h = NULL;
        struct buf auth;
        buf_init(&auth, 0);
        if (rm->token[0]) {
                buf_printf(&auth, "Authorization: Bearer %s", rm->token);
                h = curl_slist_append(h, auth.data);
        }
        h = curl_slist_append(h, "Accept: application/json, application/problem+json, */*");
        /* The reader's language, for display names (docs/cli.md): as in local mode. */
        char al[300];
        if (*cli_lang()) {
                snprintf(al, sizeof(al), "Accept-Language: %s", cli_lang());
                h = curl_slist_append(h, al);
        }
        if (body) {
                char ct[160];
                snprintf(ct, sizeof(ct), "Content-Type: %s",
                         content_type ? content_type : "application/json");
                h = curl_slist_append(h, ct);
        }
        curl_easy_setopt(c, CURLOPT_URL, url.data);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (!strcmp(method, "GET"))
                curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        if (body) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        } else if (!strcmp(method, "POST") || !strcmp(method, "PUT")) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "batchctl/" BATCH_VERSION);
        CURLcode rc = curl_easy_perform(c);
        int r = 0;
        if (rc != CURLE_OK) {
                fprintf(stderr, "batchctl: cannot reach the server at %s: %s\n", rm->url,
                        errbuf[0] ? errbuf : curl_easy_strerror(rc));
                r = CLI_FAILURE;
                buf_release(&ret->body);
        } else {
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
                char *ct = NULL;
                curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
                copy(ret->content_type, sizeof(ret->content_type), ct ? ct : "");
        }
        curl_slist_free_all(h);
        /* The header held the token: clear it before freeing. */
        if (auth.data)
                memset(auth.data, 0, auth.len);
        buf_release(&auth);
        curl_easy_cleanup(c);
        buf_release(&url);
        return r;
}

int remote_fail(const struct remote_resp *r)
{
        json_error_t jerr;
        json_t *j = r->body.len ? json_loadb(r->body.data, r->body.len, 0, &jerr) : NULL;
        const char *detail = remote_str(j, "detail", remote_str(j, "title", NULL));
        if (detail) {
                fprintf(stderr, "batchctl: %s (HTTP %ld)\n", detail, r->status);
        } else {
                /* Not a problem document: its first line, if any. */
                const char *b = r->body.len ? r->body.data : "";
                int n = (int)strcspn(b, "\r\n");
                if (n > 300)
                        n = 300;
                fprintf(stderr, "batchctl: %s%.*s (HTTP %ld)\n",
                        n ? "" : "the server answered with an error", n, b, r->status);
        }
        json_t *errs = json_object_get(j, "errors");
        size_t i;
        json_t *e;
        if (json_is_array(errs))
                json_array_foreach(errs, i, e) {
                        const char *where = remote_str(e, "where", "");
                        if (!*where)
                                where = remote_str(e, "key", "");
                        fprintf(stderr, "  %s%s%s\n", where, *where ? ": " : "",
                                remote_str(e, "message", "?"));
                }
        json_decref(j);
        return CLI_FAILURE;
}

static void escape(struct buf *out, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~')
                        buf_add(out, s, 1);
                else
                        buf_printf(out, "%%%c%c", hex[ch >> 4], hex[ch & 15]);
        }
}

void remote_query_add(struct buf *q, const char *key, const char *value)
{
        if (q->len)
                buf_puts(q, "&");
        escape(q, key);
        buf_puts(q, "=");
        escape(q, value);
}

void remote_path_escape(struct buf *out, const char *segment)
{
        escape(out, segment);
}

json_t *remote_json(const struct remote_resp *r)
{
        json_error_t jerr;
        json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &jerr);
        if (!j)
                fprintf(stderr, "batchctl: the server's answer is not JSON: %s\n", jerr.text);
        return j;
}

const char *remote_str(const json_t *o, const char *key, const char *dflt)
{
        json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
        return json_is_string(v) ? json_string_value(v) : dflt;
}

void remote_print_json(const json_t *v)
{
        json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
}

int remote_read_file(const char *path, struct buf *out)
{
        FILE *f = !strcmp(path, "-") ? stdin : fopen(path, "re");
        if (!f) {
                fprintf(stderr, "batchctl: %s: %s\n", path, strerror(errno));
                return CLI_FAILURE;
        }
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_add(out, chunk, n);
        bool bad = ferror(f) || out->err;
        if (f != stdin)
                fclose(f);
        if (bad) {
                fprintf(stderr, "batchctl: %s: cannot read the file\n", path);
                return CLI_FAILURE;
        }
        return CLI_OK;
}
