/* api.h: batchd's REST API (docs/api.md): /api/v1 JSON over HTTP, bearer tokens with
 * roles, Prometheus /metrics, /healthz. It runs in its own threads beside the
 * scheduler's loop and works on the repository with connections of its own: a write
 * (a submit, a stop request) is a repository change the scheduler picks up like any
 * other. */
#ifndef BATCH_API_API_H
#define BATCH_API_API_H

#include <stdbool.h>
#include <stddef.h>

#include "api/metrics.h"
#include "common/err.h"
#include "daemon/clock.h"

struct api_config {
        const char *listen;        /* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080"; port 0:
                                      any free port (see api_port) */
        const char *db;            /* the repository (store_open's dsn) */
        size_t max_body;           /* request bodies above this get 413; 0: 1 MiB */
        unsigned max_connections;  /* 0: 256 */
        struct batchd_metrics *metrics; /* the daemon's counters, or NULL */
        const struct dclock *clock; /* the daemon's clock (copied), which stamps submits and
                                       requests; NULL: real time */
        struct secrets *secrets;   /* encrypts secret values written (ops/secrets.h); set
                                      up with create_now, so read-only meanwhile */
        bool runtime;              /* a runtime environment: definition writes refused
                                      unless for troubleshooting (docs/environments.md) */
};

struct api;
struct secrets;

/* Starts listening and serving. Errors: BATCH_EINVAL (a listen address that does not
 * parse), BATCH_EIO (cannot bind, with the reason), BATCH_ENOMEM. The caller stops
 * it with api_stop. */
int api_start(const struct api_config *c, struct api **ret, struct batch_err *reterr);

/* The port it listens on (useful with port 0). */
unsigned api_port(const struct api *a);

/* Stops serving (open requests are finished first) and frees everything. */
void api_stop(struct api *a);

#endif
