#include "config.h"
#include "record/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "record/record_snmprec.h"
#include "snmp/engine.h"

#define RECORD_MAX_ROOTS 512
#define RECORD_ROOT_LEN 7        /* 1.3.6.1.2.1.X (a mib-2 group), 1.3.6.1.4.1.N (an enterprise) */
#define RECORD_PROGRESS_S 3.0    /* seconds between two progress lines */
#define RECORD_SILENT_ROOTS 2    /* subtrees in a row that time out: the device is gone */

/* The subtrees a device of any class may be read from, whatever the profiles say. */
static const oid record_standard[][RECORD_ROOT_LEN] = {
    {1, 3, 6, 1, 2, 1, 1},  /* system */
    {1, 3, 6, 1, 2, 1, 2},  /* interfaces (IF-MIB) */
    {1, 3, 6, 1, 2, 1, 25}, /* HOST-RESOURCES-MIB */
    {1, 3, 6, 1, 2, 1, 31}, /* ifMIB: ifXTable */
    {1, 3, 6, 1, 2, 1, 33}, /* UPS-MIB (RFC 1628) */
    {1, 3, 6, 1, 2, 1, 47}, /* ENTITY-MIB */
    {1, 3, 6, 1, 2, 1, 99}, /* ENTITY-SENSOR-MIB */
};
static const oid record_sys_object_id[] = {1, 3, 6, 1, 2, 1, 1, 2, 0};
static const oid record_enterprises[] = {1, 3, 6, 1, 4, 1};

typedef enum { ROOT_PENDING = 0, ROOT_DONE, ROOT_TIMEOUT, ROOT_ERROR, ROOT_CUT } root_state;

typedef struct {
    oid ids[RECORD_ROOT_LEN];
    size_t count;
    root_state state;
    bool from_device; /* the sysObjectID's enterprise */
} record_root;

typedef struct {
    const agent_device *dev;
    const record_opts *opts;
    netsnmp_session *sess;
    snmprec *rec;
    record_root roots[RECORD_MAX_ROOTS];
    size_t nroots, done;
    double start, last_progress;
    const char *stop; /* why the walk stopped early; NULL: it did not */
    char stop_text[96];
    size_t truncated, skipped;
    int reps;         /* GETBULK max-repetitions; 0: GETNEXT */
    int silent;       /* subtrees in a row that timed out */
    char line[SNMPREC_LINE_MAX];
} recorder;

static double record_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the subtrees -------------------------------------------------------------------------- */

static void record_add_root(void *ctx, const oid *o, size_t len)
{
    recorder *r = ctx;
    if (len < RECORD_ROOT_LEN || r->nroots == RECORD_MAX_ROOTS)
        return; /* shorter: a whole branch of the tree, not a MIB's subtree */
    for (size_t i = 0; i < r->nroots; i++)
        if (memcmp(r->roots[i].ids, o, sizeof r->roots[i].ids) == 0)
            return;
    memcpy(r->roots[r->nroots].ids, o, sizeof r->roots[0].ids);
    r->nroots++;
}

static int record_root_cmp(const void *a, const void *b)
{
    return snmp_oid_compare(((const record_root *)a)->ids, RECORD_ROOT_LEN, ((const record_root *)b)->ids,
                            RECORD_ROOT_LEN);
}

/* The standard subtrees, the profiles', the device's enterprise: sorted, each once. All roots have the
 * same length, so none lies inside another and the walks never overlap. */
static void record_plan(recorder *r, const profile_set *set, const oid *soid, size_t soid_len)
{
    for (size_t i = 0; i < sizeof record_standard / sizeof record_standard[0]; i++)
        record_add_root(r, record_standard[i], RECORD_ROOT_LEN);
    profile_set_each_oid(set, record_add_root, r);
    if (soid_len >= RECORD_ROOT_LEN && oid_has_prefix(soid, soid_len, record_enterprises, 6)) {
        record_add_root(r, soid, soid_len);
        for (size_t i = 0; i < r->nroots; i++)
            r->roots[i].from_device |= memcmp(r->roots[i].ids, soid, sizeof r->roots[i].ids) == 0;
    }
    qsort(r->roots, r->nroots, sizeof r->roots[0], record_root_cmp);
}

/* ---- the walk ------------------------------------------------------------------------------ */

static const char *record_bound(recorder *r)
{
    double t = record_now() - r->start;
    if (t >= r->opts->max_time)
        snprintf(r->stop_text, sizeof r->stop_text, "--max-time %g s reached", r->opts->max_time);
    else if (snmprec_count(r->rec) >= r->opts->max_oids)
        snprintf(r->stop_text, sizeof r->stop_text, "--max-oids %zu reached", r->opts->max_oids);
    else if (snmprec_bytes(r->rec) >= SNMPREC_MAX_BYTES)
        snprintf(r->stop_text, sizeof r->stop_text, "the size bound (%u MB held) reached", SNMPREC_MAX_BYTES >> 20);
    else
        return NULL;
    return r->stop = r->stop_text;
}

static void record_progress(recorder *r, const record_root *cur)
{
    double now = record_now();
    if (now - r->last_progress < RECORD_PROGRESS_S)
        return;
    r->last_progress = now;
    char o[OID_TEXT_MAX];
    oid_format(cur->ids, RECORD_ROOT_LEN, o, sizeof o);
    fprintf(stderr, "vigie-agent: recording: %zu of %zu subtrees done, %zu OIDs, %.0f s (walking %s)\n", r->done,
            r->nroots, snmprec_count(r->rec), now - r->start, o + 1);
}

/* One answer's varbinds into the recording. Returns false when the subtree is over. */
static bool record_take(recorder *r, record_root *root, const netsnmp_pdu *resp, oid *cur, size_t *cur_len)
{
    const netsnmp_variable_list *vb = resp->variables;
    if (!vb)
        return false;
    for (; vb; vb = vb->next_variable) {
        if (vb->type == SNMP_ENDOFMIBVIEW || !oid_has_prefix(vb->name, vb->name_length, root->ids, RECORD_ROOT_LEN))
            return false;
        /* an agent that does not go forward would be walked for ever */
        if (snmp_oid_compare(vb->name, vb->name_length, cur, *cur_len) <= 0)
            return false;
        if (record_bound(r))
            return false;
        snmprec_status st = snmprec_format(vb, r->line, sizeof r->line);
        if (st == SNMPREC_SKIPPED)
            r->skipped++;
        else if (!snmprec_add(r->rec, vb->name, vb->name_length, r->line))
            return (r->stop = "out of memory"), false;
        else
            root->count++;
        r->truncated += st == SNMPREC_TRUNCATED;
        memcpy(cur, vb->name, vb->name_length * sizeof(oid));
        *cur_len = vb->name_length;
    }
    return true;
}

/* What an error answer means. Returns true to ask again (with fewer repetitions, or with GETNEXT). */
static bool record_on_error(recorder *r, record_root *root, const netsnmp_pdu *resp)
{
    if (resp->errstat == SNMP_ERR_NOSUCHNAME) { /* SNMPv1: past the end of the agent's view */
        root->state = ROOT_DONE;
        return false;
    }
    if (r->reps > 1 && resp->errstat == SNMP_ERR_TOOBIG) {
        r->reps /= 2;
        return true;
    }
    if (r->reps > 0) { /* an agent that answers GETBULK badly: GETNEXT from now on, as the poller does */
        r->reps = 0;
        return true;
    }
    root->state = ROOT_ERROR;
    return false;
}

static void record_walk(recorder *r, record_root *root)
{
    oid cur[MAX_OID_LEN];
    size_t cur_len = RECORD_ROOT_LEN;
    memcpy(cur, root->ids, sizeof root->ids);
    while (!root->state && !r->stop) {
        if (record_bound(r))
            break;
        record_progress(r, root);
        netsnmp_pdu *pdu = snmp_pdu_create(r->reps ? SNMP_MSG_GETBULK : SNMP_MSG_GETNEXT), *resp = NULL;
        if (r->reps) {
            pdu->non_repeaters = 0;
            pdu->max_repetitions = r->reps;
        }
        snmp_add_null_var(pdu, cur, cur_len);
        int status = snmp_synch_response(r->sess, pdu, &resp);
        if (status == STAT_TIMEOUT) {
            root->state = ROOT_TIMEOUT;
        } else if (status != STAT_SUCCESS || !resp) {
            root->state = ROOT_ERROR;
        } else if (resp->errstat != SNMP_ERR_NOERROR) {
            record_on_error(r, root, resp);
        } else if (!record_take(r, root, resp, cur, &cur_len) && !r->stop) {
            root->state = ROOT_DONE;
        }
        if (resp)
            snmp_free_pdu(resp);
    }
    if (!root->state)
        root->state = ROOT_CUT;
    r->silent = root->state == ROOT_TIMEOUT ? r->silent + 1 : 0;
    if (r->silent >= RECORD_SILENT_ROOTS && !r->stop)
        r->stop = "the device stopped answering";
    r->done++;
}

/* sysObjectID.0: whether the device answers at all, and its enterprise. */
static int record_first_get(recorder *r, oid *soid, size_t *soid_len)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
    snmp_add_null_var(pdu, record_sys_object_id, OID_LENGTH(record_sys_object_id));
    int status = snmp_synch_response(r->sess, pdu, &resp);
    *soid_len = 0;
    if (status == STAT_SUCCESS && resp && resp->errstat == SNMP_ERR_NOERROR && resp->variables &&
        resp->variables->type == ASN_OBJECT_ID && resp->variables->val_len / sizeof(oid) <= MAX_OID_LEN) {
        *soid_len = resp->variables->val_len / sizeof(oid);
        memcpy(soid, resp->variables->val.objid, *soid_len * sizeof(oid));
    }
    if (resp)
        snmp_free_pdu(resp);
    if (status == STAT_SUCCESS)
        return 0;
    const agent_device *d = r->dev;
    if (status == STAT_TIMEOUT)
        fprintf(stderr, "vigie-agent: --record: %s port %d did not answer (%d tr%s of %g s): check the address, the "
                        "port, the SNMP version and the community or SNMPv3 user; nothing written\n",
                d->host, d->port, d->retries + 1, d->retries ? "ies" : "y", d->timeout);
    else
        fprintf(stderr, "vigie-agent: --record: %s port %d: %s; nothing written\n", d->host, d->port,
                snmp_api_errstring(r->sess->s_snmp_errno));
    return 1;
}

/* ---- the summary --------------------------------------------------------------------------- */

static const char *record_state_name(const record_root *root)
{
    switch (root->state) {
    case ROOT_DONE: return "";
    case ROOT_TIMEOUT: return " (timed out: incomplete)";
    case ROOT_ERROR: return " (error answer: incomplete)";
    case ROOT_CUT: return " (cut by a bound)";
    default: return " (not walked)";
    }
}

/* Where the file comes from goes here, not into the file: snmpsimd would serve a comment line as
 * nothing, but other readers of the format would choke on it. The credentials are never printed. */
static void record_summary(const recorder *r, bool written, double secs)
{
    const agent_device *d = r->dev;
    char date[32];
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    fprintf(stderr, "vigie-agent %s: recording of %s port %d (SNMP %s) on %s%s%s\n", PACKAGE_VERSION, d->host, d->port,
            d->version == SNMP_V1 ? "v1" : d->version == SNMP_V3 ? "v3" : "v2c", date, written ? " into " : "",
            written ? r->opts->path : "");
    for (size_t i = 0; i < r->nroots; i++) {
        const record_root *root = &r->roots[i];
        char o[OID_TEXT_MAX];
        oid_format(root->ids, RECORD_ROOT_LEN, o, sizeof o);
        fprintf(stderr, "  %-22s %7zu OIDs%s%s\n", o + 1, root->count, root->from_device ? " (sysObjectID)" : "",
                record_state_name(root));
    }
    fprintf(stderr, "  %zu OIDs from %zu subtrees in %.1f s", snmprec_count(r->rec), r->nroots, secs);
    if (r->skipped)
        fprintf(stderr, ", %zu values of a type snmpsim cannot serve left out", r->skipped);
    if (r->truncated)
        fprintf(stderr, ", %zu values cut to %d bytes", r->truncated, SNMPREC_VALUE_MAX);
    fputc('\n', stderr);
    if (r->stop)
        fprintf(stderr, "vigie-agent: --record: stopped early (%s): the recording is incomplete (exit status %d)\n",
                r->stop, RECORD_EXIT_PARTIAL);
}

static bool record_complete(const recorder *r)
{
    if (r->stop)
        return false;
    for (size_t i = 0; i < r->nroots; i++)
        if (r->roots[i].state != ROOT_DONE)
            return false;
    return true;
}

/* ---- the run ------------------------------------------------------------------------------- */

int record_run(const profile_set *set, const agent_device *dev, const record_opts *opts)
{
    if (!opts->force && access(opts->path, F_OK) == 0) {
        fprintf(stderr, "vigie-agent: --record: %s exists: give another -o FILE, or --force to replace it\n",
                opts->path);
        return 2;
    }
    poller_snmp_init();
    recorder *r = calloc(1, sizeof *r);
    vg_err err;
    if (!r || !(r->rec = snmprec_new())) {
        fprintf(stderr, "vigie-agent: --record: out of memory\n");
        free(r);
        return 1;
    }
    r->dev = dev;
    r->opts = opts;
    r->reps = dev->version == SNMP_V1 ? 0 : dev->max_oids; /* GETBULK does not exist in SNMPv1 */
    r->start = r->last_progress = record_now();
    int rc = 1;
    oid soid[MAX_OID_LEN];
    size_t soid_len;
    r->sess = engine_session_open(dev, &err);
    if (!r->sess)
        fprintf(stderr, "vigie-agent: --record: %s; nothing written\n", err.msg);
    else if (record_first_get(r, soid, &soid_len) == 0) {
        record_plan(r, set, soid, soid_len);
        for (size_t i = 0; i < r->nroots && !r->stop; i++)
            record_walk(r, &r->roots[i]);
        bool written = snmprec_write(r->rec, opts->path, opts->force, &err) == VG_OK;
        record_summary(r, written, record_now() - r->start);
        if (!written)
            fprintf(stderr, "vigie-agent: --record: %s; nothing written\n", err.msg);
        rc = !written ? 1 : record_complete(r) ? 0 : RECORD_EXIT_PARTIAL;
    }
    if (r->sess)
        snmp_close(r->sess);
    snmprec_free(r->rec);
    free(r);
    return rc;
}
