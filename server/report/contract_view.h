/* contract_view: report_contract_doc()'s JSON document read once into C structs for the renderers of
 * the délégataire's report (contract_pdf.c, contract_html.c, contract_csv.c), checked member by
 * member as report/view.h does: a missing or mistyped member is VG_E_INVALID naming it
 * ("sites[3].penalty"), never a renderer reading a zero. Nulls are NAN (numbers) or NULL (strings).
 * The view keeps a reference to the document (its strings point into it) and the digest of its
 * figures, and adds what the pictures need: the availability distribution. */
#ifndef VIGIE_REPORT_CONTRACT_VIEW_H
#define VIGIE_REPORT_CONTRACT_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "report/content.h"

typedef struct {
    const char *id, *name, *commune, *epci, *category, *nro;
    double availability, coverage; /* NAN: nothing eligible */
    content_status status;
    int64_t downtime, incidents, breaches, attributed;
    double penalty, penalty_nro, penalty_link;
    bool capped;
} cview_site;

typedef struct {
    const char *commune, *epci;
    int64_t sites, not_met, incidents, breaches, downtime;
    double availability, penalty, penalty_nro, penalty_link;
} cview_commune;

typedef struct {
    const char *site, *name, *commune, *cause;
    const char *attributed_to; /* NULL: a single link */
    int64_t start, restored, duration, gtr_deadline, overrun; /* restored 0: ongoing */
    bool breach;
    double penalty;
} cview_incident;

typedef struct {
    int64_t sites, met, missed, nodata, downtime, incidents, attributed, breaches, breaches_nro, sites_breached,
        sites_capped;
    double mean_availability, min_availability, penalties, penalties_nro, penalties_link;
} cview_summary;

/* The sites per availability band, for the distribution picture: 100 %, [target, 100), then 1, 5
 * points below, the rest, and no figure. */
#define CVIEW_BANDS 6
typedef struct {
    const char *software, *period, *timezone;
    int64_t generated_at, from, to, counted_until;
    const char *contract, *label_fr, *label_en, *calendar;
    double target, penalty_per_hour, penalty_cap; /* cap NAN: none */
    int64_t gtr;
    cview_summary sum;
    cview_commune *communes;
    size_t ncommunes;
    cview_site *sites;
    size_t nsites;
    cview_incident *incidents;
    size_t nincidents;
    size_t bands[CVIEW_BANDS];
    char digest[65];
    const json_t *doc;
} cview;

cview *cview_new(const json_t *doc, vg_err *err);
void cview_free(cview *v);

/* The contract's label in the language ("Sites publics — standard"). */
const char *cview_label(const cview *v, report_lang l);
/* Whether the site goes to the body's table of exceptions: missed its target or had a breach. */
bool cview_site_exception(const cview_site *s);

#endif
