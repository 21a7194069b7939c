/* err.h: batchd's error codes and the detailed error record. The table is public (the
 * SDK's programs see the same codes), so it lives in include/batch_errors.h. */
#ifndef BATCH_COMMON_ERR_H_INCLUDE
#define BATCH_COMMON_ERR_H_INCLUDE

#include "batch_errors.h"

#endif
