#include "config.h"
#include "energy/energy_sides.h"

#include <stdio.h>
#include <string.h>

static void es_clear(energy_side_def *s)
{
    s->source = "";
    s->nseries = 0;
    s->partial = false;
    energy_msg_clear(&s->missing);
    energy_msg_clear(&s->note);
}

static bool es_add(energy_side_def *s, const inventory_reading *r, bool counter)
{
    if (s->nseries >= ENERGY_SIDE_MAX_SERIES) {
        energy_msg_set(&s->missing, "plus de %d séries : déclarez les compteurs (energy.facility, energy.it)",
                       "more than %d series: declare the meters (energy.facility, energy.it)", ENERGY_SIDE_MAX_SERIES);
        return false;
    }
    energy_source *e = &s->series[s->nseries++];
    snprintf(e->device, sizeof e->device, "%s", r->device);
    snprintf(e->metric, sizeof e->metric, "%s", r->metric);
    snprintf(e->instance, sizeof e->instance, "%s", r->instance);
    e->counter = counter;
    return true;
}

/* A device's total of a metric (its "" instance, else every instance): false when it has none. */
static bool es_device_total(energy_side_def *s, const inventory *inv, const char *device, const char *metric,
                            bool counter)
{
    size_t n;
    const inventory_reading *r = inventory_total(inv, device, metric, &n);
    for (size_t i = 0; i < n; i++)
        if (!es_add(s, &r[i], counter))
            return false;
    return n > 0;
}

static void es_declared(energy_side_def *s, const inventory *inv, const energy_source *src, size_t n)
{
    s->source = "meter";
    for (size_t i = 0; i < n; i++) {
        const inventory_reading *r = src[i].instance[0] ? inventory_find(inv, src[i].device, src[i].metric, src[i].instance)
                                                        : NULL;
        bool found = src[i].instance[0] ? r && es_add(s, r, src[i].counter)
                                        : es_device_total(s, inv, src[i].device, src[i].metric, src[i].counter);
        if (!found)
            energy_msg_set(&s->missing, "%s %s : aucune série reçue", "%s %s: no such series received", src[i].device,
                           src[i].metric);
    }
    if (energy_msg_is_set(&s->missing))
        s->nseries = 0;
}

/* Every device of class cls with a total of metric: false (and s->missing) when one has none. */
static bool es_class(energy_side_def *s, const inventory *inv, const char *cls, const char *metric, int64_t since,
                     size_t *ndevices)
{
    *ndevices = 0;
    for (size_t i = 0; i < inventory_device_count(inv); i++) {
        const char *dev = inventory_device_at(inv, i);
        if (strcmp(inventory_class_at(inv, i), cls) != 0 || inventory_last_at(inv, i) < since)
            continue;
        (*ndevices)++;
        if (es_device_total(s, inv, dev, metric, false))
            continue;
        size_t n;
        if (strcmp(metric, "input.realpower") == 0 && inventory_readings(inv, dev, "input.power", &n))
            energy_msg_set(&s->missing, "%s ne donne que sa puissance apparente d'entrée (VA), pas %s",
                           "%s gives its input as apparent power (VA) only, not %s", dev, metric);
        else if (strcmp(metric, "input.realpower") == 0 && inventory_readings(inv, dev, "input.current", &n))
            energy_msg_set(&s->missing, "%s ne donne que son courant d'entrée (A), pas %s",
                           "%s gives its input current (A) only, not %s", dev, metric);
        else if (strcmp(metric, "ups.realpower") == 0 && inventory_readings(inv, dev, "ups.power", &n))
            energy_msg_set(&s->missing, "%s ne donne que sa puissance apparente de sortie (VA), pas %s",
                           "%s gives its output as apparent power (VA) only, not %s", dev, metric);
        else
            energy_msg_set(&s->missing, "%s ne donne pas %s", "%s gives no %s", dev, metric);
    }
    if (*ndevices == 0)
        energy_msg_set(&s->missing, "aucun équipement de classe %s sur le site", "no %s device at the site", cls);
    if (energy_msg_is_set(&s->missing))
        s->nseries = 0;
    return !energy_msg_is_set(&s->missing);
}

void energy_sides_find(const inventory *inv, const energy_site_config *c, int64_t since, energy_side_def *facility,
                       energy_side_def *it)
{
    es_clear(facility);
    es_clear(it);
    size_t n;
    if (c && c->nfacility) {
        es_declared(facility, inv, c->facility, c->nfacility);
    } else if (es_class(facility, inv, "ups", "input.realpower", since, &n)) {
        facility->source = "ups_input";
        facility->partial = true;
    }
    if (c && c->nit) {
        es_declared(it, inv, c->it, c->nit);
        return;
    }
    energy_side_def *pdu = it; /* tried first; its reason becomes the note of the fallback */
    if (es_class(pdu, inv, "pdu", "input.realpower", since, &n)) {
        it->source = "pdu_input";
        return;
    }
    energy_msg why = it->missing;
    bool had_pdus = n > 0;
    es_clear(it);
    if (es_class(it, inv, "ups", "ups.realpower", since, &n))
        it->source = "ups_output";
    if (had_pdus) { /* each language its own reason */
        snprintf(it->note.fr, sizeof it->note.fr, "%.200s : les sorties des onduleurs tiennent lieu d'IT", why.fr);
        snprintf(it->note.en, sizeof it->note.en, "%.200s: the UPS outputs stand for IT", why.en);
    }
}
