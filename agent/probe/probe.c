#include "config.h"
#include "probe/probe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snmp/engine.h"
#include "names.h"
#include "push.h"

/* Where each sample of the batch was read (the same order): the profile and the OID. */
typedef struct {
    push_batch *b;
    size_t n, cap;
    char (*prof)[NAME_MAX_LEN + 1];
    char (*oid)[2 * OID_TEXT_MAX];
} probe_origins;

static int probe_sample(void *ctx, const push_sample *s)
{
    probe_origins *o = ctx;
    if (push_batch_add(o->b, s) != 0)
        return -1;
    size_t i = push_batch_count(o->b) - 1;
    if (i >= o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 64;
        void *p = realloc(o->prof, cap * sizeof *o->prof), *q = p ? realloc(o->oid, cap * sizeof *o->oid) : NULL;
        if (p)
            o->prof = p;
        if (!p || !q)
            return 0; /* the value is kept, only where it came from is not */
        o->oid = q;
        o->cap = cap;
    }
    o->prof[i][0] = o->oid[i][0] = '\0';
    o->n = i + 1;
    return 0;
}

static void probe_origin(void *ctx, const char *prof, const char *oid)
{
    probe_origins *o = ctx;
    if (o->n == 0 || o->n != push_batch_count(o->b))
        return;
    snprintf(o->prof[o->n - 1], sizeof o->prof[0], "%s", prof);
    snprintf(o->oid[o->n - 1], sizeof o->oid[0], "%s", oid);
}

static int probe_device(void *ctx, const char *name, const char *cls, const char *prof)
{
    return push_batch_set_device(((probe_origins *)ctx)->b, name, cls, prof);
}

static const char *probe_from(const probe_origins *o, size_t i, bool oid)
{
    if (i >= o->n)
        return "";
    return oid ? o->oid[i] : o->prof[i];
}

static void probe_print_json(const agent_device *dev, const profile *const *profs, size_t nprofs, const char *soid,
                             const probe_origins *o, const char *problems)
{
    const push_batch *b = o->b;
    const profile *pr = nprofs ? profs[0] : NULL;
    json_t *device = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "name", dev->name, "host", dev->host,
                               "port", dev->port, "class", pr ? pr->cls : "generic", "profile",
                               pr ? pr->name : "generic", "sys_object_id", soid, "description",
                               pr && pr->description ? pr->description : "");
    json_t *metrics = json_array();
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        json_t *m = json_pack("{s:s, s:s, s:s, s:f, s:s, s:s, s:s, s:s, s:s}", "name", s->metric, "instance",
                              s->instance, "label", s->label, "value", s->value, "unit", s->unit, "text", s->text,
                              "severity", s->sev == SEV_NONE ? "none" : severity_name(s->sev), "profile",
                              probe_from(o, i, false), "oid", probe_from(o, i, true));
        json_array_append_new(metrics, m);
    }
    json_t *probs = json_array();
    for (const char *p = problems; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        json_array_append_new(probs, json_stringn(p, n));
        p += n + (nl != NULL);
    }
    json_t *names = json_array();
    for (size_t i = 0; i < nprofs; i++)
        json_array_append_new(names, json_string(profs[i]->name));
    json_object_set_new(device, "profiles", names);
    json_t *root = json_pack("{s:o, s:o, s:o}", "device", device, "metrics", metrics, "problems", probs);
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

static void probe_print_table(const agent_device *dev, const profile *const *profs, size_t nprofs, const char *soid,
                              const probe_origins *o, const char *problems)
{
    const push_batch *b = o->b;
    const profile *pr = nprofs ? profs[0] : NULL;
    printf("Device    %s:%d (SNMP v%s)\n", dev->host, dev->port,
           dev->version == SNMP_V1 ? "1" : dev->version == SNMP_V3 ? "3" : "2c");
    printf("sysObjectID %s\n", soid[0] ? soid : "(not answered)");
    if (pr)
        printf("Profile   %s (class %s)%s%s\n", pr->name, pr->cls, pr->description && *pr->description ? ": " : "",
               pr->description ? pr->description : "");
    else
        printf("Profile   none matched: generic metrics only\n");
    for (size_t i = 1; i < nprofs; i++)
        printf("  with    %s%s%s\n", profs[i]->name, profs[i]->description && *profs[i]->description ? ": " : "",
               profs[i]->description ? profs[i]->description : "");
    printf("\n%-28s %-14s %-22s %14s %-6s %-10s %-8s %s\n", "METRIC", "INSTANCE", "LABEL", "VALUE", "UNIT", "TEXT",
           "HEALTH", "FROM");
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        printf("%-28s %-14s %-22.22s %14.6g %-6s %-10s %-8s %s %s\n", s->metric, s->instance[0] ? s->instance : "-",
               s->label[0] ? s->label : "-", s->value, s->unit, s->text[0] ? s->text : "-",
               s->sev == SEV_NONE ? "-" : severity_name(s->sev), probe_from(o, i, false), probe_from(o, i, true));
    }
    printf("\n%zu values.\n", push_batch_count(b));
    if (*problems)
        printf("\nValues not kept:\n%s", problems);
}

int probe_run(const profile_set *profiles, const agent_device *dev, const char *forced_profile, bool json)
{
    const profile *forced = NULL;
    if (forced_profile && *forced_profile) {
        forced = profile_set_find(profiles, forced_profile);
        if (!forced) {
            fprintf(stderr, "vigie-agent: --profile %s: no such profile\n", forced_profile);
            return 2;
        }
    }
    poller *p = poller_new(profiles);
    push_batch *b = push_batch_new("probe", 0);
    if (!p || !b || poller_add(p, dev, forced) != 0) {
        fprintf(stderr, "vigie-agent: out of memory\n");
        poller_free(p);
        push_batch_free(b);
        return 1;
    }
    poller_set_whole(p, true); /* swept columns too: a probe shows the device whole */
    /* the budget covers detection and a full walk of a large OLT */
    double budget = dev->timeout * (dev->retries + 1) * 20 + 10;
    int64_t now = (int64_t)time(NULL);
    probe_origins o = {.b = b};
    poll_sink out = {.ctx = &o, .device = probe_device, .sample = probe_sample, .origin = probe_origin};
    int answered = poller_cycle(p, &out, now, budget);
    const profile *const *profs;
    size_t nprofs = poller_device_profiles(p, 0, &profs);
    const char *soid = poller_device_sys_object_id(p, 0);
    if (json)
        probe_print_json(dev, profs, nprofs, soid, &o, poller_device_problems(p, 0));
    else
        probe_print_table(dev, profs, nprofs, soid, &o, poller_device_problems(p, 0));
    free(o.prof);
    free(o.oid);
    if (!answered)
        fprintf(stderr, "vigie-agent: %s:%d did not answer (check host, port, version and community)\n",
                dev->host, dev->port);
    poller_free(p);
    push_batch_free(b);
    return answered ? 0 : 1;
}
