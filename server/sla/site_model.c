#include "config.h"
#include "sla/site_model.h"

#include <stdio.h>
#include <string.h>

static const char *const sm_classes[] = {"ups", "pdu", "cooling", "olt", "env", "generic", NULL};

static int sm_class_ok(const char *c)
{
    for (const char *const *k = sm_classes; *k; k++)
        if (strcmp(*k, c) == 0)
            return 1;
    return 0;
}

static int sm_str(const conf_doc *d, const conf_node *n, const char *key, char *dst, size_t size, vg_err *err)
{
    const char *s = NULL;
    if (conf_get_str(d, n, key, false, size - 1, &s, err))
        return -1;
    if (s)
        snprintf(dst, size, "%s", s);
    return 0;
}

static int sm_condition(const conf_doc *d, const conf_node *n, site_condition *c, vg_err *err)
{
    static const char *const keys[] = {"device", "class", "metric", "instance", "min", "max", "text", NULL};
    if (conf_check_map(d, n, "condition", keys, err) || sm_str(d, n, "device", c->device, sizeof c->device, err) ||
        sm_str(d, n, "class", c->cls, sizeof c->cls, err) || sm_str(d, n, "metric", c->metric, sizeof c->metric, err) ||
        sm_str(d, n, "instance", c->instance, sizeof c->instance, err) || sm_str(d, n, "text", c->text, sizeof c->text, err))
        return -1;
    if (!c->metric[0] || !metric_name_is_valid(c->metric))
        return conf_fail(err, d, n, "metric", "a condition names a valid metric (env.temperature)");
    if ((c->device[0] != 0) == (c->cls[0] != 0))
        return conf_fail(err, d, n, "device", "a condition gives exactly one of 'device' or 'class'");
    if (c->device[0] && !name_is_valid(c->device))
        return conf_fail(err, d, conf_map_get(d, n, "device"), "device", "'%s' is not a valid device name", c->device);
    if (c->cls[0] && !sm_class_ok(c->cls))
        return conf_fail(err, d, conf_map_get(d, n, "class"), "class", "'%s' is not ups, pdu, cooling, olt, env or generic", c->cls);
    if (conf_map_get(d, n, "min")) {
        if (conf_get_double(d, n, "min", true, &c->min, err))
            return -1;
        c->has_min = true;
    }
    if (conf_map_get(d, n, "max")) {
        if (conf_get_double(d, n, "max", true, &c->max, err))
            return -1;
        c->has_max = true;
    }
    if (!c->has_min && !c->has_max && !c->text[0])
        return conf_fail(err, d, n, "max", "a condition gives min, max or text");
    if (c->has_min && c->has_max && c->min > c->max)
        return conf_fail(err, d, n, "min", "min is above max");
    return 0;
}

static int sm_service(const conf_doc *d, const conf_node *key, const conf_node *n, site_service *s, vg_err *err)
{
    static const char *const keys[] = {"devices", "class", "min_up", "conditions", NULL};
    const char *name = conf_node_scalar(key);
    if (!name || strlen(name) >= sizeof s->name || !metric_name_is_valid(name))
        return conf_fail(err, d, key, name, "a service name is a lower-case word (power, cooling, network)");
    snprintf(s->name, sizeof s->name, "%s", name);
    if (conf_check_map(d, n, name, keys, err) || sm_str(d, n, "class", s->cls, sizeof s->cls, err))
        return -1;
    if (s->cls[0] && !sm_class_ok(s->cls))
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
        return -1;
    if (devs && k > (long long)s->ndevices)
        return conf_fail(err, d, conf_map_get(d, n, "min_up"), "min_up", "%lld is more than the %zu devices listed", k,
                         s->ndevices);
    s->min_up = (int)k;
    const conf_node *conds = conf_map_get(d, n, "conditions");
    if (conds) {
        if (conf_node_kind(conds) != CONF_SEQ || conf_len(conds) == 0 || conf_len(conds) > SERVICE_MAX_CONDITIONS)
            return conf_fail(err, d, conds, "conditions", "must be a list of 1 to %d conditions", SERVICE_MAX_CONDITIONS);
        for (size_t i = 0; i < conf_len(conds); i++)
            if (sm_condition(d, conf_seq_at(d, conds, i), &s->conditions[s->nconditions++], err))
                return -1;
    }
    if (!devs && !s->cls[0] && !conds)
        return conf_fail(err, d, n, name, "a service lists devices, names a class, or gives conditions");
    return 0;
}

int site_model_read(const conf_doc *d, const conf_node *services, site_model *m, vg_err *err)
{
    if (conf_check_map(d, services, "services", NULL, err))
        return -1;
    if (conf_len(services) == 0 || conf_len(services) > SITE_MAX_SERVICES)
        return conf_fail(err, d, services, "services", "give 1 to %d services", SITE_MAX_SERVICES);
    m->nservices = 0;
    m->defaults = false;
    for (size_t i = 0; i < conf_len(services); i++) {
        site_service *s = &m->services[m->nservices++];
        memset(s, 0, sizeof *s);
        if (sm_service(d, conf_map_key_at(d, services, i), conf_map_value_at(d, services, i), s, err))
            return -1;
    }
    return 0;
}

static site_service *sm_add(site_model *m, const char *name, const char *cls, int min_up)
{
    site_service *s = &m->services[m->nservices++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->cls, sizeof s->cls, "%s", cls);
    s->min_up = min_up;
    return s;
}

static void sm_cond(site_service *s, const char *metric, int has_min, double min, int has_max, double max,
                    const char *text)
{
    site_condition *c = &s->conditions[s->nconditions++];
    memset(c, 0, sizeof *c);
    snprintf(c->cls, sizeof c->cls, "env");
    snprintf(c->metric, sizeof c->metric, "%s", metric);
    c->has_min = has_min;
    c->min = min;
    c->has_max = has_max;
    c->max = max;
    snprintf(c->text, sizeof c->text, "%s", text);
}

void site_model_defaults(const char *kind, site_model *m)
{
    memset(m, 0, sizeof *m);
    m->defaults = true;
    m->unknown = UNKNOWN_EXCLUDED;
    bool dc = strcmp(kind, "datacenter") == 0, nro = strcmp(kind, "nro") == 0;
    sm_add(m, "power", "ups", 1);
    /* a data center runs N+1 cooling: all units but one are needed; a shelter has one unit */
    sm_add(m, "cooling", "cooling", dc ? 0 : 1);
    if (nro)
        sm_add(m, "network", "olt", 1);
    site_service *env = sm_add(m, "environment", "", 0);
    /* ASHRAE recommended envelope for a data room; shelters are allowed warmer air */
    sm_cond(env, "env.temperature", 0, 0, 1, nro ? 35 : 27, "");
    if (!nro)
        sm_cond(env, "env.humidity", 1, 20, 1, 80, "");
    sm_cond(env, "env.leak", 0, 0, 0, 0, "dry");
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
