/* skew: how far each agent's clock is from the server's, and what that changes.
 *
 * At every push the agent sends its wall clock in the PUSH_CLOCK_HEADER request header (push.h), taken
 * when the request is sent, not when the batch was made, so that a batch replayed from the spool is
 * not taken for a skew. The server notes skew = agent clock - server clock (positive: the agent is
 * ahead) per agent, in memory only (there is no agents table; the next push measures it again), under
 * a mutex of its own: ingest threads note, /metrics, /api/v1/status, health and the alert timer read.
 *
 *   measure   skew_note() at ingest; skew_get(), skew_list() for the API and /metrics
 *   refusals  batches refused for their samples' times (409, "retry": "clock"), counted per agent;
 *             skew_refused() says when such a refusal is due a log line (once per agent every 10 min)
 *   alert     past server.yaml max_clock_skew (30 s by default) an agent's clock is a warning alert,
 *             past the ingest window (PUSH_MAX_AHEAD) a critical one, since its data is refused; it
 *             resolves once the skew is back under 80 % of max_clock_skew (alerts.c raises them)
 *   silence   skew_fresh(): a device's data is fresh when its agent delivered it lately (server's
 *             receive time) and its time is recent on the agent's own clock: an agent whose clock is
 *             behind but keeps pushing is not silent; an agent that stops is, whatever its clock says.
 *
 * The pure judgements (skew_parse_clock, skew_judge, skew_fresh, skew_summary) take no lock and hold
 * no state: tests/unit/clock_test.c. */
#ifndef VIGIE_SKEW_H
#define VIGIE_SKEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "alerting/rules.h"
#include "names.h"

#define SKEW_ALERT_DEFAULT 30   /* server.yaml max_clock_skew, seconds */
#define SKEW_ALERT_MAX 86400
#define SKEW_AGENTS_MAX 2000    /* SERVER_MAX_AGENTS: an agent past it is not measured */
#define SKEW_LOG_EVERY 600      /* a refusal for time is logged once per agent in this many seconds */

typedef struct {
    char agent[NAME_MAX_LEN + 1];
    char site[NAME_MAX_LEN + 1];
    double skew;            /* agent clock - server clock, seconds */
    int64_t measured;       /* server time of the last measure, 0: never measured */
    unsigned long refused;  /* batches refused for their times since the server started */
    int64_t refused_at;     /* server time of the last one */
} skew_entry;

/* The value of PUSH_CLOCK_HEADER: Unix seconds, digits with an optional fraction of at most 9
 * digits, between 1 and 2^33. false for anything else (the header is the agent's word only). */
bool skew_parse_clock(const char *value, double *out);

/* Notes agent's skew, measured at server time now (site: the agent's, for alerts). */
void skew_note(const char *agent, const char *site, double skew, int64_t now);
/* A refusal for time: counted; *log_due says whether it is due a log line (SKEW_LOG_EVERY). */
void skew_refused(const char *agent, const char *site, int64_t now, bool *log_due);
/* The entry of agent; false when it has none. */
bool skew_get(const char *agent, skew_entry *out);
/* Copies at most max entries (agents in the order they were first seen): their number. */
size_t skew_list(skew_entry *out, size_t max);
/* Batches refused for their times, all agents together. */
unsigned long skew_refused_total(void);
/* The agent's present as its own clock has it: now + its skew (now when not measured). */
int64_t skew_agent_now(const char *agent, int64_t now);

/* Whether data of time ts, received (server time, 0: unknown) from an agent of this skew, is fresh
 * at server time now: received within stale_after, and ts within stale_after of the agent's now. */
bool skew_fresh(int64_t ts, int64_t received, double skew, int64_t now, int64_t stale_after);

/* The level of a skew under threshold seconds, knowing the active one (hysteresis: a level is left
 * once the skew is back under 80 % of its bound). */
al_level skew_judge(double skew, int threshold, al_level active);
/* "agent nro-1's clock is 42 s ahead of the server's" (behind), for the alert. */
void skew_summary(const char *agent, double skew, char *out, size_t size);

/* What became of the agents' clock alerts since the last call: each agent whose level changed, or
 * that is judged for the first time since the server started (so that an alert left open by a
 * previous run is resolved). At most max; *more set when some wait for the next call. */
typedef struct {
    char agent[NAME_MAX_LEN + 1];
    char site[NAME_MAX_LEN + 1];
    double skew;
    al_level level;
    char summary[224];
} skew_change;
size_t skew_alert_changes(int threshold, skew_change *out, size_t max, bool *more);

/* The agents as JSON for /api/v1/status and /api/v1/devices: [{"agent", "site", "clock_skew" (s, null
 * before a measure), "measured", "clock_refused"}], NULL when out of memory. */
json_t *skew_agents_json(void);

/* Forgets everything (tests). */
void skew_reset(void);

#endif
