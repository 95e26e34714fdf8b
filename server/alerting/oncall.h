/* oncall: on-call rotations — who answers the pager now.
 *
 * server.yaml's alerting.oncall (oncall_config.c) names people (each reached through contacts of
 * alerting.contacts) and rotations: an ordered list of people, each on call for `every` days in turn
 * from `start`, the pager changing hands at a local time ("Monday 09:00") in the rotation's zone. The
 * handover keeps its local time across a DST change: its UTC instant moves, as the people expect.
 * Overrides (holidays, swaps: store/db_oncall.h) put someone else on call over a period; where several
 * cover an instant, the latest created wins. A level of alerting.chain may name a rotation: it reaches
 * whoever is on call at the time of the notification, then the next level as for a contact.
 *
 * The computations are pure functions of the configuration, the overrides and an instant, so that the
 * tests fake the clock; only oncall_resolve_level() reads the database. */
#ifndef VIGIE_ONCALL_H
#define VIGIE_ONCALL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "alerting/alert_config.h"
#include "conf.h"
#include "store/db.h"
#include "store/db_oncall.h"

#define ONCALL_MAX_PEOPLE 200
#define ONCALL_MAX_ROTATIONS 32
#define ONCALL_MAX_MEMBERS 64     /* people of one rotation */
#define ONCALL_PERSON_CONTACTS 4  /* contacts of one person */
#define ONCALL_MAX_EVERY 365      /* days of one shift, at most */
#define ONCALL_ICS_WEEKS 8        /* the span of the iCalendar export */

typedef struct {
    char name[NAME_MAX_LEN + 1];
    int contacts[ONCALL_PERSON_CONTACTS]; /* indexes into alerting.contacts */
    size_t ncontacts;
} oncall_person;

typedef struct {
    char name[NAME_MAX_LEN + 1];
    int people[ONCALL_MAX_MEMBERS]; /* indexes into oncall_config.people, in turn */
    size_t npeople;
    int every;                      /* days of a shift */
    int year, month, day;           /* the local date of the first handover (month 1-12) */
    int hour, minute;               /* the handover's local time */
    char tz[64];                    /* its zone ("" until oncall_config_default_zone) */
} oncall_rotation;

typedef struct oncall_config {
    oncall_person *people;
    size_t npeople;
    oncall_rotation *rotations;
    size_t nrotations;
} oncall_config;

/* Reads alerting.oncall (n may be NULL: *out NULL, no rotation); contacts are a's, already read.
 * file:line:column: key errors. */
vg_code oncall_config_read(const conf_doc *d, const conf_node *n, const alerting_config *a, oncall_config **out,
                           vg_err *err);
void oncall_config_free(oncall_config *c);
/* Gives the rotations without a timezone (theirs or alerting.oncall's) this one: the first site's. */
void oncall_config_default_zone(oncall_config *c, const char *tz);
/* NULL when c has no such rotation (c may be NULL). */
const oncall_rotation *oncall_rotation_find(const oncall_config *c, const char *name);
/* The index of person name in c->people, -1 when none. */
int oncall_person_find(const oncall_config *c, const char *name);

/* The instant shift k of r starts (k 0 at the first handover), at r's local handover time. */
int64_t oncall_shift_start(const oncall_rotation *r, long k);
/* The shift that covers t, -1 before the first handover. */
long oncall_shift_at(const oncall_rotation *r, int64_t t);

/* Who is on call in r at t (an index into c->people, -1: nobody, before the rotation starts): the
 * latest created of the overrides of r covering t whose person c knows, else the shift's person.
 * *by (may be NULL) gets that override, NULL when the rotation decides. */
int oncall_who(const oncall_config *c, const oncall_rotation *r, const db_oncall_override *ov, size_t nov,
               int64_t t, const db_oncall_override **by);

/* One stretch of a rotation's schedule with the overrides applied: one person over [start, end). */
typedef struct {
    int64_t start, end;
    int person;          /* -1: nobody */
    int64_t override_id; /* 0: the rotation's own shift */
} oncall_segment;

/* The schedule of r over [from, to): its stretches in order, cut at each handover and each override's
 * bounds, at most max (*out malloc'd; VG_E_NOMEM). */
vg_code oncall_schedule(const oncall_config *c, const oncall_rotation *r, const db_oncall_override *ov, size_t nov,
                        int64_t from, int64_t to, oncall_segment **out, size_t *n, vg_err *err);

/* The contacts (indexes into a->contacts) that chain level `level` reaches at now: the fixed contact,
 * or those of whoever is on call in the level's rotation (ov: overrides, any rotation). *who (may be
 * NULL) gets the person's name ("" for a fixed contact or nobody). Returns how many, at most max. */
size_t oncall_level_contacts(const alerting_config *a, int level, const db_oncall_override *ov, size_t nov,
                             int64_t now, int *out, size_t max, char *who, size_t wsize);
/* The same, reading the overrides that cover now from d; a database error is logged and the rotation
 * alone decides (a pager must still ring). */
size_t oncall_resolve_level(db *d, const alerting_config *a, int level, int64_t now, int *out, size_t max,
                            char *who, size_t wsize);
/* The name of chain level `level` for logs: its contact's or its rotation's. */
const char *oncall_level_name(const alerting_config *a, int level);

/* GET /api/v1/oncall's answer at `at`: each rotation with who is on call, until when, who is next and
 * the override deciding (ov: the overrides overlapping [at, at + ONCALL_ICS_WEEKS)). NULL: no memory. */
json_t *oncall_json(const oncall_config *c, const db_oncall_override *ov, size_t nov, int64_t at);
/* The schedule of r over [from, to) as an iCalendar document, one VEVENT per stretch with someone on
 * call (malloc'd; NULL: no memory). */
char *oncall_ics(const oncall_config *c, const oncall_rotation *r, const db_oncall_override *ov, size_t nov,
                 int64_t from, int64_t to, int64_t now);

#endif
