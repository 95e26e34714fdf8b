/* The energy period as JSON (doc/api.md, GET /api/v1/energy; the monthly report's `energy` member).
 * Figures are rounded (kWh to the Wh, percentages to 0.01, PUE to 0.001) so that a document reads as
 * what it claims to measure, and the same data gives the same document. */
#include "config.h"
#include "energy/energy.h"

#include <math.h>

static json_t *ej_round(double v, double unit) { return isfinite(v) ? json_real(round(v / unit) * unit) : json_null(); }

static json_t *ej_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *ej_series(const energy_side_def *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->nseries; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "device", s->series[i].device, "metric",
                                           s->series[i].metric, "instance", s->series[i].instance, "counter",
                                           s->series[i].counter));
    return a;
}

/* kWh of a side over its known rows: null when none is known (or there is no side). */
static json_t *ej_kwh(const energy_total *t) { return t->known ? ej_round(t->kwh, 0.001) : json_null(); }

static json_t *ej_side(const energy_side_def *s, const energy_total *t)
{
    bool has = s->nseries > 0;
    json_t *o = json_pack("{s:o, s:b, s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "source", ej_str(s->source), "partial",
                          s->partial, "series", ej_series(s), "kwh", has ? ej_kwh(t) : json_null(), "coverage",
                          has ? ej_round(t->coverage, 0.01) : json_null(), "hours_known", (json_int_t)t->known,
                          "hours_counted", (json_int_t)t->expected, "missing", energy_msg_json(&s->missing), "note",
                          energy_msg_json(&s->note));
    return o;
}

static json_t *ej_pue(const pue_result *r)
{
    return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o}", "value", ej_round(r->value, 0.001), "status",
                     pue_status_name(r->status), "ratio", ej_round(r->ratio, 0.001), "coverage",
                     ej_round(r->common.coverage, 0.01), "facility_kwh",
                     r->common.known ? ej_round(r->facility_kwh, 0.001) : json_null(), "it_kwh",
                     r->common.known ? ej_round(r->it_kwh, 0.001) : json_null());
}

static json_t *ej_day(const energy_period *p, const energy_day *d)
{
    const pue_result *r = &d->pue;
    return json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:o}", "date", d->date, "from", (json_int_t)d->from,
                     "to", (json_int_t)d->to, "facility_kwh", p->facility_kwh ? ej_kwh(&r->facility) : json_null(),
                     "it_kwh", p->it_kwh ? ej_kwh(&r->it) : json_null(), "facility_coverage",
                     p->facility_kwh ? ej_round(r->facility.coverage, 0.01) : json_null(), "it_coverage",
                     p->it_kwh ? ej_round(r->it.coverage, 0.01) : json_null(), "pue", ej_round(r->value, 0.001),
                     "pue_status", pue_status_name(r->status), "ratio", ej_round(r->ratio, 0.001));
}

json_t *energy_period_json(const energy_period *p)
{
    json_t *days = json_array();
    for (size_t i = 0; i < p->ndays; i++)
        json_array_append_new(days, ej_day(p, &p->days[i]));
    return json_pack("{s:I, s:I, s:I, s:I, s:f, s:o, s:o, s:o, s:o}", "from", (json_int_t)p->from, "to",
                     (json_int_t)p->to, "counted_until", (json_int_t)p->until, "step", (json_int_t)p->grid.step,
                     "min_coverage", p->min_coverage, "facility", ej_side(&p->facility, &p->pue.facility), "it",
                     ej_side(&p->it, &p->pue.it), "pue", ej_pue(&p->pue), "days", days);
}
