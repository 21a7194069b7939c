/* records.h: building struct batch_record items field by field (for the built-in
 * readers): the values are gathered into one scratch buffer, then copied into one
 * allocation whose names point at the reader's own (shared) name array. */
#ifndef BATCH_SDK_RECORDS_H
#define BATCH_SDK_RECORDS_H

#include <pthread.h>
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

/* Records given back by the step (the reader's free_cb), kept for the next ones so that
 * a reader allocates nothing per item once its first chunks have gone through. Each kept
 * record is still one malloc'ed block (batch_record_free works on any record made here);
 * a kept block is reused when malloc_usable_size says the next record fits, else
 * realloc'ed. Safe to use from several threads (a multi-threaded step frees items on the
 * committing thread while a worker reads). Zero-initialise, then record_pool_init. */
struct record_pool {
        pthread_mutex_t lock;
        void *head;              /* kept blocks, linked through their first word */
        size_t n;                /* how many are kept (at most RECORD_POOL_MAX) */
};
enum { RECORD_POOL_MAX = 1 << 16 };

void record_pool_init(struct record_pool *p);
/* Frees every kept block. */
void record_pool_release(struct record_pool *p);
/* fields_record, taking its block from the pool when one is kept. */
struct batch_record *fields_record_pooled(struct record_pool *p, const struct fields *f,
                                          const char *const *names, size_t nnames);
/* Gives rec (from fields_record or fields_record_pooled; may be NULL) back to the pool,
 * or frees it when the pool is full. */
void record_pool_put(struct record_pool *p, struct batch_record *rec);

#endif
