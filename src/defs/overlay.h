/* overlay.h: per-environment overlays (docs/environments.md): documents that change what
 * must differ between environments — a job's enabled, trigger, executor (its service)
 * and alerts; the settings' time_offset and alerts — without editing the exported
 * definitions. An overlay is loaded like definitions (defs_load_paths: a job document
 * names the job and gives only the keys it changes, a settings document names the
 * tenant), is applied to the definitions in memory, and never reaches the repository, so
 * an export never holds it.
 *
 * A key the overlay gives replaces the definition's whole key: `trigger: {cron: ...}`
 * is the whole trigger, `alerts: {email: [...]}` all of alerts. */
#ifndef BATCH_DEFS_OVERLAY_H
#define BATCH_DEFS_OVERLAY_H

#include "defs/defs.h"

/* Applies every document of `ov` to the matching definition of *set (job: same tenant
 * and name; settings: same tenant, the defaults when the set has none), in place: the
 * definition becomes the overlaid one, with the positions of its keys pointing at the
 * overlay for the keys it gave (so a problem found later by defs_validate names the
 * overlay's line), and at the definition for the rest. `ov` must outlive *set (positions
 * borrow its file names). A problem — a calendar, a key an overlay may not change, a job
 * the set does not hold — is a diagnostic in *diags at the overlay's key, and that
 * document is left out; the others are applied. Returns 0 (even with diagnostics) or
 * BATCH_ENOMEM. Call defs_validate on the result. */
int defs_overlay_apply(struct defset *set, const struct defset *ov, struct diag_list *diags);

#endif
