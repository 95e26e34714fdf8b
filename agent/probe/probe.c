#include "config.h"
#include "probe/probe.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "snmp/engine.h"
#include "push.h"

static void probe_print_json(const agent_device *dev, const profile *pr, const char *soid, const push_batch *b,
                             const char *problems)
{
    json_t *device = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "name", dev->name, "host", dev->host,
                               "port", dev->port, "class", pr ? pr->cls : "generic", "profile",
                               pr ? pr->name : "generic", "sys_object_id", soid, "description",
                               pr && pr->description ? pr->description : "");
    json_t *metrics = json_array();
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        json_t *m = json_pack("{s:s, s:s, s:s, s:f, s:s, s:s, s:s}", "name", s->metric, "instance", s->instance,
                              "label", s->label, "value", s->value, "unit", s->unit, "text", s->text,
                              "severity", s->sev == SEV_NONE ? "none" : severity_name(s->sev));
        json_array_append_new(metrics, m);
    }
    json_t *probs = json_array();
    for (const char *p = problems; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        json_array_append_new(probs, json_stringn(p, n));
        p += n + (nl != NULL);
    }
    json_t *root = json_pack("{s:o, s:o, s:o}", "device", device, "metrics", metrics, "problems", probs);
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

static void probe_print_table(const agent_device *dev, const profile *pr, const char *soid, const push_batch *b,
                              const char *problems)
{
    printf("Device    %s:%d (SNMP v%s)\n", dev->host, dev->port,
           dev->version == SNMP_V1 ? "1" : dev->version == SNMP_V3 ? "3" : "2c");
    printf("sysObjectID %s\n", soid[0] ? soid : "(not answered)");
    if (pr)
        printf("Profile   %s (class %s)%s%s\n\n", pr->name, pr->cls, pr->description && *pr->description ? ": " : "",
               pr->description ? pr->description : "");
    else
        printf("Profile   none matched: generic metrics only\n\n");
    printf("%-28s %-14s %-22s %14s %-6s %-10s %s\n", "METRIC", "INSTANCE", "LABEL", "VALUE", "UNIT", "TEXT", "HEALTH");
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        printf("%-28s %-14s %-22.22s %14.6g %-6s %-10s %s\n", s->metric, s->instance[0] ? s->instance : "-",
               s->label[0] ? s->label : "-", s->value, s->unit, s->text[0] ? s->text : "-",
               s->sev == SEV_NONE ? "-" : severity_name(s->sev));
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
    /* the budget covers detection and a full walk of a large OLT */
    double budget = dev->timeout * (dev->retries + 1) * 20 + 10;
    int64_t now = (int64_t)time(NULL);
    poll_sink out = poll_sink_batch(b);
    int answered = poller_cycle(p, &out, now, budget);
    const profile *pr = poller_device_profile(p, 0);
    const char *soid = poller_device_sys_object_id(p, 0);
    if (json)
        probe_print_json(dev, pr, soid, b, poller_device_problems(p, 0));
    else
        probe_print_table(dev, pr, soid, b, poller_device_problems(p, 0));
    if (!answered)
        fprintf(stderr, "vigie-agent: %s:%d did not answer (check host, port, version and community)\n",
                dev->host, dev->port);
    poller_free(p);
    push_batch_free(b);
    return answered ? 0 : 1;
}
