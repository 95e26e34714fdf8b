/* view_energy: the `energy` and `headroom` members of a site of report_build()'s document
 * (energy/energy_site.h) read into C for the renderers, checked member by member as view.h does: a
 * missing or mistyped member is VG_E_INVALID naming it ("sites[0].energy.pue.value"); a figure the
 * document gives as null is NAN, a text given as null is NULL, a sentence {"fr", "en"} is both. A document built without the RRD files
 * has neither member: the site's view has no energy (NULL). Strings point into the document. */
#ifndef VIGIE_REPORT_VIEW_ENERGY_H
#define VIGIE_REPORT_VIEW_ENERGY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A sentence in both languages; both NULL when the document gives null. */
typedef struct {
    const char *fr, *en;
} report_view_msg;

typedef struct {
    const char *source;                  /* "ups_input" ...; NULL when null */
    report_view_msg missing, note;
    bool partial;
    double kwh, coverage;                /* NAN when null */
} report_view_energy_side;

typedef struct {
    const char *date, *pue_status;
    double facility_kwh, it_kwh, pue, ratio;
} report_view_energy_day;

typedef struct {
    const char *device;
    double capacity_w, load_w, load_pct;
} report_view_ups;

typedef struct {
    const char *device, *phase, *rating_from;
    double current_a, rating_a, load_pct, headroom_pct;
} report_view_phase;

typedef struct {
    const char *device;
    double in_use_pct, output_kw, rated_kw;
} report_view_cooler;

typedef struct report_view_energy {
    double min_coverage;
    report_view_energy_side facility, it;
    const char *pue_status;
    double pue, pue_ratio, pue_coverage;
    report_view_energy_day *days;
    size_t ndays;
    /* the headroom, at the period's peak hours */
    const char *rule, *power_status;
    report_view_msg power_missing;
    int64_t units, needed;
    double capacity_w, usable_w, load_w, headroom_w, headroom_pct;
    report_view_ups *ups;
    size_t nups;
    report_view_phase *phases;
    size_t nphases;
    const char *cooling_status;
    report_view_msg cooling_missing;
    double heat_load_kw, cooling_usable_kw, cooling_headroom_kw, cooling_headroom_pct;
    report_view_cooler *coolers;
    size_t ncoolers;
} report_view_energy;

/* Reads the members of the site object `site` (at: its place, "sites[0]", for the errors) into *out;
 * *out is NULL when the site has neither. */
vg_code report_view_energy_read(const json_t *site, const char *at, report_view_energy **out, vg_err *err);
void report_view_energy_free(report_view_energy *e);

#endif
