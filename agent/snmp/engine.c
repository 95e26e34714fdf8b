#include "config.h"
#include "snmp/engine_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <net-snmp/library/large_fd_set.h>

#include "log.h"
#include "snmp/plan.h"

#define POLL_MAX_BACKOFF 3      /* cycles skipped at most between two tries of a silent device */
/* Every device gets its first request at the start of a cycle, so that silent ones all time out
 * together, one timeout after the start. Past its first answer, a device needs a place among
 * POLL_WINDOW to go on (else its next request waits, "parked"): its answers are turned into samples,
 * handed to the sink and dropped as soon as it is done, so the agent holds the tables of this many
 * devices at most, whatever the size of its site. On a LAN a device is done in milliseconds: the
 * window costs no cycle time, and a silent device never takes a place. */
#define POLL_WINDOW 64

/* ---- setup --------------------------------------------------------------------------------- */

static bool engine_snmp_ready;

void poller_snmp_init(void)
{
    if (engine_snmp_ready)
        return;
    /* numeric OIDs only: no MIB files, no config files, no persistent state written */
    setenv("MIBS", "", 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
    snmp_disable_log();
    init_snmp("vigie-agent");
    engine_snmp_ready = true;
}

poller *poller_new(const profile_set *profiles)
{
    poller_snmp_init();
    poller *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->profiles = profiles;
    p->maxprobes = profile_set_probe_count(profiles);
    p->probes = calloc(p->maxprobes ? p->maxprobes : 1, sizeof *p->probes);
    p->plans = plan_set_new(profiles);
    if (!p->probes || !p->plans) {
        poller_free(p);
        return NULL;
    }
    return p;
}

void poller_free(poller *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndevs; i++) {
        engine_device *d = &p->devs[i];
        if (d->sess)
            snmp_close(d->sess);
        free(d->cols);
        free(d->slots);
        free(d->cursors);
        sweep_free(d->sweep);
        collect_free(d->coll);
        free(d->soid);
        free(d->soid_text);
    }
    plan_set_free(p->plans);
    free(p->devs);
    free(p->parkq);
    free(p->probes);
    free(p);
}

/* The SNMPv3 parts of a session: user, level, protocols and the keys derived from the passwords. */
static vg_code engine_set_v3(netsnmp_session *s, const agent_usm *u, vg_err *err)
{
    s->securityName = (char *)u->user;
    s->securityNameLen = strlen(u->user);
    if (u->context[0]) {
        s->contextName = (char *)u->context;
        s->contextNameLen = strlen(u->context);
    }
    bool auth = strcmp(u->level, "noAuthNoPriv") != 0, priv = strcmp(u->level, "authPriv") == 0;
    s->securityLevel = priv ? SNMP_SEC_LEVEL_AUTHPRIV : auth ? SNMP_SEC_LEVEL_AUTHNOPRIV : SNMP_SEC_LEVEL_NOAUTH;
    if (auth) {
        const char *a = u->auth_proto;
        const oid *proto;
        size_t plen;
        if (strcmp(a, "MD5") == 0) { proto = usmHMACMD5AuthProtocol; plen = OID_LENGTH(usmHMACMD5AuthProtocol); }
        else if (strcmp(a, "SHA") == 0) { proto = usmHMACSHA1AuthProtocol; plen = OID_LENGTH(usmHMACSHA1AuthProtocol); }
        else if (strcmp(a, "SHA-224") == 0) { proto = usmHMAC128SHA224AuthProtocol; plen = OID_LENGTH(usmHMAC128SHA224AuthProtocol); }
        else if (strcmp(a, "SHA-384") == 0) { proto = usmHMAC256SHA384AuthProtocol; plen = OID_LENGTH(usmHMAC256SHA384AuthProtocol); }
        else if (strcmp(a, "SHA-512") == 0) { proto = usmHMAC384SHA512AuthProtocol; plen = OID_LENGTH(usmHMAC384SHA512AuthProtocol); }
        else { proto = usmHMAC192SHA256AuthProtocol; plen = OID_LENGTH(usmHMAC192SHA256AuthProtocol); }
        s->securityAuthProto = snmp_duplicate_objid(proto, plen);
        s->securityAuthProtoLen = plen;
        s->securityAuthKeyLen = USM_AUTH_KU_LEN;
        if (generate_Ku(s->securityAuthProto, (u_int)plen, (const u_char *)u->auth_pass,
                        strlen(u->auth_pass), s->securityAuthKey, &s->securityAuthKeyLen) != SNMPERR_SUCCESS)
            return vg_fail(err, VG_E_INVALID, "cannot derive SNMPv3 keys");
    }
    if (priv) {
        const char *pp = u->priv_proto;
        const oid *proto = usmAESPrivProtocol;
        size_t plen = OID_LENGTH(usmAESPrivProtocol);
#ifdef NETSNMP_DRAFT_BLUMENTHAL_AES_04
        if (strcmp(pp, "AES-192") == 0) { proto = usmAES192PrivProtocol; plen = OID_LENGTH(usmAES192PrivProtocol); }
        else if (strcmp(pp, "AES-256") == 0) { proto = usmAES256PrivProtocol; plen = OID_LENGTH(usmAES256PrivProtocol); }
#endif
        if (strcmp(pp, "DES") == 0) { proto = usmDESPrivProtocol; plen = OID_LENGTH(usmDESPrivProtocol); }
        s->securityPrivProto = snmp_duplicate_objid(proto, plen);
        s->securityPrivProtoLen = plen;
        s->securityPrivKeyLen = USM_PRIV_KU_LEN;
        if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen, (const u_char *)u->priv_pass,
                        strlen(u->priv_pass), s->securityPrivKey, &s->securityPrivKeyLen) != SNMPERR_SUCCESS)
            return vg_fail(err, VG_E_INVALID, "cannot derive SNMPv3 keys");
    }
    return VG_OK;
}

/* Opens the device's session (d->sess, d->fd). */
static vg_code engine_open(engine_device *d, vg_err *err)
{
    netsnmp_session s;
    char peer[AGENT_HOST_MAX + 32];
    snmp_sess_init(&s);
    if (strchr(d->cfg->host, ':'))
        snprintf(peer, sizeof peer, "udp6:[%s]:%d", d->cfg->host, d->cfg->port);
    else
        snprintf(peer, sizeof peer, "%s:%d", d->cfg->host, d->cfg->port);
    s.peername = peer;
    s.timeout = (long)(d->cfg->timeout * 1e6);
    s.retries = d->cfg->retries;
    if (d->cfg->version == SNMP_V3) {
        s.version = SNMP_VERSION_3;
        vg_code rc = engine_set_v3(&s, d->cfg->usm, err);
        if (rc != VG_OK) {
            free(s.securityAuthProto);
            free(s.securityPrivProto);
            return rc;
        }
    } else {
        s.version = d->cfg->version == SNMP_V1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
        s.community = (u_char *)d->cfg->community;
        s.community_len = strlen(d->cfg->community);
    }
    d->sess = snmp_open(&s);
    void *sp = d->sess ? snmp_sess_pointer(d->sess) : NULL;
    netsnmp_transport *t = sp ? snmp_sess_transport(sp) : NULL;
    d->fd = t ? t->sock : -1;
    free(s.securityAuthProto);
    free(s.securityPrivProto);
    if (!d->sess) {
        int liberr, syserr;
        char *msg = NULL;
        snmp_error(&s, &liberr, &syserr, &msg);
        vg_fail(err, VG_E_UNAVAILABLE, "cannot open an SNMP session to %s: %s", d->cfg->host, msg ? msg : "?");
        free(msg);
        return VG_E_UNAVAILABLE;
    }
    return VG_OK;
}

netsnmp_session *engine_session_open(const agent_device *dev, vg_err *err)
{
    engine_device d = {.cfg = dev, .fd = -1};
    return engine_open(&d, err) == VG_OK ? d.sess : NULL;
}

void poller_set_whole(poller *p, bool whole) { p->whole = whole; }

vg_code poller_add(poller *p, const agent_device *dev, const profile *forced)
{
    if (p->ndevs == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        engine_device *n = realloc(p->devs, cap * sizeof *n);
        if (!n)
            return VG_E_NOMEM;
        p->devs = n;
        size_t *q = realloc(p->parkq, cap * sizeof *q);
        if (!q)
            return VG_E_NOMEM;
        p->parkq = q;
        p->cap = cap;
    }
    engine_device *d = &p->devs[p->ndevs];
    memset(d, 0, sizeof *d);
    d->coll = collect_new(dev->name);
    if (!d->coll)
        return VG_E_NOMEM;
    d->owner = p;
    d->index = p->ndevs;
    d->cfg = dev;
    d->no_bulk = dev->version == SNMP_V1; /* GETBULK does not exist in SNMPv1 */
    d->prof = d->profs[0] = forced;
    d->nprofs = forced != NULL;
    d->detected = d->forced = forced != NULL;
    p->ndevs++;
    return VG_OK;
}

/* ---- the window --------------------------------------------------------------------------- */

/* Gives the free places to parked devices, first parked first (a device done meanwhile is skipped). */
static void engine_unpark(poller *p)
{
    while (p->park_head < p->park_tail && p->places < POLL_WINDOW) {
        engine_device *d = &p->devs[p->parkq[p->park_head++]];
        if (!d->parked)
            continue;
        d->parked = false;
        p->nparked--;
        engine_resend(d);
    }
}

/* A cycle's answers are dropped once they are samples; the arrays grow again next cycle. */
static void engine_drop_answers(engine_device *d)
{
    collect_drop(d->coll);
    free(d->cursors);
    d->cursors = NULL;
}

static void engine_collect(engine_device *d, const poll_sink *out, int64_t now)
{
    engine_sweep_end(d);
    const char *cls = d->cfg->cls[0] ? d->cfg->cls : d->prof ? d->prof->cls : "generic";
    collect_emit(d->coll, cls, d->prof ? d->prof->name : "", d->answered, out, now);
}

void engine_finish(engine_device *d)
{
    if (d->phase == PH_DONE)
        return;
    d->phase = PH_DONE;
    poller *p = d->owner;
    p->active--;
    if (d->parked) {
        d->parked = false;
        p->nparked--;
    }
    if (d->has_place) {
        d->has_place = false;
        p->places--;
    }
    if (p->out) {
        engine_collect(d, p->out, p->now);
        d->collected = true;
        if (collect_rebooted(d->coll) && d->detected && !d->forced) {
            log_info("poll", "%s: rebooted: detecting its profiles again next cycle", d->cfg->name);
            d->detected = false; /* new firmware may answer other MIBs */
        }
        if (collect_rebooted(d->coll) && d->sweep)
            sweep_reset(d->sweep); /* its tables were rebuilt: a new pass from the first row */
        engine_drop_answers(d);
    }
    engine_unpark(p);
}

void engine_send(engine_device *d, netsnmp_pdu *pdu)
{
    poller *p = d->owner;
    if (d->first_sent && !d->has_place) {
        if (p->places >= POLL_WINDOW) {
            /* built again by engine_unpark when a place frees: a waiting request would hold ~1 kB
             * per varbind in Net-SNMP */
            snmp_free_pdu(pdu);
            d->parked = true;
            p->nparked++;
            p->parkq[p->park_tail++] = d->index;
            return;
        }
        d->has_place = true;
        p->places++;
    }
    d->first_sent = true;
    d->requests++;
    if (d->phase == PH_SWEEP)
        sweep_sent(d->sweep); /* here, once sent: a parked request is built again, not counted twice */
    if (!snmp_async_send(d->sess, pdu, engine_callback, d)) {
        char key[NAME_MAX_LEN + 16];
        snprintf(key, sizeof key, "%s: send", d->cfg->name);
        log_limited(LOG_LVL_WARN, "poll", key, "%s: send failed: %s", d->cfg->name, snmp_api_errstring(snmp_errno));
        d->complained = true;
        snmp_free_pdu(pdu);
        d->timed_out = true;
        engine_finish(d);
    }
}

/* ---- the loop ------------------------------------------------------------------------------ */

static double engine_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* Leaves out of Net-SNMP's set the sockets of the devices not being asked now: the kernel polls every
 * socket of the set at each wait, and Net-SNMP's set holds every session (a third of the agent's CPU
 * time with 500 devices). Other sessions (the trap listener) stay in it. */
static void engine_fd_clear_idle(const poller *p, netsnmp_large_fd_set *set)
{
    for (size_t i = 0; i < p->ndevs; i++) {
        const engine_device *d = &p->devs[i];
        bool asked = d->phase != PH_IDLE && d->phase != PH_DONE && !d->parked;
        if (d->sess && d->fd >= 0 && !asked)
            NETSNMP_LARGE_FD_CLR(d->fd, set);
    }
}

static poller_extra engine_extra;

void poller_set_extra(const poller_extra *x) { engine_extra = x ? *x : (poller_extra){0}; }

int poller_wait(const poller *p, double left)
{
    /* block = 1 on input: Net-SNMP sets it to 0 and tv to the next retransmission when one is pending;
     * a zero tv with block 0 would make select() return at once, a busy loop */
    int fds = 0, block = 1;
    struct timeval tv = {0, 0};
    netsnmp_large_fd_set set;
    netsnmp_large_fd_set_init(&set, FD_SETSIZE);
    snmp_select_info2(&fds, &set, &tv, &block);
    if (p)
        engine_fd_clear_idle(p, &set);
    netsnmp_large_fd_set wr;
    netsnmp_large_fd_set_init(&wr, FD_SETSIZE);
    FD_ZERO(wr.lfs_setptr); /* _init leaves it as it was (FD_SETSIZE: the embedded fd_set) */
    if (engine_extra.fill)
        engine_extra.fill(engine_extra.ctx, &set, &wr, &fds, &left);
    if (left < 0)
        left = 0;
    if (block || tv.tv_sec + tv.tv_usec / 1e6 > left) {
        tv.tv_sec = (long)left;
        tv.tv_usec = (long)((left - (double)tv.tv_sec) * 1e6);
    }
    int n = netsnmp_large_fd_set_select(fds, &set, engine_extra.fill ? &wr : NULL, NULL, &tv);
    if (n > 0)
        snmp_read2(&set);
    else if (n == 0)
        snmp_timeout();
    if (engine_extra.handle)
        engine_extra.handle(engine_extra.ctx, &set, &wr, n);
    netsnmp_large_fd_set_cleanup(&wr);
    netsnmp_large_fd_set_cleanup(&set);
    return n;
}

/* After the cycle: a device that did not answer is asked less often (0, 1, 3, 3... cycles skipped). */
static void engine_backoff(engine_device *d)
{
    if (d->timed_out && !d->answered) {
        log_debug("poll", "%s: no answer from %s:%d", d->cfg->name, d->cfg->host, d->cfg->port);
        if (!d->skipped) { /* a real try failed */
            d->failures++;
            d->skip = d->failures >= 3 ? POLL_MAX_BACKOFF : (1 << (d->failures - 1)) - 1;
            if (d->skip)
                log_info("poll", "%s: no answer %d times in a row, next try in %d cycles", d->cfg->name,
                         d->failures, d->skip + 1);
        }
    } else if (d->answered) {
        if (d->failures >= 2)
            log_info("poll", "%s: answers again after %d silent tries", d->cfg->name, d->failures);
        d->failures = 0;
    }
}

int poller_cycle(poller *p, const poll_sink *out, int64_t now, double budget)
{
    double deadline = engine_now() + budget;
    p->active = p->places = p->nparked = p->park_head = p->park_tail = 0;
    p->out = out;
    p->now = now;
    for (size_t i = 0; i < p->ndevs; i++) {
        engine_device *d = &p->devs[i];
        d->phase = PH_IDLE;
        d->collected = d->first_sent = d->has_place = false;
        d->requests = 0;
        d->skipped = d->skip > 0;
        if (d->skipped) {
            /* a silent device is asked less often; it is still reported unreachable each cycle */
            d->skip--;
            d->phase = PH_DONE;
            d->answered = false;
            d->timed_out = true;
            continue;
        }
        vg_err err;
        if (!d->sess && engine_open(d, &err) != VG_OK) {
            char key[NAME_MAX_LEN + 16]; /* given up for this cycle, and likely the next: said once a while */
            snprintf(key, sizeof key, "%s: session", d->cfg->name);
            log_limited(LOG_LVL_ERROR, "poll", key, "%s: %s", d->cfg->name, err.msg);
            d->complained = true;
            d->phase = PH_DONE;
            d->answered = false;
            continue;
        }
        p->active++;
    }
    for (size_t i = 0; i < p->ndevs; i++)
        if (p->devs[i].phase == PH_IDLE)
            engine_start(&p->devs[i]);
    while (p->active > 0) {
        double left = deadline - engine_now();
        if (left <= 0)
            break;
        poller_wait(p, left);
    }
    int answered = 0;
    for (size_t i = 0; i < p->ndevs; i++) {
        engine_device *d = &p->devs[i];
        bool whole = d->phase == PH_DONE && d->answered && !d->timed_out; /* its whole cycle, in time */
        if (d->phase != PH_DONE) {
            /* over budget: drop its outstanding request by closing the session */
            char key[NAME_MAX_LEN + 16];
            snprintf(key, sizeof key, "%s: budget", d->cfg->name);
            log_limited(LOG_LVL_WARN, "poll", key, "%s: %s when the cycle budget of %.1f s ran out", d->cfg->name,
                        d->parked ? "waiting for its turn" : "still answering", budget);
            d->complained = true;
            d->parked = false;
            snmp_close(d->sess);
            d->sess = NULL;
            d->phase = PH_DONE;
        }
        engine_backoff(d);
        if (!d->collected) { /* not asked (backing off, no session) or cut off by the budget */
            engine_collect(d, out, now);
            engine_drop_answers(d);
        }
        answered += d->answered;
        if (whole && d->complained) { /* a whole cycle again: its next failure is news */
            char key[NAME_MAX_LEN + 16];
            d->complained = false;
            snprintf(key, sizeof key, "%s: send", d->cfg->name);
            log_limited_clear("poll", key);
            snprintf(key, sizeof key, "%s: session", d->cfg->name);
            log_limited_clear("poll", key);
            snprintf(key, sizeof key, "%s: budget", d->cfg->name);
            log_limited_clear("poll", key);
        }
    }
    p->out = NULL;
    return answered;
}

const profile *poller_device_profile(const poller *p, size_t i) { return p->devs[i].prof; }
size_t poller_device_profiles(const poller *p, size_t i, const profile *const **out)
{
    *out = p->devs[i].profs;
    return p->devs[i].nprofs;
}
const char *poller_device_sys_object_id(const poller *p, size_t i)
{
    return p->devs[i].soid_text ? p->devs[i].soid_text : "";
}
const char *poller_device_problems(const poller *p, size_t i) { return collect_problems(p->devs[i].coll); }
