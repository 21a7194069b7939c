/* validate.h: the checks of `batchctl validate` over a loaded defset: names, cron
 * expressions and zones (through the time engine), triggers and executors, minutes,
 * parents and calendars that exist, dependency cycles, duplicates. */
#ifndef BATCH_DEFS_VALIDATE_H
#define BATCH_DEFS_VALIDATE_H

#include <stdbool.h>

#include "defs/defs.h"

/* True when `name` is a valid job, calendar or tenant name:
 * [a-z0-9][a-z0-9_.-]{0,127}. */
bool defs_name_ok(const char *name);

/* Appends a diagnostic to *diags for every problem in *set. Zones are looked up in
 * the system's zoneinfo. Returns 0 (even with diagnostics) or BATCH_ENOMEM. */
int defs_validate(const struct defset *set, struct diag_list *diags);

#endif
