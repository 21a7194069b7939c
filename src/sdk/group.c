/* group.c: related items applied all or nothing, with the program's compensation
 * (batch_group_apply; the seed's "transaction coordinator"). */
#include "sdk/sdk-internal.h"

#include <stdio.h>
#include <string.h>

#include "core/httprule.h"

/* One audit line on stderr (a single fprintf: lines of several threads do not mix). */
static void audit(struct batch_ctx *ctx, const char *key, size_t n, const char *result,
                  size_t failed, size_t compensated, const char *error)
{
        char ex[160] = "";
        if (error)
                httprule_excerpt(error, strlen(error), 120, ex, sizeof(ex));
        char tail[256] = "";
        if (failed)
                snprintf(tail, sizeof(tail), " failed_item=%zu compensated=%zu error=%s", failed,
                         compensated, ex);
        fprintf(stderr, "batch-audit: group=%s instance=%lld step=%s items=%zu result=%s%s\n", key,
                (long long)batch_ctx_instance_id(ctx), batch_ctx_step_name(ctx), n, result, tail);
}

int batch_group_apply(struct batch_ctx *ctx, const char *group_key, void *const *items, size_t n,
                      const struct batch_group_ops *ops, struct batch_err *reterr)
{
        if (!ctx || !group_key || (!items && n) || !ops || !ops->apply_cb || !ops->compensate_cb)
                return batch_err_set(reterr, BATCH_EINVAL, "group",
                                     "batch_group_apply needs a context, a key, items and both callbacks");
        struct batch_err why = {0};
        size_t i;
        for (i = 0; i < n; i++)
                if (ops->apply_cb(ops->ud, ctx, items[i], &why) < 0)
                        break;
        if (i == n) {
                audit(ctx, group_key, n, "applied", 0, 0, NULL);
                return 0;
        }
        /* item i failed: undo i-1 .. 0, newest first */
        size_t failed = i + 1, compensated = 0;
        char left[128] = "";
        size_t lo = 0;
        struct batch_err cerr = {0};
        int crc = 0;
        for (size_t k = i; k-- > 0;) {
                struct batch_err e = {0};
                if (ops->compensate_cb(ops->ud, ctx, items[k], &e) < 0) {
                        if (!crc) {
                                crc = e.code ? e.code : BATCH_EIO;
                                cerr = e;
                        }
                        int w = snprintf(left + lo, sizeof(left) - lo, "%s%zu", lo ? "," : "", k + 1);
                        if (w > 0 && (size_t)w < sizeof(left) - lo)
                                lo += (size_t)w;
                } else {
                        compensated++;
                }
        }
        if (crc) {
                audit(ctx, group_key, n, "partial", failed, compensated, cerr.msg);
                return batch_err_set(reterr, BATCH_EIO, "group",
                                     "group %s: item %zu of %zu failed (%.60s) and the compensation "
                                     "of item(s) %s failed too (%.60s): left applied",
                                     group_key, failed, n, why.msg, left, cerr.msg);
        }
        audit(ctx, group_key, n, "compensated", failed, compensated, why.msg);
        return batch_err_set(reterr, BATCH_ESKIP, "group",
                             "group %s: item %zu of %zu failed, %zu applied item(s) compensated: %s",
                             group_key, failed, n, compensated, why.msg);
}
