/* profile_unit: units a device may report a value in, and a metric's `unit_from` (the device's own
 * unit or scale OID). Everything is stored in the vocabulary's unit; when a MIB says "this sensor is
 * in Fahrenheit" or "in tenths of kPa", the profile names the OID that says so instead of guessing. */
#include "config.h"
#include "profile/profile_internal.h"

#include <stdlib.h>
#include <string.h>

/* One unit: its quantity, and how a value in it becomes the quantity's base unit (base = v*mul + add). */
typedef struct {
    const char *name, *quantity;
    double mul, add;
} prof_unit;

static const prof_unit prof_units[] = {
    {"degC", "temperature", 1, 0},
    {"degF", "temperature", 5.0 / 9.0, -160.0 / 9.0},
    {"K", "temperature", 1, -273.15},
    {"V", "voltage", 1, 0},       {"mV", "voltage", 1e-3, 0},   {"kV", "voltage", 1e3, 0},
    {"A", "current", 1, 0},       {"mA", "current", 1e-3, 0},
    {"W", "power", 1, 0},         {"kW", "power", 1e3, 0},      {"MW", "power", 1e6, 0},
    {"VA", "apparent", 1, 0},     {"kVA", "apparent", 1e3, 0},
    {"kWh", "energy", 1, 0},      {"Wh", "energy", 1e-3, 0},    {"MWh", "energy", 1e3, 0},
    {"s", "time", 1, 0},          {"ms", "time", 1e-3, 0},      {"min", "time", 60, 0},
    {"h", "time", 3600, 0},
    {"Hz", "frequency", 1, 0},    {"dBm", "optical", 1, 0},
    {"%", "percent", 1, 0},       {"%RH", "humidity", 1, 0},    {"rpm", "rotation", 1, 0},
    {"l/min", "flow", 1, 0},      {"l/s", "flow", 60, 0},       {"l/h", "flow", 1.0 / 60.0, 0},
    {"m3/h", "flow", 1000.0 / 60.0, 0},
    {"Pa", "pressure", 1, 0},     {"kPa", "pressure", 1e3, 0},  {"bar", "pressure", 1e5, 0},
    {"psi", "pressure", 6894.757, 0},
    {"ratio", "ratio", 1, 0},     {"count", "count", 1, 0},
    {"m", "length", 1, 0},        {"km", "length", 1e3, 0},     {"dm", "length", 0.1, 0},
};

static const prof_unit *prof_unit_find(const char *name)
{
    for (size_t i = 0; i < sizeof prof_units / sizeof prof_units[0]; i++)
        if (strcmp(prof_units[i].name, name) == 0)
            return &prof_units[i];
    return NULL;
}

int profile_unit_factor(const char *from, const char *to, double *mul, double *add)
{
    const prof_unit *f = prof_unit_find(from), *t = prof_unit_find(to);
    if (!f || !t || strcmp(f->quantity, t->quantity) != 0)
        return -1;
    /* to = (from*f.mul + f.add - t.add) / t.mul */
    *mul = f->mul / t->mul;
    *add = (f->add - t->add) / t->mul;
    return 0;
}

/* unit_from: {oid: OID | column: OID, index: TEMPLATE, mib: NAME, units: {CODE: UNIT, ...}} */
int prof_read_unit_from(const conf_doc *d, const conf_node *n, prof_metric *m, vg_err *err)
{
    static const char *const keys[] = {"oid", "column", "index", "mib", "units", NULL};
    if (conf_check_map(d, n, "unit_from", keys, err))
        return -1;
    const conf_node *o = conf_map_get(d, n, "oid"), *c = conf_map_get(d, n, "column");
    const conf_node *ix = conf_map_get(d, n, "index"), *units = conf_map_get(d, n, "units");
    if ((o == NULL) == (c == NULL))
        return conf_fail(err, d, n, "oid", "unit_from gives exactly one of 'oid' (a scalar) or 'column' (the row's)");
    if (c && !m->is_table)
        return conf_fail(err, d, c, "column", "a scalar metric takes its unit from an 'oid'");
    if (ix && !c)
        return conf_fail(err, d, ix, "index", "only with 'column'");
    if (prof_read_oid(d, o ? o : c, o ? "oid" : "column", &m->unit_oid, err))
        return -1;
    if (ix) {
        const char *s = conf_node_scalar(ix);
        char buf[OID_TEXT_MAX];
        oid probe[3] = {1, 2, 3};
        if (!s || profile_expand_index(s, probe, 3, buf, sizeof buf) != 0)
            return conf_fail(err, d, ix, "index", "a template of {index} and {index.N}");
        m->unit_index_tmpl = prof_strdup(s);
    }
    if (!units || conf_node_kind(units) != CONF_MAP || conf_len(units) == 0 || conf_len(units) > PROF_MAX_LIST)
        return conf_fail(err, d, units ? units : n, "units", "a map of 1 to %d codes to units", PROF_MAX_LIST);
    m->unit_codes.items = prof_calloc(conf_len(units), sizeof *m->unit_codes.items);
    m->unit_names = prof_calloc(conf_len(units), sizeof *m->unit_names);
    for (size_t i = 0; i < conf_len(units); i++) {
        const conf_node *kn = conf_map_key_at(d, units, i), *vn = conf_map_value_at(d, units, i);
        const char *code = conf_node_scalar(kn), *unit = conf_node_scalar(vn);
        double mul, add;
        if (!unit || profile_unit_factor(unit, m->unit, &mul, &add) != 0)
            return conf_fail(err, d, vn, "units", "'%s' is not a unit vigie can write in %s", unit ? unit : "?",
                             m->unit);
        prof_value *pv = &m->unit_codes.items[m->unit_codes.count];
        char *end;
        double num = strtod(code, &end);
        if (*code && !*end) {
            pv->num = num;
        } else {
            pv->is_string = true;
            pv->str = prof_strdup(code);
        }
        m->unit_names[m->unit_codes.count++] = prof_strdup(unit);
    }
    m->has_unit_from = true;
    m->unit_from_column = c != NULL;
    return 0;
}

void prof_unit_from_free(prof_metric *m)
{
    for (size_t i = 0; i < m->unit_codes.count; i++)
        free(m->unit_names[i]);
    free(m->unit_names);
    prof_values_free(&m->unit_codes);
    prof_oid_free(&m->unit_oid);
    free(m->unit_index_tmpl);
}
