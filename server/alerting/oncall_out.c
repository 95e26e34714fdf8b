#include "config.h"
#include "alerting/oncall.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What oncall.h's schedule becomes for readers: GET /api/v1/oncall's JSON and the iCalendar export. */

#define OC_WEEK (7 * 86400LL)

static json_t *oc_person_json(const oncall_config *c, int p)
{
    return p < 0 ? json_null() : json_string(c->people[p].name);
}

/* One rotation at `at`: who, since and until when (the stretch of that person, over handovers and
 * overrides that keep them), who is next and the override deciding. */
static json_t *oc_rotation_json(const oncall_config *c, const oncall_rotation *r, const db_oncall_override *ov,
                                size_t nov, int64_t at)
{
    oncall_segment *s = NULL;
    size_t n = 0;
    int64_t from = at - ((int64_t)r->every + 1) * 86400, to = at + ONCALL_ICS_WEEKS * OC_WEEK;
    if (oncall_schedule(c, r, ov, nov, from, to, &s, &n, NULL) != VG_OK)
        return NULL;
    size_t i = 0;
    while (i < n && s[i].end <= at)
        i++;
    int who = i < n ? s[i].person : -1;
    size_t first = i, last = i;
    while (first > 0 && s[first - 1].person == who)
        first--;
    while (last + 1 < n && s[last + 1].person == who)
        last++;
    const db_oncall_override *by = NULL;
    (void)oncall_who(c, r, ov, nov, at, &by);
    char handover[16], start[16];
    snprintf(handover, sizeof handover, "%02d:%02d", r->hour % 24, r->minute % 60);
    snprintf(start, sizeof start, "%04d-%02d-%02d", r->year % 10000, r->month % 100, r->day % 100);
    json_t *o = json_pack("{s:s, s:s, s:o, s:i, s:s, s:s}", "rotation", r->name, "timezone", r->tz, "on_call",
                          oc_person_json(c, who), "every_days", r->every, "handover", handover, "start", start);
    if (!o) {
        free(s);
        return NULL;
    }
    json_object_set_new(o, "since", i < n && first > 0 ? json_integer(s[first].start) : json_null());
    json_object_set_new(o, "until", i < n && last + 1 < n ? json_integer(s[last].end) : json_null());
    json_object_set_new(o, "next", last + 1 < n ? oc_person_json(c, s[last + 1].person) : json_null());
    json_object_set_new(o, "override",
                        by ? json_pack("{s:I, s:s, s:I, s:I, s:s, s:s}", "id", (json_int_t)by->id, "who", by->who,
                                       "start", (json_int_t)by->start, "end", (json_int_t)by->end, "reason",
                                       by->reason, "created_by", by->created_by)
                           : json_null());
    json_t *people = json_array();
    for (size_t k = 0; k < r->npeople; k++)
        json_array_append_new(people, json_string(c->people[r->people[k]].name));
    json_object_set_new(o, "people", people);
    free(s);
    return o;
}

json_t *oncall_json(const oncall_config *c, const db_oncall_override *ov, size_t nov, int64_t at)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && c && i < c->nrotations; i++) {
        json_t *o = oc_rotation_json(c, &c->rotations[i], ov, nov, at);
        if (!o) {
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, o);
    }
    return arr ? json_pack("{s:I, s:o}", "at", (json_int_t)at, "rotations", arr) : NULL;
}

/* libical reads its UTC zone the first time it is asked: once, before threads race for it. */
static icaltimezone *oc_utc;
static void oc_ical_init(void) { oc_utc = icaltimezone_get_utc_timezone(); }

static struct icaltimetype oc_utc_time(int64_t t) { return icaltime_from_timet_with_zone((time_t)t, 0, oc_utc); }

static icalcomponent *oc_event(const oncall_config *c, const oncall_rotation *r, const oncall_segment *s,
                               int64_t now)
{
    char uid[200], summary[200];
    snprintf(uid, sizeof uid, "oncall-%s-%lld@vigie", r->name, (long long)s->start);
    snprintf(summary, sizeof summary, "%s: %s%s", r->name, c->people[s->person].name,
             s->override_id ? " (override)" : "");
    icalcomponent *ev = icalcomponent_new_vevent();
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(oc_utc_time(now)));
    icalcomponent_add_property(ev, icalproperty_new_dtstart(oc_utc_time(s->start)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(oc_utc_time(s->end)));
    icalcomponent_add_property(ev, icalproperty_new_summary(summary));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
    return ev;
}

char *oncall_ics(const oncall_config *c, const oncall_rotation *r, const db_oncall_override *ov, size_t nov,
                 int64_t from, int64_t to, int64_t now)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, oc_ical_init);
    oncall_segment *s = NULL;
    size_t n = 0;
    if (oncall_schedule(c, r, ov, nov, from, to, &s, &n, NULL) != VG_OK)
        return NULL;
    icalcomponent *cal = icalcomponent_new_vcalendar();
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//vigie//on-call " PACKAGE_VERSION "//EN"));
    icalproperty *name = icalproperty_new_x(r->name);
    icalproperty_set_x_name(name, "X-WR-CALNAME");
    icalcomponent_add_property(cal, name);
    for (size_t i = 0; i < n; i++)
        if (s[i].person >= 0)
            icalcomponent_add_component(cal, oc_event(c, r, &s[i], now));
    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    free(s);
    return text;
}
