#include "config.h"
#include "vocab_names.h"
#include "snmp/traps.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"
#include "snmp/engine.h"
#include "snmp/snmp_value.h"

struct traps {
    const agent_config *cfg;
    const profile_set *set;
    traps_profile_fn profile_of;
    void *ctx;
    char (*addrs)[64];      /* each device's host as a numeric address ("" if it did not resolve) */
    push_batch *pending;
    netsnmp_session *sess;  /* the listening session, NULL when not listening */
    unsigned long received, dropped;
};

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
    t->addrs = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *t->addrs);
    t->pending = push_batch_new(cfg->id, 0);
    if (!t->addrs || !t->pending) {
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
    if (t->sess)
        snmp_close(t->sess);
    push_batch_free(t->pending);
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

static long traps_find_device(const traps *t, const char *src)
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

int traps_handle(traps *t, const char *src, const netsnmp_pdu *pdu, int64_t now)
{
    oid toid[MAX_OID_LEN];
    size_t tlen = 0;
    char otext[OID_TEXT_MAX];
    t->received++;
    if (pdu->version != SNMP_VERSION_3 &&
        (pdu->community_len != strlen(t->cfg->trap_community) ||
         memcmp(pdu->community, t->cfg->trap_community, pdu->community_len) != 0)) {
        t->dropped++;
        log_warn("trap", "from %s: wrong community, dropped (%lu so far)", src, t->dropped);
        return -1;
    }
    if (traps_pdu_oid(pdu, toid, MAX_OID_LEN, &tlen) != 0) {
        t->dropped++;
        log_warn("trap", "from %s: a notification without snmpTrapOID, dropped", src);
        return -1;
    }
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
    if (tr && dev >= 0) {
        if (tr->has_instance_varbind)
            traps_varbind_instance(pdu, &tr->instance_varbind, instance, sizeof instance);
        else
            snprintf(instance, sizeof instance, "%s", tr->instance);
        if (push_sample_set(&s, device, tr->metric, instance, tr->value, tr->unit, now) != 0)
            return -1;
        snprintf(s.text, sizeof s.text, "%s", tr->text);
        s.sev = tr->sev;
        log_info("trap", "from %s (%s): %s %s → %s%s%s = %g %s", src, device, otext, tr->mib ? tr->mib : "",
                 tr->metric, instance[0] ? "@" : "", instance, tr->value, tr->text);
    } else {
        if (push_sample_set(&s, device, VOCAB_DEVICE_TRAP, "", 1, "state", now) != 0)
            return -1;
        snprintf(s.text, sizeof s.text, "%s", otext);
        s.sev = SEV_WARNING;
        log_info("trap", "from %s (%s): %s, %s: kept as device.trap", src, device, otext,
                 dev < 0 ? "from an address no device has" : "no profile knows it");
    }
    if (dev >= 0) {
        const agent_device *d = &t->cfg->devices[dev];
        const char *cls = d->cls[0] ? d->cls : prof ? prof->cls : NULL;
        if (cls)
            push_batch_set_device(t->pending, device, cls, prof ? prof->name : "");
    }
    if (push_batch_add(t->pending, &s) != 0) {
        log_error("trap", "DATA LOST: trap %s from %s: batch full or out of memory", otext, src);
        return -1;
    }
    return 1;
}

size_t traps_pending(const traps *t) { return t ? push_batch_count(t->pending) : 0; }

push_batch *traps_take(traps *t)
{
    if (!t || push_batch_count(t->pending) == 0)
        return NULL;
    push_batch *fresh = push_batch_new(t->cfg->id, 0);
    if (!fresh)
        return NULL; /* kept for the next try */
    push_batch *b = t->pending;
    t->pending = fresh;
    return b;
}

/* ---- the receiver -------------------------------------------------------------------------- */

static void traps_source_address(const netsnmp_pdu *pdu, char *out, size_t size)
{
    snprintf(out, size, "unknown");
    if (!pdu->transport_data || pdu->transport_data_length < (int)sizeof(struct sockaddr_in))
        return;
    /* UDP keeps the sender first (netsnmp_indexed_addr_pair, or a sockaddr_in6 for udp6) */
    const struct sockaddr *sa = pdu->transport_data;
    socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) || (int)len > pdu->transport_data_length ||
        getnameinfo(sa, len, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, size, "unknown");
}

static int traps_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
    (void)reqid;
    traps *t = magic;
    if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || !pdu)
        return 1;
    if (pdu->command == SNMP_MSG_INFORM) {
        /* acknowledged first, as snmptrapd does: the sender stops resending */
        netsnmp_pdu *reply = snmp_clone_pdu(pdu);
        if (reply) {
            reply->command = SNMP_MSG_RESPONSE;
            reply->errstat = 0;
            reply->errindex = 0;
            if (!snmp_send(sess, reply)) {
                log_warn("trap", "inform not acknowledged: %s", snmp_api_errstring(snmp_errno));
                snmp_free_pdu(reply);
            }
        }
    }
    if (pdu->command != SNMP_MSG_TRAP && pdu->command != SNMP_MSG_TRAP2 && pdu->command != SNMP_MSG_INFORM)
        return 1;
    char src[64];
    traps_source_address(pdu, src, sizeof src);
    traps_handle(t, src, pdu, (int64_t)time(NULL));
    return 1;
}

static const char *traps_priv_word(const char *p)
{
    if (strcmp(p, "AES-192") == 0)
        return "AES192";
    if (strcmp(p, "AES-256") == 0)
        return "AES256";
    if (strcmp(p, "DES") == 0)
        return "DES";
    return "AES";
}

/* createUser as in snmptrapd.conf: once for informs (our engine ID), once for traps (the sender's). */
static void traps_add_users(const agent_config *cfg)
{
    for (size_t i = 0; i < cfg->ntrap_users; i++) {
        const agent_trap_user *u = &cfg->trap_users[i];
        bool priv = strcmp(u->usm.level, "authPriv") == 0;
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1 && !u->engine_id[0])
                break;
            char line[1400];
            const char *eid = u->engine_id;
            bool hex_prefix = eid[0] == '0' && (eid[1] == 'x' || eid[1] == 'X');
            snprintf(line, sizeof line, "%s%s%s%s%s %s \"%s\"", pass ? "-e " : "", pass && !hex_prefix ? "0x" : "",
                     pass ? eid : "", pass ? " " : "", u->usm.user, u->usm.auth_proto, u->usm.auth_pass);
            if (priv) {
                size_t l = strlen(line);
                snprintf(line + l, sizeof line - l, " %s \"%s\"", traps_priv_word(u->usm.priv_proto), u->usm.priv_pass);
            }
            usm_parse_create_usmUser("createUser", line);
        }
        log_debug("trap", "SNMPv3 trap user %s (%s, %s)", u->usm.user, u->usm.level,
                  u->engine_id[0] ? u->engine_id : "informs only");
    }
}

vg_code traps_listen(traps *t, vg_err *err)
{
    const char *l = t->cfg->trap_listen;
    char spec[AGENT_HOST_MAX + 16];
    if (l[0] == '[')
        snprintf(spec, sizeof spec, "udp6:%s", l);
    else if (!strchr(l, ':'))
        snprintf(spec, sizeof spec, "udp:0.0.0.0:%s", l);
    else
        snprintf(spec, sizeof spec, "udp:%s", l);
    traps_add_users(t->cfg);
    netsnmp_transport *tr = netsnmp_transport_open_server("snmptrap", spec);
    if (!tr) /* a port in use or not ours, an address not on this host */
        return vg_fail(err, VG_E_IO, "cannot listen for traps on %s: %s", l, strerror(errno));
    netsnmp_session s;
    snmp_sess_init(&s);
    s.peername = SNMP_DEFAULT_PEERNAME;
    s.version = SNMP_DEFAULT_VERSION;
    s.community_len = SNMP_DEFAULT_COMMUNITY_LEN;
    s.retries = SNMP_DEFAULT_RETRIES;
    s.timeout = SNMP_DEFAULT_TIMEOUT;
    s.callback = traps_callback;
    s.callback_magic = t;
    s.authenticator = NULL;
    s.isAuthoritative = SNMP_SESS_UNKNOWNAUTH;
    t->sess = snmp_add(&s, tr, NULL, NULL);
    if (!t->sess)
        return vg_fail(err, VG_E_IO, "cannot listen for traps on %s: %s", l, snmp_api_errstring(snmp_errno));
    return VG_OK;
}

void traps_wait(traps *t, double seconds)
{
    struct timeval start;
    gettimeofday(&start, NULL);
    double end = (double)start.tv_sec + start.tv_usec / 1e6 + seconds;
    if (!t || !t->sess) {
        if (seconds > 0) {
            struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
            nanosleep(&ts, NULL);
        }
        return;
    }
    while (push_batch_count(t->pending) == 0) {
        struct timeval now;
        gettimeofday(&now, NULL);
        double left = end - ((double)now.tv_sec + now.tv_usec / 1e6);
        if (left <= 0)
            return;
        int n = poller_wait(NULL, left);
        if (n < 0 && errno == EINTR)
            return; /* a signal: the caller looks at it */
    }
}
