/* bench_http.c: updates per second through libbatch's HTTP client against the example
 * work-order API on loopback (issue 17: target >= 10,000/s with 8 threads).
 *
 *   bench_http BASE_URL THREADS ITEMS
 * Each thread PUTs its share of work orders 1..ITEMS (If-Match "1" and an
 * Idempotency-Key each, as workorder-sync does) through one shared client with client-
 * credentials login; prints one line: threads, updates, seconds, updates/s, and the
 * client's counters. The secret comes from $WO_SECRET. */
#include <batch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct worker {
        struct batch_http *h;
        long first, last;
        long ok, failed;
};

static void *run(void *arg)
{
        struct worker *w = arg;
        for (long id = w->first; id <= w->last; id++) {
                char path[64], key[64];
                snprintf(path, sizeof(path), "/api/workorders/%ld", id);
                snprintf(key, sizeof(key), "bench-%ld", id);
                struct batch_http_request rq = {.method = "PUT", .path = path,
                                                .body = "{\"status\":\"synced\"}",
                                                .if_match = "\"1\"", .idempotency_key = key};
                struct batch_http_response rs;
                if (batch_http_send(w->h, &rq, &rs, NULL) == 0 && rs.status == 200)
                        w->ok++;
                else
                        w->failed++;
                if (rs.body)
                        batch_http_response_release(&rs);
        }
        return NULL;
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: bench_http BASE_URL THREADS ITEMS\n");
                return 2;
        }
        int threads = atoi(argv[2]);
        long items = atol(argv[3]);
        if (threads < 1 || threads > 64 || items < threads) {
                fprintf(stderr, "bench_http: THREADS 1..64, ITEMS >= THREADS\n");
                return 2;
        }
        struct batch_http_options o = {.base_url = argv[1],
                                       .auth = BATCH_HTTP_AUTH_CLIENT_CREDENTIALS,
                                       .client_id = "batch",
                                       .client_secret = getenv("WO_SECRET")};
        struct batch_err err;
        struct batch_http *h = batch_http_new(&o, &err);
        if (!h) {
                fprintf(stderr, "bench_http: %s\n", err.msg);
                return 1;
        }
        struct worker w[64];
        pthread_t th[64];
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < threads; i++) {
                w[i] = (struct worker){h, 1 + items * i / threads, items * (i + 1) / threads, 0, 0};
                pthread_create(&th[i], NULL, run, &w[i]);
        }
        long ok = 0, failed = 0;
        for (int i = 0; i < threads; i++) {
                pthread_join(th[i], NULL);
                ok += w[i].ok;
                failed += w[i].failed;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        struct batch_http_metrics m;
        batch_http_metrics(h, &m);
        printf("bench_http: %d threads, %ld updates (%ld failed) in %.2f s: %.0f updates/s; "
               "requests %lld, logins %lld\n",
               threads, ok, failed, s, (double)ok / s, (long long)m.requests, (long long)m.logins);
        batch_http_free(h);
        return failed ? 1 : 0;
}
