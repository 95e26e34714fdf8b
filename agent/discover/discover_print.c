/* discover_print: what --discover prints: the table of the devices that answered and a summary, or
 * their agent.yaml entries through libyaml's emitter (never YAML written by hand). */
#include "config.h"
#include "discover/discover_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define DISCOVER_DESCR_SHOWN 40

static void dp_profiles(const discover_host *h, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < h->nprofs && o < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "," : "", h->profs[i]->name);
    if (!h->nprofs)
        snprintf(out, size, "generic");
}

void discover_print_table(const discover_result *r, const discover_opts *o, FILE *f)
{
    (void)o;
    if (!r->nhosts)
        return;
    fprintf(f, "%-15s %-20s %-28s %-36s %s\n", "ADDRESS", "SYSNAME", "SYSOBJECTID", "PROFILES", "SYSDESCR");
    for (size_t i = 0; i < r->nhosts; i++) {
        const discover_host *h = &r->hosts[i];
        char profs[PROF_MAX_COMPOSE * (NAME_MAX_LEN + 1) + 8];
        dp_profiles(h, profs, sizeof profs);
        fprintf(f, "%-15s %-20s %-28s %-36s %.*s%s%s\n", h->host, h->sys_name[0] ? h->sys_name : "-",
                h->soid[0] ? h->soid : "-", profs, DISCOVER_DESCR_SHOWN, h->sys_descr[0] ? h->sys_descr : "-",
                strlen(h->sys_descr) > DISCOVER_DESCR_SHOWN ? "..." : "",
                h->partial ? " (stopped answering: profiles may be missing)" : "");
    }
    fputc('\n', f);
}

void discover_print_summary(const discover_result *r, const discover_opts *o, FILE *f)
{
    bool v3 = o->dev->version == SNMP_V3;
    fprintf(f, "%u address(es) asked in %.1f s (bound %.0f s), %llu request(s): %zu answered, %u silent", r->range.count,
            r->elapsed, r->bound, (unsigned long long)r->requests, r->nhosts, r->silent);
    if (v3)
        fprintf(f, ", %u refused the SNMPv3 user or keys", r->auth_errors);
    if (r->failed)
        fprintf(f, ", %u could not be asked (no socket)", r->failed);
    if (r->not_asked)
        fprintf(f, ", %u not asked (time bound reached)", r->not_asked);
    fprintf(f, ".\n");
    if (!v3)
        fprintf(f, "With SNMP v%s a device that does not know the community does not answer: it counts as silent.\n",
                o->dev->version == SNMP_V1 ? "1" : "2c");
}

/* ---- YAML ------------------------------------------------------------------------------------ */

static int dp_scalar(yaml_emitter_t *e, const char *s, bool quoted)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
                                 quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
    return yaml_emitter_emit(e, &ev);
}

static int dp_pair(yaml_emitter_t *e, const char *k, const char *v, bool quoted)
{
    return dp_scalar(e, k, false) && dp_scalar(e, v, quoted);
}

static int dp_event(yaml_emitter_t *e, int kind)
{
    yaml_event_t ev;
    switch (kind) {
    case 0: yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE); break;
    case 1: yaml_mapping_end_event_initialize(&ev); break;
    case 2: yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE); break;
    default: yaml_sequence_end_event_initialize(&ev); break;
    }
    return yaml_emitter_emit(e, &ev);
}

/* The SNMP settings of an entry: the community as given (agent.yaml needs it), SNMPv3 keys never:
 * placeholders to replace, so that the output can be pasted into a ticket. */
static int dp_snmp(yaml_emitter_t *e, const agent_device *d)
{
    char port[16];
    snprintf(port, sizeof port, "%d", d->port);
    int ok = d->port == 161 || dp_pair(e, "port", port, false);
    if (d->version == SNMP_V1)
        ok = ok && dp_pair(e, "version", "1", false);
    if (d->version != SNMP_V3)
        return ok && dp_pair(e, "community", d->community, true);
    const agent_usm *u = d->usm;
    bool auth = strcmp(u->level, "noAuthNoPriv") != 0, priv = strcmp(u->level, "authPriv") == 0;
    ok = ok && dp_pair(e, "version", "3", false) && dp_pair(e, "user", u->user, true) &&
         dp_pair(e, "level", u->level, false);
    if (auth)
        ok = ok && dp_pair(e, "auth_protocol", u->auth_proto, false) &&
             dp_pair(e, "auth_password", "CHANGE-ME-auth", true);
    if (priv)
        ok = ok && dp_pair(e, "priv_protocol", u->priv_proto, false) &&
             dp_pair(e, "priv_password", "CHANGE-ME-priv", true);
    if (u->context[0])
        ok = ok && dp_pair(e, "context", u->context, true);
    return ok;
}

static int dp_devices(yaml_emitter_t *e, const discover_result *r, const discover_opts *o,
                      char (*names)[NAME_MAX_LEN + 1])
{
    int ok = dp_event(e, 0) && dp_scalar(e, "devices", false) && dp_event(e, 2);
    for (size_t i = 0; ok && i < r->nhosts; i++) {
        const discover_host *h = &r->hosts[i];
        discover_suggest_name(h->sys_name, h->nprofs ? h->profs[0]->cls : "device", h->addr,
                              r->range.prefix < 24, (const char (*)[NAME_MAX_LEN + 1])names, i, names[i]);
        ok = dp_event(e, 0) && dp_pair(e, "name", names[i], false) && dp_pair(e, "host", h->host, false) &&
             dp_snmp(e, o->dev) && dp_event(e, 1);
    }
    return ok && dp_event(e, 3) && dp_event(e, 1);
}

vg_code discover_print_yaml(const discover_result *r, const discover_opts *o, FILE *f, vg_err *err)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    char (*names)[NAME_MAX_LEN + 1] = calloc(r->nhosts ? r->nhosts : 1, sizeof *names);
    if (!names || !yaml_emitter_initialize(&e)) {
        free(names);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    yaml_emitter_set_output_file(&e, f);
    yaml_emitter_set_unicode(&e, 1);
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    int ok = yaml_emitter_emit(&e, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    ok = ok && yaml_emitter_emit(&e, &ev) && dp_devices(&e, r, o, names);
    yaml_document_end_event_initialize(&ev, 1);
    ok = ok && yaml_emitter_emit(&e, &ev);
    yaml_stream_end_event_initialize(&ev);
    ok = ok && yaml_emitter_emit(&e, &ev) && yaml_emitter_flush(&e);
    yaml_emitter_delete(&e);
    free(names);
    return ok ? VG_OK : vg_fail(err, VG_E_IO, "cannot write the YAML entries");
}
