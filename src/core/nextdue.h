/* nextdue.h: the answer of a `next_due_api` trigger (DESIGN §2, the seed's "Customer Api
 * For Next DueTime"): a wall time `yyyy-MM-dd'T'HH:mm:ss` in the job's zone, turned into
 * an instant with the DST rules of DESIGN §2.1. Pure.
 *
 * Accepted (docs/remote-jobs.md "next_due_api"): the 19 characters exactly, optionally in
 * one pair of double quotes (a JSON string), optionally with ASCII spaces, tabs, CR and LF
 * around; years 1..9999, real dates, hours 00-23, minutes and seconds 00-59. Nothing else
 * (no zone or offset, no fraction, no date alone): an API that answers anything else is
 * an error the daemon reports, never a guess. */
#ifndef BATCH_CORE_NEXTDUE_H
#define BATCH_CORE_NEXTDUE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "core/tz.h"

/* Answers longer than this are refused before any parsing. */
#define NEXTDUE_ANSWER_MAX 256

/* Parses len bytes of an answer as a wall time in zone z. A wall time that does not
 * exist (spring forward) means the first instant after the gap; one that occurs twice
 * (fall back) its first occurrence. Returns 0 and *ret (Unix seconds), or BATCH_ESYNTAX /
 * BATCH_ERANGE with a message quoting (at most 40 bytes of) the answer and saying what is
 * wrong; *ret is then unchanged. *ret_adjust (optional) is 0, or 1 when the time fell in
 * a gap and was moved, 2 when it was ambiguous and the first occurrence taken. */
int nextdue_parse(const char *answer, size_t len, const struct tz *z, int64_t *ret,
                  int *ret_adjust, struct batch_err *reterr);

#endif
