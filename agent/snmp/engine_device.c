#include "config.h"
#include "snmp/engine_device.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"

#define POLL_BULK_VARBINDS 48   /* per GETBULK answer: rows x columns */
#define POLL_MAX_ROWS 20000     /* per column: a runaway walk stops here */

static const oid oid_sys_object_id[] = {1, 3, 6, 1, 2, 1, 1, 2, 0};

/* ---- plan ---------------------------------------------------------------------------------- */

/* Forgets the device's plan (its profile may change): the next scalars build it again. */
static void engine_reset_plan(engine_device *d)
{
    free(d->cols);
    free(d->slots);
    free(d->cursors);
    sweep_free(d->sweep);
    d->cols = NULL;
    d->slots = NULL;
    d->cursors = NULL;
    d->sweep = NULL; /* a new plan, a new pass: re-detection starts the sweep over */
    d->sweeping = false;
    d->plan = NULL;
    d->ncols = d->nslots = 0;
    collect_begin(d->coll, NULL, NULL);
}

/* The device's scalars and columns, in the order of its profile's plan, with no answer yet. */
static vg_code engine_build_plan(engine_device *d, vg_err *err)
{
    engine_reset_plan(d);
    const poll_plan *pl;
    vg_code rc = plan_set_get(d->owner->plans, d->profs, d->nprofs, &pl, err);
    if (rc != VG_OK)
        return rc;
    size_t ns = plan_scalar_count(pl), nc = plan_column_count(pl);
    d->slots = calloc(ns ? ns : 1, sizeof *d->slots);
    d->cols = calloc(nc ? nc : 1, sizeof *d->cols);
    if (!d->slots || !d->cols)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < ns; i++)
        d->slots[i].oid = plan_scalar(pl, i);
    for (size_t i = 0; i < nc; i++)
        d->cols[i].col = plan_column(pl, i);
    d->nslots = ns;
    d->ncols = nc;
    d->plan = pl;
    if (plan_swept_count(pl) && !d->owner->whole &&
        !(d->sweep = sweep_new(pl, d->cfg->sweep_requests, POLL_MAX_COLS_PER_REQ)))
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    return VG_OK;
}

/* ---- requests ------------------------------------------------------------------------------ */

/* Sends the next chunk of not-yet-answered slots with GET (scalars) or GETNEXT (probes).
 * Returns false when every slot is done. */
static bool engine_send_slots(engine_device *d, int command)
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
    engine_send(d, pdu);
    return true;
}

bool engine_send_columns(engine_device *d)
{
    netsnmp_pdu *pdu = NULL;
    size_t n = 0;
    for (size_t j = 0; j < d->ncols && n < POLL_MAX_COLS_PER_REQ; j++) {
        size_t i = (d->col_next + j) % d->ncols;
        if (d->cols[i].done)
            continue;
        if (!pdu)
            pdu = snmp_pdu_create(d->no_bulk ? SNMP_MSG_GETNEXT : SNMP_MSG_GETBULK);
        const engine_column *c = &d->cols[i];
        oid cur[POLL_CURSOR_MAX]; /* the column and the cursor: both bounded when they were stored */
        memcpy(cur, c->col->ids, c->col->len * sizeof(oid));
        memcpy(cur + c->col->len, engine_cursor(d, i), c->cur_len * sizeof(oid));
        snmp_add_null_var(pdu, cur, c->col->len + c->cur_len);
        d->req_cols[n++] = (int)i;
    }
    if (!pdu)
        return false;
    d->nreq = n;
    if (d->phase == PH_SWEEP)
        d->col_next = ((size_t)d->req_cols[n - 1] + 1) % d->ncols;
    if (!d->no_bulk) {
        pdu->non_repeaters = 0;
        pdu->max_repetitions = (long)(POLL_BULK_VARBINDS / n > 0 ? POLL_BULK_VARBINDS / n : 1);
    }
    engine_send(d, pdu);
    return true;
}

/* The request of the device's phase, built again from its state (see engine_send). */
void engine_resend(engine_device *d)
{
    switch (d->phase) {
    case PH_DETECT_PROBE:
        engine_send_slots(d, SNMP_MSG_GETNEXT);
        return;
    case PH_SCALARS:
        engine_send_slots(d, SNMP_MSG_GET);
        return;
    case PH_TABLES:
    case PH_SWEEP:
        engine_send_columns(d);
        return;
    default:
        engine_finish(d);
        return;
    }
}

static void engine_start_tables(engine_device *d)
{
    d->phase = PH_TABLES;
    if (!d->cursors && d->ncols && !(d->cursors = calloc(d->ncols * COLLECT_INDEX_MAX, sizeof(oid)))) {
        log_error("poll", "%s: out of memory", d->cfg->name);
        engine_finish(d);
        return;
    }
    d->col_next = 0;
    for (size_t i = 0; i < d->ncols; i++) {
        engine_column *c = &d->cols[i];
        c->nrows = c->cur_len = 0;
        c->done = c->col->len >= POLL_CURSOR_MAX; /* no column OID is this long: never walked */
        if (d->sweep && plan_column_swept(d->plan, i))
            c->done = true; /* walked after, a slice */
    }
    if (!engine_send_columns(d))
        engine_start_sweep(d);
}

static void engine_start_scalars(engine_device *d)
{
    /* the plan is built once per profile; each cycle only clears the answers */
    vg_err err;
    if ((!d->plan && engine_build_plan(d, &err) != VG_OK) || collect_begin(d->coll, d->plan, &err) != VG_OK) {
        log_error("poll", "%s: %s", d->cfg->name, err.msg);
        engine_reset_plan(d);
        engine_finish(d);
        return;
    }
    for (size_t i = 0; i < d->nslots; i++)
        d->slots[i].done = d->slots[i].have = false;
    d->phase = PH_SCALARS;
    d->next_slot = 0;
    d->chunk = d->cfg->max_oids;
    if (!engine_send_slots(d, SNMP_MSG_GET))
        engine_start_tables(d);
}

static bool engine_probe_answered(void *ctx, const prof_oid *probe)
{
    engine_device *d = ctx;
    for (size_t i = 0; i < d->nslots; i++)
        if (d->slots[i].oid == probe)
            return d->slots[i].have;
    /* probes are deduplicated by value: compare contents */
    for (size_t i = 0; i < d->nslots; i++)
        if (prof_probe_same(d->slots[i].oid, probe))
            return d->slots[i].have;
    return false;
}

static void engine_detect_done(engine_device *d)
{
    d->nprofs = profile_set_detect_all(d->owner->profiles, d->soid_len ? d->soid : NULL, d->soid_len,
                                       engine_probe_answered, d, d->profs, PROF_MAX_COMPOSE);
    d->prof = d->nprofs ? d->profs[0] : NULL;
    d->detected = true;
    char names[PROF_MAX_COMPOSE * (NAME_MAX_LEN + 2) + 1] = "";
    for (size_t i = 0, o = 0; i < d->nprofs; i++)
        o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "", d->profs[i]->name);
    log_info("poll", "%s: sysObjectID %s, profile%s %s", d->cfg->name, d->soid_text ? d->soid_text : "(none)",
             d->nprofs > 1 ? "s" : "", d->nprofs ? names : "generic only");
    engine_start_scalars(d);
}

static void engine_start_probes(engine_device *d)
{
    engine_reset_plan(d);
    poller *p = d->owner;
    size_t n = profile_set_probes(p->profiles, d->soid_len ? d->soid : NULL, d->soid_len, p->probes, p->maxprobes);
    if (n == 0) {
        engine_detect_done(d); /* its sysObjectID alone decides */
        return;
    }
    d->slots = calloc(n, sizeof *d->slots);
    if (!d->slots) {
        engine_finish(d);
        return;
    }
    for (size_t i = 0; i < n; i++)
        d->slots[d->nslots++].oid = p->probes[i];
    d->phase = PH_DETECT_PROBE;
    d->next_slot = 0;
    d->chunk = d->cfg->max_oids;
    if (!engine_send_slots(d, SNMP_MSG_GETNEXT))
        engine_detect_done(d);
}

void engine_start(engine_device *d)
{
    d->answered = d->timed_out = false;
    /* Each cycle opens with one GET of sysObjectID, for every device at once: it is small while it waits
     * (Net-SNMP holds about 1 kB per varbind asked, 35 kB for a first request of 32 scalars), the
     * silent devices all time out together, and a device replaced by another model is detected again. */
    d->phase = PH_DETECT_SYS;
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
    snmp_add_null_var(pdu, oid_sys_object_id, OID_LENGTH(oid_sys_object_id));
    engine_send(d, pdu);
}

/* ---- answers ------------------------------------------------------------------------------- */

/* Common error handling for slot requests: the same chunk, or what is left of it, goes again. */
static void engine_slot_error(engine_device *d, netsnmp_pdu *pdu)
{
    if (pdu->errstat == SNMP_ERR_TOOBIG && d->chunk > 1) {
        d->chunk = d->chunk / 2;
        return;
    }
    if (pdu->errindex >= 1 && (size_t)pdu->errindex <= d->nreq) {
        /* v1 noSuchName (or another per-varbind error): drop that OID and ask for the others */
        d->slots[d->req_slots[pdu->errindex - 1]].done = true;
        return;
    }
    if (d->chunk > 1) {
        d->chunk = 1; /* isolate the OID the agent dislikes */
        return;
    }
    for (size_t i = 0; i < d->nreq; i++)
        d->slots[d->req_slots[i]].done = true;
}

static void engine_on_slots(engine_device *d, netsnmp_pdu *pdu, bool next)
{
    if (pdu->errstat != SNMP_ERR_NOERROR) {
        engine_slot_error(d, pdu);
        return;
    }
    size_t i = 0;
    for (netsnmp_variable_list *vb = pdu->variables; vb && i < d->nreq; vb = vb->next_variable, i++) {
        engine_slot *s = &d->slots[d->req_slots[i]];
        s->done = true;
        if (next) { /* a probe answers when GETNEXT stays inside its subtree */
            s->have = vb->type != SNMP_ENDOFMIBVIEW && vb->type != SNMP_NOSUCHOBJECT &&
                      oid_has_prefix(vb->name, vb->name_length, s->oid->ids, s->oid->len);
            if (s->have && s->oid->pattern) { /* a probe on the answer's text (sysDescr "Rittal PDU*") */
                raw_value raw;
                snmp_value_decode(vb, &raw);
                s->have = raw.kind == RAW_STRING && fnmatch(s->oid->pattern, raw.str, 0) == 0;
            }
        } else {
            raw_value raw;
            snmp_value_decode(vb, &raw); /* an exception is RAW_NONE: no answer */
            collect_scalar(d->coll, d->req_slots[i], &raw, NULL);
        }
    }
    for (; i < d->nreq; i++) /* an agent that answered fewer varbinds than asked */
        d->slots[d->req_slots[i]].done = true;
}

/* Hands a cell to collect and moves the column's cursor past it (also when its value is unusable). */
static void engine_store_cell(engine_device *d, size_t i, const netsnmp_variable_list *vb)
{
    engine_column *c = &d->cols[i];
    size_t ilen = vb->name_length - c->col->len;
    if (ilen == 0 || ilen > COLLECT_INDEX_MAX || c->nrows >= POLL_MAX_ROWS) {
        c->done = true;
        return;
    }
    raw_value raw;
    snmp_value_decode(vb, &raw);
    if (collect_cell(d->coll, i, vb->name + c->col->len, ilen, &raw, NULL) != VG_OK) {
        c->done = true; /* out of memory */
        return;
    }
    memcpy(engine_cursor(d, i), vb->name + c->col->len, ilen * sizeof(oid));
    c->cur_len = (uint8_t)ilen;
    if (raw.kind != RAW_NONE)
        c->nrows++;
}

static void engine_on_columns(engine_device *d, netsnmp_pdu *pdu)
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
        size_t ci = (size_t)d->req_cols[k % d->nreq];
        engine_column *c = &d->cols[ci];
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
        if (snmp_oid_compare(vb->name + c->col->len, vb->name_length - c->col->len, engine_cursor(d, ci),
                             c->cur_len) <= 0) {
            c->done = true; /* not increasing: a broken agent would loop forever */
            continue;
        }
        engine_store_cell(d, ci, vb);
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

static void engine_on_sys(engine_device *d, netsnmp_pdu *pdu)
{
    netsnmp_variable_list *vb = pdu->variables;
    if (pdu->errstat == SNMP_ERR_NOERROR && vb && vb->type == ASN_OBJECT_ID) {
        size_t len = vb->val_len / sizeof(oid);
        if (len > MAX_OID_LEN)
            len = MAX_OID_LEN;
        if (d->soid && len == d->soid_len && memcmp(d->soid, vb->val.objid, len * sizeof(oid)) == 0) {
            engine_start_scalars(d); /* the same device as before: the usual case */
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
        engine_start_scalars(d);
    else
        engine_start_probes(d);
}

static void engine_step(engine_device *d, netsnmp_pdu *pdu)
{
    switch (d->phase) {
    case PH_DETECT_SYS:
        engine_on_sys(d, pdu);
        return;
    case PH_DETECT_PROBE:
        engine_on_slots(d, pdu, true);
        if (!engine_send_slots(d, SNMP_MSG_GETNEXT))
            engine_detect_done(d);
        return;
    case PH_SCALARS:
        engine_on_slots(d, pdu, false);
        if (!engine_send_slots(d, SNMP_MSG_GET))
            engine_start_tables(d);
        return;
    case PH_TABLES:
        engine_on_columns(d, pdu);
        if (!engine_send_columns(d))
            engine_start_sweep(d);
        return;
    case PH_SWEEP:
        engine_on_columns(d, pdu);
        if (!sweep_may_send(d->sweep) || !engine_send_columns(d))
            engine_finish(d);
        return;
    default:
        return;
    }
}

int engine_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
    engine_device *d = magic;
    if (d->phase == PH_DONE || op == NETSNMP_CALLBACK_OP_RESEND)
        return 1; /* a retry going out is news, not an answer: the request is still pending */
    if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_RESPONSE) {
        d->answered = true;
        engine_step(d, pdu);
    } else {
        d->timed_out = true;
        engine_finish(d);
    }
    return 1;
}

