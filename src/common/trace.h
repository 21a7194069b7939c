/* trace.h: trace ids of instances (DESIGN §4: the seed's MDC): 128 random bits as 32
 * lowercase hex digits. */
#ifndef BATCH_COMMON_TRACE_H
#define BATCH_COMMON_TRACE_H

#define TRACE_ID_LEN 32

/* Writes a new trace id and its NUL into out. Uses getrandom(2); should the kernel not
 * answer, falls back to the clock and the process id (unique enough to trace by, not
 * secret). */
void trace_id_new(char out[TRACE_ID_LEN + 1]);

#endif
