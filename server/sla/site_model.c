#include "config.h"
#include "sla/site_model.h"

#include <stdio.h>
#include <string.h>

/* A class the vocabulary lists (any class word without one). */
static bool sm_class_ok(const vocab *v, const char *c)
{
    return v ? vocab_class_find(v, c) != NULL : vocab_class_name_is_valid(c);
}

static vg_code sm_condition(const conf_doc *d, const conf_node *n, const vocab *v, site_condition *c, vg_err *err)
{
    static const char *const keys[] = {"device", "class", "metric", "instance", "min", "max", "text", NULL};
    if (conf_check_map(d, n, "condition", keys, err) ||
        conf_get_buf(d, n, "device", false, c->device, sizeof c->device, err) ||
        conf_get_buf(d, n, "class", false, c->cls, sizeof c->cls, err) ||
        conf_get_buf(d, n, "metric", false, c->metric, sizeof c->metric, err) ||
        conf_get_buf(d, n, "instance", false, c->instance, sizeof c->instance, err) ||
        conf_get_buf(d, n, "text", false, c->text, sizeof c->text, err))
        return VG_E_INVALID; /* the conf functions say why in err */
    if (!c->metric[0] || !metric_name_is_valid(c->metric))
        return conf_fail(err, d, n, "metric", "a condition names a valid metric (env.temperature)");
    if ((c->device[0] != 0) == (c->cls[0] != 0))
        return conf_fail(err, d, n, "device", "a condition gives exactly one of 'device' or 'class'");
    if (c->device[0] && !name_is_valid(c->device))
        return conf_fail(err, d, conf_map_get(d, n, "device"), "device", "'%s' is not a valid device name", c->device);
    if (c->cls[0] && !sm_class_ok(v, c->cls))
        return conf_fail(err, d, conf_map_get(d, n, "class"), "class", "'%s' is not %s", c->cls,
                         v ? vocab_class_list(v) : "a device class");
    if (conf_map_get(d, n, "min")) {
        if (conf_get_double(d, n, "min", true, &c->min, err))
            return VG_E_INVALID;
        c->has_min = true;
    }
    if (conf_map_get(d, n, "max")) {
        if (conf_get_double(d, n, "max", true, &c->max, err))
            return VG_E_INVALID;
        c->has_max = true;
    }
    if (!c->has_min && !c->has_max && !c->text[0])
        return conf_fail(err, d, n, "max", "a condition gives min, max or text");
    if (c->has_min && c->has_max && c->min > c->max)
        return conf_fail(err, d, n, "min", "min is above max");
    return VG_OK;
}

static vg_code sm_service(const conf_doc *d, const conf_node *key, const conf_node *n, const vocab *v, site_service *s,
                          vg_err *err)
{
    static const char *const keys[] = {"devices", "class", "min_up", "conditions", NULL};
    const char *name = conf_node_scalar(key);
    if (!name || strlen(name) >= sizeof s->name || !metric_name_is_valid(name))
        return conf_fail(err, d, key, name, "a service name is a lower-case word (power, cooling, network)");
    snprintf(s->name, sizeof s->name, "%s", name);
    if (conf_check_map(d, n, name, keys, err) || conf_get_buf(d, n, "class", false, s->cls, sizeof s->cls, err))
        return VG_E_INVALID;
    if (s->cls[0] && !sm_class_ok(v, s->cls))
        return conf_fail(err, d, conf_map_get(d, n, "class"), "class", "'%s' is not a device class", s->cls);
    const conf_node *devs = conf_map_get(d, n, "devices");
    if (devs) {
        if (conf_node_kind(devs) != CONF_SEQ || conf_len(devs) == 0 || conf_len(devs) > SERVICE_MAX_DEVICES)
            return conf_fail(err, d, devs, "devices", "must be a list of 1 to %d device names", SERVICE_MAX_DEVICES);
        for (size_t i = 0; i < conf_len(devs); i++) {
            const char *dn = conf_node_scalar(conf_seq_at(d, devs, i));
            if (!dn || !name_is_valid(dn))
                return conf_fail(err, d, conf_seq_at(d, devs, i), "devices", "'%s' is not a valid device name", dn ? dn : "");
            snprintf(s->devices[s->ndevices++], sizeof s->devices[0], "%s", dn);
        }
    }
    if (devs && s->cls[0])
        return conf_fail(err, d, n, "class", "a service lists 'devices' or names a 'class', not both");
    long long k = devs ? 1 : 0;
    if (conf_get_int(d, n, "min_up", false, 0, SERVICE_MAX_DEVICES, &k, err))
        return VG_E_INVALID;
    if (devs && k > (long long)s->ndevices)
        return conf_fail(err, d, conf_map_get(d, n, "min_up"), "min_up", "%lld is more than the %zu devices listed", k,
                         s->ndevices);
    s->min_up = (int)k;
    const conf_node *conds = conf_map_get(d, n, "conditions");
    if (conds) {
        if (conf_node_kind(conds) != CONF_SEQ || conf_len(conds) == 0 || conf_len(conds) > SERVICE_MAX_CONDITIONS)
            return conf_fail(err, d, conds, "conditions", "must be a list of 1 to %d conditions", SERVICE_MAX_CONDITIONS);
        for (size_t i = 0; i < conf_len(conds); i++)
            if (sm_condition(d, conf_seq_at(d, conds, i), v, &s->conditions[s->nconditions++], err))
                return VG_E_INVALID;
    }
    if (!devs && !s->cls[0] && !conds)
        return conf_fail(err, d, n, name, "a service lists devices, names a class, or gives conditions");
    return VG_OK;
}

vg_code site_model_read(const conf_doc *d, const conf_node *services, const vocab *v, site_model *m, vg_err *err)
{
    if (conf_check_map(d, services, "services", NULL, err))
        return VG_E_INVALID;
    if (conf_len(services) == 0 || conf_len(services) > SITE_MAX_SERVICES)
        return conf_fail(err, d, services, "services", "give 1 to %d services", SITE_MAX_SERVICES);
    m->nservices = 0;
    m->defaults = false;
    for (size_t i = 0; i < conf_len(services); i++) {
        site_service *s = &m->services[m->nservices++];
        memset(s, 0, sizeof *s);
        if (sm_service(d, conf_map_key_at(d, services, i), conf_map_value_at(d, services, i), v, s, err))
            return VG_E_INVALID;
    }
    return VG_OK;
}

vg_code site_model_defaults(const vocab *v, const char *kind, site_model *m, vg_err *err)
{
    memset(m, 0, sizeof *m);
    const conf_doc *d = NULL;
    const conf_node *services = v ? vocab_site_services(v, kind, &d) : NULL;
    if (!services)
        return vg_fail_field(err, VG_E_INVALID, "kind", "'%s' is not %s", kind, v ? vocab_site_kind_list(v) : "a kind of site");
    /* the same reader as server.yaml's: an error points into vocabulary.yaml */
    vg_code rc = site_model_read(d, services, v, m, err);
    m->defaults = true;
    m->unknown = UNKNOWN_EXCLUDED;
    return rc;
}

bool site_condition_applies(const site_condition *c, const char *device, const char *cls, const char *metric,
                            const char *instance)
{
    if (strcmp(c->metric, metric) != 0)
        return false;
    if (c->device[0] ? strcmp(c->device, device) != 0 : (!cls || strcmp(c->cls, cls) != 0))
        return false;
    return !c->instance[0] || strcmp(c->instance, instance) == 0;
}

bool site_condition_met(const site_condition *c, double value, const char *text)
{
    if (c->text[0])
        return text && strcmp(c->text, text) == 0;
    return !(c->has_min && value < c->min) && !(c->has_max && value > c->max);
}
