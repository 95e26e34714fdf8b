/* The server's target list (GET /api/v1/agent/targets), read strictly: every field it uses is
 * checked and a bad one is named ("targets[3].hosts[0]: ..."); fields it does not know are left for
 * later servers. A bad answer is refused whole: the caller keeps its previous list.
 *
 *   {"agent":"dc-checker","targets":[{"device":"ecole-jaures","site":"ecole-jaures","class":"link",
 *    "hosts":["198.18.1.10"],"checks":[{"type":"icmp"},{"type":"tcp","port":554},
 *    {"type":"http","name":"http","url":"https://...","expect":200}]}]}  */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_internal.h"
#include "names.h"
#include "vocab.h"

#define CK_TARGET_CHECKS 32 /* entries of a target's "checks" */

/* obj[key] as a string of at most max bytes (required or not): *out NULL when absent. */
static vg_code ckt_str(json_t *obj, const char *key, bool required, size_t max, const char *where, const char **out,
                       vg_err *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v && !required)
        return VG_OK;
    if (!json_is_string(v))
        return vg_fail_field(err, VG_E_INVALID, key, "%s.%s: %s", where, key, v ? "must be a string" : "missing");
    if (json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
        return vg_fail_field(err, VG_E_INVALID, key, "%s.%s: longer than %zu bytes or holding a NUL", where, key, max);
    *out = json_string_value(v);
    return VG_OK;
}

static vg_code ckt_int(json_t *obj, const char *key, long long min, long long max, long long dflt, const char *where,
                       int *out, vg_err *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = (int)dflt;
        return VG_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return vg_fail_field(err, VG_E_INVALID, key, "%s.%s: must be an integer in [%lld, %lld]", where, key, min, max);
    *out = (int)json_integer_value(v);
    return VG_OK;
}

static vg_code ckt_http(json_t *c, const char *where, agent_check *t, vg_err *err)
{
    const char *name, *url;
    int expect;
    vg_code rc;
    if ((rc = ckt_str(c, "name", false, NAME_MAX_LEN, where, &name, err)) ||
        (rc = ckt_str(c, "url", true, AGENT_URL_MAX, where, &url, err)) ||
        (rc = ckt_int(c, "expect", 100, 599, 200, where, &expect, err)))
        return rc;
    if (!name)
        name = "http";
    if (!name_is_valid(name))
        return vg_fail_field(err, VG_E_INVALID, "name", "%s.name: '%s': use 1-64 of [A-Za-z0-9._-]", where, name);
    if (!agent_check_url_is_valid(url))
        return vg_fail_field(err, VG_E_INVALID, "url", "%s.url: not an http:// or https:// URL (ASCII, no blank)", where);
    for (size_t i = 0; i < t->nhttp; i++)
        if (strcmp(t->http[i].name, name) == 0)
            return vg_fail_field(err, VG_E_INVALID, "name", "%s.name: '%s' is given twice", where, name);
    if (t->nhttp == AGENT_CHECK_HTTP)
        return vg_fail_field(err, VG_E_INVALID, "checks", "%s: more than %d HTTP checks", where, AGENT_CHECK_HTTP);
    agent_http_check *h = &t->http[t->nhttp];
    if (!(h->url = strdup(url)))
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    snprintf(h->name, sizeof h->name, "%s", name);
    h->expect = expect;
    t->nhttp++;
    return VG_OK;
}

static vg_code ckt_check(json_t *c, const char *where, agent_check *t, vg_err *err)
{
    const char *type;
    vg_code rc;
    if (!json_is_object(c))
        return vg_fail_field(err, VG_E_INVALID, "checks", "%s: must be an object", where);
    if ((rc = ckt_str(c, "type", true, 16, where, &type, err)))
        return rc;
    if (strcmp(type, "icmp") == 0) {
        t->icmp = true;
    } else if (strcmp(type, "tcp") == 0) {
        int port;
        if ((rc = ckt_int(c, "port", 1, 65535, 0, where, &port, err)))
            return rc;
        if (!json_object_get(c, "port"))
            return vg_fail_field(err, VG_E_INVALID, "port", "%s.port: missing", where);
        for (size_t i = 0; i < t->nports; i++)
            if (t->ports[i] == port)
                return VG_OK; /* the same port twice is one check */
        if (t->nports == AGENT_CHECK_PORTS)
            return vg_fail_field(err, VG_E_INVALID, "checks", "%s: more than %d TCP ports", where, AGENT_CHECK_PORTS);
        t->ports[t->nports++] = port;
    } else if (strcmp(type, "http") == 0) {
        return ckt_http(c, where, t, err);
    } else {
        return vg_fail_field(err, VG_E_INVALID, "type", "%s.type: '%s' is not icmp, tcp or http", where, type);
    }
    return VG_OK;
}

static vg_code ckt_hosts(json_t *tj, const char *where, agent_check *t, vg_err *err)
{
    json_t *hosts = json_object_get(tj, "hosts");
    if (!json_is_array(hosts) || json_array_size(hosts) < 1 || json_array_size(hosts) > AGENT_CHECK_HOSTS)
        return vg_fail_field(err, VG_E_INVALID, "hosts", "%s.hosts: must be a list of 1 to %d addresses", where,
                             AGENT_CHECK_HOSTS);
    for (size_t i = 0; i < json_array_size(hosts); i++) {
        const char *h = json_string_value(json_array_get(hosts, i));
        if (!h || !agent_check_addr_is_valid(h))
            return vg_fail_field(err, VG_E_INVALID, "hosts", "%s.hosts[%zu]: not an IPv4 or IPv6 address", where, i);
        snprintf(t->hosts[t->nhosts++], sizeof t->hosts[0], "%s", h);
    }
    return VG_OK;
}

static vg_code ckt_target(json_t *tj, const char *where, agent_check *t, vg_err *err)
{
    const char *device, *cls;
    vg_code rc;
    if (!json_is_object(tj))
        return vg_fail_field(err, VG_E_INVALID, "targets", "%s: must be an object", where);
    if ((rc = ckt_str(tj, "device", true, NAME_MAX_LEN, where, &device, err)) ||
        (rc = ckt_str(tj, "class", false, sizeof t->cls - 1, where, &cls, err)))
        return rc;
    if (!name_is_valid(device))
        return vg_fail_field(err, VG_E_INVALID, "device", "%s.device: '%s': use 1-64 of [A-Za-z0-9._-]", where, device);
    if (cls && !vocab_class_name_is_valid(cls))
        return vg_fail_field(err, VG_E_INVALID, "class", "%s.class: '%s' is not a device class", where, cls);
    snprintf(t->name, sizeof t->name, "%s", device);
    snprintf(t->cls, sizeof t->cls, "%s", cls ? cls : "link");
    if ((rc = ckt_hosts(tj, where, t, err)))
        return rc;
    json_t *checks = json_object_get(tj, "checks");
    if (!checks) {
        t->icmp = true; /* the default of a public site */
        return VG_OK;
    }
    if (!json_is_array(checks) || json_array_size(checks) > CK_TARGET_CHECKS)
        return vg_fail_field(err, VG_E_INVALID, "checks", "%s.checks: must be a list of at most %d checks", where,
                             CK_TARGET_CHECKS);
    for (size_t i = 0; i < json_array_size(checks); i++) {
        char w[96];
        snprintf(w, sizeof w, "%s.checks[%zu]", where, i);
        if ((rc = ckt_check(json_array_get(checks, i), w, t, err)))
            return rc;
    }
    if (!t->icmp && !t->nports && !t->nhttp)
        return vg_fail_field(err, VG_E_INVALID, "checks", "%s.checks: checks nothing", where);
    return VG_OK;
}

static void ckt_free(agent_check *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        agent_check_clear(&list[i]);
    free(list);
}

static int ckt_cmp_name(const void *a, const void *b)
{
    return strcmp(((const agent_check *)a)->name, ((const agent_check *)b)->name);
}

/* A device twice is refused (sorted by name: the caller looks names up with bsearch). */
static vg_code ckt_sort_unique(agent_check *list, size_t n, vg_err *err)
{
    qsort(list, n, sizeof *list, ckt_cmp_name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(list[i - 1].name, list[i].name) == 0)
            return vg_fail_field(err, VG_E_INVALID, "device", "targets: device '%s' is given twice", list[i].name);
    return VG_OK;
}

static vg_code ckt_list(json_t *root, const char *agent, agent_check **out, size_t *n, vg_err *err)
{
    const char *who;
    vg_code rc;
    if (!json_is_object(root))
        return vg_fail_field(err, VG_E_INVALID, "", "the answer must be a JSON object");
    if ((rc = ckt_str(root, "agent", true, NAME_MAX_LEN, "answer", &who, err)))
        return rc;
    if (strcmp(who, agent) != 0)
        return vg_fail_field(err, VG_E_INVALID, "agent", "agent: '%s' is not this agent ('%s')", who, agent);
    json_t *targets = json_object_get(root, "targets");
    if (!json_is_array(targets) || json_array_size(targets) > AGENT_MAX_CHECKS)
        return vg_fail_field(err, VG_E_INVALID, "targets", "targets: must be a list of at most %d targets",
                             AGENT_MAX_CHECKS);
    size_t count = json_array_size(targets);
    agent_check *list = calloc(count ? count : 1, sizeof *list);
    if (!list)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    size_t i = 0;
    for (; i < count; i++) {
        char where[32];
        snprintf(where, sizeof where, "targets[%zu]", i);
        if ((rc = ckt_target(json_array_get(targets, i), where, &list[i], err))) {
            ckt_free(list, i + 1);
            return rc;
        }
    }
    if ((rc = ckt_sort_unique(list, count, err))) {
        ckt_free(list, count);
        return rc;
    }
    *out = list;
    *n = count;
    return VG_OK;
}

vg_code check_targets_parse(const char *json, size_t len, const char *agent, agent_check **out, size_t *n,
                            vg_err *err)
{
    json_error_t jerr;
    *out = NULL;
    *n = 0;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return vg_fail_field(err, VG_E_INVALID, "", "not JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                             jerr.column);
    vg_code rc = ckt_list(root, agent, out, n, err);
    json_decref(root);
    return rc;
}
