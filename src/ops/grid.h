/* grid.h: the grid of jobs x recent days (docs/api.md, GET /api/v1/grid): for each job
 * of the tenant and each day of a range of days in the tenant's time zone, the state of
 * its governing instance that day (the dependency view's rule, deps.h). */
#ifndef BATCH_OPS_GRID_H
#define BATCH_OPS_GRID_H

#include "common/buf.h"
#include "common/err.h"
#include "store/store.h"

/* The most days one grid shows, and the most jobs a page of it. */
#define OPS_GRID_MAX_DAYS 62
#define OPS_GRID_MAX_JOBS 1000

/* Appends {"timezone", "days": [date...], "jobs": [{"job", "group", "enabled",
 * "cells": [cell...]}], "next_cursor"} for the `ndays` days (1 to OPS_GRID_MAX_DAYS)
 * ending with `to` (YYYY-MM-DD, a day in the tenant's zone), oldest first. A cell is
 * null when the job had no instance due that day, else {"instance_id", "state",
 * "state_code", "due", "runs"}: its governing instance (the latest due within the day)
 * and how many of its instances were due that day. The jobs are a page: in name order,
 * after job `after` (NULL: from the first), at most `limit` (1 to OPS_GRID_MAX_JOBS);
 * next_cursor is the last one's name when more follow, else null. `group` (or NULL)
 * keeps that group's. Each job of the page is one index range read of its instances
 * (tenant, job, due time). Errors: BATCH_ESYNTAX for a date that does not parse or a
 * number of days out of range, or the repository's. */
int ops_grid_view(struct store *s, const char *tenant, const char *to, int ndays, const char *group,
                  const char *after, unsigned limit, struct buf *b, struct batch_err *reterr);

#endif
