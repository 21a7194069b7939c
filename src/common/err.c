/* err.c: error strings and the error record setter. */
#include "err.h"

#include <stdio.h>
#include <string.h>

const char *batch_strerror(int code)
{
        switch (code) {
#define BATCH_ERR_STR(name, value, desc)                                                          \
        case BATCH_##name:                                                                        \
                return desc;
                BATCH_ERR_MAP(BATCH_ERR_STR)
#undef BATCH_ERR_STR
        }
        return "unknown error";
}

const char *batch_err_name(int code)
{
        switch (code) {
#define BATCH_ERR_NAME(name, value, desc)                                                         \
        case BATCH_##name:                                                                        \
                return "BATCH_" #name;
                BATCH_ERR_MAP(BATCH_ERR_NAME)
#undef BATCH_ERR_NAME
        }
        return "BATCH_UNKNOWN";
}

int batch_err_set(struct batch_err *err, int code, const char *field, const char *fmt, ...)
{
        if (!err)
                return code;
        err->code = code;
        snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        return code;
}
