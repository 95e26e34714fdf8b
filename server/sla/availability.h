/* availability: the arithmetic of the SLA, kept apart from storage so that it can be tested on
 * scripted timelines and gives the same figures every time it is run on the same data.
 *
 * A site has services (power, cooling, network, environment); a service is a list of groups that
 * must all be up; a group is up while at least `min_up` of its members are up (k-of-n: Tier III
 * redundancy). A member is a device, or a metric condition (room temperature at most 27 °C), whose
 * health over time is a list of spans. Health ok or degraded counts as up, down as down, unknown
 * (no answer, no data) as unknown: an unreachable management card is not a power cut.

Maintenance: a whole-site window takes its time out of the eligible time of the site and of every
 * service. A window on one service takes that service out of its own eligible time; the site's time
 * stays eligible and the site is judged on its other services meanwhile (concurrent maintenance: the
 * service under work neither takes the site down nor holds it up). When every service is in a window
 * at once, the time is maintenance for the site too (doc/report.md, "Maintenance windows").
 *
 * Coverage: the share of the time outside maintenance that was monitored (known up or down). Below the
 * site's min_coverage a period has no verdict, "insufficient data": neither met nor missed, whatever
 * the unknown policy does with the unknown time.
 *
 * avail_compute() sweeps every change point of the period once and returns the figures the monthly
 * report gives: availability, allowed downtime, downtime, error budget, unknown and maintenance time,
 * incidents with their cause, MTTR, MTBF, and the same per service. */
#ifndef VIGIE_AVAILABILITY_H
#define VIGIE_AVAILABILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { HEALTH_UNKNOWN = 0, HEALTH_OK = 1, HEALTH_DEGRADED = 2, HEALTH_DOWN = 3 } health;
typedef enum { STATE_UNKNOWN = 0, STATE_UP = 1, STATE_DOWN = 2 } avail_state;
typedef enum { UNKNOWN_EXCLUDED = 0, UNKNOWN_AS_UP, UNKNOWN_AS_DOWN } unknown_policy;
typedef enum { AVAIL_VERDICT_INSUFFICIENT = 0, AVAIL_VERDICT_MET, AVAIL_VERDICT_MISSED } avail_verdict;

const char *health_name(health h);
const char *avail_state_name(avail_state s);
int unknown_policy_parse(const char *s, unknown_policy *out);
const char *unknown_policy_name(unknown_policy p);
/* "met", "missed", "insufficient_data" */
const char *avail_verdict_name(avail_verdict v);

#define AVAIL_NAME_MAX 96
#define AVAIL_CAUSE_MAX 160

/* [start, end): the member had health h; spans of a member are sorted and do not overlap. Time not
 * covered by a span is unknown. */
typedef struct {
    int64_t start, end;
    health h;
    char cause[AVAIL_CAUSE_MAX];
} avail_span;

typedef struct {
    char name[AVAIL_NAME_MAX];
    avail_span *spans;
    size_t nspans;
} avail_member;

typedef struct {
    avail_member *members;
    size_t nmembers;
    int min_up;
} avail_group;

typedef struct {
    char name[32];
    avail_group *groups;
    size_t ngroups;
} avail_service;

typedef struct {
    int64_t start, end;
    int64_t occurrence; /* a recurring window's occurrence: its start as the rule gives it; 0 for a one-off */
    char service[32]; /* "" for the whole site */
    char reason[128];
    char who[64];
} avail_window;

typedef struct {
    double target; /* percent, e.g. 99.982 */
    double min_coverage; /* percent of the time outside maintenance that must be monitored for a verdict */
    unknown_policy policy;
    avail_service *services;
    size_t nservices;
    const avail_window *maintenance;
    size_t nmaintenance;
} avail_site;

typedef struct {
    int64_t start, end;     /* the outage, as observed */
    int64_t counted;        /* seconds of it that count (outside maintenance) */
    bool excluded;          /* entirely inside maintenance */
    char services[96];      /* the services that were down, "power, cooling" */
    char cause[AVAIL_CAUSE_MAX * 2];
} avail_incident;

typedef struct {
    int64_t length, maintenance, eligible, uptime, downtime, unknown;
    int64_t monitored;      /* known up or down outside maintenance, before the unknown policy */
    double coverage;        /* percent: monitored / (length - maintenance); NAN when that is 0 */
    avail_verdict verdict;  /* INSUFFICIENT below min_coverage or with nothing eligible */
    double availability;    /* percent; NAN when nothing is eligible */
    double allowed_downtime; /* seconds */
    double budget_consumed; /* percent of the allowed downtime */
    bool target_met;        /* verdict == AVAIL_VERDICT_MET */
    size_t incidents;       /* counted ones */
    double mttr, mtbf;      /* seconds; NAN without incident */
} avail_figures;

typedef struct {
    int64_t from, to;
    avail_figures site;
    avail_figures *services; /* one per site service, same order */
    size_t nservices;
    avail_incident *incidents;
    size_t nincidents;
} avail_result;

/* Computes [from, to). 0, or -1 when out of memory. Free with avail_result_free. */
int avail_compute(const avail_site *site, int64_t from, int64_t to, avail_result *out);
void avail_result_free(avail_result *r);

/* State of a service or of the site at one instant (maintenance not applied). */
avail_state avail_service_state_at(const avail_service *s, int64_t t, char *cause, size_t size);
avail_state avail_site_state_at(const avail_site *site, int64_t t, char *cause, size_t size);

/* Calendar periods in a time zone ("Europe/Paris"): [from, to) in Unix time. Month is 1-12. */
int avail_month_bounds(const char *tz, int year, int month, int64_t *from, int64_t *to);
int avail_year_bounds(const char *tz, int year, int64_t *from, int64_t *to);

#endif
