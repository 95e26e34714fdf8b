/* alert_store: the alerting tables of the database (schema version 3: alert_tracks, alerts,
 * alert_sites, silences, notifications; version 6: alert_drift), behind typed functions for
 * alerting/alerts.c.
 *
 * The store owns the SQL and the storage formats (a track's change times as text, alert states as
 * the words 'firing', 'acknowledged', 'resolved'); alerts.c owns the lifecycle: when to open, hold,
 * notify, escalate or resolve. Its bookkeeping runs inside db_transaction() (the timer) or
 * db_savepoint() (at ingest), both of db.h. Every function returns a
 * vg_code (VG_E_IO for the database, VG_E_NOT_FOUND for a missing row) and fills err when not NULL. */
#ifndef VIGIE_ALERT_STORE_H
#define VIGIE_ALERT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerting/drift.h"
#include "alerting/rules.h"
#include "error.h"
#include "names.h"
#include "store/db.h"

/* ---- alerts ---------------------------------------------------------------------------------- */

/* What names the series (and the kind of judgement: metric, device, flapping, heartbeat, site) of an
 * alert; device, metric and instance may be "". */
typedef struct {
    const char *site, *device, *metric, *instance, *kind;
} alert_key;

typedef struct {
    int64_t id, fired, resolved, ack_at, last_notified, first_notified;
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1], metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1], kind[16], severity[16], state[16], summary[400];
    char ack_by[NAME_MAX_LEN + 1], ack_comment[256], held[32];
    double value;
    int level;    /* the escalation level notified */
    int notified; /* 1 once its first notification was queued */
} alert_row;

/* The newest alert of key that is not resolved; *found false when there is none. */
vg_code alert_store_find_open(db *d, const alert_key *key, alert_row *out, bool *found, vg_err *err);
/* Opens an alert, firing; *id (may be NULL) is its id. */
vg_code alert_store_open(db *d, const alert_key *key, const char *sev, const char *summary, double value,
                         const char *held, int64_t now, int64_t *id, vg_err *err);
/* A new severity, summary and value; refire: firing again and to be notified again (worse). */
vg_code alert_store_set_severity(db *d, int64_t id, const char *sev, const char *summary, double value,
                                 bool refire, vg_err *err);
vg_code alert_store_resolve(db *d, int64_t id, int64_t now, vg_err *err);
/* Acknowledges a firing alert; VG_E_NOT_FOUND when there is no such alert or it is not firing. */
vg_code alert_store_ack(db *d, int64_t id, const char *who, const char *comment, int64_t now, vg_err *err);

/* Sets `held` of the firing alerts not yet notified: 'site unreachable' behind their site's
 * heartbeat alert, 'device unreachable' (metric and drift alerts) behind their device's, 'flapping' kept. */
vg_code alert_store_update_holds(db *d, vg_err *err);
/* Holds one firing alert not yet notified (alerting/dependency.h), until the next update_holds. */
vg_code alert_store_hold(db *d, int64_t id, const char *held, vg_err *err);

typedef enum {
    ALERT_SELECT_TO_NOTIFY, /* firing, never notified, not held: ordered by site, id */
    ALERT_SELECT_NOTIFIED,  /* firing and notified: for escalations and repeats */
} alert_select;
/* Caller frees *out. */
vg_code alert_store_select(db *d, alert_select which, alert_row **out, size_t *n, vg_err *err);
/* Filters may be NULL; newest first, at most 1000. Caller frees *out. */
vg_code alert_store_list(db *d, const char *site, const char *state, const char *sev, alert_row **out,
                         size_t *n, vg_err *err);
/* Alerts not resolved of one kind ("drift"), oldest first, at most 1000. Caller frees *out. */
vg_code alert_store_open_of_kind(db *d, const char *kind, alert_row **out, size_t *n, vg_err *err);
/* Alerts not resolved at site (NULL: everywhere). */
vg_code alert_store_open_count(db *d, const char *site, size_t *n, vg_err *err);

/* The first notification was queued now, at level 0. */
vg_code alert_store_mark_notified(db *d, int64_t id, int64_t now, vg_err *err);
/* Notified again now: at a new escalation level, or the same (a repeat: level < 0). */
vg_code alert_store_mark_renotified(db *d, int64_t id, int level, int64_t now, vg_err *err);

/* ---- trackers: the judgement of one series ---------------------------------------------------- */

vg_code alert_store_track_load(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               alert_track *t, bool *found, vg_err *err);
vg_code alert_store_track_save(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               const alert_track *t, double value, const char *unit, vg_err *err);

typedef struct {
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1], metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1], unit[PUSH_UNIT_MAX + 1];
    double value;
} alert_track_ref;
/* The trackers the timer must look at: a level pending its `for`, or flapping. Caller frees *out. */
vg_code alert_store_tracks_due(db *d, alert_track_ref **out, size_t *n, vg_err *err);

/* ---- drift trackers: a series' day buckets (alerting/drift.h) --------------------------------- */

/* *found false (and t zeroed) when the series has no drift tracker yet. */
vg_code alert_store_drift_load(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               al_drift *t, bool *found, vg_err *err);
vg_code alert_store_drift_save(db *d, const char *site, const char *device, const char *metric, const char *instance,
                               const al_drift *t, vg_err *err);

/* ---- sites' heartbeats ------------------------------------------------------------------------ */

vg_code alert_store_site_pushed(db *d, const char *site, int64_t now, vg_err *err);
typedef struct {
    char site[NAME_MAX_LEN + 1];
    int64_t last_push;
} alert_site;
/* Caller frees *out. */
vg_code alert_store_sites(db *d, alert_site **out, size_t *n, vg_err *err);

/* ---- silences --------------------------------------------------------------------------------- */

/* device "" is the whole site; *id (may be NULL) is the new silence's. */
vg_code alert_store_silence_add(db *d, const char *site, const char *device, int64_t start, int64_t end,
                                const char *reason, const char *who, int64_t now, int64_t *id, vg_err *err);
/* VG_E_NOT_FOUND when there is no such silence. */
vg_code alert_store_silence_delete(db *d, int64_t id, vg_err *err);
/* Whether a silence of the site (or of this device) holds at now. */
vg_code alert_store_silenced(db *d, const char *site, const char *device, int64_t now, bool *silenced, vg_err *err);
typedef struct {
    int64_t id, start, end, created;
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1], reason[256], who[NAME_MAX_LEN + 1];
} alert_silence;
/* Silences not ended at now, by start. Caller frees *out. */
vg_code alert_store_silences(db *d, int64_t now, alert_silence **out, size_t *n, vg_err *err);
/* The site of alert id (silence false) or of silence id (silence true), for the API's scope check;
 * *found false when there is no such row. */
vg_code alert_store_site_of(db *d, bool silence, int64_t id, char site[NAME_MAX_LEN + 1], bool *found, vg_err *err);

/* ---- notifications ---------------------------------------------------------------------------- */

typedef struct {
    int64_t alert_id; /* 0 for a test */
    const char *contact, *channel, *target, *event, *subject, *body, *payload;
    const char *key; /* unique (schema 11): a message queued again under the same key is one row; NULL: none */
} alert_notification;
/* Queues one message, pending, due now; nothing when its key is queued already. */
vg_code alert_store_notification_add(db *d, const alert_notification *n, int64_t now, vg_err *err);

typedef struct {
    int64_t id;
    char channel[16], target[512], contact[NAME_MAX_LEN + 1], subject[600];
    char *body, *payload; /* owned: alert_store_deliveries_free */
    int attempts;
} alert_delivery;
/* Pending or retrying notifications due at now, oldest first, at most max. */
vg_code alert_store_due(db *d, int64_t now, size_t max, alert_delivery **out, size_t *n, vg_err *err);
void alert_store_deliveries_free(alert_delivery *v, size_t n);

/* What became of one delivery: sent, failed for good, or to retry at next. */
vg_code alert_store_delivery_sent(db *d, int64_t id, int attempts, int64_t now, vg_err *err);
vg_code alert_store_delivery_failed(db *d, int64_t id, int attempts, const char *why, vg_err *err);
vg_code alert_store_delivery_retry(db *d, int64_t id, int attempts, const char *why, int64_t next, vg_err *err);

#endif
