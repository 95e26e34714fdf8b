/* report_render: the monthly SLA report as a document — PDF (what is signed and sent), HTML
 * (self-contained, printable), CSV and JSON — from report_build()'s document.
 *
 * Every format gives a cover summary of all sites (worst first, as report_build orders them), then
 * per site its figures, year to date, services, incidents, maintenance windows and, in PDF and HTML,
 * graphs of the month drawn by librrd from the RRD files (in the store's graph process: see
 * store/graph.h; without it, the documents have no graphs). Labels, numbers and dates are French
 * ("99,982 %", "octobre 2026") or English, from our own tables: the C library's locales may be
 * missing on the machine.
 *
 * Reproducible: each document names the data it was computed from and carries the SHA-256 of the
 * canonical JSON of the figures (report_build's document without generated_at, keys sorted,
 * compact, ASCII): the same data gives the same figures and the same digest. See doc/report.md. */
#ifndef VIGIE_REPORT_RENDER_H
#define VIGIE_REPORT_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"
#include "store/rrd_store.h"
#include "vocab.h"

typedef enum { REPORT_LANG_FR = 0, REPORT_LANG_EN } report_lang;
typedef enum { REPORT_PDF = 0, REPORT_HTML, REPORT_CSV, REPORT_JSON } report_format;

/* "fr" | "en"; "pdf" | "html" | "csv" | "json". VG_OK, or VG_E_INVALID for anything else. */
vg_code report_render_lang_parse(const char *s, report_lang *out);
vg_code report_render_format_parse(const char *s, report_format *out);
const char *report_render_content_type(report_format f);
const char *report_render_extension(report_format f); /* "pdf" */

/* Formatting, French or English; out always ends up NUL-terminated. */
/* 99.982, 3 -> "99,982" | "99.982"; NAN -> "n.d." | "n/a" */
void report_render_number(report_lang l, double v, int decimals, char *out, size_t size);
/* An availability with 4 decimals, truncated so that it never reads above the truth:
 * 99.97763 -> "99,9776 %" */
void report_render_availability(report_lang l, double v, char *out, size_t size);
/* A percentage with as few decimals as it needs (at most 4): 99.982 -> "99,982 %" */
void report_render_target(report_lang l, double v, char *out, size_t size);
/* 466.56 -> "7 min 46,6 s"; 7500 -> "2 h 05 min"; 2 days -> "2 j 00 h" | "2 d 00 h"; NAN -> "–" */
void report_render_duration(report_lang l, double seconds, char *out, size_t size);
/* "octobre 2026" | "October 2026" */
void report_render_month(report_lang l, int year, int month, char *out, size_t size);
/* A time in the zone tz: "14/10/2026 03:12" | "2026-10-14 03:12" */
void report_render_time(report_lang l, int64_t t, const char *tz, char *out, size_t size);

/* The SHA-256 of the canonical JSON of the figures, as 64 hex digits (report/digest.h). */
vg_code report_render_digest(const json_t *doc, char hex[65]);

typedef struct {
    report_lang lang;
    db *db;          /* the devices of each site, for the graphs; NULL: no graphs */
    rrd_store *rrd;  /* where the series are; NULL: no graphs */
    const vocab *vocab; /* which graphs there are, the services' words; NULL: no graphs, services by name */
} report_render_opts;

typedef struct {
    char *data;  /* malloc'd */
    size_t len;
} report_render_out;

/* One function per format: VG_OK, or an error in err (VG_E_INVALID when doc is not report_build()'s
 * document, naming the member at fault; VG_E_NOMEM; VG_E_INTERNAL from cairo). */
vg_code report_render_pdf(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err);
vg_code report_render_html(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err);
vg_code report_render_csv(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err);
/* report_build's document plus the digest block. */
vg_code report_render_json(const json_t *doc, const report_render_opts *o, report_render_out *out, vg_err *err);
vg_code report_render(report_format f, const json_t *doc, const report_render_opts *o, report_render_out *out,
                      vg_err *err);

/* The cover summary as plain text, short lines that read well on a phone (the mail's body); NULL when
 * doc is not a report or without memory. */
char *report_render_summary(const json_t *doc, report_lang l);
/* The mail's subject: "Rapport de disponibilité – octobre 2026". */
void report_render_subject(const json_t *doc, report_lang l, char *out, size_t size);

#endif
