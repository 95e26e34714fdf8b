#include "config.h"
#include "energy/headroom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hr_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The sum of the k smallest of c[0..n) (sorted here). */
static double hr_smallest(double *c, size_t n, size_t k)
{
    if (n)
        qsort(c, n, sizeof *c, hr_cmp_double);
    double s = 0;
    for (size_t i = 0; i < k && i < n; i++)
        s += c[i];
    return s;
}

/* k of n from a service's min_up: 0 is "all but one", at least one, at most n. */
static size_t hr_needed(int min_up, size_t n)
{
    size_t k = min_up <= 0 ? (n > 1 ? n - 1 : 1) : (size_t)min_up;
    return k > n ? n : k;
}

static void hr_status(double usable, double load, double *headroom, double *pct, const char **status)
{
    *headroom = usable - load;
    *pct = usable > 0 ? *headroom / usable * 100.0 : NAN;
    *status = *headroom >= 0 ? "ok" : "exceeded";
}

void headroom_power_compute(const headroom_ups *u, size_t n, energy_redundancy rule, int min_up, headroom_power *out)
{
    memset(out, 0, sizeof *out);
    out->rule = rule;
    out->units = n;
    out->capacity_w = out->usable_w = out->load_w = out->headroom_w = out->headroom_pct = NAN;
    out->status = "not_reported";
    if (n == 0) {
        energy_msg_set(&out->missing, "aucun onduleur sur le site", "no UPS at the site");
        return;
    }
    if (n > HEADROOM_MAX_UNITS) {
        energy_msg_set(&out->missing, "plus de %d onduleurs", "more than %d UPS", HEADROOM_MAX_UNITS);
        return;
    }
    double cap[HEADROOM_MAX_UNITS], total = 0, load = 0, largest = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(u[i].capacity_w))
            energy_msg_set(&out->missing,
                           "%s : puissance nominale non indiquée (ups.realpower.nominal, ou energy.ratings realpower dans server.yaml)",
                           "%s: no rated power (ups.realpower.nominal, or energy.ratings realpower in server.yaml)",
                           u[i].device);
        else if (!isfinite(u[i].load_w))
            energy_msg_set(&out->missing, "%s : charge non indiquée", "%s: load not reported", u[i].device);
        cap[i] = u[i].capacity_w;
        total += u[i].capacity_w;
        load += u[i].load_w;
        largest = u[i].capacity_w > largest ? u[i].capacity_w : largest;
    }
    out->needed = rule == ENERGY_REDUNDANCY_N    ? n
                  : rule == ENERGY_REDUNDANCY_N1 ? (n > 1 ? n - 1 : 1)
                  : rule == ENERGY_REDUNDANCY_2N ? (n + 1) / 2
                                                 : hr_needed(min_up, n);
    if (energy_msg_is_set(&out->missing))
        return;
    out->capacity_w = total;
    out->load_w = load;
    out->usable_w = rule == ENERGY_REDUNDANCY_N    ? total
                    : rule == ENERGY_REDUNDANCY_N1 ? (n > 1 ? total - largest : total)
                    : rule == ENERGY_REDUNDANCY_2N ? total / 2
                                                   : hr_smallest(cap, n, out->needed);
    hr_status(out->usable_w, load, &out->headroom_w, &out->headroom_pct, &out->status);
}

void headroom_phase_compute(headroom_phase *p, double device_load_pct)
{
    p->load_pct = p->headroom_pct = NAN;
    if (isfinite(p->rating_a) && p->rating_a > 0 && isfinite(p->current_a)) {
        p->rating_from = p->rating_from && *p->rating_from ? p->rating_from : "config";
        p->load_pct = p->current_a / p->rating_a * 100.0;
    } else if (isfinite(device_load_pct)) {
        p->rating_from = "input.load";
        p->load_pct = device_load_pct;
        if (isfinite(p->current_a) && device_load_pct > 0)
            p->rating_a = p->current_a / (device_load_pct / 100.0); /* the rating the device's own load implies */
    } else {
        p->rating_from = "";
        p->rating_a = NAN;
    }
    if (isfinite(p->load_pct))
        p->headroom_pct = 100.0 - p->load_pct;
}

void headroom_cooling_compute(const headroom_cooler *u, size_t n, int min_up, double heat_load_kw,
                              headroom_cooling *out)
{
    memset(out, 0, sizeof *out);
    out->units = n;
    out->heat_load_kw = heat_load_kw;
    out->capacity_kw = out->usable_kw = out->headroom_kw = out->headroom_pct = NAN;
    out->status = "not_reported";
    if (n == 0) {
        energy_msg_set(&out->missing, "aucune unité de climatisation sur le site", "no cooling unit at the site");
        return;
    }
    if (n > HEADROOM_MAX_UNITS) {
        energy_msg_set(&out->missing, "plus de %d unités de climatisation", "more than %d cooling units", HEADROOM_MAX_UNITS);
        return;
    }
    out->needed = hr_needed(min_up, n);
    double cap[HEADROOM_MAX_UNITS], total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(u[i].rated_kw)) {
            energy_msg_set(&out->missing,
                           "%s : puissance frigorifique nominale non indiquée (energy.ratings cooling_kw dans server.yaml)",
                           "%s: rated cooling capacity not reported (energy.ratings cooling_kw in server.yaml)",
                           u[i].device);
            return;
        }
        cap[i] = u[i].rated_kw;
        total += u[i].rated_kw;
    }
    out->capacity_kw = total;
    out->usable_kw = hr_smallest(cap, n, out->needed);
    if (!isfinite(heat_load_kw)) {
        energy_msg_set(&out->missing, "la charge thermique (la puissance IT) n'est pas mesurée",
                       "the heat load (the IT power) is not measured");
        return;
    }
    hr_status(out->usable_kw, heat_load_kw, &out->headroom_kw, &out->headroom_pct, &out->status);
}
