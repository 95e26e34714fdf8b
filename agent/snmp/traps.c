#include "config.h"
#include "vocab_names.h"
#include "snmp/traps.h"

#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "snmp/snmp_value.h"
#include "snmp/traps_internal.h"

static const oid trap_oid_vb[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};  /* snmpTrapOID.0 */
static const oid trap_generic[] = {1, 3, 6, 1, 6, 3, 1, 1, 5};     /* snmpTraps: coldStart.1 ... */

static void traps_resolve(const char *host, char *out, size_t size)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_DGRAM;
    out[0] = '\0';
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return;
    if (getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        out[0] = '\0';
    freeaddrinfo(res);
}

traps *traps_new(const agent_config *cfg, const profile_set *set, traps_profile_fn profile_of, void *ctx)
{
    traps *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = cfg;
    t->set = set;
    t->profile_of = profile_of;
    t->ctx = ctx;
    t->sock = -1;
    t->addrs = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *t->addrs);
    t->pending = calloc(TRAPS_PENDING_MAX, sizeof *t->pending);
    t->limit = trap_limit_new(cfg->trap_rate, cfg->trap_source_rate, (double)time(NULL));
    if (!t->addrs || !t->pending || !t->limit) {
        traps_free(t);
        return NULL;
    }
    for (size_t i = 0; i < cfg->ndevices; i++)
        traps_resolve(cfg->devices[i].host, t->addrs[i], sizeof t->addrs[i]);
    return t;
}

void traps_free(traps *t)
{
    if (!t)
        return;
    if (t->sess) {
        traps_unhook(t);
        snmp_close(t->sess);
    }
    trap_limit_free(t->limit);
    free(t->pending);
    free(t->addrs);
    free(t);
}

/* ---- mapping ------------------------------------------------------------------------------- */

int traps_pdu_oid(const netsnmp_pdu *pdu, oid *out, size_t max, size_t *len)
{
    if (pdu->command == SNMP_MSG_TRAP) {
        if (pdu->trap_type == SNMP_TRAP_ENTERPRISESPECIFIC) {
            if (!pdu->enterprise || pdu->enterprise_length + 2 > max)
                return -1;
            memcpy(out, pdu->enterprise, pdu->enterprise_length * sizeof(oid));
            out[pdu->enterprise_length] = 0;
            out[pdu->enterprise_length + 1] = (oid)pdu->specific_type;
            *len = pdu->enterprise_length + 2;
        } else {
            size_t n = OID_LENGTH(trap_generic);
            if (pdu->trap_type < 0 || pdu->trap_type > 5 || n + 1 > max)
                return -1;
            memcpy(out, trap_generic, sizeof trap_generic);
            out[n] = (oid)pdu->trap_type + 1;
            *len = n + 1;
        }
        return 0;
    }
    if (pdu->command != SNMP_MSG_TRAP2 && pdu->command != SNMP_MSG_INFORM)
        return -1;
    for (const netsnmp_variable_list *vb = pdu->variables; vb; vb = vb->next_variable)
        if (snmp_oid_compare(vb->name, vb->name_length, trap_oid_vb, OID_LENGTH(trap_oid_vb)) == 0 &&
            vb->type == ASN_OBJECT_ID && vb->val.objid) {
            size_t n = vb->val_len / sizeof(oid);
            if (n < 2 || n > max)
                return -1;
            memcpy(out, vb->val.objid, n * sizeof(oid));
            *len = n;
            return 0;
        }
    return -1;
}

long traps_find_device(const traps *t, const char *src)
{
    if (strncmp(src, "::ffff:", 7) == 0 && strchr(src, '.'))
        src += 7; /* an IPv4 sender seen on an IPv6 socket */
    for (size_t i = 0; i < t->cfg->ndevices; i++)
        if (strcmp(t->addrs[i], src) == 0 || strcmp(t->cfg->devices[i].host, src) == 0)
            return (long)i;
    return -1;
}

/* The instance is the index of the first varbind under `prefix` (ifIndex.7 → "7"). */
static void traps_varbind_instance(const netsnmp_pdu *pdu, const prof_oid *prefix, char *out, size_t size)
{
    out[0] = '\0';
    for (const netsnmp_variable_list *vb = pdu->variables; vb; vb = vb->next_variable) {
        if (vb->name_length <= prefix->len || !oid_has_prefix(vb->name, vb->name_length, prefix->ids, prefix->len))
            continue;
        size_t o = 0;
        for (size_t i = prefix->len; i < vb->name_length && o < size; i++)
            o += (size_t)snprintf(out + o, size - o, i > prefix->len ? ".%lu" : "%lu", (unsigned long)vb->name[i]);
        if (o >= size)
            out[0] = '\0';
        return;
    }
}

static const prof_trap *traps_lookup(const traps *t, long dev, const oid *toid, size_t tlen, const profile **which)
{
    const profile *own = NULL;
    if (dev >= 0) {
        if (t->profile_of)
            own = t->profile_of(t->ctx, (size_t)dev);
        else if (t->cfg->devices[dev].profile[0])
            own = profile_set_find(t->set, t->cfg->devices[dev].profile);
    }
    const prof_trap *tr = profile_find_trap(own, toid, tlen);
    *which = own;
    for (size_t i = 0; !tr && i < profile_set_count(t->set); i++)
        if ((tr = profile_find_trap(profile_set_at(t->set, i), toid, tlen)))
            *which = profile_set_at(t->set, i);
    if (tr && dev >= 0 && !own)
        *which = NULL; /* the trap's profile does not make the device's class */
    return tr;
}

/* A device name for an address no device has: the address, with ':' of IPv6 as '-'. */
static void traps_source_name(const char *src, char *out, size_t size)
{
    snprintf(out, size, "%s", src);
    for (char *c = out; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
              *c == '-' || *c == '_'))
            *c = '-';
    if (!name_is_valid(out))
        snprintf(out, size, "unknown-source");
}

/* ---- the batch waiting --------------------------------------------------------------------- */

/* FNV-1a of the sample's series (device, metric, instance). */
static uint64_t traps_series_key(const push_sample *s)
{
    uint64_t h = 1469598103934665603ull;
    const char *parts[] = {s->device, s->metric, s->instance};
    for (size_t p = 0; p < 3; p++) {
        for (const char *c = parts[p]; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    }
    return h;
}

/* The slot of a series and second in t->merge: the server keeps one sample of those per batch. */
static size_t traps_merge_slot(uint64_t key, int64_t ts)
{
    return (size_t)(((key ^ (uint64_t)ts) * 1099511628211ull) >> 20) & (TRAPS_MERGE_SLOTS - 1);
}

static bool traps_same_series(const push_sample *a, const push_sample *b)
{
    return a->ts == b->ts && strcmp(a->device, b->device) == 0 && strcmp(a->metric, b->metric) == 0 &&
           strcmp(a->instance, b->instance) == 0;
}

/* Adds s to the batch waiting, or replaces the sample of its series and second. TRAP_DROP_QUEUE when
 * the batch is full. */
static trap_verdict traps_queue(traps *t, const push_sample *s, long dev, const profile *prof, double now)
{
    uint64_t key = traps_series_key(s);
    traps_shipped *sh = &t->shipped[key & (TRAPS_SHIPPED_SLOTS - 1)];
    push_sample later;
    if (sh->key == key && sh->ts >= s->ts) {
        /* its series has a sample of that second pushed already, which the server would keep instead
         * of this later state: one second later, it is kept */
        later = *s;
        later.ts = sh->ts + 1;
        s = &later;
    }
    size_t h = traps_merge_slot(key, s->ts);
    while (t->merge[h]) { /* open addressing: at most TRAPS_PENDING_MAX of the slots are used */
        traps_item *it = &t->pending[t->merge[h] - 1];
        if (traps_same_series(&it->s, s)) {
            *it = (traps_item){*s, dev, prof};
            trap_limit_merged(t->limit);
            return TRAP_ACCEPTED;
        }
        h = (h + 1) & (TRAPS_MERGE_SLOTS - 1);
    }
    if (t->npending == TRAPS_PENDING_MAX)
        return TRAP_DROP_QUEUE;
    if (t->npending == 0)
        t->first_at = now;
    t->pending[t->npending] = (traps_item){*s, dev, prof};
    t->merge[h] = (uint16_t)++t->npending;
    return TRAP_ACCEPTED;
}

/* The sample of a notification that passed the bounds: mapped through a profile, or device.trap. */
static trap_verdict traps_map(traps *t, const char *src, const netsnmp_pdu *pdu, const oid *toid, size_t tlen,
                              double now)
{
    char otext[OID_TEXT_MAX];
    oid_format(toid, tlen, otext, sizeof otext);
    long dev = traps_find_device(t, src);
    char device[NAME_MAX_LEN + 1];
    if (dev >= 0)
        snprintf(device, sizeof device, "%s", t->cfg->devices[dev].name);
    else
        traps_source_name(src, device, sizeof device);
    const profile *prof = NULL;
    const prof_trap *tr = traps_lookup(t, dev, toid, tlen, &prof);
    push_sample s;
    char instance[INSTANCE_MAX_LEN + 1] = "";
    int64_t ts = (int64_t)now;
    bool mapped = tr && dev >= 0;
    if (mapped) {
        if (tr->has_instance_varbind)
            traps_varbind_instance(pdu, &tr->instance_varbind, instance, sizeof instance);
        else
            snprintf(instance, sizeof instance, "%s", tr->instance);
        if (push_sample_set(&s, device, tr->metric, instance, tr->value, tr->unit, ts) != 0)
            return TRAP_DROP_MALFORMED;
        snprintf(s.text, sizeof s.text, "%s", tr->text);
        s.sev = tr->sev;
    } else {
        if (push_sample_set(&s, device, VOCAB_DEVICE_TRAP, "", 1, "state", ts) != 0)
            return TRAP_DROP_MALFORMED;
        snprintf(s.text, sizeof s.text, "%s", otext);
        s.sev = SEV_WARNING;
    }
    trap_verdict v = traps_queue(t, &s, dev, prof, now);
    if (v != TRAP_ACCEPTED || !trap_limit_may_log(t->limit)) /* a bounded number of lines per period */
        return v;
    if (mapped)
        log_info("trap", "from %s (%s): %s %s → %s%s%s = %g %s", src, device, otext, tr->mib ? tr->mib : "",
                 tr->metric, instance[0] ? "@" : "", instance, tr->value, tr->text);
    else
        log_info("trap", "from %s (%s): %s, %s: kept as device.trap", src, device, otext,
                 dev < 0 ? "from an address no device has" : "no profile knows it");
    return v;
}

static bool traps_community_ok(const traps *t, const netsnmp_pdu *pdu)
{
    const char *want = t->cfg->trap_community;
    return pdu->version == SNMP_VERSION_3 ||
           (pdu->community_len == strlen(want) && (pdu->community_len == 0 || (pdu->community &&
            memcmp(pdu->community, want, pdu->community_len) == 0)));
}

int traps_handle(traps *t, const char *src, const netsnmp_pdu *pdu, double now)
{
    oid toid[MAX_OID_LEN];
    size_t tlen = 0;
    size_t who = trap_limit_receive(t->limit, src, now);
    trap_verdict v;
    if (!traps_community_ok(t, pdu))
        v = TRAP_DROP_COMMUNITY; /* before the buckets: a stranger takes nobody's tokens */
    else if ((v = trap_limit_admit(t->limit, who, now)) != TRAP_ACCEPTED)
        ;
    else if (traps_pdu_oid(pdu, toid, MAX_OID_LEN, &tlen) != 0)
        v = TRAP_DROP_MALFORMED;
    else
        v = traps_map(t, src, pdu, toid, tlen, now);
    trap_limit_count(t->limit, who, v);
    return v == TRAP_ACCEPTED ? 1 : -1;
}

size_t traps_pending(const traps *t) { return t ? t->npending : 0; }
const trap_counts *traps_counts(const traps *t) { return trap_limit_counts(t->limit); }

/* The class and profile of device dev in batch b, as a poll describes it. */
static int traps_describe(const traps *t, push_batch *b, long dev, const profile *prof)
{
    if (dev < 0)
        return 0;
    const agent_device *d = &t->cfg->devices[dev];
    if (!prof && t->profile_of)
        prof = t->profile_of(t->ctx, (size_t)dev);
    const char *cls = d->cls[0] ? d->cls : prof ? prof->cls : NULL;
    return cls ? push_batch_set_device(b, d->name, cls, prof ? prof->name : "") : 0;
}

/* The waiting samples as a batch (the batch waiting is emptied), NULL when out of memory. remember:
 * the seconds pushed are kept, for the later traps of those (traps_queue). */
static push_batch *traps_build(traps *t, bool remember)
{
    push_batch *b = push_batch_new(t->cfg->id, 0);
    for (size_t i = 0; b && i < t->npending; i++) {
        const traps_item *it = &t->pending[i];
        if (traps_describe(t, b, it->dev, it->prof) != 0 || push_batch_add(b, &it->s) != 0) {
            push_batch_free(b);
            return NULL; /* kept for the next try */
        }
    }
    if (!b)
        return NULL;
    for (size_t i = 0; remember && i < t->npending; i++) {
        uint64_t key = traps_series_key(&t->pending[i].s);
        t->shipped[key & (TRAPS_SHIPPED_SLOTS - 1)] = (traps_shipped){key, t->pending[i].s.ts};
    }
    t->npending = 0;
    memset(t->merge, 0, sizeof t->merge);
    return b;
}

push_batch *traps_take(traps *t)
{
    if (!t || t->npending == 0)
        return NULL;
    return traps_build(t, false);
}

typedef struct {
    traps *t;
    push_batch *b;
    int64_t ts;
} traps_counts_ctx;

/* device.trap.received and device.trap.dropped of one source, on its device. */
static int traps_add_counts(void *p, const char *src, uint64_t received, uint64_t dropped)
{
    traps_counts_ctx *c = p;
    long dev = traps_find_device(c->t, src);
    char device[NAME_MAX_LEN + 1];
    if (dev >= 0)
        snprintf(device, sizeof device, "%s", c->t->cfg->devices[dev].name);
    else
        traps_source_name(src, device, sizeof device);
    push_sample r, d;
    if (push_sample_set(&r, device, VOCAB_DEVICE_TRAP_RECEIVED, "", (double)received, "count", c->ts) != 0 ||
        push_sample_set(&d, device, VOCAB_DEVICE_TRAP_DROPPED, "", (double)dropped, "count", c->ts) != 0)
        return 0; /* no valid name: counted in the log and SPOOL_DIR/traps only */
    if (traps_describe(c->t, c->b, dev, NULL) != 0 || push_batch_add(c->b, &r) != 0 || push_batch_add(c->b, &d) != 0)
        return -1;
    return 0;
}

/* When the next batch is due: INFINITY when nothing waits. */
static double traps_due_at(const traps *t)
{
    if (t->npending >= TRAPS_BATCH_FULL)
        return 0;
    if (t->npending > 0)
        return fmax(t->first_at + TRAPS_GATHER_S, t->last_batch + TRAPS_SPACING_S);
    if (trap_limit_changed(t->limit))
        return t->last_batch + TRAPS_COUNTS_S;
    return INFINITY;
}

double traps_next_due(const traps *t) { return traps_due_at(t); }

static void traps_save(traps *t, double now)
{
    vg_err err;
    if (!t->cfg->spool_dir[0])
        return;
    traps_refresh_outside(t);
    if (trap_limit_save(t->limit, t->cfg->spool_dir, now, &err) != VG_OK)
        log_debug("trap", "counts not written: %s", err.msg); /* only shown by --spool-status */
}

push_batch *traps_take_due(traps *t, double now, bool force)
{
    if (!t)
        return NULL;
    if (trap_limit_tick(t->limit, now, force))
        traps_save(t, now);
    /* the counts one second apart at least (the server keeps one sample per series and second); the
     * last ones, when the agent stops, a second ahead if need be */
    int64_t counts_ts = force && (int64_t)now <= t->counts_ts ? t->counts_ts + 1 : (int64_t)now;
    bool counts = trap_limit_changed(t->limit) && counts_ts > t->counts_ts;
    if (force ? !t->npending && !counts : now < traps_due_at(t))
        return NULL;
    push_batch *b = t->npending ? traps_build(t, true) : push_batch_new(t->cfg->id, 0);
    if (!b)
        return NULL;
    size_t ntraps = push_batch_count(b);
    if (counts) {
        traps_counts_ctx c = {t, b, counts_ts};
        trap_limit_report(t->limit, traps_add_counts, &c);
        t->counts_ts = c.ts;
    }
    t->last_batch = now; /* also when empty: the counts then wait TRAPS_COUNTS_S, no busy loop */
    if (!force)
        traps_save(t, now);
    if (push_batch_count(b) == 0) {
        push_batch_free(b);
        return NULL;
    }
    log_debug("trap", "batch: %zu trap sample(s), %zu count sample(s)", ntraps, push_batch_count(b) - ntraps);
    return b;
}
