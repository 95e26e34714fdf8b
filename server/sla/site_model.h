/* site_model: what "available" means for a site — its critical services and how each is judged.
 *
 *   services:
 *     power:   {devices: [ups-a, ups-b], min_up: 1}      # k-of-n over device health
 *     cooling: {class: cooling, min_up: 2}               # every device of a class
 *     environment:
 *       conditions:                                       # metric conditions, all must hold
 *         - {device: env, metric: env.temperature, max: 27}
 *         - {class: env, metric: env.leak, text: dry}
 *
 * A site without `services` gets the defaults of its kind (site_model_defaults: the site_kinds of
 * mibs/vocabulary.yaml, documented in conf/server.yaml). `min_up: 0` means "all but one" (N+1), at least one. */
#ifndef VIGIE_SITE_MODEL_H
#define VIGIE_SITE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "sla/availability.h"
#include "conf.h"
#include "names.h"
#include "vocab.h"

#define SITE_MAX_SERVICES 8
#define SERVICE_MAX_DEVICES 16
#define SERVICE_MAX_CONDITIONS 8

typedef struct {
    char device[NAME_MAX_LEN + 1]; /* one device, or "" for every device of cls */
    char cls[16];
    char metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1]; /* "" for every instance */
    bool has_min, has_max;
    double min, max;
    char text[64];                  /* the value's text must be this ("dry", "closed") */
} site_condition;

typedef struct {
    char name[32];
    char devices[SERVICE_MAX_DEVICES][NAME_MAX_LEN + 1];
    size_t ndevices;
    char cls[16];                   /* every device of this class (when no devices are listed) */
    int min_up;                     /* 0: all but one, at least one */
    site_condition conditions[SERVICE_MAX_CONDITIONS];
    size_t nconditions;
} site_service;

typedef struct {
    site_service services[SITE_MAX_SERVICES];
    size_t nservices;
    unknown_policy unknown;
    bool defaults;                  /* the services come from the site's kind */
} site_model;

/* Reads a site's `services` mapping, classes checked against the vocabulary; file:line:column errors. */
vg_code site_model_read(const conf_doc *doc, const conf_node *services, const vocab *v, site_model *m, vg_err *err);
/* The services of a kind (datacenter, nro, pop, core) when the site declares none: the vocabulary's
 * site_kinds (mibs/vocabulary.yaml). VG_E_INVALID for a kind it does not list, or for services it
 * writes wrong (placed in vocabulary.yaml). */
vg_code site_model_defaults(const vocab *v, const char *kind, site_model *m, vg_err *err);

/* Whether a condition judges this sample, and whether the sample meets it. */
bool site_condition_applies(const site_condition *c, const char *device, const char *cls, const char *metric,
                            const char *instance);
bool site_condition_met(const site_condition *c, double value, const char *text);

#endif
