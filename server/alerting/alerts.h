/* alerts: the on-call alert lifecycle, stored through store/alert_store.h (tables alert_tracks, alerts,
 * alert_sites, silences, notifications: schema version 3; alert_drift: version 6). No SQL here: this
 * module decides, the store keeps.
 *
 *   alerts_ingest()  after a batch is stored: judges each sample (a rule of alerting.rules, else the
 *                    agent's own severity), with hysteresis, `for` and flapping (alert_rules.c), and
 *                    opens or resolves alerts; for a rule with `drift:`, also the series' drift in
 *                    its unit per week (drift.h, alerts of kind "drift"); a UPS's last self-test
 *                    failed or its last pass too old (selftest_alerts.h, kind "selftest"); a sample a
 *                    UPS's own test causes is not judged (sla/selftest.h); notes the site's push for
 *                    the heartbeat.
 *   alerts_tick()    every few seconds from vigie-server's timer thread: for-durations, heartbeat
 *                    (site unreachable), site down (state events), holds behind site/device
 *                    unreachable, silences and maintenance, grouping per site, repeats, escalation
 *                    along the on-call chain. It only queues notifications: sender.h delivers them,
 *                    with retries, in threads of its own.
 *
 * An alert is firing, then acknowledged (who, comment), then resolved; its id never changes. Every
 * notification is a row of `notifications` with its status (pending, sent, retrying, failed). */
#ifndef VIGIE_ALERTS_H
#define VIGIE_ALERTS_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"
#include "alerting/notify.h"
#include "alerting/rules.h"
#include "push.h"
#include "config/server_config.h"

int alerts_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, int64_t now);

/* One round of the timer. `started`: when the server started (heartbeats are judged from then,
 * so that a restart does not page for every site before its agent's next push; 0: no grace).
 * `lock` (may be NULL) guards db and state: it is held for the round, which sends nothing. */
int alerts_tick(db *d, const server_config *cfg, int64_t started, int64_t now, pthread_mutex_t *lock);

/* An alert of a module's own judgement (selftest_alerts.c: kind "selftest"), as the ingest opens and
 * resolves those of the samples: raised to `level` (a new one, or a new severity), or resolved. */
void alerts_raise(db *d, const char *site, const char *device, const char *metric, const char *instance,
                  const char *kind, al_level level, const char *summary, double value, int64_t now);
void alerts_clear(db *d, const server_config *cfg, const char *site, const char *device, const char *metric,
                  const char *instance, const char *kind, int64_t now);

/* Alerts as JSON, newest first; filters may be NULL. */
json_t *alerts_list(db *d, const char *site, const char *state, const char *sev, int64_t now);
/* Alerts not resolved (firing or acknowledged) at site (NULL: everywhere), for /metrics. */
size_t alerts_firing_count(db *d, const char *site);
/* VG_E_NOT_FOUND when there is no such alert or it is not firing. */
vg_code alerts_ack(db *d, int64_t id, const char *who, const char *comment, int64_t now, vg_err *err);

/* *id (may be NULL): the new silence's. */
vg_code alerts_silence_add(db *d, const char *site, const char *device, int64_t start, int64_t end, const char *reason,
                           const char *who, int64_t now, int64_t *id, vg_err *err);
/* VG_E_NOT_FOUND when there is no such silence. */
vg_code alerts_silence_delete(db *d, int64_t id, vg_err *err);
json_t *alerts_silences(db *d, int64_t now);

/* Queues a test notification to every channel of a contact (*queued of them); VG_E_NOT_FOUND for an
 * unknown contact. */
vg_code alerts_test_notify(db *d, const server_config *cfg, const char *contact, const char *who, int64_t now,
                           int *queued, vg_err *err);

#endif
