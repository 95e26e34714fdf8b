#include "config.h"
#include "vocab_names.h"
#include "alerting/alerts.h"
#include "cluster/shard.h"
#include "alerting/dependency.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerting/alert_config.h"
#include "alerting/drift.h"
#include "alerting/oncall.h"
#include "alerting/selftest_alerts.h"
#include "alerting/skew.h"
#include "log.h"
#include "sla/selftest.h"
#include "store/alert_store.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* A store call that failed: logged here, once; the lifecycle goes on with what it has. */
static bool al_ok(vg_code rc, const vg_err *err)
{
    if (rc != VG_OK)
        log_error("alerts", "sql: %s", err->msg);
    return rc == VG_OK;
}

static void al_time(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M %Z", &tm);
}

static alerting_config al_none;
static void al_none_init(void) { alerting_config_defaults(&al_none); }

/* Without an alerting section, the defaults: made once, as reads of several threads may be first. */
static const alerting_config *al_cfg(const server_config *cfg)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (cfg && cfg->alerting)
        return cfg->alerting;
    pthread_once(&once, al_none_init);
    return &al_none;
}

/* ---- notifications queue -------------------------------------------------------------------- */

/* Queues one message to every channel of a contact: the number queued. Each row's key is `key` and
 * the contact's channel: the same decision taken twice (two leaders of a pair, cluster/cluster.h)
 * queues it once. */
static int al_queue(db *d, const alerting_config *a, int64_t alert_id, int contact, const char *event,
                    const char *subject, const char *text, const char *payload, const char *key, int64_t now)
{
    if (contact < 0 || (size_t)contact >= a->ncontacts)
        return 0;
    const alert_contact *c = &a->contacts[contact];
    const char *channels[3][2] = {{"webhook", c->webhook}, {"sms", c->sms}, {"email", c->email}};
    int queued = 0;
    for (int i = 0; i < 3; i++) {
        if (!channels[i][1][0])
            continue;
        char nkey[300];
        snprintf(nkey, sizeof nkey, "%s:%s:%s", key, c->name, channels[i][0]);
        alert_notification n = {alert_id, c->name, channels[i][0], channels[i][1], event, subject, text, payload, nkey};
        vg_err err;
        if (al_ok(alert_store_notification_add(d, &n, now, &err), &err))
            queued++;
    }
    return queued;
}

/* Whether notifications about (site, device) are muted now: a silence or a maintenance window. */
static bool al_muted(db *d, const char *site, const char *device, int64_t now)
{
    bool muted = false;
    vg_err err;
    if (al_ok(alert_store_silenced(d, site, device, now, &muted, &err), &err) && muted)
        return true;
    avail_window *w = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    if (db_maintenance_list(d, site, now, now + 1, &w, &n, &ids) == VG_OK && n > 0)
        muted = true;
    free(w);
    free(ids);
    return muted;
}

/* ---- messages ------------------------------------------------------------------------------- */

typedef alert_row al_row;

/* The bounds of a grouped message (see al_message). */
#define AL_GROUP_LISTED 20
#define AL_GROUP_TEXT_MAX 4000

/* Builds the subject, the phone-friendly text and the generic webhook's JSON of a group. */
static void al_message(const al_row *rows, size_t n, const char *event, char *subject, size_t ssize, char **text,
                       char **payload)
{
    const char *worst = "warning";
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].severity, "critical") == 0)
            worst = "critical";
    const char *tag = strcmp(event, "resolved") == 0 ? "RESOLVED" : strcmp(worst, "critical") == 0 ? "CRITICAL" : "WARNING";
    const char *what = strcmp(event, "escalation") == 0 ? " (escalated)" : strcmp(event, "repeat") == 0 ? " (reminder)" : "";
    if (n == 1)
        snprintf(subject, ssize, "[vigie] %s %s: %s%s", tag, rows[0].site, rows[0].summary, what);
    else
        snprintf(subject, ssize, "[vigie] %s %s: %zu alerts%s", tag, rows[0].site, n, what);
    /* a group lists at most AL_GROUP_LISTED alerts in at most AL_GROUP_TEXT_MAX bytes, then says how
     * many more: a site that fires 2,000 alerts at once still sends a message an SMS gateway, a chat
     * and a phone can take */
    size_t cap = AL_GROUP_TEXT_MAX + 1, len = 0, listed = 0;
    char *t = malloc(cap);
    json_t *arr = json_array();
    if (t)
        t[0] = '\0';
    for (size_t i = 0; i < n && t && listed < AL_GROUP_LISTED; i++) {
        char since[64], line[700];
        al_time(rows[i].fired, since, sizeof since);
        int w = snprintf(line, sizeof line, "#%lld %s %s\nsince %s\n", (long long)rows[i].id,
                         strcmp(event, "resolved") == 0 ? "resolved" : rows[i].severity, rows[i].summary, since);
        /* room kept for the "... and N more" and the ack lines */
        if (w < 0 || len + (size_t)w + 80 > AL_GROUP_TEXT_MAX)
            break;
        memcpy(t + len, line, (size_t)w + 1);
        len += (size_t)w;
        listed++;
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I}", "id",
                                             (json_int_t)rows[i].id, "site", rows[i].site, "device", rows[i].device,
                                             "metric", rows[i].metric, "instance", rows[i].instance, "kind",
                                             rows[i].kind, "severity", rows[i].severity, "summary", rows[i].summary,
                                             "value", rows[i].value, "fired", (json_int_t)rows[i].fired));
    }
    if (t && listed < n)
        len += (size_t)snprintf(t + len, cap - len, "... and %zu more\n", n - listed);
    if (t && strcmp(event, "resolved") != 0 && n > 0)
        snprintf(t + len, cap - len, "ack: vigie ack %lld", (long long)rows[0].id);
    *text = t ? t : strdup("");
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:I}", "vigie", 1, "event", event, "site",
                          n ? rows[0].site : "", "subject", subject, "text", *text, "alerts", arr, "more",
                          (json_int_t)(n - listed));
    *payload = json_dumps(o, JSON_COMPACT);
    json_decref(o);
}

/* Notifies chain levels [from, to] of one group. */
static void al_notify(db *d, const alerting_config *a, const al_row *rows, size_t n, const char *event, int from,
                      int to, int64_t now)
{
    if (n == 0 || a->nchain == 0)
        return;
    char subject[600], *text = NULL, *payload = NULL;
    al_message(rows, n, event, subject, sizeof subject, &text, &payload);
    for (int l = from; l <= to && l < (int)a->nchain; l++) {
        /* a rotation's level reaches whoever is on call at this notification (oncall.h) */
        int contacts[ONCALL_PERSON_CONTACTS];
        char who[NAME_MAX_LEN + 1];
        size_t k = oncall_resolve_level(d, a, l, now, contacts, ONCALL_PERSON_CONTACTS, who, sizeof who);
        if (who[0])
            log_info("alerts", "alert #%lld: %s notifies %s, on call in rotation %s", (long long)rows[0].id, event, who,
                     oncall_level_name(a, l));
        /* the decision's key: this alert, event and level, after its notification of last_notified */
        char key[160];
        snprintf(key, sizeof key, "a%lld:%s:%d:%lld", (long long)rows[0].id, event, l, (long long)rows[0].last_notified);
        for (size_t i = 0; i < k; i++)
            al_queue(d, a, rows[0].id, contacts[i], event, subject, text, payload ? payload : "{}", key, now);
    }
    free(text);
    free(payload);
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static bool al_find_open(db *d, const char *site, const char *device, const char *metric, const char *instance,
                         const char *kind, al_row *out)
{
    alert_key key = {site, device, metric, instance, kind};
    bool found = false;
    vg_err err;
    return al_ok(alert_store_find_open(d, &key, out, &found, &err), &err) && found;
}

static void al_fire(db *d, const char *site, const char *device, const char *metric, const char *instance,
                    const char *kind, al_level level, const char *summary, double value, const char *held, int64_t now)
{
    al_row r;
    const char *sev = al_level_name(level);
    vg_err err;
    if (al_find_open(d, site, device, metric, instance, kind, &r)) {
        if (strcmp(r.severity, sev) == 0)
            return;
        /* worse: a new notification (and back to firing if it was acknowledged) */
        bool worse = level == AL_CRITICAL;
        al_ok(alert_store_set_severity(d, r.id, sev, summary, value, worse, &err), &err);
        log_info("alerts", "alert #%lld %s %s is now %s", (long long)r.id, site, summary, sev);
        return;
    }
    alert_key key = {site, device, metric, instance, kind};
    int64_t id = 0;
    al_ok(alert_store_open(d, &key, sev, summary, value, held, now, &id, &err), &err);
    log_info("alerts", "alert #%lld fired: %s %s (%s)", (long long)id, site, summary, sev);
}

static void al_resolve(db *d, const server_config *cfg, const char *site, const char *device, const char *metric,
                       const char *instance, const char *kind, int64_t now)
{
    al_row r;
    if (!al_find_open(d, site, device, metric, instance, kind, &r))
        return;
    vg_err err;
    al_ok(alert_store_resolve(d, r.id, now, &err), &err);
    log_info("alerts", "alert #%lld resolved: %s %s", (long long)r.id, site, r.summary);
    if (r.notified == 1 && !al_muted(d, site, device, now))
        al_notify(d, al_cfg(cfg), &r, 1, "resolved", 0, r.level, now);
}

void alerts_raise(db *d, const char *site, const char *device, const char *metric, const char *instance,
                  const char *kind, al_level level, const char *summary, double value, int64_t now)
{
    al_fire(d, site, device, metric, instance, kind, level, summary, value, "", now);
}

void alerts_clear(db *d, const server_config *cfg, const char *site, const char *device, const char *metric,
                  const char *instance, const char *kind, int64_t now)
{
    al_resolve(d, cfg, site, device, metric, instance, kind, now);
}

static void al_summary(char *out, size_t size, const push_sample *s)
{
    char inst[INSTANCE_MAX_LEN + 4] = "";
    if (s->instance[0])
        snprintf(inst, sizeof inst, "[%s]", s->label[0] ? s->label : s->instance);
    if (strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0)
        snprintf(out, size, "%s unreachable", s->device);
    else if (s->text[0])
        snprintf(out, size, "%s %s%s %s", s->device, s->metric, inst, s->text);
    else
        snprintf(out, size, "%s %s%s = %g%s%s", s->device, s->metric, inst, s->value, s->unit[0] ? " " : "", s->unit);
}

/* ---- trackers ------------------------------------------------------------------------------- */

static bool al_track_load(db *d, const char *site, const char *device, const char *metric, const char *instance,
                          alert_track *t)
{
    bool found = false;
    vg_err err;
    return al_ok(alert_store_track_load(d, site, device, metric, instance, t, &found, &err), &err) && found;
}

static void al_track_save(db *d, const char *site, const char *device, const char *metric, const char *instance,
                          const alert_track *t, double value, const char *unit)
{
    vg_err err;
    al_ok(alert_store_track_save(d, site, device, metric, instance, t, value, unit, &err), &err);
}

/* What became of a series: alerts opened, resolved, flapping noticed. */
static void al_track_event(db *d, const server_config *cfg, const char *site, const push_sample *s, const char *kind,
                           const alert_track *t, al_event ev, int64_t now)
{
    char summary[400];
    if (t->flap_event == AL_EV_FLAPPING) {
        const alerting_config *a = al_cfg(cfg);
        char inst[INSTANCE_MAX_LEN + 4] = "";
        if (s->instance[0])
            snprintf(inst, sizeof inst, "[%s]", s->instance);
        snprintf(summary, sizeof summary, "%s %s%s is flapping (%d changes within %d s)", s->device, s->metric, inst,
                 a->flap.changes, a->flap.window);
        al_fire(d, site, s->device, s->metric, s->instance, "flapping", AL_WARNING, summary, s->value, "", now);
    } else if (t->flap_event == AL_EV_STABLE) {
        al_resolve(d, cfg, site, s->device, s->metric, s->instance, "flapping", now);
    }
    if (ev == AL_EV_FIRE) {
        al_summary(summary, sizeof summary, s);
        al_fire(d, site, s->device, s->metric, s->instance, kind, t->active, summary, s->value,
                t->flapping ? "flapping" : "", now);
    } else if (ev == AL_EV_RESOLVE) {
        al_resolve(d, cfg, site, s->device, s->metric, s->instance, kind, now);
    }
}

typedef struct {
    db *d;
    const server_config *cfg;
    const char *site;
    const push_batch *b;
    int64_t now;
    selftest_memo *memo; /* whether a sample's device is in a test (selftest.h) */
} al_ingest_job;

/* The level of one sample: a rule's thresholds, else the agent's own severity. */
static void al_ingest_level(const al_ingest_job *j, const push_sample *s, const alert_rule *r)
{
    const alerting_config *a = al_cfg(j->cfg);
    const char *kind = "metric";
    int for_s = a->default_for;
    bool reach = strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0;
    bool agent_sev = s->sev == SEV_OK || s->sev == SEV_WARNING || s->sev == SEV_CRITICAL;
    if (r && !alert_rule_has_levels(r))
        r = NULL; /* a drift-only rule leaves the level to the agent */
    if (!r && strcmp(s->metric, VOCAB_UPS_TEST_RESULT) == 0)
        return; /* a failed self-test is the "selftest" alert's (selftest_alerts.h), once */
    if (!reach && !r && !agent_sev)
        return; /* nothing judges this series */
    alert_track t;
    bool known = al_track_load(j->d, j->site, s->device, s->metric, s->instance, &t);
    al_level level;
    if (reach) {
        level = s->value >= 1 ? AL_OK : AL_CRITICAL;
        kind = "device";
        for_s = 0;
    } else if (r) {
        level = alert_rule_judge(r, s->value, t.active);
        for_s = r->for_s;
    } else {
        level = (al_level)s->sev;
    }
    if (!known && level == AL_OK)
        return; /* nothing to remember about a series that has always been fine */
    if (level != AL_OK && !reach && selftest_caused(j->d, j->cfg, j->site, s, j->memo))
        return; /* what a UPS's own test causes (on battery): not judged while the test runs */
    al_event ev = alert_track_observe(&t, level, s->ts, for_s, &a->flap);
    al_track_save(j->d, j->site, s->device, s->metric, s->instance, &t, s->value, s->unit);
    al_track_event(j->d, j->cfg, j->site, s, kind, &t, ev, j->now);
}

/* "olt olt.ont.rx.power[1/3] drift -3.5 dB/week over 6.2 days (now -24.1 dBm)": a drift of dBm is in dB. */
static void al_drift_summary(char *out, size_t size, const push_sample *s, const al_drift_estimate *e)
{
    char inst[INSTANCE_MAX_LEN + 4] = "";
    if (s->instance[0])
        snprintf(inst, sizeof inst, "[%s]", s->label[0] ? s->label : s->instance);
    const char *unit = strcmp(s->unit, "dBm") == 0 ? "dB" : s->unit;
    snprintf(out, size, "%s %s%s drift %+.1f%s%s/week over %.1f days (now %g%s%s)", s->device, s->metric, inst,
             e->per_week, unit[0] ? " " : "", unit, e->span / AL_DRIFT_DAY, s->value, s->unit[0] ? " " : "", s->unit);
}

/* The drift of one sample's series, for a rule with `drift:` (drift.h): kind "drift", held and
 * notified as the level alerts are. */
static void al_ingest_drift(const al_ingest_job *j, const push_sample *s, const alert_rule *r)
{
    if (!r || !r->drift.on || s->text[0] || strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0)
        return;
    al_drift t;
    bool found = false;
    vg_err err;
    if (!al_ok(alert_store_drift_load(j->d, j->site, s->device, s->metric, s->instance, &t, &found, &err), &err))
        return;
    al_event ev = alert_drift_observe(&t, &r->drift, s->ts, s->value);
    al_ok(alert_store_drift_save(j->d, j->site, s->device, s->metric, s->instance, &t, &err), &err);
    if (ev == AL_EV_FIRE) {
        char summary[400];
        al_drift_summary(summary, sizeof summary, s, &t.last);
        al_fire(j->d, j->site, s->device, s->metric, s->instance, "drift", t.active, summary, t.last.per_week, "",
                j->now);
    } else if (ev == AL_EV_RESOLVE) {
        al_resolve(j->d, j->cfg, j->site, s->device, s->metric, s->instance, "drift", j->now);
    }
}

static vg_code al_ingest_tx(void *ctx, vg_err *err)
{
    al_ingest_job *j = ctx;
    const alerting_config *a = al_cfg(j->cfg);
    (void)err; /* a failed statement is logged and the batch judged on: it is stored already */
    vg_err e;
    al_ok(alert_store_site_pushed(j->d, j->site, j->now, &e), &e);
    al_resolve(j->d, j->cfg, j->site, "", "agent.heartbeat", "", "heartbeat", j->now);
    for (size_t i = 0; i < push_batch_count(j->b); i++) {
        const push_sample *s = push_batch_at(j->b, i);
        bool reach = strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0;
        const alert_rule *r = reach ? NULL : alert_rule_match(a->rules, a->nrules, j->site, s->device, s->metric,
                                                              s->instance);
        al_ingest_level(j, s, r);
        al_ingest_drift(j, s, r);
    }
    selftest_alerts_ingest(j->d, j->cfg, j->site, j->b, j->now);
    return VG_OK;
}

int alerts_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, int64_t now)
{
    selftest_memo memo = {0};
    al_ingest_job j = {d, cfg, site, b, now, &memo};
    vg_err err;
    return db_savepoint(d, "alerts_ingest", al_ingest_tx, &j, &err) == VG_OK ? 0 : -1;
}

/* ---- the timer ------------------------------------------------------------------------------ */

/* The site-down alert; its summary follows the count of sites down behind it until it is notified. */
static void al_fire_site(db *d, const char *site, const char *summary, double behind, int64_t now)
{
    al_row r;
    vg_err err;
    if (al_find_open(d, site, "", "site.state", "", "site", &r)) {
        if (!r.notified && r.value != behind)
            al_ok(alert_store_set_severity(d, r.id, r.severity, summary, behind, false, &err), &err);
        return;
    }
    al_fire(d, site, "", "site.state", "", "site", AL_CRITICAL, summary, behind, "", now);
}

static void al_tick_sites(db *d, const server_config *cfg, int64_t started, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    alert_site *sites = NULL;
    size_t n = 0;
    vg_err err;
    al_ok(alert_store_sites(d, &sites, &n, &err), &err);
    for (size_t i = 0; i < n; i++) {
        if (!shard_owns(cfg, sites[i].site))
            continue; /* another shard's leader judges it (cluster/shard.h) */
        char summary[400], when[64];
        int64_t last = sites[i].last_push;
        if (dependency_has_heartbeat(cfg, sites[i].site) &&
            alert_heartbeat_lost(last > started ? last : started, now, cfg->step, a->heartbeat_steps)) {
            al_time(last, when, sizeof when);
            snprintf(summary, sizeof summary, "site %s unreachable: no push from its agent since %s", sites[i].site, when);
            al_fire(d, sites[i].site, "", "agent.heartbeat", "", "heartbeat", AL_CRITICAL, summary, (double)last, "",
                    now);
        }
        char state[32] = "";
        db_event_last_before(d, sites[i].site, "site", sites[i].site, now + 1, state, sizeof state, NULL);
        if (strcmp(state, "down") == 0) {
            /* an NRO's page counts the public sites down behind it: their own alerts wait (dependency.h) */
            size_t behind = dependency_down_behind(d, cfg, sites[i].site, now);
            int len = snprintf(summary, sizeof summary, "site %s is DOWN (critical service lost)", sites[i].site);
            if (behind > 0 && len > 0 && (size_t)len < sizeof summary)
                snprintf(summary + len, sizeof summary - (size_t)len, "; %zu public site%s behind it down", behind,
                         behind > 1 ? "s" : "");
            al_fire_site(d, sites[i].site, summary, (double)behind, now);
        } else {
            al_resolve(d, cfg, sites[i].site, "", "site.state", "", "site", now);
        }
    }
    free(sites);
}

static void al_tick_tracks(db *d, const server_config *cfg, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    alert_track_ref *items = NULL;
    size_t n = 0;
    vg_err err;
    al_ok(alert_store_tracks_due(d, &items, &n, &err), &err);
    for (size_t i = 0; i < n; i++) {
        push_sample s;
        memset(&s, 0, sizeof s);
        snprintf(s.device, sizeof s.device, "%s", items[i].device);
        snprintf(s.metric, sizeof s.metric, "%s", items[i].metric);
        snprintf(s.instance, sizeof s.instance, "%s", items[i].instance);
        snprintf(s.unit, sizeof s.unit, "%s", items[i].unit);
        s.value = items[i].value;
        const char *site = items[i].site;
        if (!shard_owns(cfg, site))
            continue;
        alert_track t;
        al_track_load(d, site, s.device, s.metric, s.instance, &t);
        const alert_rule *r = alert_rule_match(a->rules, a->nrules, site, s.device, s.metric, s.instance);
        bool dev = strcmp(s.metric, VOCAB_DEVICE_REACHABLE) == 0;
        int for_s = dev ? 0 : r ? r->for_s : a->default_for;
        al_event ev = alert_track_tick(&t, now, for_s, &a->flap);
        if (ev == AL_EV_NONE && t.flap_event == AL_EV_NONE)
            continue;
        al_track_save(d, site, s.device, s.metric, s.instance, &t, s.value, s.unit);
        al_track_event(d, cfg, site, &s, dev ? "device" : "metric", &t, ev, now);
    }
    free(items);
}

/* A drift alert whose series no rule gives `drift:` any more (the configuration changed) would never be
 * judged again: it is resolved. Open drift alerts are few; the rules are in memory. */
static void al_tick_orphan_drifts(db *d, const server_config *cfg, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    alert_row *rows = NULL;
    size_t n = 0;
    vg_err err;
    if (!al_ok(alert_store_open_of_kind(d, "drift", &rows, &n, &err), &err))
        n = 0;
    for (size_t i = 0; i < n; i++) {
        const alert_rule *r = alert_rule_match(a->rules, a->nrules, rows[i].site, rows[i].device, rows[i].metric,
                                               rows[i].instance);
        if (shard_owns(cfg, rows[i].site) && (!r || !r->drift.on))
            al_resolve(d, cfg, rows[i].site, rows[i].device, rows[i].metric, rows[i].instance, "drift", now);
    }
    free(rows);
}

static size_t al_select(db *d, alert_select which, al_row **out)
{
    size_t n = 0;
    vg_err err;
    if (!al_ok(alert_store_select(d, which, out, &n, &err), &err)) {
        free(*out);
        *out = NULL;
        return 0;
    }
    return n;
}

static void al_tick_notify(db *d, const server_config *cfg, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    vg_err err;
    al_row *rows;
    size_t n = al_select(d, ALERT_SELECT_TO_NOTIFY, &rows);
    /* muted alerts wait (they are notified if still firing when the silence ends) */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) /* and each shard's leader notifies its own sites' alerts */
        if (shard_owns(cfg, rows[i].site) && !al_muted(d, rows[i].site, rows[i].device, now))
            rows[m++] = rows[i];
    const char **sites = calloc(m + 1, sizeof *sites);
    int64_t *fired = calloc(m + 1, sizeof *fired);
    long *group = calloc(m + 1, sizeof *group);
    al_row *g = calloc(m + 1, sizeof *g);
    if (sites && fired && group && g) {
        for (size_t i = 0; i < m; i++) {
            sites[i] = rows[i].site;
            fired[i] = rows[i].fired;
        }
        alert_group_plan(sites, fired, m, now, a->group_wait, group);
        for (size_t i = 0; i < m; i++) {
            if (group[i] != (long)i)
                continue;
            size_t k = 0;
            for (size_t j = i; j < m; j++)
                if (group[j] == (long)i)
                    g[k++] = rows[j];
            al_notify(d, a, g, k, "firing", 0, 0, now);
            for (size_t j = 0; j < k; j++)
                al_ok(alert_store_mark_notified(d, g[j].id, now, &err), &err);
        }
    }
    free(sites);
    free(fired);
    free(group);
    free(g);
    free(rows);
    /* escalation and repeats of notified, unacknowledged alerts */
    n = al_select(d, ALERT_SELECT_NOTIFIED, &rows);
    for (size_t i = 0; i < n; i++) {
        al_row *r = &rows[i];
        if (!shard_owns(cfg, r->site) || al_muted(d, r->site, r->device, now))
            continue;
        /* escalation counts from the first notification: a held or silenced alert starts at the top */
        int lvl = alert_escalation_level(r->first_notified, now, a->escalate_after, (int)a->nchain);
        int repeat = strcmp(r->severity, "critical") == 0 ? a->repeat_critical : a->repeat_warning;
        if (lvl > r->level) {
            log_warn("alerts", "alert #%lld not acknowledged: escalated to %s", (long long)r->id,
                     oncall_level_name(a, lvl));
            al_notify(d, a, r, 1, "escalation", lvl, lvl, now);
            al_ok(alert_store_mark_renotified(d, r->id, lvl, now, &err), &err);
        } else if (alert_repeat_due(r->last_notified, now, repeat)) {
            al_notify(d, a, r, 1, "repeat", r->level, r->level, now);
            al_ok(alert_store_mark_renotified(d, r->id, -1, now, &err), &err);
        }
    }
    free(rows);
}

/* Agents' clocks (skew.c decides): "agent X's clock is N s ahead", per agent, resolved once back. */
static void al_tick_clocks(db *d, const server_config *cfg, int64_t now)
{
    skew_change c[32];
    bool more = true;
    for (int round = 0; more && round < SKEW_AGENTS_MAX / 32 + 1; round++) {
        size_t n = skew_alert_changes(cfg->max_clock_skew, c, sizeof c / sizeof c[0], &more);
        for (size_t i = 0; i < n; i++) {
            if (c[i].level == AL_OK)
                al_resolve(d, cfg, c[i].site, "", "agent.clock", c[i].agent, "clock", now);
            else
                al_fire(d, c[i].site, "", "agent.clock", c[i].agent, "clock", c[i].level, c[i].summary, c[i].skew, "",
                        now);
        }
    }
}

typedef struct {
    db *d;
    const server_config *cfg;
    int64_t started, now;
} al_tick_job;

static vg_code al_tick_tx(void *ctx, vg_err *err)
{
    al_tick_job *j = ctx;
    al_tick_sites(j->d, j->cfg, j->started, j->now);
    al_tick_tracks(j->d, j->cfg, j->now);
    al_tick_orphan_drifts(j->d, j->cfg, j->now);
    al_tick_clocks(j->d, j->cfg, j->now);
    al_ok(alert_store_update_holds(j->d, err), err);
    dependency_hold(j->d, j->cfg, j->now);
    al_tick_notify(j->d, j->cfg, j->now);
    return VG_OK;
}

int alerts_tick(db *d, const server_config *cfg, int64_t started, int64_t now, pthread_mutex_t *lock)
{
    if (lock)
        pthread_mutex_lock(lock);
    al_tick_job job = {d, cfg, started, now};
    vg_err err;
    int rc = db_transaction(d, al_tick_tx, &job, &err) == VG_OK ? 0 : -1;
    if (lock)
        pthread_mutex_unlock(lock);
    return rc;
}

/* ---- API side ------------------------------------------------------------------------------- */

json_t *alerts_list(db *d, const char *site, const char *state, const char *sev, int64_t now)
{
    (void)now;
    alert_row *rows = NULL;
    size_t n = 0;
    vg_err err;
    if (!al_ok(alert_store_list(d, site, state, sev, &rows, &n, &err), &err)) {
        free(rows);
        return NULL;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const alert_row *r = &rows[i];
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I}", "id", (json_int_t)r->id,
                              "site", r->site, "device", r->device, "metric", r->metric, "instance", r->instance,
                              "kind", r->kind, "severity", r->severity, "state", r->state, "summary", r->summary,
                              "value", r->value, "fired", (json_int_t)r->fired);
        if (r->resolved)
            json_object_set_new(o, "resolved", json_integer(r->resolved));
        if (r->ack_at) {
            json_object_set_new(o, "ack_by", json_string(r->ack_by));
            json_object_set_new(o, "ack_comment", json_string(r->ack_comment));
            json_object_set_new(o, "ack_at", json_integer(r->ack_at));
        }
        json_object_set_new(o, "notified", json_boolean(r->notified == 1));
        json_object_set_new(o, "escalation_level", json_integer(r->level));
        if (r->held[0])
            json_object_set_new(o, "held", json_string(r->held));
        json_array_append_new(arr, o);
    }
    free(rows);
    return arr;
}

vg_code alerts_ack(db *d, int64_t id, const char *who, const char *comment, int64_t now, vg_err *err)
{
    vg_code rc = alert_store_ack(d, id, who, comment, now, err);
    if (rc == VG_OK)
        log_info("alerts", "alert #%lld acknowledged by %s%s%s", (long long)id, who, comment && *comment ? ": " : "",
                 comment ? comment : "");
    return rc;
}

vg_code alerts_silence_add(db *d, const char *site, const char *device, int64_t start, int64_t end, const char *reason,
                           const char *who, int64_t now, int64_t *id, vg_err *err)
{
    int64_t sid = 0;
    vg_code rc = alert_store_silence_add(d, site, device, start, end, reason, who, now, &sid, err);
    if (rc != VG_OK)
        return rc;
    if (id)
        *id = sid;
    log_info("alerts", "silence #%lld on %s%s%s by %s", (long long)sid, site, device && *device ? "/" : "",
             device ? device : "", who);
    return VG_OK;
}

vg_code alerts_silence_delete(db *d, int64_t id, vg_err *err) { return alert_store_silence_delete(d, id, err); }

json_t *alerts_silences(db *d, int64_t now)
{
    alert_silence *v = NULL;
    size_t n = 0;
    vg_err err;
    if (!al_ok(alert_store_silences(d, now, &v, &n, &err), &err)) {
        free(v);
        return NULL;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:b}", "id", (json_int_t)v[i].id,
                                             "site", v[i].site, "device", v[i].device, "start", (json_int_t)v[i].start,
                                             "end", (json_int_t)v[i].end, "reason", v[i].reason, "who", v[i].who,
                                             "created", (json_int_t)v[i].created, "active", v[i].start <= now));
    free(v);
    return arr;
}

vg_code alerts_test_notify(db *d, const server_config *cfg, const char *contact, const char *who, int64_t now,
                           int *queued, vg_err *err)
{
    *queued = 0;
    const alerting_config *a = al_cfg(cfg);
    const alert_contact *c = alerting_contact(a, contact);
    if (!c)
        return vg_fail_field(err, VG_E_NOT_FOUND, "contact", "no such contact in alerting.contacts");
    char subject[200], text[300], when[64];
    al_time(now, when, sizeof when);
    snprintf(subject, sizeof subject, "[vigie] TEST notification to %s", c->name);
    snprintf(text, sizeof text, "A test asked by %s at %s.\nNothing to do.", who, when);
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:[]}", "vigie", 1, "event", "test", "site", "", "subject",
                          subject, "text", text, "alerts");
    char *payload = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    /* a test is asked once, of one server: its key only has to be new */
    static atomic_llong tests;
    char key[96];
    snprintf(key, sizeof key, "test:%lld:%ld:%lld", (long long)now, (long)getpid(), (long long)atomic_fetch_add(&tests, 1));
    *queued = al_queue(d, a, 0, (int)(c - a->contacts), "test", subject, text, payload ? payload : "{}", key, now);
    free(payload);
    return VG_OK;
}

size_t alerts_firing_count(db *d, const char *site)
{
    size_t n = 0;
    vg_err err;
    al_ok(alert_store_open_count(d, site, &n, &err), &err);
    return n;
}
