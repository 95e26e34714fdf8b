/* view: report_build()'s JSON document read once into C structs, for the renderers.
 *
 * The document is checked member by member as it is read: a missing or mistyped member gives
 * VG_E_INVALID naming it ("sites[1].figures.availability"), never a renderer reading a zero or a
 * NULL. Figures that the document gives as null (no eligible time: no availability, no MTTR) are NAN.
 * The view also holds the SHA-256 digest of the figures, computed once. Its strings point into the
 * document, of which it keeps a reference: it lives until report_view_free. */
#ifndef VIGIE_REPORT_VIEW_H
#define VIGIE_REPORT_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The verdict of a period: INSUFFICIENT when less than the site's min_coverage was monitored. */
typedef enum { REPORT_INSUFFICIENT = 0, REPORT_MET, REPORT_MISSED } report_verdict;

/* avail_compute()'s figures of a site or a service over a period */
typedef struct {
    int64_t length, eligible, downtime, unknown, maintenance, incidents, monitored; /* seconds, and a count */
    double availability, allowed_downtime, budget_consumed, mttr, mtbf;   /* NAN: not known */
    double coverage;       /* percent of the time outside maintenance monitored; NAN: nothing eligible */
    report_verdict verdict;
    bool target_met;       /* verdict == REPORT_MET */
} report_view_figures;

typedef struct {
    const char *label; /* "2026-10", "" for an explicit period */
    int64_t from, to, counted_until;
    double hours;
} report_view_period;

typedef struct {
    report_view_figures figures;
    int64_t from, to;
    double annual_allowed_downtime; /* what a whole year at the target allows */
} report_view_ytd;

typedef struct {
    const char *name; /* "power", "cooling", ... */
    report_view_figures figures;
} report_view_service;

typedef struct {
    int64_t start, end, duration, counted;
    const char *services; /* "power, cooling" */
    const char *cause;
    bool excluded; /* inside a declared maintenance window */
} report_view_incident;

typedef struct {
    int64_t id;
    const char *service; /* "" for the whole site */
    int64_t start, end;
    const char *reason, *who;
    bool recurring, moved; /* an occurrence of a series (rrule its rule), moved from the rule's times */
    const char *rrule;
    int64_t created, changed; /* declared at; moved (or cancelled) at, 0 when not (report_changes.h) */
    bool deleted;             /* in the cancelled list: the whole window (or series) deleted, not one occurrence */
} report_view_window;

typedef struct {
    const char *id, *name, *kind, *timezone, *unknown_policy;
    double target, min_coverage;
    report_view_period period;
    report_view_figures figures;
    report_view_ytd ytd;
    report_view_service *services;
    size_t nservices;
    report_view_incident *incidents;
    size_t nincidents;
    report_view_window *windows;
    size_t nwindows;
    report_view_window *cancelled; /* occurrences cancelled in the period (report_changes.h) */
    size_t ncancelled;
    struct report_view_energy *energy; /* energy, PUE, headroom (view_energy.h); NULL when the document has none */
    struct report_view_selftests *self_tests; /* UPS self-tests (view_selftests.h); NULL when the document has none */
} report_view_site;

typedef struct {
    const char *software; /* "vigie 1.4.0" */
    const char *period;   /* "2026-10" */
    int64_t generated_at;
    report_view_site *sites; /* worst first, as report_build orders them */
    size_t nsites;
    char digest[65]; /* report_render_digest() of the document */
    const json_t *doc;
} report_view;

/* Reads doc; NULL with err (VG_E_INVALID naming the member at fault, VG_E_NOMEM). */
report_view *report_view_new(const json_t *doc, vg_err *err);
void report_view_free(report_view *v);

#endif
