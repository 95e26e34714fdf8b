#include "config.h"
#include "vocab_names.h"
#include "alerting/alerts.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerting/alert_config.h"
#include "log.h"

/* ---- SQL helpers ---------------------------------------------------------------------------- */

/* Prepares sql and binds the arguments described by fmt: s text, i int64, d double. */
static sqlite3_stmt *al_prep(db *d, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db_sqlite(d), sql, -1, &st, NULL) != SQLITE_OK) {
        log_error("alerts", "sql: %s", sqlite3_errmsg(db_sqlite(d)));
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt && fmt[i]; i++) {
        switch (fmt[i]) {
        case 's': sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT); break;
        case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
        case 'd': sqlite3_bind_double(st, i + 1, va_arg(ap, double)); break;
        }
    }
    va_end(ap);
    return st;
}

/* Runs a statement to its end; sqlite3_changes() or -1. */
static int al_done(db *d, sqlite3_stmt *st)
{
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("alerts", "sql: %s", sqlite3_errmsg(db_sqlite(d)));
        return -1;
    }
    return sqlite3_changes(db_sqlite(d));
}

static const char *al_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static void al_time(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M %Z", &tm);
}

static const alerting_config *al_cfg(const server_config *cfg)
{
    static alerting_config none;
    static bool init;
    if (cfg && cfg->alerting)
        return cfg->alerting;
    if (!init) {
        alerting_config_defaults(&none);
        init = true;
    }
    return &none;
}

/* ---- notifications queue -------------------------------------------------------------------- */

/* Queues one message to every channel of a contact. */
static void al_queue(db *d, const alerting_config *a, int64_t alert_id, int contact, const char *event,
                     const char *subject, const char *text, const char *payload, int64_t now)
{
    if (contact < 0 || (size_t)contact >= a->ncontacts)
        return;
    const alert_contact *c = &a->contacts[contact];
    const char *channels[3][2] = {{"webhook", c->webhook}, {"sms", c->sms}, {"email", c->email}};
    for (int i = 0; i < 3; i++) {
        if (!channels[i][1][0])
            continue;
        al_done(d, al_prep(d,
                           "INSERT INTO notifications(alert_id, contact, channel, target, event, subject, body, payload,"
                           " status, next_attempt, created) VALUES(?,?,?,?,?,?,?,?,'pending',?,?)",
                           "isssssssii", alert_id, c->name, channels[i][0], channels[i][1], event, subject, text,
                           payload, now, now));
    }
}

/* Whether notifications about (site, device) are muted now: a silence or a maintenance window. */
static bool al_muted(db *d, const char *site, const char *device, int64_t now)
{
    sqlite3_stmt *st = al_prep(d,
                               "SELECT COUNT(*) FROM silences WHERE site = ? AND (device = '' OR device = ?)"
                               " AND start <= ? AND end > ?",
                               "ssii", site, device, now, now);
    bool muted = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (muted)
        return true;
    avail_window *w = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    if (db_maintenance_list(d, site, now, now + 1, &w, &n, &ids) == 0 && n > 0)
        muted = true;
    free(w);
    free(ids);
    return muted;
}

/* ---- messages ------------------------------------------------------------------------------- */

typedef struct {
    int64_t id, fired;
    char site[NAME_MAX_LEN + 1], device[NAME_MAX_LEN + 1], metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1], kind[16], severity[16], state[16], summary[400];
    double value;
    int level;
    int64_t last_notified, first_notified;
} al_row;

#define AL_COLS "id, site, device, metric, instance, kind, severity, state, summary, value, fired, level, last_notified," \
                " first_notified"

static void al_row_read(sqlite3_stmt *st, al_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    snprintf(r->site, sizeof r->site, "%s", al_col(st, 1));
    snprintf(r->device, sizeof r->device, "%s", al_col(st, 2));
    snprintf(r->metric, sizeof r->metric, "%s", al_col(st, 3));
    snprintf(r->instance, sizeof r->instance, "%s", al_col(st, 4));
    snprintf(r->kind, sizeof r->kind, "%s", al_col(st, 5));
    snprintf(r->severity, sizeof r->severity, "%s", al_col(st, 6));
    snprintf(r->state, sizeof r->state, "%s", al_col(st, 7));
    snprintf(r->summary, sizeof r->summary, "%s", al_col(st, 8));
    r->value = sqlite3_column_double(st, 9);
    r->fired = sqlite3_column_int64(st, 10);
    r->level = sqlite3_column_int(st, 11);
    r->last_notified = sqlite3_column_int64(st, 12);
    r->first_notified = sqlite3_column_int64(st, 13);
}

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
    size_t cap = 256 + n * 600, len = 0;
    char *t = malloc(cap);
    json_t *arr = json_array();
    t[0] = '\0';
    for (size_t i = 0; i < n && t; i++) {
        char since[64];
        al_time(rows[i].fired, since, sizeof since);
        len += (size_t)snprintf(t + len, cap - len, "#%lld %s %s\nsince %s\n", (long long)rows[i].id,
                                strcmp(event, "resolved") == 0 ? "resolved" : rows[i].severity, rows[i].summary, since);
        if (len >= cap)
            len = cap - 1;
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I}", "id",
                                             (json_int_t)rows[i].id, "site", rows[i].site, "device", rows[i].device,
                                             "metric", rows[i].metric, "instance", rows[i].instance, "kind",
                                             rows[i].kind, "severity", rows[i].severity, "summary", rows[i].summary,
                                             "value", rows[i].value, "fired", (json_int_t)rows[i].fired));
    }
    if (t && strcmp(event, "resolved") != 0 && n > 0)
        snprintf(t + len, cap - len, "ack: vigie ack %lld", (long long)rows[0].id);
    *text = t ? t : strdup("");
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o}", "vigie", 1, "event", event, "site", n ? rows[0].site : "",
                          "subject", subject, "text", *text, "alerts", arr);
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
    for (int l = from; l <= to && l < (int)a->nchain; l++)
        al_queue(d, a, rows[0].id, a->chain[l], event, subject, text, payload ? payload : "{}", now);
    free(text);
    free(payload);
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static int64_t al_find_open(db *d, const char *site, const char *device, const char *metric, const char *instance,
                            const char *kind, al_row *out)
{
    sqlite3_stmt *st = al_prep(d,
                               "SELECT " AL_COLS " FROM alerts WHERE site = ? AND device = ? AND metric = ?"
                               " AND instance = ? AND kind = ? AND state != 'resolved' ORDER BY id DESC LIMIT 1",
                               "sssss", site, device, metric, instance, kind);
    int64_t id = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        al_row_read(st, out);
        id = out->id;
    }
    sqlite3_finalize(st);
    return id;
}

static void al_fire(db *d, const char *site, const char *device, const char *metric, const char *instance,
                    const char *kind, al_level level, const char *summary, double value, const char *held, int64_t now)
{
    al_row r;
    int64_t id = al_find_open(d, site, device, metric, instance, kind, &r);
    const char *sev = al_level_name(level);
    if (id) {
        if (strcmp(r.severity, sev) == 0)
            return;
        /* worse: a new notification (and back to firing if it was acknowledged) */
        bool worse = level == AL_CRITICAL;
        al_done(d, al_prep(d,
                           worse ? "UPDATE alerts SET severity = ?, summary = ?, value = ?, state = 'firing',"
                                   " notified = 0 WHERE id = ?"
                                 : "UPDATE alerts SET severity = ?, summary = ?, value = ? WHERE id = ?",
                           "ssdi", sev, summary, value, id));
        log_info("alerts", "alert #%lld %s %s is now %s", (long long)id, site, summary, sev);
        return;
    }
    al_done(d, al_prep(d,
                       "INSERT INTO alerts(site, device, metric, instance, kind, severity, state, summary, value, fired,"
                       " held) VALUES(?,?,?,?,?,?,'firing',?,?,?,?)",
                       "sssssssdis", site, device, metric, instance, kind, sev, summary, value, now, held));
    log_info("alerts", "alert #%lld fired: %s %s (%s)", (long long)sqlite3_last_insert_rowid(db_sqlite(d)), site,
             summary, sev);
}

static void al_resolve(db *d, const server_config *cfg, const char *site, const char *device, const char *metric,
                       const char *instance, const char *kind, int64_t now)
{
    al_row r;
    sqlite3_stmt *st = al_prep(d, "SELECT notified FROM alerts WHERE site = ? AND device = ? AND metric = ?"
                                  " AND instance = ? AND kind = ? AND state != 'resolved' ORDER BY id DESC LIMIT 1",
                               "sssss", site, device, metric, instance, kind);
    int notified = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (!al_find_open(d, site, device, metric, instance, kind, &r))
        return;
    al_done(d, al_prep(d, "UPDATE alerts SET state = 'resolved', resolved = ? WHERE id = ?", "ii", now, r.id));
    log_info("alerts", "alert #%lld resolved: %s %s", (long long)r.id, site, r.summary);
    if (notified == 1 && !al_muted(d, site, device, now))
        al_notify(d, al_cfg(cfg), &r, 1, "resolved", 0, r.level, now);
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

/* cache: NULL, or where to keep the prepared statement between calls (caller finalizes it). */
static bool al_track_load(db *d, sqlite3_stmt **cache, const char *site, const char *device, const char *metric,
                          const char *instance, alert_track *t)
{
    memset(t, 0, sizeof *t);
    sqlite3_stmt *st = cache ? *cache : NULL;
    if (st) {
        sqlite3_reset(st);
        const char *v[] = {site, device, metric, instance};
        for (int i = 0; i < 4; i++)
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
    } else {
        st = al_prep(d, "SELECT active, pending, pending_since, changes, flapping FROM alert_tracks"
                        " WHERE site = ? AND device = ? AND metric = ? AND instance = ?",
                     "ssss", site, device, metric, instance);
        if (cache)
            *cache = st;
    }
    bool found = false;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        found = true;
        t->active = (al_level)sqlite3_column_int(st, 0);
        t->pending = (al_level)sqlite3_column_int(st, 1);
        t->pending_since = sqlite3_column_int64(st, 2);
        const char *p = al_col(st, 3);
        for (int i = 0; i < AL_FLAP_MAX && *p; i++) {
            char *end;
            t->changes[i] = strtoll(p, &end, 10);
            if (end == p)
                break;
            p = end;
        }
        t->flapping = sqlite3_column_int(st, 4) != 0;
    }
    if (cache)
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
    return found;
}

static void al_track_save(db *d, const char *site, const char *device, const char *metric, const char *instance,
                          const alert_track *t, double value, const char *unit)
{
    char changes[AL_FLAP_MAX * 21 + 1] = "";
    size_t len = 0;
    for (int i = 0; i < AL_FLAP_MAX && t->changes[i]; i++)
        len += (size_t)snprintf(changes + len, sizeof changes - len, "%s%lld", i ? " " : "", (long long)t->changes[i]);
    al_done(d, al_prep(d,
                       "INSERT OR REPLACE INTO alert_tracks(site, device, metric, instance, active, pending,"
                       " pending_since, changes, flapping, value, unit) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                       "ssssiiisids", site, device, metric, instance, (int64_t)t->active, (int64_t)t->pending,
                       t->pending_since, changes, (int64_t)t->flapping, value, unit));
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

int alerts_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    if (sqlite3_exec(db_sqlite(d), "SAVEPOINT alerts_ingest", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    al_done(d, al_prep(d, "INSERT OR REPLACE INTO alert_sites(site, last_push) VALUES(?, ?)", "si", site, now));
    al_resolve(d, cfg, site, "", "agent.heartbeat", "", "heartbeat", now);
    sqlite3_stmt *load = NULL;
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        const char *kind = "metric";
        int for_s = a->default_for;
        bool reach = strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0;
        const alert_rule *r = reach ? NULL : alert_rule_match(a->rules, a->nrules, site, s->device, s->metric, s->instance);
        if (!reach && !r && s->sev != SEV_OK && s->sev != SEV_WARNING && s->sev != SEV_CRITICAL)
            continue; /* nothing judges this series */
        alert_track t;
        bool known = al_track_load(d, &load, site, s->device, s->metric, s->instance, &t);
        al_level level;
        if (reach) {
            level = s->value >= 1 ? AL_OK : AL_CRITICAL;
            kind = "device";
            for_s = 0;
        } else if (r) {
            level = alert_rule_judge(r, s->value, t.active);
            for_s = r->for_s;
        } else if (s->sev == SEV_OK || s->sev == SEV_WARNING || s->sev == SEV_CRITICAL) {
            level = (al_level)s->sev;
        } else {
            continue;
        }
        if (!known && level == AL_OK)
            continue; /* nothing to remember about a series that has always been fine */
        al_event ev = alert_track_observe(&t, level, s->ts, for_s, &a->flap);
        al_track_save(d, site, s->device, s->metric, s->instance, &t, s->value, s->unit);
        al_track_event(d, cfg, site, s, kind, &t, ev, now);
    }
    sqlite3_finalize(load);
    if (sqlite3_exec(db_sqlite(d), "RELEASE alerts_ingest", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(db_sqlite(d), "ROLLBACK TO alerts_ingest", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* ---- the timer ------------------------------------------------------------------------------ */

typedef struct {
    int64_t id;
    char channel[16], target[512], contact[NAME_MAX_LEN + 1], subject[600];
    char *body, *payload;
    int attempts;
    int rc;
    char why[512];
} al_delivery;

static void al_tick_sites(db *d, const server_config *cfg, int64_t started, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    sqlite3_stmt *st = al_prep(d, "SELECT site, last_push FROM alert_sites", NULL);
    char (*sites)[NAME_MAX_LEN + 1] = NULL;
    int64_t *last = NULL;
    size_t n = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        void *p1 = realloc(sites, (n + 1) * sizeof *sites), *p2 = realloc(last, (n + 1) * sizeof *last);
        if (p1)
            sites = p1;
        if (p2)
            last = p2;
        if (!p1 || !p2)
            break;
        snprintf(sites[n], sizeof sites[n], "%s", al_col(st, 0));
        last[n++] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        char summary[400], when[64];
        if (alert_heartbeat_lost(last[i] > started ? last[i] : started, now, cfg->step, a->heartbeat_steps)) {
            al_time(last[i], when, sizeof when);
            snprintf(summary, sizeof summary, "site %s unreachable: no push from its agent since %s", sites[i], when);
            al_fire(d, sites[i], "", "agent.heartbeat", "", "heartbeat", AL_CRITICAL, summary, (double)last[i], "", now);
        }
        char state[32] = "";
        db_event_last_before(d, sites[i], "site", sites[i], now + 1, state, sizeof state);
        if (strcmp(state, "down") == 0) {
            snprintf(summary, sizeof summary, "site %s is DOWN (critical service lost)", sites[i]);
            al_fire(d, sites[i], "", "site.state", "", "site", AL_CRITICAL, summary, 0, "", now);
        } else {
            al_resolve(d, cfg, sites[i], "", "site.state", "", "site", now);
        }
    }
    free(sites);
    free(last);
}

static void al_tick_tracks(db *d, const server_config *cfg, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    sqlite3_stmt *st = al_prep(d, "SELECT site, device, metric, instance, value, unit FROM alert_tracks"
                                  " WHERE pending > active OR flapping = 1", NULL);
    typedef struct {
        char site[NAME_MAX_LEN + 1];
        push_sample s;
    } item;
    item *items = NULL;
    size_t n = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        item *p = realloc(items, (n + 1) * sizeof *items);
        if (!p)
            break;
        items = p;
        memset(&items[n], 0, sizeof items[n]);
        snprintf(items[n].site, sizeof items[n].site, "%s", al_col(st, 0));
        snprintf(items[n].s.device, sizeof items[n].s.device, "%s", al_col(st, 1));
        snprintf(items[n].s.metric, sizeof items[n].s.metric, "%s", al_col(st, 2));
        snprintf(items[n].s.instance, sizeof items[n].s.instance, "%s", al_col(st, 3));
        items[n].s.value = sqlite3_column_double(st, 4);
        snprintf(items[n].s.unit, sizeof items[n].s.unit, "%s", al_col(st, 5));
        n++;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        push_sample *s = &items[i].s;
        alert_track t;
        al_track_load(d, NULL, items[i].site, s->device, s->metric, s->instance, &t);
        const alert_rule *r = alert_rule_match(a->rules, a->nrules, items[i].site, s->device, s->metric, s->instance);
        bool dev = strcmp(s->metric, VOCAB_DEVICE_REACHABLE) == 0;
        int for_s = dev ? 0 : r ? r->for_s : a->default_for;
        al_event ev = alert_track_tick(&t, now, for_s, &a->flap);
        if (ev == AL_EV_NONE && t.flap_event == AL_EV_NONE)
            continue;
        al_track_save(d, items[i].site, s->device, s->metric, s->instance, &t, s->value, s->unit);
        al_track_event(d, cfg, items[i].site, s, dev ? "device" : "metric", &t, ev, now);
    }
    free(items);
}

/* Holds: an alert waiting for its first notification is held behind its site's heartbeat alert, or
 * (metric alerts) behind its device's unreachability. */
static void al_tick_holds(db *d)
{
    al_done(d, al_prep(d,
                       "UPDATE alerts SET held = CASE"
                       " WHEN kind IN ('metric', 'device', 'flapping') AND EXISTS(SELECT 1 FROM alerts h WHERE"
                       "  h.site = alerts.site AND h.kind = 'heartbeat' AND h.state != 'resolved') THEN 'site unreachable'"
                       " WHEN kind IN ('metric', 'flapping') AND EXISTS(SELECT 1 FROM alerts h WHERE h.site = alerts.site"
                       "  AND h.device = alerts.device AND h.kind = 'device' AND h.state != 'resolved')"
                       "  THEN 'device unreachable'"
                       " WHEN held = 'flapping' THEN 'flapping' ELSE '' END"
                       " WHERE state = 'firing' AND notified = 0",
                       NULL));
}

static size_t al_select(db *d, const char *sql, al_row **out)
{
    sqlite3_stmt *st = al_prep(d, sql, NULL);
    size_t n = 0;
    *out = NULL;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        al_row *p = realloc(*out, (n + 1) * sizeof **out);
        if (!p)
            break;
        *out = p;
        al_row_read(st, &p[n++]);
    }
    sqlite3_finalize(st);
    return n;
}

static void al_tick_notify(db *d, const server_config *cfg, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    al_row *rows;
    size_t n = al_select(d, "SELECT " AL_COLS " FROM alerts WHERE state = 'firing' AND notified = 0 AND held = ''"
                            " ORDER BY site, id", &rows);
    /* muted alerts wait (they are notified if still firing when the silence ends) */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!al_muted(d, rows[i].site, rows[i].device, now))
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
                al_done(d, al_prep(d, "UPDATE alerts SET notified = 1, last_notified = ?1, first_notified = ?1, level = 0"
                                      " WHERE id = ?2", "ii", now, g[j].id));
        }
    }
    free(sites);
    free(fired);
    free(group);
    free(g);
    free(rows);
    /* escalation and repeats of notified, unacknowledged alerts */
    n = al_select(d, "SELECT " AL_COLS " FROM alerts WHERE state = 'firing' AND notified = 1", &rows);
    for (size_t i = 0; i < n; i++) {
        al_row *r = &rows[i];
        if (al_muted(d, r->site, r->device, now))
            continue;
        /* escalation counts from the first notification: a held or silenced alert starts at the top */
        int lvl = alert_escalation_level(r->first_notified, now, a->escalate_after, (int)a->nchain);
        int repeat = strcmp(r->severity, "critical") == 0 ? a->repeat_critical : a->repeat_warning;
        if (lvl > r->level) {
            log_warn("alerts", "alert #%lld not acknowledged: escalated to %s", (long long)r->id,
                     a->contacts[a->chain[lvl]].name);
            al_notify(d, a, r, 1, "escalation", lvl, lvl, now);
            al_done(d, al_prep(d, "UPDATE alerts SET level = ?, last_notified = ? WHERE id = ?", "iii", (int64_t)lvl,
                               now, r->id));
        } else if (alert_repeat_due(r->last_notified, now, repeat)) {
            al_notify(d, a, r, 1, "repeat", r->level, r->level, now);
            al_done(d, al_prep(d, "UPDATE alerts SET last_notified = ? WHERE id = ?", "ii", now, r->id));
        }
    }
    free(rows);
}

static size_t al_due(db *d, int64_t now, al_delivery **out)
{
    sqlite3_stmt *st = al_prep(d,
                               "SELECT id, channel, target, contact, subject, body, payload, attempts FROM notifications"
                               " WHERE status IN ('pending', 'retrying') AND next_attempt <= ? ORDER BY id LIMIT 50",
                               "i", now);
    size_t n = 0;
    *out = NULL;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        al_delivery *p = realloc(*out, (n + 1) * sizeof **out);
        if (!p)
            break;
        *out = p;
        al_delivery *x = &p[n++];
        memset(x, 0, sizeof *x);
        x->id = sqlite3_column_int64(st, 0);
        snprintf(x->channel, sizeof x->channel, "%s", al_col(st, 1));
        snprintf(x->target, sizeof x->target, "%s", al_col(st, 2));
        snprintf(x->contact, sizeof x->contact, "%s", al_col(st, 3));
        snprintf(x->subject, sizeof x->subject, "%s", al_col(st, 4));
        x->body = strdup(al_col(st, 5));
        x->payload = strdup(al_col(st, 6));
        x->attempts = sqlite3_column_int(st, 7);
    }
    sqlite3_finalize(st);
    return n;
}

int alerts_tick(db *d, const server_config *cfg, const notify_env *env, int64_t started, int64_t now,
                pthread_mutex_t *lock)
{
    const alerting_config *a = al_cfg(cfg);
    if (lock)
        pthread_mutex_lock(lock);
    int rc = 0;
    if (sqlite3_exec(db_sqlite(d), "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
        al_tick_sites(d, cfg, started, now);
        al_tick_tracks(d, cfg, now);
        al_tick_holds(d);
        al_tick_notify(d, cfg, now);
        if (sqlite3_exec(db_sqlite(d), "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_exec(db_sqlite(d), "ROLLBACK", NULL, NULL, NULL);
            rc = -1;
        }
    } else {
        rc = -1;
    }
    al_delivery *due;
    size_t n = al_due(d, now, &due);
    if (lock)
        pthread_mutex_unlock(lock);
    for (size_t i = 0; i < n; i++) {
        const alert_contact *c = alerting_contact(a, due[i].contact);
        notify_env e = env ? *env : (notify_env){0};
        e.cfg = a;
        due[i].rc = notify_send(&e, due[i].channel, due[i].target, c ? c->format : "generic", due[i].subject,
                                due[i].body, due[i].payload, due[i].why, sizeof due[i].why);
    }
    if (lock)
        pthread_mutex_lock(lock);
    for (size_t i = 0; i < n; i++) {
        al_delivery *x = &due[i];
        int attempts = x->attempts + 1;
        if (x->rc == 0) {
            log_info("alerts", "notification #%lld sent to %s by %s", (long long)x->id, x->contact, x->channel);
            al_done(d, al_prep(d, "UPDATE notifications SET status = 'sent', attempts = ?, sent = ?, last_error = ''"
                                  " WHERE id = ?", "iii", (int64_t)attempts, now, x->id));
        } else if (attempts >= a->max_attempts) {
            log_error("alerts", "notification #%lld to %s by %s FAILED after %d attempts: %s", (long long)x->id,
                      x->contact, x->channel, attempts, x->why);
            al_done(d, al_prep(d, "UPDATE notifications SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                               "isi", (int64_t)attempts, x->why, x->id));
        } else {
            int delay = alert_retry_delay(attempts, a->retry_delay);
            log_warn("alerts", "notification #%lld to %s by %s failed (%s): retry in %d s", (long long)x->id,
                     x->contact, x->channel, x->why, delay);
            al_done(d, al_prep(d, "UPDATE notifications SET status = 'retrying', attempts = ?, last_error = ?,"
                                  " next_attempt = ? WHERE id = ?",
                               "isii", (int64_t)attempts, x->why, now + delay, x->id));
        }
        free(x->body);
        free(x->payload);
    }
    if (lock)
        pthread_mutex_unlock(lock);
    free(due);
    return rc;
}

/* ---- API side ------------------------------------------------------------------------------- */

json_t *alerts_list(db *d, const char *site, const char *state, const char *sev, int64_t now)
{
    (void)now;
    sqlite3_stmt *st = al_prep(d,
                               "SELECT id, site, device, metric, instance, kind, severity, state, summary, value, fired,"
                               " resolved, ack_by, ack_comment, ack_at, notified, last_notified, level, held FROM alerts"
                               " WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR state = ?2)"
                               " AND (?3 IS NULL OR severity = ?3) ORDER BY id DESC LIMIT 1000",
                               NULL);
    if (!st)
        return NULL;
    if (site)
        sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
    if (state)
        sqlite3_bind_text(st, 2, state, -1, SQLITE_TRANSIENT);
    if (sev)
        sqlite3_bind_text(st, 3, sev, -1, SQLITE_TRANSIENT);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I}", "id",
                              (json_int_t)sqlite3_column_int64(st, 0), "site", al_col(st, 1), "device", al_col(st, 2),
                              "metric", al_col(st, 3), "instance", al_col(st, 4), "kind", al_col(st, 5), "severity",
                              al_col(st, 6), "state", al_col(st, 7), "summary", al_col(st, 8), "value",
                              sqlite3_column_double(st, 9), "fired", (json_int_t)sqlite3_column_int64(st, 10));
        if (sqlite3_column_int64(st, 11))
            json_object_set_new(o, "resolved", json_integer(sqlite3_column_int64(st, 11)));
        if (sqlite3_column_int64(st, 14)) {
            json_object_set_new(o, "ack_by", json_string(al_col(st, 12)));
            json_object_set_new(o, "ack_comment", json_string(al_col(st, 13)));
            json_object_set_new(o, "ack_at", json_integer(sqlite3_column_int64(st, 14)));
        }
        json_object_set_new(o, "notified", json_boolean(sqlite3_column_int(st, 15) == 1));
        json_object_set_new(o, "escalation_level", json_integer(sqlite3_column_int(st, 17)));
        if (al_col(st, 18)[0])
            json_object_set_new(o, "held", json_string(al_col(st, 18)));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(st);
    return arr;
}

int alerts_ack(db *d, int64_t id, const char *who, const char *comment, int64_t now)
{
    int n = al_done(d, al_prep(d,
                               "UPDATE alerts SET state = 'acknowledged', ack_by = ?, ack_comment = ?, ack_at = ?"
                               " WHERE id = ? AND state = 'firing'",
                               "ssii", who, comment ? comment : "", now, id));
    if (n > 0)
        log_info("alerts", "alert #%lld acknowledged by %s%s%s", (long long)id, who, comment && *comment ? ": " : "",
                 comment ? comment : "");
    return n < 0 ? -1 : n > 0;
}

int64_t alerts_silence_add(db *d, const char *site, const char *device, int64_t start, int64_t end, const char *reason,
                           const char *who, int64_t now)
{
    if (al_done(d, al_prep(d,
                           "INSERT INTO silences(site, device, start, end, reason, who, created) VALUES(?,?,?,?,?,?,?)",
                           "ssiissi", site, device ? device : "", start, end, reason ? reason : "", who, now)) < 0)
        return -1;
    int64_t id = sqlite3_last_insert_rowid(db_sqlite(d));
    log_info("alerts", "silence #%lld on %s%s%s by %s", (long long)id, site, device && *device ? "/" : "",
             device ? device : "", who);
    return id;
}

int alerts_silence_delete(db *d, int64_t id)
{
    int n = al_done(d, al_prep(d, "DELETE FROM silences WHERE id = ?", "i", id));
    return n < 0 ? -1 : n > 0;
}

json_t *alerts_silences(db *d, int64_t now)
{
    sqlite3_stmt *st = al_prep(d, "SELECT id, site, device, start, end, reason, who, created FROM silences"
                                  " WHERE end > ? ORDER BY start",
                               "i", now);
    if (!st)
        return NULL;
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:b}", "id",
                                             (json_int_t)sqlite3_column_int64(st, 0), "site", al_col(st, 1), "device",
                                             al_col(st, 2), "start", (json_int_t)sqlite3_column_int64(st, 3), "end",
                                             (json_int_t)sqlite3_column_int64(st, 4), "reason", al_col(st, 5), "who",
                                             al_col(st, 6), "created", (json_int_t)sqlite3_column_int64(st, 7),
                                             "active", sqlite3_column_int64(st, 3) <= now));
    sqlite3_finalize(st);
    return arr;
}

int alerts_test_notify(db *d, const server_config *cfg, const char *contact, const char *who, int64_t now)
{
    const alerting_config *a = al_cfg(cfg);
    const alert_contact *c = alerting_contact(a, contact);
    if (!c)
        return -1;
    char subject[200], text[300], when[64];
    al_time(now, when, sizeof when);
    snprintf(subject, sizeof subject, "[vigie] TEST notification to %s", c->name);
    snprintf(text, sizeof text, "A test asked by %s at %s.\nNothing to do.", who, when);
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:[]}", "vigie", 1, "event", "test", "site", "", "subject",
                          subject, "text", text, "alerts");
    char *payload = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    sqlite3_stmt *st = al_prep(d, "SELECT COUNT(*) FROM notifications", NULL);
    int before = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    al_queue(d, a, 0, (int)(c - a->contacts), "test", subject, text, payload ? payload : "{}", now);
    free(payload);
    st = al_prep(d, "SELECT COUNT(*) FROM notifications", NULL);
    int after = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return after - before;
}

size_t alerts_firing_count(db *d, const char *site)
{
    sqlite3_stmt *st = al_prep(d, "SELECT COUNT(*) FROM alerts WHERE state != 'resolved' AND (?1 IS NULL OR site = ?1)",
                               NULL);
    if (!st)
        return 0;
    if (site)
        sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
    size_t n = sqlite3_step(st) == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
}
