/* report_changes: the actions that changed a report's figures, and who took them (issue 20, the audit
 * trail's counterpart in the report): each maintenance window with who declared it and when (an
 * occurrence of a series moved: who moved it and when), and the occurrences of the period that were
 * cancelled, by whom and when. The document carries them as maintenance_windows[].created and
 * .changed (Unix seconds; changed null unless moved) and maintenance_cancelled[] ({id, service, start,
 * end, reason, who, cancelled}); the renderers say them in French or English through this file.
 * A whole window deleted is there too, from its audit entry ("maintenance.delete", `vigie audit`). */
#ifndef VIGIE_REPORT_CHANGES_H
#define VIGIE_REPORT_CHANGES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report_render.h"
#include "report/view.h"
#include "store/db.h"
#include "vocab.h"

/* At most this many cancelled occurrences per site and period (the rest are counted in the trail). */
#define REPORT_CHANGES_MAX 200

/* ---- the document (report.c) ---- */
/* Adds created and changed (0: null) to a window object of the document. */
void report_changes_window(json_t *w, int64_t created, int64_t changed);
/* The occurrences of site cancelled in [from, to), then the windows and series of the period deleted
 * since it began (report_changes_deleted: from the audit trail's "maintenance.delete" entries, whose
 * detail is the DELETE's reply), marked "deleted": a JSON array (empty when none or on error). */
json_t *report_changes_cancelled(db *d, const char *site, int64_t from, int64_t to);
void report_changes_deleted(db *d, const char *site, int64_t from, int64_t to, json_t *arr);

/* ---- the view (view.c) ---- */
/* The window's created and changed from its object e (0 when absent: a document made before). */
void report_changes_read_window(const json_t *e, report_view_window *w);
/* The site's cancelled occurrences from its object o into *out (malloc'd, NULL when none); their strings
 * point into the document. */
void report_changes_read_cancelled(const json_t *o, report_view_window **out, size_t *n);

/* ---- the renderers ---- */
/* "ops, 02/11/2026 14:05" (the declaration), "déplacée par ops, 03/11/2026 08:00" | "moved by ops,
 * 2026-11-03 08:00", or the name alone when the time is unknown. */
void report_changes_by(report_lang l, const report_view_window *w, const char *tz, char *out, size_t size);
/* "annulée par ops, 03/11/2026 08:00" | "cancelled by ops, 2026-11-03 08:00" */
void report_changes_cancelled_by(report_lang l, const report_view_window *w, const char *tz, char *out, size_t size);
/* A cancelled occurrence in a line: "START – END, SERVICE, REASON: cancelled by WHO, WHEN" (words: the
 * vocabulary's service names, may be NULL). */
void report_changes_cancelled_line(report_lang l, const report_view_window *w, const char *tz, const vocab *words,
                                   char *out, size_t size);

#endif
