/* discover_slot: one address of the sweep (discover_slot.h). First, for SNMPv3, whether an engine is
 * there; then one GET of sysDescr, sysObjectID and sysName; then GETNEXTs of the probe OIDs its
 * sysObjectID leaves open (profile_set_probes), read as the poller reads them. A timeout asks again
 * through the pacer, up to the device's retries: Net-SNMP's own retries are off, so that every packet
 * is paced. */
#include "config.h"
#include "discover/discover_slot.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const oid ds_sys_descr[] = {1, 3, 6, 1, 2, 1, 1, 1, 0};
static const oid ds_sys_oid[] = {1, 3, 6, 1, 2, 1, 1, 2, 0};
static const oid ds_sys_name[] = {1, 3, 6, 1, 2, 1, 1, 5, 0};

double ds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
/* ---- requests ------------------------------------------------------------------------------- */

static int ds_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic);

void ds_finish(ds_slot *s, ds_outcome why)
{
    s->phase = DS_DONE;
    s->outcome = why;
    s->want = false;
}

static netsnmp_pdu *ds_build(ds_slot *s)
{
    if (s->phase == DS_ENGINE)
        return snmp_pdu_create(SNMP_MSG_GET); /* no varbind: the report names the engine */
    if (s->phase == DS_SYS) {
        netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
        if (s->sys_ask[0])
            snmp_add_null_var(pdu, ds_sys_descr, OID_LENGTH(ds_sys_descr));
        if (s->sys_ask[1])
            snmp_add_null_var(pdu, ds_sys_oid, OID_LENGTH(ds_sys_oid));
        if (s->sys_ask[2])
            snmp_add_null_var(pdu, ds_sys_name, OID_LENGTH(ds_sys_name));
        return pdu;
    }
    netsnmp_pdu *pdu = NULL;
    s->nreq = 0;
    for (size_t i = 0; i < s->nprobes && s->nreq < s->chunk; i++) {
        if (s->done[i])
            continue;
        if (!pdu)
            pdu = snmp_pdu_create(SNMP_MSG_GETNEXT);
        snmp_add_null_var(pdu, s->probes[i]->ids, s->probes[i]->len);
        s->req[s->nreq++] = i;
    }
    return pdu;
}

/* Sends the slot's request; false when it had nothing left to ask (the slot is done). */
void ds_send(ds_slot *s)
{
    netsnmp_pdu *pdu = ds_build(s);
    s->want = false;
    if (!pdu) {
        ds_finish(s, DS_OK);
        return;
    }
    s->tries++;
    s->sc->r->requests++;
    ds_phase was = s->phase;
    if (!snmp_async_send(s->sess, pdu, ds_callback, s)) {
        snmp_free_pdu(pdu);
        if (s->phase != DS_DONE) /* Net-SNMP may have called ds_callback already */
            ds_finish(s, was == DS_PROBE ? DS_OK : DS_FAILED);
    }
}

void ds_request(ds_slot *s)
{
    s->tries = 0;
    s->want = true;
}

/* ---- answers -------------------------------------------------------------------------------- */

static void ds_text(const netsnmp_variable_list *vb, char *out, size_t size)
{
    size_t n = 0;
    if (vb->type == ASN_OCTET_STR)
        for (size_t i = 0; i < vb->val_len && n + 1 < size; i++) {
            unsigned char c = vb->val.string[i];
            out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c; /* a terminal's control bytes never printed */
        }
    out[n] = '\0';
}

static void ds_start_probes(ds_slot *s)
{
    ds_scan *sc = s->sc;
    s->nprobes = profile_set_probes(sc->set, s->soid_len ? s->soid : NULL, s->soid_len, s->probes, sc->maxprobes);
    memset(s->have, 0, sc->maxprobes * sizeof *s->have);
    memset(s->done, 0, sc->maxprobes * sizeof *s->done);
    s->chunk = DISCOVER_CHUNK;
    s->phase = DS_PROBE;
    ds_request(s);
}

static void ds_on_sys(ds_slot *s, netsnmp_pdu *pdu)
{
    if (pdu->errstat != SNMP_ERR_NOERROR) {
        /* v1: noSuchName for one of the three; ask the others again */
        long k = pdu->errindex, seen = 0;
        for (int i = 0; i < 3; i++)
            if (s->sys_ask[i] && ++seen == k)
                s->sys_ask[i] = false;
        if (k < 1 || k > seen || (!s->sys_ask[0] && !s->sys_ask[1] && !s->sys_ask[2]))
            ds_start_probes(s);
        else
            ds_request(s);
        return;
    }
    for (netsnmp_variable_list *vb = pdu->variables; vb; vb = vb->next_variable) {
        if (snmp_oid_compare(vb->name, vb->name_length, ds_sys_oid, OID_LENGTH(ds_sys_oid)) == 0 &&
            vb->type == ASN_OBJECT_ID) {
            s->soid_len = vb->val_len / sizeof(oid) > MAX_OID_LEN ? MAX_OID_LEN : vb->val_len / sizeof(oid);
            if (s->soid_len)
                memcpy(s->soid, vb->val.objid, s->soid_len * sizeof(oid));
            oid_format(s->soid, s->soid_len, s->h.soid, sizeof s->h.soid);
        } else if (snmp_oid_compare(vb->name, vb->name_length, ds_sys_descr, OID_LENGTH(ds_sys_descr)) == 0) {
            ds_text(vb, s->h.sys_descr, sizeof s->h.sys_descr);
        } else if (snmp_oid_compare(vb->name, vb->name_length, ds_sys_name, OID_LENGTH(ds_sys_name)) == 0) {
            ds_text(vb, s->h.sys_name, sizeof s->h.sys_name);
        }
    }
    ds_start_probes(s);
}

static void ds_on_probes(ds_slot *s, netsnmp_pdu *pdu)
{
    if (pdu->errstat != SNMP_ERR_NOERROR) {
        if (pdu->errstat == SNMP_ERR_TOOBIG && s->chunk > 1)
            s->chunk /= 2;
        else if (pdu->errindex >= 1 && (size_t)pdu->errindex <= s->nreq)
            s->done[s->req[pdu->errindex - 1]] = true; /* v1: nothing after that OID */
        else if (s->chunk > 1)
            s->chunk = 1;
        else
            for (size_t i = 0; i < s->nreq; i++)
                s->done[s->req[i]] = true;
        ds_request(s);
        return;
    }
    size_t i = 0;
    for (netsnmp_variable_list *vb = pdu->variables; vb && i < s->nreq; vb = vb->next_variable, i++) {
        size_t k = s->req[i];
        const prof_oid *p = s->probes[k];
        s->done[k] = true;
        s->have[k] = vb->type != SNMP_ENDOFMIBVIEW && vb->type != SNMP_NOSUCHOBJECT &&
                     oid_has_prefix(vb->name, vb->name_length, p->ids, p->len);
        if (s->have[k] && p->pattern) { /* as the poller: the text under the probe must match */
            raw_value raw;
            snmp_value_decode(vb, &raw);
            s->have[k] = raw.kind == RAW_STRING && fnmatch(p->pattern, raw.str, 0) == 0;
        }
    }
    for (; i < s->nreq; i++)
        s->done[s->req[i]] = true;
    ds_request(s);
}

bool ds_probe_ok(void *ctx, const prof_oid *probe)
{
    const ds_slot *s = ctx;
    for (size_t i = 0; i < s->nprobes; i++)
        if (s->probes[i] == probe || prof_probe_same(s->probes[i], probe))
            return s->have[i];
    return false;
}

static int ds_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
    (void)sess;
    (void)reqid;
    ds_slot *s = magic;
    if (s->phase == DS_DONE || s->reopen || op == NETSNMP_CALLBACK_OP_RESEND)
        return 1;
    if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_RESPONSE) {
        if (s->phase == DS_SYS)
            ds_on_sys(s, pdu);
        else
            ds_on_probes(s, pdu);
    } else if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_REPORT &&
               s->phase == DS_ENGINE) {
        s->reopen = true; /* an SNMPv3 engine is there */
        s->want = false;
    } else if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_REPORT) {
        ds_finish(s, s->phase == DS_SYS ? DS_AUTH : DS_OK); /* SNMPv3: unknown user, wrong key ... */
    } else if (s->tries <= s->retries) {
        s->want = true; /* timed out: the same request again, through the pacer */
    } else if (s->phase != DS_PROBE) {
        ds_finish(s, s->engine ? DS_AUTH : DS_SILENT); /* a wrong key is never answered (RFC 3414 3.2) */
    } else {
        s->h.partial = true; /* it answered, then stopped: what was found is kept */
        ds_finish(s, DS_OK);
    }
    return 1;
}

/* The engine discovery's answer is a report that Net-SNMP would drop (another engine ID, and from some
 * agents request-id 0): any datagram back on the discovery session, seen before it is parsed, says an
 * SNMPv3 engine is there. Never parsed further: the session with the keys asks the rest. */
static int ds_engine_heard(netsnmp_session *sess, netsnmp_transport *t, void *from, int len)
{
    (void)t;
    (void)from;
    ds_slot *s = sess->callback_magic;
    if (s && s->phase == DS_ENGINE && len > 0) {
        s->reopen = true;
        s->want = false;
    }
    return 0; /* dropped */
}

/* A session without keys for the engine discovery (RFC 3414 4), opened with DONT_PROBE: snmp_open's own
 * discovery waits for its answer, one address after another. */
netsnmp_session *ds_engine_session(const agent_device *dev, ds_slot *slot)
{
    netsnmp_session s;
    char peer[AGENT_HOST_MAX + 32];
    snmp_sess_init(&s);
    snprintf(peer, sizeof peer, "udp:%s:%d", dev->host, dev->port);
    netsnmp_transport *t = netsnmp_transport_open_client("snmp", peer);
    if (!t)
        return NULL;
    s.version = SNMP_VERSION_3;
    s.securityLevel = SNMP_SEC_LEVEL_NOAUTH;
    s.securityName = (char *)"vigie-discovery"; /* any: no key goes with it */
    s.securityNameLen = strlen(s.securityName);
    /* an engine ID no agent has: Net-SNMP sends at once instead of discovering it first, and the agent
     * answers with a report (usmStatsUnknownEngineIDs or UnknownUserNames) */
    static u_char none[] = {0x80, 0x00, 0x00, 0x00, 0x04, 'v', 'g'};
    s.securityEngineID = none;
    s.securityEngineIDLen = sizeof none;
    s.flags |= SNMP_FLAGS_DONT_PROBE;
    s.timeout = (long)(dev->timeout * 1e6);
    s.retries = 0;
    s.callback_magic = slot;
    return snmp_add(&s, t, ds_engine_heard, NULL); /* the session owns t, failure included */
}
