/* tool_submit.c: batch_client_submit from the command line, for tests/http/submit.sh.
 *   tool_submit URL JOB [NAME=VALUE ...]   (the API token in $BATCH_TOKEN)
 * Prints the instance id, or the error's name and message on stderr; exits 0, or 1. */
#include <batch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
        if (argc < 3)
                return 2;
        struct batch_http_options o = {.base_url = argv[1], .max_attempts = 2,
                                       .backoff_base_ms = 10, .connect_timeout_ms = 2000};
        const char *tok = getenv("BATCH_TOKEN");
        if (tok) {
                o.auth = BATCH_HTTP_AUTH_BEARER;
                o.bearer_token = tok;
        }
        struct batch_err err;
        struct batch_http *h = batch_http_new(&o, &err);
        if (!h) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
        }
        struct batch_param p[32];
        size_t n = 0;
        for (int i = 3; i < argc && n < 32; i++) {
                char *eq = strchr(argv[i], '=');
                if (!eq)
                        return 2;
                *eq = '\0';
                p[n++] = (struct batch_param){argv[i], eq + 1};
        }
        int64_t id;
        int rc = batch_client_submit(h, argv[2], p, n, &id, &err);
        batch_http_free(h);
        if (rc < 0) {
                fprintf(stderr, "%s: %s\n", batch_err_name(rc) ? batch_err_name(rc) : "?", err.msg);
                printf("%d\n", rc);
                return 1;
        }
        printf("%lld\n", (long long)id);
        return 0;
}
