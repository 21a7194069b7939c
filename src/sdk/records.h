/* records.h: building struct batch_record items field by field (for the built-in
 * readers): the values are gathered into one scratch buffer, then copied into one
 * allocation whose names point at the reader's own (shared) name array. */
#ifndef BATCH_SDK_RECORDS_H
#define BATCH_SDK_RECORDS_H

#include <stddef.h>

#include "batch.h"

struct fields {
        char *text;              /* the values, each NUL-terminated */
        size_t len, cap;
        size_t *start;           /* offset of each value in text; SIZE_MAX: NULL */
        size_t n, capn;
};

void fields_reset(struct fields *f);
void fields_release(struct fields *f);
/* Starts a value; then fields_add() its bytes and fields_end() it. 0 or BATCH_ENOMEM. */
int fields_begin(struct fields *f);
int fields_add(struct fields *f, const char *s, size_t n);
int fields_end(struct fields *f);
/* Adds a NULL value. */
int fields_null(struct fields *f);
const char *fields_value(const struct fields *f, size_t i);
/* A record of the gathered values; names[i] for i < nnames, "" beyond (borrowed: the
 * record keeps the pointer). NULL on ENOMEM. Free with batch_record_free. */
struct batch_record *fields_record(const struct fields *f, const char *const *names,
                                   size_t nnames);

#endif
