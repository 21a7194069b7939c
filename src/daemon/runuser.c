/* runuser.c: a job's user looked up in the daemon (run_user_lookup, supervisor.h), so
 * that the supervisor, forked from the static spawner, only switches to it. */
#include "daemon/supervisor.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

int run_user_lookup(const char *name, struct run_user *out)
{
        *out = (struct run_user){0};
        long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
        size_t len = sz > 0 ? (size_t)sz : 16384;
        char *buf = NULL;
        struct passwd pw, *found = NULL;
        int rc;
        do {
                char *nb = realloc(buf, len);
                if (!nb) {
                        free(buf);
                        return BATCH_ENOMEM;
                }
                buf = nb;
                rc = getpwnam_r(name, &pw, buf, len, &found);
                len *= 2;
        } while (rc == ERANGE && len <= (1u << 20));
        if (rc || !found) {
                free(buf);
                out->err = rc ? rc : ENOENT;
                return 0;
        }
        out->uid = pw.pw_uid;
        out->gid = pw.pw_gid;
        int n = 32;
        for (;;) {
                gid_t *g = realloc(out->groups, (size_t)n * sizeof(*g));
                if (!g) {
                        free(buf);
                        run_user_release(out);
                        return BATCH_ENOMEM;
                }
                out->groups = g;
                int want = n;
                if (getgrouplist(pw.pw_name, pw.pw_gid, out->groups, &want) >= 0) {
                        out->ngroups = want;
                        break;
                }
                n = want > n ? want : n * 2; /* want: how many there are */
        }
        free(buf);
        return 0;
}

void run_user_release(struct run_user *u)
{
        free(u->groups);
        *u = (struct run_user){0};
}
