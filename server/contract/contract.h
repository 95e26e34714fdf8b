/* contract: the contract classes of the public sites, their calendars and the GTR arithmetic.
 *
 * A contract class (server.yaml `contracts:`) has a monthly availability target, a guaranteed time
 * to restore (GTR) counted on a calendar (`calendars:`: business hours per weekday in a time zone,
 * public holidays; "24x7" is built in) and an optional penalty per started hour beyond the GTR,
 * capped per site per month. The calendar functions are pure arithmetic on Unix time, DST-correct
 * through lib/timeutil.h, so that they can be tested against hand-computed figures (gtr_test.c).
 *
 * contract_report_build() turns a month of a contract's public sites (their outages from the store,
 * as avail_compute() gives them) into the content of the délégataire's report: incidents against the
 * GTR, breaches, penalties split between NRO failures and single links, per-commune totals and the
 * availability per site, worst first. No formatting here: the API, the CLI and server/report render
 * it (doc/report.md, "GTR"). */
#ifndef VIGIE_CONTRACT_H
#define VIGIE_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"
#include "names.h"
#include "config/server_config.h"
#include "store/db.h"

struct contract_set;
typedef struct contract_calendar contract_calendar;
typedef struct contract_class contract_class;

#define CONTRACT_MAX_CLASSES 64
#define CONTRACT_MAX_CALENDARS 32
#define CONTRACT_MAX_HOLIDAYS 366     /* explicit dates of one calendar */
#define CONTRACT_MAX_RANGES 8         /* opening ranges of one weekday */
#define CONTRACT_LABEL_MAX 128
#define CONTRACT_24X7 "24x7"

/* ---- the set (owned by server_config: cfg->contracts, always set) ---- */

/* An empty set that knows only the built-in "24x7" calendar. NULL when out of memory. */
struct contract_set *contract_set_new(void);
void contract_set_free(struct contract_set *set);
/* Reads `calendars:` then `contracts:` of server.yaml's root map (both optional) into set. Errors are
 * "server.yaml:LINE:COL: key 'k': ..." (conf.h). */
vg_code contract_set_read(struct contract_set *set, const conf_doc *doc, const conf_node *root, vg_err *err);

size_t contract_set_count(const struct contract_set *set);
const contract_class *contract_set_at(const struct contract_set *set, size_t i); /* in file order */
const contract_class *contract_find(const struct contract_set *set, const char *name); /* NULL: none */
const contract_calendar *contract_calendar_find(const struct contract_set *set, const char *name);

const char *contract_name(const contract_class *c);
/* The label in "fr" or "en" (the other one, then the name, when it has none). */
const char *contract_label(const contract_class *c, const char *lang);
double contract_target(const contract_class *c);          /* percent, in (0, 100] */
int64_t contract_gtr(const contract_class *c);            /* seconds, > 0 */
double contract_penalty_per_hour(const contract_class *c); /* euros per started hour, >= 0 */
double contract_penalty_cap(const contract_class *c);     /* euros per site per month; < 0: no cap */
const contract_calendar *contract_calendar_of(const contract_class *c);

/* ---- calendars ---- */

const char *contract_calendar_name(const contract_calendar *cal);
const char *contract_calendar_timezone(const contract_calendar *cal); /* "UTC" for 24x7 */
bool contract_calendar_is_24x7(const contract_calendar *cal);
/* Whether the local date (year, month 1-12, day) is a holiday of the calendar. */
bool contract_calendar_is_holiday(const contract_calendar *cal, int year, int month, int day);
/* Counted seconds of the calendar in [a, b) (0 when b <= a). */
int64_t contract_calendar_counted(const contract_calendar *cal, int64_t a, int64_t b);
/* The GTR deadline: the first open instant at which the counted time since t has reached d seconds
 * (d >= 0). When it is reached at a closing time, that is the next opening (Friday 18:00 -> Monday
 * 08:00), so that a restoration is a breach exactly when it comes after the deadline. With d = 0 it
 * is t itself in open hours, else the next opening. INT64_MAX when no opening is found within ten
 * years (a calendar with no hours). */
int64_t contract_calendar_deadline(const contract_calendar *cal, int64_t t, int64_t d);
/* Easter Sunday of a Gregorian year (the anonymous algorithm): *month 3 or 4, *day. */
void contract_easter(int year, int *month, int *day);

/* "30m", "4h", "1d", "90s", "2h30m" into seconds (> 0, at most 366 days). -1 when malformed. */
int64_t contract_duration_parse(const char *s);
/* "2026-05" into year and month 1-12. -1 when malformed. */
int contract_month_parse(const char *s, int *year, int *month);

/* The penalty of an overrun: ceil(overrun / 3600) × per_hour, before any cap. */
double contract_penalty(int64_t overrun, double per_hour);

/* ---- the month of a contract ---- */

typedef struct {
    char site[NAME_MAX_LEN + 1];
    int64_t start;
    int64_t restored;      /* the restoration; 0 when ongoing at the period's end (or now) */
    int64_t duration;      /* restored (or the period's end / now) - start, seconds */
    int64_t gtr_deadline;
    bool breach;           /* not restored by the deadline */
    int64_t overrun;       /* counted calendar seconds from the deadline to the restoration (or end) */
    double penalty;        /* euros, after the site's monthly cap */
    char attributed_to[NAME_MAX_LEN + 1]; /* the NRO it is attributed to, "" for a single link */
    char cause[320];
} contract_incident;

typedef struct {
    char id[NAME_MAX_LEN + 1];
    char name[128];
    char commune[64];
    char category[32];
    char nro[NAME_MAX_LEN + 1];
    double availability;   /* percent over the month (so far); NAN when nothing is eligible */
    double coverage;       /* percent monitored; NAN when nothing is eligible */
    bool target_met;       /* availability >= the contract's target, with enough coverage */
    int64_t downtime;      /* counted downtime, seconds */
    size_t incidents, breaches, attributed;
    double penalty, penalty_nro, penalty_link; /* euros, capped */
    bool capped;           /* the cap cut its penalties */
} contract_site_row;

typedef struct {
    char commune[64];
    size_t sites, incidents, breaches;
    double penalty, penalty_nro, penalty_link;
    int64_t downtime;
    double availability;   /* percent: the communes's summed uptime / eligible time; NAN when none */
} contract_commune_row;

typedef struct {
    size_t sites, incidents, breaches, attributed;
    double penalty, penalty_nro, penalty_link;
} contract_totals;

typedef struct {
    char contract[NAME_MAX_LEN + 1];
    const contract_class *cls;   /* points into cfg->contracts: lives as long as the configuration */
    int year, month;
    int64_t from, to;            /* the month in the calendar's zone (display only: each site uses its own) */
    int64_t now;                 /* the instant ongoing incidents are measured to, when inside the month */
    contract_site_row *sites;    /* worst first: availability ascending (NAN last), then by id */
    size_t nsites;
    contract_incident *incidents; /* by start, then site */
    size_t nincidents;
    contract_commune_row *communes; /* by commune name */
    size_t ncommunes;
    contract_totals totals;
} contract_report;

/* The GTR figures of an incident whose site, start and restored (0: ongoing) are set: duration,
 * gtr_deadline, overrun, breach and penalty (before the cap), measured to `end` when ongoing. */
void contract_incident_judge(const contract_class *c, contract_incident *in, int64_t end);
/* Applies the monthly cap of one site to its n incidents of the month, in order of start: the
 * penalties past the cap are cut (the incident that crosses it keeps the rest). Whether it cut any. */
bool contract_incidents_cap(const contract_class *c, contract_incident *in, size_t n);

/* Builds the month (1-12) of contract `name` from the store: every public site of that contract, or
 * only `site` when not NULL. VG_E_NOT_FOUND (field "contract" or "site") for an unknown name or a
 * site that is not a public site of that contract, VG_E_INVALID (field "month") for a bad month. */
vg_code contract_report_build(db *d, const server_config *cfg, const char *name, int year, int month,
                              const char *site, int64_t now, contract_report **out, vg_err *err);
/* The same for the sites that admit admits only (NULL: all), a caller's scope: the others are left out
 * of every row and total, a site it does not admit is unknown, and a contract of which it admits no
 * site is unknown too (VG_E_NOT_FOUND, field "contract"). */
typedef bool (*contract_site_filter)(const void *arg, const server_config *cfg, const char *site);
vg_code contract_report_build_scoped(db *d, const server_config *cfg, const char *name, int year, int month,
                                     const char *site, contract_site_filter admit, const void *admit_arg, int64_t now,
                                     contract_report **out, vg_err *err);
void contract_report_free(contract_report *r);

#endif
