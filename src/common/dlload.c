/* dlload.c: loading an optional shared library at its first use (see dlload.h). */
#include "common/dlload.h"

#include <dlfcn.h>
#include <stdio.h>

int dl_load(const char *soname, const char *lib, const char *package, const char *const *names,
            void **slots, size_t n, char *why, size_t len)
{
        void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                snprintf(why, len, "%s is not installed (Debian package %s): %s", lib, package,
                         dlerror());
                return -1;
        }
        for (size_t i = 0; i < n; i++)
                if (!(slots[i] = dlsym(h, names[i]))) {
                        snprintf(why, len, "%s lacks %s", lib, names[i]);
                        return -1;
                }
        return 0;
}
