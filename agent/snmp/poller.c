#include "config.h"
#include "vocab_names.h"
#include "snmp/poller.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <net-snmp/library/large_fd_set.h>

#include "log.h"

#define POLL_MAX_COLS_PER_REQ 8
#define POLL_BULK_VARBINDS 48   /* per GETBULK answer: rows x columns */
#define POLL_MAX_ROWS 20000     /* per column: a runaway walk stops here */
#define POLL_INDEX_MAX 40
#define POLL_MAX_BACKOFF 3      /* cycles skipped at most between two tries of a silent device */
/* Every device gets its first request at the start of a cycle, so that silent ones all time out
 * together, one timeout after the start. Past its first answer, a device needs a place among
 * POLL_WINDOW to go on (else its next request waits, "parked"): its answers are turned into samples,
 * handed to the sink and dropped as soon as it is done, so the agent holds the tables of this many
 * devices at most, whatever the size of its site. On a LAN a device is done in milliseconds: the
 * window costs no cycle time, and a silent device never takes a place. */
#define POLL_WINDOW 64

static const oid oid_sys_object_id[] = {1, 3, 6, 1, 2, 1, 1, 2, 0};

typedef enum { PH_IDLE, PH_DETECT_SYS, PH_DETECT_PROBE, PH_SCALARS, PH_TABLES, PH_DONE } poll_phase;

/* An answer kept until the cycle's samples are built: numbers inline, strings in the device's string
 * arena. (A raw_value per answer, with its 256-byte buffer, made the agent's memory grow by half a
 * kilobyte per table cell: 150 MB for 500 devices.) */
typedef struct {
    double number;
    uint64_t counter;
    uint32_t str_off;
    uint16_t str_len;
    uint8_t kind;     /* raw_kind */
    uint8_t asn_type;
} poll_val;

/* A scalar OID (GET) or a probe (GETNEXT inside a subtree) and its answer. */
typedef struct {
    const prof_oid *oid;
    bool done;
    bool have;
    poll_val v;
} poll_slot;

/* A table cell: its row index lies in the column's `ids`. */
typedef struct {
    uint32_t idx_off;
    uint16_t len;
    poll_val v;
} poll_row;

#define POLL_CURSOR_MAX 72 /* a column OID and the longest row index walked */

typedef struct {
    const prof_oid *col;
    oid *ids;              /* the row indexes seen this cycle, end to end */
    size_t nids, capids;
    size_t cur_off, cur_len; /* the walk's cursor: the last index seen (in ids); 0: the column itself */
    bool done;
    poll_row *rows;
    size_t nrows, cap;
} poll_column;

/* A metric of the device's plan with the slot or column of each of its sources resolved. */
typedef struct {
    const prof_metric *m;
    int src[PROF_MAX_SOURCES];
    int label, precision, divisor;
    int filter[PROF_MAX_FILTERS]; /* column of each filter, -1 for a test on the index itself */
} poll_metric;

/* What devices of one profile are asked and how their metrics are built from the answers: the same for
 * every such device, so built once per profile and shared (it was 2.5 kB per device). */
typedef struct {
    const profile *prof;     /* the device's profile (the generic one's metrics come first) */
    poll_metric *metrics;
    size_t nmetrics;
    const prof_oid **slots;  /* the scalars to GET, deduplicated; a device's slots follow this order */
    size_t nslots;
    const prof_oid **cols;   /* the columns to walk, deduplicated */
    size_t ncols;
} poll_plan;

typedef struct {
    char key[NAME_MAX_LEN + INSTANCE_MAX_LEN + 2];
    uint64_t value;
    int64_t at;
} poll_counter;

typedef struct {
    poller *owner;
    size_t index;
    const agent_device *cfg; /* the caller's: it outlives the poller */
    netsnmp_session *sess;
    int fd;                  /* its socket, -1 if unknown */
    bool first_sent;         /* its first request of the cycle is out */
    bool has_place;          /* among the POLL_WINDOW devices going on */
    bool parked;             /* its next request waits for a place (it is built when sent) */
    const profile *prof;
    bool detected;
    bool forced;           /* its profile is given by agent.yaml: never detected */
    char *soid_text;       /* NULL until read */
    oid *soid;
    size_t soid_len;

    poll_phase phase;
    bool answered, timed_out, no_bulk;
    int chunk;

    poll_slot *slots;   /* scalars (PH_SCALARS) or probes (PH_DETECT_PROBE) */
    size_t nslots, next_slot;
    uint16_t req_slots[128]; /* max_oids is at most 128 */
    size_t nreq;

    poll_column *cols;
    size_t ncols;
    int req_cols[POLL_MAX_COLS_PER_REQ];

    const poll_plan *plan; /* the poller's, shared; NULL until the profile is known */

    char *strs;             /* the string answers of the cycle, NUL-terminated, end to end */
    size_t nstrs, capstrs;

    poll_counter *counters;
    size_t ncounters;
    bool have_uptime;
    int failures;   /* cycles in a row without an answer */
    int skip;       /* cycles left before the next try (backoff) */
    bool skipped;   /* not asked this cycle */
    bool collected; /* its samples of this cycle are out */
    double last_uptime;

    char *problems;
    size_t problems_len;
} poll_device;

struct poller {
    const profile_set *profiles;
    poll_device *devs;
    size_t ndevs, cap;
    size_t active;   /* devices of the cycle not done yet */
    size_t places;   /* devices past their first answer and not done (at most POLL_WINDOW) */
    size_t nparked;  /* devices waiting for a place */
    size_t *parkq;   /* their indexes, first parked first; a device parks once a cycle at most */
    size_t park_head, park_tail;
    const poll_sink *out;
    int64_t now;
    const prof_oid **probes; /* scratch: the probe OIDs a device being detected is asked */
    size_t maxprobes;
    poll_plan **plans; /* one per profile in use, built when a first device needs it (devices point to them) */
    size_t nplans, capplans;
};


/* ---- setup --------------------------------------------------------------------------------- */

static bool poller_snmp_ready;

void poller_snmp_init(void)
{
    if (poller_snmp_ready)
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
    poller_snmp_ready = true;
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
    if (!p->probes) {
        free(p);
        return NULL;
    }
    return p;
}

static void dev_reset_data(poll_device *d)
{
    for (size_t i = 0; i < d->ncols; i++) {
        free(d->cols[i].rows);
        free(d->cols[i].ids);
    }
    free(d->cols);
    free(d->slots);
    d->cols = NULL;
    d->slots = NULL;
    d->plan = NULL;
    d->ncols = d->nslots = 0;
}

static void plan_free(poll_plan *pl);

void poller_free(poller *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndevs; i++) {
        poll_device *d = &p->devs[i];
        if (d->sess)
            snmp_close(d->sess);
        dev_reset_data(d);
        free(d->counters);
        free(d->problems);
        free(d->strs);
        free(d->soid);
        free(d->soid_text);
    }
    for (size_t i = 0; i < p->nplans; i++)
        plan_free(p->plans[i]);
    free(p->plans);
    free(p->devs);
    free(p->parkq);
    free(p->probes);
    free(p);
}

static int poller_set_v3(netsnmp_session *s, const agent_usm *u)
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
            return -1;
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
            return -1;
    }
    return 0;
}

static int dev_open(poll_device *d)
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
        if (poller_set_v3(&s, d->cfg->usm) != 0) {
            log_error("poll", "%s: cannot derive SNMPv3 keys", d->cfg->name);
            return -1;
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
        log_error("poll", "%s: cannot open an SNMP session to %s: %s", d->cfg->name, d->cfg->host, msg ? msg : "?");
        free(msg);
        return -1;
    }
    return 0;
}

int poller_add(poller *p, const agent_device *dev, const profile *forced)
{
    if (p->ndevs == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        poll_device *n = realloc(p->devs, cap * sizeof *n);
        if (!n)
            return -1;
        p->devs = n;
        size_t *q = realloc(p->parkq, cap * sizeof *q);
        if (!q)
            return -1;
        p->parkq = q;
        p->cap = cap;
    }
    poll_device *d = &p->devs[p->ndevs];
    memset(d, 0, sizeof *d);
    d->owner = p;
    d->index = p->ndevs;
    d->cfg = dev;
    d->no_bulk = dev->version == SNMP_V1; /* GETBULK does not exist in SNMPv1 */
    d->prof = forced;
    d->detected = d->forced = forced != NULL;
    p->ndevs++;
    return 0;
}

/* ---- plan ---------------------------------------------------------------------------------- */

static int plan_find(const prof_oid **list, size_t *n, const prof_oid *o)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i]->len == o->len && memcmp(list[i]->ids, o->ids, o->len * sizeof(oid)) == 0)
            return (int)i;
    list[*n] = o;
    return (int)(*n)++;
}

static void plan_add_profile(poll_plan *pl, const profile *pr)
{
    for (size_t i = 0; pr && i < pr->nmetrics; i++) {
        const prof_metric *m = &pr->metrics[i];
        poll_metric *pm = &pl->metrics[pl->nmetrics++];
        pm->m = m;
        pm->label = pm->precision = pm->divisor = -1;
        for (size_t s = 0; s < m->nsources; s++)
            pm->src[s] = m->is_table ? plan_find(pl->cols, &pl->ncols, &m->sources[s].oid)
                                     : plan_find(pl->slots, &pl->nslots, &m->sources[s].oid);
        if (m->has_label)
            pm->label = plan_find(pl->cols, &pl->ncols, &m->label_col);
        for (size_t f = 0; f < m->nfilters; f++)
            pm->filter[f] = m->filters[f].has_column ? plan_find(pl->cols, &pl->ncols, &m->filters[f].column) : -1;
        if (m->has_precision)
            pm->precision = plan_find(pl->cols, &pl->ncols, &m->precision_col);
        if (m->has_divisor)
            pm->divisor = plan_find(pl->cols, &pl->ncols, &m->divisor_col);
    }
}

static size_t plan_count(const profile *pr)
{
    size_t n = 0;
    for (size_t i = 0; pr && i < pr->nmetrics; i++)
        n += pr->metrics[i].nsources + 3 + PROF_MAX_FILTERS;
    return n;
}

static void plan_free(poll_plan *pl)
{
    if (!pl)
        return;
    free(pl->metrics);
    free(pl->slots);
    free(pl->cols);
    free(pl);
}

static poll_plan *plan_new(const profile_set *set, const profile *prof)
{
    const profile *g = profile_set_generic(set);
    const profile *pr = prof == g ? NULL : prof;
    size_t metrics = (g ? g->nmetrics : 0) + (pr ? pr->nmetrics : 0);
    size_t max = plan_count(g) + plan_count(pr);
    poll_plan *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    pl->prof = prof;
    pl->metrics = calloc(metrics ? metrics : 1, sizeof *pl->metrics);
    pl->slots = calloc(max ? max : 1, sizeof *pl->slots);
    pl->cols = calloc(max ? max : 1, sizeof *pl->cols);
    if (!pl->metrics || !pl->slots || !pl->cols) {
        plan_free(pl);
        return NULL;
    }
    plan_add_profile(pl, g);
    plan_add_profile(pl, pr);
    return pl;
}

/* The plan of a profile (NULL: the generic one alone), built on first use. */
static const poll_plan *poller_plan(poller *p, const profile *prof)
{
    for (size_t i = 0; i < p->nplans; i++)
        if (p->plans[i]->prof == prof)
            return p->plans[i];
    if (p->nplans == p->capplans) {
        size_t cap = p->capplans ? 2 * p->capplans : 8;
        poll_plan **pls = realloc(p->plans, cap * sizeof *pls);
        if (!pls)
            return NULL;
        p->plans = pls;
        p->capplans = cap;
    }
    poll_plan *pl = plan_new(p->profiles, prof);
    if (pl)
        p->plans[p->nplans++] = pl;
    return pl;
}

/* The device's slots and columns, in the order of its profile's plan, with no answer yet. */
static int dev_build_plan(poll_device *d)
{
    dev_reset_data(d);
    const poll_plan *pl = poller_plan(d->owner, d->prof);
    if (!pl)
        return -1;
    d->slots = calloc(pl->nslots ? pl->nslots : 1, sizeof *d->slots);
    d->cols = calloc(pl->ncols ? pl->ncols : 1, sizeof *d->cols);
    if (!d->slots || !d->cols)
        return -1;
    for (size_t i = 0; i < pl->nslots; i++)
        d->slots[i].oid = pl->slots[i];
    for (size_t i = 0; i < pl->ncols; i++)
        d->cols[i].col = pl->cols[i];
    d->nslots = pl->nslots;
    d->ncols = pl->ncols;
    d->plan = pl;
    return 0;
}

/* ---- requests ------------------------------------------------------------------------------ */

static int poll_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic);

static void dev_collect(poll_device *d, const poll_sink *out, int64_t now);
static void dev_resend(poll_device *d);

/* Gives the free places to parked devices, first parked first (a device done meanwhile is skipped). */
static void poller_unpark(poller *p)
{
    while (p->park_head < p->park_tail && p->places < POLL_WINDOW) {
        poll_device *d = &p->devs[p->parkq[p->park_head++]];
        if (!d->parked)
            continue;
        d->parked = false;
        p->nparked--;
        dev_resend(d);
    }
}

/* A cycle's answers are dropped once they are samples; the arrays grow again next cycle. */
static void dev_drop_answers(poll_device *d)
{
    for (size_t i = 0; i < d->ncols; i++) {
        free(d->cols[i].rows);
        free(d->cols[i].ids);
        d->cols[i].rows = NULL;
        d->cols[i].ids = NULL;
        d->cols[i].cap = d->cols[i].capids = d->cols[i].nrows = d->cols[i].nids = 0;
    }
    free(d->strs);
    d->strs = NULL;
    d->nstrs = d->capstrs = 0;
}

static void dev_finish(poll_device *d)
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
        dev_collect(d, d->owner->out, d->owner->now);
        d->collected = true;
        dev_drop_answers(d);
    }
    poller_unpark(p);
}

static void dev_send(poll_device *d, netsnmp_pdu *pdu)
{
    poller *p = d->owner;
    if (d->first_sent && !d->has_place) {
        if (p->places >= POLL_WINDOW) {
            /* built again by poller_unpark when a place frees: a waiting request would hold ~1 kB
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
    if (!snmp_async_send(d->sess, pdu, poll_callback, d)) {
        log_warn("poll", "%s: send failed: %s", d->cfg->name, snmp_api_errstring(snmp_errno));
        snmp_free_pdu(pdu);
        d->timed_out = true;
        dev_finish(d);
    }
}

/* Sends the next chunk of not-yet-answered slots with GET (scalars) or GETNEXT (probes).
 * Returns false when every slot is done. */
static bool dev_send_slots(poll_device *d, int command)
{
    while (d->next_slot < d->nslots && d->slots[d->next_slot].done)
        d->next_slot++;
    if (d->next_slot >= d->nslots)
        return false;
    netsnmp_pdu *pdu = snmp_pdu_create(command);
    d->nreq = 0;
    for (size_t i = d->next_slot; i < d->nslots && d->nreq < (size_t)d->chunk; i++) {
        if (d->slots[i].done)
            continue;
        snmp_add_null_var(pdu, d->slots[i].oid->ids, d->slots[i].oid->len);
        d->req_slots[d->nreq++] = (uint16_t)i;
    }
    dev_send(d, pdu);
    return true;
}

static bool dev_send_columns(poll_device *d)
{
    netsnmp_pdu *pdu = NULL;
    size_t n = 0;
    for (size_t i = 0; i < d->ncols && n < POLL_MAX_COLS_PER_REQ; i++) {
        if (d->cols[i].done)
            continue;
        if (!pdu)
            pdu = snmp_pdu_create(d->no_bulk ? SNMP_MSG_GETNEXT : SNMP_MSG_GETBULK);
        const poll_column *c = &d->cols[i];
        oid cur[POLL_CURSOR_MAX]; /* the column and the cursor: both bounded when they were stored */
        memcpy(cur, c->col->ids, c->col->len * sizeof(oid));
        if (c->cur_len) /* else ids may still be NULL */
            memcpy(cur + c->col->len, c->ids + c->cur_off, c->cur_len * sizeof(oid));
        snmp_add_null_var(pdu, cur, c->col->len + c->cur_len);
        d->req_cols[n++] = (int)i;
    }
    if (!pdu)
        return false;
    d->nreq = n;
    if (!d->no_bulk) {
        pdu->non_repeaters = 0;
        pdu->max_repetitions = (long)(POLL_BULK_VARBINDS / n > 0 ? POLL_BULK_VARBINDS / n : 1);
    }
    dev_send(d, pdu);
    return true;
}

/* The request of the device's phase, built again from its state (see dev_send). */
static void dev_resend(poll_device *d)
{
    switch (d->phase) {
    case PH_DETECT_PROBE:
        dev_send_slots(d, SNMP_MSG_GETNEXT);
        return;
    case PH_SCALARS:
        dev_send_slots(d, SNMP_MSG_GET);
        return;
    case PH_TABLES:
        dev_send_columns(d);
        return;
    default:
        dev_finish(d);
        return;
    }
}

static void dev_start_tables(poll_device *d)
{
    d->phase = PH_TABLES;
    for (size_t i = 0; i < d->ncols; i++) {
        poll_column *c = &d->cols[i];
        c->nrows = c->nids = c->cur_off = c->cur_len = 0;
        c->done = c->col->len >= POLL_CURSOR_MAX; /* no column OID is this long: never walked */
    }
    if (!dev_send_columns(d))
        dev_finish(d);
}

static void dev_start_scalars(poll_device *d)
{
    /* the plan is built once per profile; each cycle only clears the answers */
    if (!d->plan && dev_build_plan(d) != 0) {
        log_error("poll", "%s: out of memory", d->cfg->name);
        dev_finish(d);
        return;
    }
    for (size_t i = 0; i < d->nslots; i++)
        d->slots[i].done = d->slots[i].have = false;
    d->phase = PH_SCALARS;
    d->next_slot = 0;
    d->chunk = d->cfg->max_oids;
    if (!dev_send_slots(d, SNMP_MSG_GET))
        dev_start_tables(d);
}

static bool dev_probe_answered(void *ctx, const prof_oid *probe)
{
    poll_device *d = ctx;
    for (size_t i = 0; i < d->nslots; i++)
        if (d->slots[i].oid == probe)
            return d->slots[i].have;
    /* probes are deduplicated by value: compare contents */
    for (size_t i = 0; i < d->nslots; i++)
        if (d->slots[i].oid->len == probe->len &&
            memcmp(d->slots[i].oid->ids, probe->ids, probe->len * sizeof(oid)) == 0)
            return d->slots[i].have;
    return false;
}

static void dev_detect_done(poll_device *d)
{
    d->prof = profile_set_detect(d->owner->profiles, d->soid_len ? d->soid : NULL, d->soid_len,
                                 dev_probe_answered, d);
    d->detected = true;
    log_info("poll", "%s: sysObjectID %s, profile %s", d->cfg->name, d->soid_text ? d->soid_text : "(none)",
             d->prof ? d->prof->name : "generic only");
    dev_start_scalars(d);
}

static void dev_start_probes(poll_device *d)
{
    dev_reset_data(d);
    poller *p = d->owner;
    size_t n = profile_set_probes(p->profiles, d->soid_len ? d->soid : NULL, d->soid_len, p->probes, p->maxprobes);
    if (n == 0) {
        dev_detect_done(d); /* its sysObjectID alone decides */
        return;
    }
    d->slots = calloc(n, sizeof *d->slots);
    if (!d->slots) {
        dev_finish(d);
        return;
    }
    for (size_t i = 0; i < n; i++)
        d->slots[d->nslots++].oid = p->probes[i];
    d->phase = PH_DETECT_PROBE;
    d->next_slot = 0;
    d->chunk = d->cfg->max_oids;
    if (!dev_send_slots(d, SNMP_MSG_GETNEXT))
        dev_detect_done(d);
}

static void dev_start(poll_device *d)
{
    d->answered = d->timed_out = false;
    d->nstrs = 0;
    d->problems_len = 0;
    if (d->problems)
        d->problems[0] = '\0';
    /* Each cycle opens with one GET of sysObjectID, for every device at once: it is small while it waits
     * (Net-SNMP holds about 1 kB per varbind asked, 35 kB for a first request of 32 scalars), the
     * silent devices all time out together, and a device replaced by another model is detected again. */
    d->phase = PH_DETECT_SYS;
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
    snmp_add_null_var(pdu, oid_sys_object_id, OID_LENGTH(oid_sys_object_id));
    dev_send(d, pdu);
}

/* ---- answers ------------------------------------------------------------------------------- */

/* Common error handling for slot requests. Returns true when the same chunk must be sent again. */
static bool dev_slot_error(poll_device *d, netsnmp_pdu *pdu)
{
    if (pdu->errstat == SNMP_ERR_TOOBIG && d->chunk > 1) {
        d->chunk = d->chunk / 2;
        return true;
    }
    if (pdu->errindex >= 1 && (size_t)pdu->errindex <= d->nreq) {
        /* v1 noSuchName (or another per-varbind error): drop that OID and ask for the others */
        d->slots[d->req_slots[pdu->errindex - 1]].done = true;
        return true;
    }
    if (d->chunk > 1) {
        d->chunk = 1; /* isolate the OID the agent dislikes */
        return true;
    }
    for (size_t i = 0; i < d->nreq; i++)
        d->slots[d->req_slots[i]].done = true;
    return true;
}

static bool dev_keep_value(poll_device *d, const netsnmp_variable_list *vb, poll_val *v);

static void dev_on_slots(poll_device *d, netsnmp_pdu *pdu, bool next)
{
    if (pdu->errstat != SNMP_ERR_NOERROR) {
        dev_slot_error(d, pdu);
        return;
    }
    size_t i = 0;
    for (netsnmp_variable_list *vb = pdu->variables; vb && i < d->nreq; vb = vb->next_variable, i++) {
        poll_slot *s = &d->slots[d->req_slots[i]];
        s->done = true;
        if (next) /* a probe answers when GETNEXT stays inside its subtree */
            s->have = vb->type != SNMP_ENDOFMIBVIEW && vb->type != SNMP_NOSUCHOBJECT &&
                      oid_has_prefix(vb->name, vb->name_length, s->oid->ids, s->oid->len);
        else
            s->have = dev_keep_value(d, vb, &s->v);
    }
    for (; i < d->nreq; i++) /* an agent that answered fewer varbinds than asked */
        d->slots[d->req_slots[i]].done = true;
}

static int oid_cmp(const oid *a, size_t alen, const oid *b, size_t blen)
{
    return snmp_oid_compare(a, alen, b, blen);
}

/* Grows an array of n items of `size` to hold `need`, doubling; false when out of memory. */
static bool poll_grow(void **arr, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : first;
    while (n < need)
        n *= 2;
    void *a = realloc(*arr, n * size);
    if (!a)
        return false;
    *arr = a;
    *cap = n;
    return true;
}

/* Decodes an answer into the device's compact store. False for an exception or an unusable type. */
static bool dev_keep_value(poll_device *d, const netsnmp_variable_list *vb, poll_val *v)
{
    raw_value raw;
    if (snmp_value_decode(vb, &raw) != 0)
        return false;
    *v = (poll_val){.number = raw.number, .counter = raw.counter, .kind = (uint8_t)raw.kind, .asn_type = raw.asn_type};
    if (raw.kind != RAW_STRING)
        return true;
    if (d->nstrs + raw.str_len + 1 > UINT32_MAX ||
        !poll_grow((void **)&d->strs, &d->capstrs, d->nstrs + raw.str_len + 1, 1, 256))
        return false;
    memcpy(d->strs + d->nstrs, raw.str, raw.str_len);
    d->strs[d->nstrs + raw.str_len] = '\0';
    v->str_off = (uint32_t)d->nstrs;
    v->str_len = (uint16_t)raw.str_len;
    d->nstrs += raw.str_len + 1;
    return true;
}

/* The raw value the converter reads, rebuilt from the compact store. */
static const raw_value *dev_raw(const poll_device *d, const poll_val *v, raw_value *out)
{
    out->kind = (raw_kind)v->kind;
    out->asn_type = v->asn_type;
    out->number = v->number;
    out->counter = v->counter;
    out->str_len = v->str_len;
    if (v->kind == RAW_STRING)
        memcpy(out->str, d->strs + v->str_off, (size_t)v->str_len + 1);
    else
        out->str[0] = '\0';
    return out;
}

static const oid *row_idx(const poll_column *c, const poll_row *r) { return c->ids + r->idx_off; }

/* Stores a cell and moves the column's cursor past it (also when its value is unusable). */
static void col_store(poll_device *d, poll_column *c, const netsnmp_variable_list *vb)
{
    size_t ilen = vb->name_length - c->col->len;
    if (ilen == 0 || ilen > POLL_INDEX_MAX || c->nrows >= POLL_MAX_ROWS ||
        !poll_grow((void **)&c->ids, &c->capids, c->nids + ilen, sizeof(oid), 16) ||
        !poll_grow((void **)&c->rows, &c->cap, c->nrows + 1, sizeof(poll_row), 8)) {
        c->done = true;
        return;
    }
    memcpy(c->ids + c->nids, vb->name + c->col->len, ilen * sizeof(oid));
    c->cur_off = c->nids;
    c->cur_len = ilen;
    c->nids += ilen;
    poll_row *r = &c->rows[c->nrows];
    r->idx_off = (uint32_t)c->cur_off;
    r->len = (uint16_t)ilen;
    if (dev_keep_value(d, vb, &r->v))
        c->nrows++;
}

static void dev_on_columns(poll_device *d, netsnmp_pdu *pdu)
{
    if (pdu->errstat != SNMP_ERR_NOERROR) {
        if (!d->no_bulk) {
            d->no_bulk = true; /* an agent that fails GETBULK may still walk with GETNEXT */
            log_info("poll", "%s: GETBULK refused (%s), walking with GETNEXT", d->cfg->name, snmp_errstring((int)pdu->errstat));
        } else if (pdu->errindex >= 1 && (size_t)pdu->errindex <= d->nreq) {
            d->cols[d->req_cols[pdu->errindex - 1]].done = true; /* v1: end of the MIB */
        } else {
            for (size_t i = 0; i < d->nreq; i++)
                d->cols[d->req_cols[i]].done = true;
        }
        return;
    }
    size_t k = 0;
    bool progress = false;
    for (netsnmp_variable_list *vb = pdu->variables; vb; vb = vb->next_variable, k++) {
        poll_column *c = &d->cols[d->req_cols[k % d->nreq]];
        if (c->done)
            continue;
        if (vb->type == SNMP_ENDOFMIBVIEW || vb->type == SNMP_NOSUCHOBJECT || vb->type == SNMP_NOSUCHINSTANCE ||
            !oid_has_prefix(vb->name, vb->name_length, c->col->ids, c->col->len)) {
            c->done = true;
            continue;
        }
        if (vb->name_length > POLL_CURSOR_MAX) {
            c->done = true; /* an index longer than any table vigie reads */
            continue;
        }
        const oid *cursor = c->cur_len ? c->ids + c->cur_off : c->col->ids; /* any valid pointer for none */
        if (oid_cmp(vb->name + c->col->len, vb->name_length - c->col->len, cursor, c->cur_len) <= 0) {
            c->done = true; /* not increasing: a broken agent would loop forever */
            continue;
        }
        col_store(d, c, vb);
        progress = true;
    }
    if (!progress && k == 0) {
        if (!d->no_bulk)
            d->no_bulk = true;
        else
            for (size_t i = 0; i < d->nreq; i++)
                d->cols[d->req_cols[i]].done = true;
    }
}

static void dev_on_sys(poll_device *d, netsnmp_pdu *pdu)
{
    netsnmp_variable_list *vb = pdu->variables;
    if (pdu->errstat == SNMP_ERR_NOERROR && vb && vb->type == ASN_OBJECT_ID) {
        size_t len = vb->val_len / sizeof(oid);
        if (len > MAX_OID_LEN)
            len = MAX_OID_LEN;
        if (d->soid && len == d->soid_len && memcmp(d->soid, vb->val.objid, len * sizeof(oid)) == 0) {
            dev_start_scalars(d); /* the same device as before: the usual case */
            return;
        }
        char text[OID_TEXT_MAX];
        oid_format(vb->val.objid, len, text, sizeof text);
        oid *o = malloc((len ? len : 1) * sizeof(oid));
        char *t = strdup(text);
        if (o && t) {
            memcpy(o, vb->val.objid, len * sizeof(oid));
            if (d->soid && d->detected && !d->forced) {
                log_info("poll", "%s: sysObjectID changed from %s to %s: detecting its profile again", d->cfg->name,
                         d->soid_text, t);
                d->detected = false;
            }
            free(d->soid);
            free(d->soid_text);
            d->soid = o;
            d->soid_text = t;
            d->soid_len = len;
        } else {
            free(o);
            free(t);
        }
    }
    if (d->detected)
        dev_start_scalars(d);
    else
        dev_start_probes(d);
}

static void dev_step(poll_device *d, netsnmp_pdu *pdu)
{
    switch (d->phase) {
    case PH_DETECT_SYS:
        dev_on_sys(d, pdu);
        return;
    case PH_DETECT_PROBE:
        dev_on_slots(d, pdu, true);
        if (!dev_send_slots(d, SNMP_MSG_GETNEXT))
            dev_detect_done(d);
        return;
    case PH_SCALARS:
        dev_on_slots(d, pdu, false);
        if (!dev_send_slots(d, SNMP_MSG_GET))
            dev_start_tables(d);
        return;
    case PH_TABLES:
        dev_on_columns(d, pdu);
        if (!dev_send_columns(d))
            dev_finish(d);
        return;
    default:
        return;
    }
}

static int poll_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
    poll_device *d = magic;
    if (d->phase == PH_DONE || op == NETSNMP_CALLBACK_OP_RESEND)
        return 1; /* a retry going out is news, not an answer: the request is still pending */
    if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_RESPONSE) {
        d->answered = true;
        dev_step(d, pdu);
    } else {
        d->timed_out = true;
        dev_finish(d);
    }
    return 1;
}

/* ---- samples ------------------------------------------------------------------------------- */

static void dev_problem(poll_device *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dev_problem(poll_device *d, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = strlen(line);
    char *p = realloc(d->problems, d->problems_len + len + 2);
    if (!p)
        return;
    d->problems = p;
    memcpy(p + d->problems_len, line, len);
    d->problems_len += len;
    p[d->problems_len++] = '\n';
    p[d->problems_len] = '\0';
    log_debug("poll", "%s: %s", d->cfg->name, line);
}

static const poll_row *col_find(const poll_column *c, const oid *idx, size_t len)
{
    size_t lo = 0, hi = c->nrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = oid_cmp(row_idx(c, &c->rows[mid]), c->rows[mid].len, idx, len);
        if (r == 0)
            return &c->rows[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool dev_counter_rate(poll_device *d, const char *metric, const char *instance, const raw_value *raw,
                             int64_t now, double *rate)
{
    char key[sizeof d->counters[0].key];
    snprintf(key, sizeof key, "%s|%s", metric, instance);
    poll_counter *c = NULL;
    for (size_t i = 0; i < d->ncounters && !c; i++)
        if (strcmp(d->counters[i].key, key) == 0)
            c = &d->counters[i];
    if (!c) {
        poll_counter *n = realloc(d->counters, (d->ncounters + 1) * sizeof *n);
        if (!n)
            return false;
        d->counters = n;
        c = &d->counters[d->ncounters++];
        snprintf(c->key, sizeof c->key, "%s", key);
        c->value = raw->counter;
        c->at = now;
        return false;
    }
    bool ok = snmp_value_counter_rate(c->value, raw->counter, raw->asn_type == ASN_COUNTER64,
                                      (double)(now - c->at), rate) == 0;
    c->value = raw->counter;
    c->at = now;
    return ok;
}

/* Evaluates a metric's sources for one row (or the scalar): first valid answer wins. */
static bool dev_eval(poll_device *d, const poll_metric *pm, const oid *idx, size_t ilen, const char *instance,
                     int64_t now, conv_result *res)
{
    const prof_metric *m = pm->m;
    bool reported = false;
    for (size_t s = 0; s < m->nsources; s++) {
        const raw_value *raw = NULL;
        raw_value answer;
        double factor = 1;
        if (!m->is_table) {
            const poll_slot *sl = &d->slots[pm->src[s]];
            raw = sl->have ? dev_raw(d, &sl->v, &answer) : NULL;
            if (m->multi_instance && strcmp(m->sources[s].instance, instance) != 0)
                continue; /* a source of another phase */
        } else {
            const poll_row *r = col_find(&d->cols[pm->src[s]], idx, ilen);
            raw = r ? dev_raw(d, &r->v, &answer) : NULL;
            const poll_row *pr = pm->precision >= 0 ? col_find(&d->cols[pm->precision], idx, ilen) : NULL;
            if (pr && pr->v.kind == RAW_NUMBER && pr->v.number > 0 && pr->v.number < 10)
                factor = pow(10, -pr->v.number);
            const poll_row *dv = pm->divisor >= 0 ? col_find(&d->cols[pm->divisor], idx, ilen) : NULL;
            if (dv && dv->v.kind == RAW_NUMBER && dv->v.number != 0)
                factor /= dv->v.number;
            else if (pm->divisor >= 0)
                continue; /* no divisor for that row: its value cannot be read */
        }
        if (!raw)
            continue;
        raw_value rated;
        if (m->type == PROF_TYPE_COUNTER) {
            if (raw->kind != RAW_NUMBER)
                continue;
            rated = *raw;
            if (!dev_counter_rate(d, m->name, instance, raw, now, &rated.number))
                return false; /* first poll or reset: no rate yet */
            raw = &rated;
        }
        conv_status st = snmp_value_convert(m, &m->sources[s], raw, factor, res);
        if (st == CONV_OK)
            return true;
        if (st == CONV_OUT_OF_RANGE && !reported) {
            dev_problem(d, "%s[%s] = %g from %s is outside [%g, %g]: not stored", m->name, instance, res->value,
                        m->sources[s].mib ? m->sources[s].mib : "?", m->range_lo, m->range_hi);
            reported = true;
        } else if (st == CONV_INVALID) {
            dev_problem(d, "%s[%s]: '%s' from %s is not a number", m->name, instance,
                        raw->kind == RAW_STRING ? raw->str : "?", m->sources[s].mib ? m->sources[s].mib : "?");
        }
    }
    return false;
}

static void dev_emit(poll_device *d, const poll_sink *out, const char *metric, const char *instance, const char *label,
                     const char *unit, const conv_result *res, bool with_sev, int64_t now)
{
    push_sample s;
    if (push_sample_set(&s, d->cfg->name, metric, instance, res->value, unit, now) != 0)
        return;
    snprintf(s.text, sizeof s.text, "%s", res->text);
    if (label)
        snprintf(s.label, sizeof s.label, "%s", label);
    s.sev = with_sev ? res->sev : SEV_NONE;
    if (out->sample(out->ctx, &s) != 0)
        log_warn("poll", "%s: %s[%s] not taken (not UTF-8, not finite, or out of memory): dropped", d->cfg->name, metric, instance);
}

/* Row labels come from devices: keep them printable so they can go into JSON and HTML. */
static void poll_clean_label(const raw_value *v, char *out, size_t size)
{
    if (v->kind == RAW_NUMBER) {
        snprintf(out, size, "%.0f", v->number);
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < v->str_len && o + 1 < size; i++) {
        unsigned char c = (unsigned char)v->str[i];
        out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    if (!text_is_valid(out, size - 1))
        out[0] = '\0';
}

/* Builds the index of another row from this row's index and a template ("{index.1}"). */
static bool dev_join_index(const char *tmpl, const oid *ri, size_t rlen, oid *idx, size_t *ilen)
{
    char text[OID_TEXT_MAX];
    if (profile_expand_index(tmpl, ri, rlen, text, sizeof text) != 0)
        return false;
    if (strchr(text, '.') == NULL) { /* a single sub-identifier */
        char *end;
        unsigned long v = strtoul(text, &end, 10);
        if (*end || !*text)
            return false;
        idx[0] = v;
        *ilen = 1;
        return true;
    }
    return oid_parse(text, idx, POLL_INDEX_MAX, ilen) == 0;
}

static bool dev_filter_ok(const poll_device *d, const prof_filter *f, int col, const oid *ri, size_t rlen)
{
    raw_value text;
    const raw_value *v;
    if (col < 0) { /* a test on the index itself: the expanded template as text */
        memset(&text, 0, sizeof text);
        text.kind = RAW_STRING;
        if (profile_expand_index(f->index_tmpl, ri, rlen, text.str, sizeof text.str) != 0)
            return false;
        text.str_len = strlen(text.str);
        v = &text;
    } else {
        oid idx[POLL_INDEX_MAX];
        size_t ilen = rlen;
        memcpy(idx, ri, rlen * sizeof(oid));
        if (f->index_tmpl && !dev_join_index(f->index_tmpl, ri, rlen, idx, &ilen))
            return false;
        const poll_row *r = col_find(&d->cols[col], idx, ilen);
        if (!r)
            return false;
        v = dev_raw(d, &r->v, &text);
    }
    if (f->pattern)
        return v->kind == RAW_STRING && fnmatch(f->pattern, v->str, 0) == 0;
    return snmp_value_in_list(&f->values, v);
}

static bool dev_row_kept(const poll_device *d, const poll_metric *pm, const oid *ri, size_t rlen)
{
    for (size_t f = 0; f < pm->m->nfilters; f++)
        if (!dev_filter_ok(d, &pm->m->filters[f], pm->filter[f], ri, rlen))
            return false;
    return true;
}

static void dev_label(const poll_device *d, const poll_metric *pm, const oid *ri, size_t rlen, char *label,
                      size_t size)
{
    label[0] = '\0';
    if (pm->label < 0)
        return;
    oid idx[POLL_INDEX_MAX];
    size_t ilen = rlen;
    memcpy(idx, ri, rlen * sizeof(oid));
    if (pm->m->label_index_tmpl && !dev_join_index(pm->m->label_index_tmpl, ri, rlen, idx, &ilen))
        return;
    const poll_row *l = col_find(&d->cols[pm->label], idx, ilen);
    raw_value v;
    if (l)
        poll_clean_label(dev_raw(d, &l->v, &v), label, size);
}

static bool metric_has_health(const prof_metric *m)
{
    return m->en || m->has_warn_below || m->has_crit_below || m->has_warn_above || m->has_crit_above;
}

typedef struct {
    char instance[INSTANCE_MAX_LEN + 1];
    double value;
} poll_group;

/* aggregate: count (or sum) the kept rows of the first source per instance ("" = the whole device).
 * Every instance seen among all rows is reported, with 0 when none of its rows is kept: "0 ONT
 * online" is news, not a gap. */
static void dev_emit_aggregate(poll_device *d, const poll_metric *pm, const poll_sink *out, int64_t now)
{
    const prof_metric *m = pm->m;
    const poll_column *c = &d->cols[pm->src[0]];
    poll_group *g = calloc(c->nrows + 1, sizeof *g);
    size_t ng = 0;
    if (!g)
        return;
    if (strcmp(m->instance_tmpl, "") == 0)
        ng = 1; /* the whole device: reported even when the table is empty */
    for (size_t r = 0; r < c->nrows; r++) {
        const poll_row *row = &c->rows[r];
        const oid *ri = row_idx(c, row);
        char instance[INSTANCE_MAX_LEN + 1];
        if (profile_expand_index(m->instance_tmpl, ri, row->len, instance, sizeof instance) != 0)
            continue;
        size_t k = 0;
        while (k < ng && strcmp(g[k].instance, instance) != 0)
            k++;
        if (k == ng)
            snprintf(g[ng++].instance, sizeof g[0].instance, "%s", instance);
        if (!dev_row_kept(d, pm, ri, row->len))
            continue;
        conv_result res;
        if (m->aggregate == PROF_AGG_COUNT)
            g[k].value += 1;
        else if (dev_eval(d, pm, ri, row->len, instance, now, &res))
            g[k].value += res.value;
    }
    for (size_t k = 0; k < ng; k++) {
        conv_result res = {.value = g[k].value};
        /* the group's total is judged by the metric's thresholds */
        res.sev = (m->has_warn_below || m->has_crit_below || m->has_warn_above || m->has_crit_above)
                      ? ((m->has_crit_below && res.value < m->crit_below) || (m->has_crit_above && res.value > m->crit_above)
                             ? SEV_CRITICAL
                         : (m->has_warn_below && res.value < m->warn_below) || (m->has_warn_above && res.value > m->warn_above)
                             ? SEV_WARNING
                             : SEV_OK)
                      : SEV_OK;
        dev_emit(d, out, m->name, g[k].instance, NULL, m->unit, &res, metric_has_health(m), now);
    }
    free(g);
}

static void dev_emit_table(poll_device *d, const poll_metric *pm, const poll_sink *out, int64_t now)
{
    const prof_metric *m = pm->m;
    bool with_sev = metric_has_health(m);
    if (m->aggregate != PROF_AGG_NONE) {
        dev_emit_aggregate(d, pm, out, now);
        return;
    }
    /* rows: those of the first source, then those only a fallback source has */
    for (size_t s = 0; s < m->nsources; s++) {
        const poll_column *c = &d->cols[pm->src[s]];
        for (size_t r = 0; r < c->nrows; r++) {
            const poll_row *row = &c->rows[r];
            const oid *ri = row_idx(c, row);
            bool seen = false;
            for (size_t e = 0; e < s && !seen; e++)
                seen = col_find(&d->cols[pm->src[e]], ri, row->len) != NULL;
            if (seen || !dev_row_kept(d, pm, ri, row->len))
                continue;
            char instance[INSTANCE_MAX_LEN + 1], label[INSTANCE_MAX_LEN + 1];
            if (profile_expand_index(m->instance_tmpl, ri, row->len, instance, sizeof instance) != 0)
                continue;
            conv_result res;
            if (!dev_eval(d, pm, ri, row->len, instance, now, &res))
                continue;
            dev_label(d, pm, ri, row->len, label, sizeof label);
            dev_emit(d, out, m->name, instance, label, m->unit, &res, with_sev, now);
        }
    }
}

static void dev_collect(poll_device *d, const poll_sink *out, int64_t now)
{
    const char *cls = d->cfg->cls[0] ? d->cfg->cls : d->prof ? d->prof->cls : "generic";
    if (out->device(out->ctx, d->cfg->name, cls, d->prof ? d->prof->name : "") != 0)
        log_warn("poll", "%s: batch full, device description dropped", d->cfg->name);
    conv_result res = {.value = d->answered ? 1 : 0, .sev = d->answered ? SEV_OK : SEV_UNKNOWN};
    snprintf(res.text, sizeof res.text, "%s", d->answered ? "" : "no answer");
    dev_emit(d, out, VOCAB_DEVICE_REACHABLE, "", NULL, "bool", &res, true, now);
    if (!d->answered || !d->plan)
        return;
    for (size_t i = 0; i < d->plan->nmetrics; i++) {
        const poll_metric *pm = &d->plan->metrics[i];
        const prof_metric *m = pm->m;
        if (m->is_table) {
            dev_emit_table(d, pm, out, now);
            continue;
        }
        if (m->multi_instance) {
            /* per-phase scalars: each instance once, its sources tried in order */
            for (size_t s = 0; s < m->nsources; s++) {
                bool first = true;
                for (size_t e = 0; e < s && first; e++)
                    first = strcmp(m->sources[e].instance, m->sources[s].instance) != 0;
                if (first && dev_eval(d, pm, NULL, 0, m->sources[s].instance, now, &res))
                    dev_emit(d, out, m->name, m->sources[s].instance, NULL, m->unit, &res, metric_has_health(m), now);
            }
            continue;
        }
        if (!dev_eval(d, pm, NULL, 0, "", now, &res))
            continue;
        dev_emit(d, out, m->name, "", NULL, m->unit, &res, metric_has_health(m), now);
        if (strcmp(m->name, VOCAB_DEVICE_UPTIME) == 0) {
            /* 32-bit TimeTicks wrap after 497 days: a drop from near the top is not a reboot */
            bool wrapped = d->last_uptime > 4.0e7 && res.value < 1.0e6;
            if (d->have_uptime && res.value < d->last_uptime && !wrapped) {
                conv_result r = {.value = 1, .sev = SEV_WARNING};
                snprintf(r.text, sizeof r.text, "reboot");
                dev_emit(d, out, VOCAB_DEVICE_REBOOT, "", NULL, "bool", &r, true, now);
                log_warn("poll", "%s: sysUpTime went back from %.0f s to %.0f s: the device rebooted",
                         d->cfg->name, d->last_uptime, res.value);
            }
            d->have_uptime = true;
            d->last_uptime = res.value;
        }
    }
}

/* ---- the loop ------------------------------------------------------------------------------ */

static double poll_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* Leaves out of Net-SNMP's set the sockets of the devices not being asked now: the kernel polls every
 * socket of the set at each wait, and Net-SNMP's set holds every session (a third of the agent's CPU
 * time with 500 devices). Other sessions (the trap listener) stay in it. */
static void poller_fd_clear_idle(const poller *p, netsnmp_large_fd_set *set)
{
    for (size_t i = 0; i < p->ndevs; i++) {
        const poll_device *d = &p->devs[i];
        bool asked = d->phase != PH_IDLE && d->phase != PH_DONE && !d->parked;
        if (d->sess && d->fd >= 0 && !asked)
            NETSNMP_LARGE_FD_CLR(d->fd, set);
    }
}

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
        poller_fd_clear_idle(p, &set);
    if (block || tv.tv_sec + tv.tv_usec / 1e6 > left) {
        tv.tv_sec = (long)left;
        tv.tv_usec = (long)((left - (double)tv.tv_sec) * 1e6);
    }
    int n = netsnmp_large_fd_set_select(fds, &set, NULL, NULL, &tv);
    if (n > 0)
        snmp_read2(&set);
    else if (n == 0)
        snmp_timeout();
    netsnmp_large_fd_set_cleanup(&set);
    return n;
}

int poller_cycle(poller *p, const poll_sink *out, int64_t now, double budget)
{
    double deadline = poll_now() + budget;
    p->active = p->places = p->nparked = p->park_head = p->park_tail = 0;
    p->out = out;
    p->now = now;
    for (size_t i = 0; i < p->ndevs; i++) {
        poll_device *d = &p->devs[i];
        d->phase = PH_IDLE;
        d->collected = d->first_sent = d->has_place = false;
        d->skipped = d->skip > 0;
        if (d->skipped) {
            /* a silent device is asked less often; it is still reported unreachable each cycle */
            d->skip--;
            d->phase = PH_DONE;
            d->answered = false;
            d->timed_out = true;
            continue;
        }
        if (!d->sess && dev_open(d) != 0) {
            d->phase = PH_DONE;
            d->answered = false;
            continue;
        }
        p->active++;
    }
    for (size_t i = 0; i < p->ndevs; i++)
        if (p->devs[i].phase == PH_IDLE)
            dev_start(&p->devs[i]);
    while (p->active > 0) {
        double left = deadline - poll_now();
        if (left <= 0)
            break;
        poller_wait(p, left);
    }
    int answered = 0;
    for (size_t i = 0; i < p->ndevs; i++) {
        poll_device *d = &p->devs[i];
        if (d->phase != PH_DONE) {
            /* over budget: drop its outstanding request by closing the session */
            log_warn("poll", "%s: %s when the cycle budget of %.1f s ran out", d->cfg->name,
                     d->parked ? "waiting for its turn" : "still answering", budget);
            d->parked = false;
            snmp_close(d->sess);
            d->sess = NULL;
            d->phase = PH_DONE;
        }
        if (d->timed_out && !d->answered) {
            log_debug("poll", "%s: no answer from %s:%d", d->cfg->name, d->cfg->host, d->cfg->port);
            if (!d->skipped) { /* a real try failed: back off 0, 1, 3, 3... cycles */
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
        if (!d->collected) { /* not asked (backing off, no session) or cut off by the budget */
            dev_collect(d, out, now);
            dev_drop_answers(d);
        }
        answered += d->answered;
    }
    p->out = NULL;
    return answered;
}

static int poll_batch_device(void *b, const char *name, const char *cls, const char *prof)
{
    return push_batch_set_device(b, name, cls, prof);
}

static int poll_batch_sample(void *b, const push_sample *s) { return push_batch_add(b, s); }

poll_sink poll_sink_batch(push_batch *b)
{
    return (poll_sink){.ctx = b, .device = poll_batch_device, .sample = poll_batch_sample};
}

const profile *poller_device_profile(const poller *p, size_t i) { return p->devs[i].prof; }
const char *poller_device_sys_object_id(const poller *p, size_t i)
{
    return p->devs[i].soid_text ? p->devs[i].soid_text : "";
}
const char *poller_device_problems(const poller *p, size_t i)
{
    return p->devs[i].problems ? p->devs[i].problems : "";
}
