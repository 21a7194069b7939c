/* static_httpd.c: the peer of batchd's API reads in bench/bench_ratios.sh: libmicrohttpd
 * (the library batchd's API uses) started with the same flags as src/api/server.c (a
 * thread per connection, an internal polling thread), answering every GET with the bytes
 * of one file read at start, as application/json. What batchd adds on top of this (the
 * token check, the repository read, the JSON) is what the ratio measures.
 * Usage: static_httpd FILE   Prints the port it listens on (127.0.0.1, chosen by the
 * kernel) on stdout, then serves until killed. */
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *body;
static size_t body_len;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_len, void **state)
{
        (void)cls, (void)url, (void)version, (void)upload, (void)upload_len;
        static int seen;
        if (strcmp(method, "GET") != 0)
                return MHD_NO;
        /* Answer on the second call, when the request is complete (as batchd does): a
         * response queued on the first makes libmicrohttpd close the connection. */
        if (!*state) {
                *state = &seen;
                return MHD_YES;
        }
        struct MHD_Response *r =
                MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Content-Type", "application/json");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: static_httpd FILE\n");
                return 2;
        }
        FILE *f = fopen(argv[1], "rb");
        if (!f || fseek(f, 0, SEEK_END) != 0) {
                perror(argv[1]);
                return 1;
        }
        long n = ftell(f);
        rewind(f);
        body = malloc(n > 0 ? (size_t)n : 1);
        if (!body || n < 0 || fread(body, 1, (size_t)n, f) != (size_t)n) {
                perror(argv[1]);
                return 1;
        }
        fclose(f);
        body_len = (size_t)n;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        struct MHD_Daemon *d = MHD_start_daemon(
                MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "static_httpd: cannot start libmicrohttpd\n");
                return 1;
        }
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        printf("%u\n", info ? info->port : 0);
        fflush(stdout);
        for (;;)
                pause();
}
