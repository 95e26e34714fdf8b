#include "config.h"
#include "alerting/oncall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* alerting.oncall: people and rotations (oncall.h). */

static vg_code oc_zone(const conf_doc *d, const conf_node *n, char *tz, size_t size, vg_err *err)
{
    vg_code rc = conf_get_buf(d, n, "timezone", false, tz, size, err);
    if (rc || !tz[0])
        return rc;
    char path[200];
    struct stat st;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    if (strstr(tz, "..") || tz[0] == '/' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return conf_fail(err, d, conf_map_get(d, n, "timezone"), "timezone", "'%s' is not a known time zone", tz);
    return VG_OK;
}

static vg_code oc_person(const conf_doc *d, const conf_node *n, const alerting_config *a, oncall_person *p,
                         vg_err *err)
{
    static const char *const keys[] = {"name", "contacts", NULL};
    static const char *const req[] = {"name", "contacts", NULL};
    const conf_node *cl;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "person", keys, err)) || (rc = conf_require_keys(d, n, "person", req, err)) ||
        (rc = conf_get_buf(d, n, "name", true, p->name, sizeof p->name, err)) ||
        (rc = conf_check_name(d, n, "name", p->name, err)) ||
        (rc = conf_get_list(d, n, "contacts", true, 1, ONCALL_PERSON_CONTACTS, "contact names", &cl, err)))
        return rc;
    for (size_t i = 0; i < conf_len(cl); i++) {
        const char *name = conf_node_scalar(conf_seq_at(d, cl, i));
        const alert_contact *c = name ? alerting_contact(a, name) : NULL;
        if (!c)
            return conf_fail(err, d, conf_seq_at(d, cl, i), "contacts", "no contact '%s' in alerting.contacts",
                             name ? name : "?");
        p->contacts[p->ncontacts++] = (int)(c - a->contacts);
    }
    return VG_OK;
}

/* "7d", "2w", or a number of days. */
static vg_code oc_every(const conf_doc *d, const conf_node *n, int *days, vg_err *err)
{
    const conf_node *v = conf_map_get(d, n, "every");
    const char *s = v ? conf_node_scalar(v) : NULL;
    if (!v)
        return VG_OK;
    char *end = NULL;
    long k = s ? strtol(s, &end, 10) : 0;
    long mult = end && (!*end || strcmp(end, "d") == 0) ? 1 : end && strcmp(end, "w") == 0 ? 7 : 0;
    if (!s || end == s || mult == 0 || k < 1 || k * mult > ONCALL_MAX_EVERY)
        return conf_fail(err, d, v, "every", "must be a number of days or weeks: 7d, 14d, 1w (1 to %d days)",
                         ONCALL_MAX_EVERY);
    *days = (int)(k * mult);
    return VG_OK;
}

/* The weekday (0 Sunday) of a name, English or French; -1 when none. */
static int oc_weekday(const char *s, size_t len)
{
    static const char *const en[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
    static const char *const fr[] = {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"};
    for (int i = 0; i < 7; i++)
        if ((strlen(en[i]) == len && strncasecmp(s, en[i], len) == 0) ||
            (strlen(fr[i]) == len && strncasecmp(s, fr[i], len) == 0))
            return i;
    return -1;
}

/* "[Weekday ]HH:MM": *wday -1 when no day is named. */
static vg_code oc_handover(const conf_doc *d, const conf_node *n, oncall_rotation *r, int *wday, vg_err *err)
{
    *wday = -1;
    const conf_node *v = conf_map_get(d, n, "handover");
    if (!v)
        return VG_OK;
    const char *s = conf_node_scalar(v);
    const char *sp = s ? strchr(s, ' ') : NULL;
    const char *hm = sp ? sp + 1 : s;
    int h = -1, m = -1, used = 0;
    if (s && sp)
        *wday = oc_weekday(s, (size_t)(sp - s));
    if (!s || (sp && *wday < 0) || sscanf(hm, "%2d:%2d%n", &h, &m, &used) != 2 || hm[used] || h < 0 || h > 23 ||
        m < 0 || m > 59)
        return conf_fail(err, d, v, "handover", "must be HH:MM or a weekday and HH:MM (\"Monday 09:00\")");
    r->hour = h;
    r->minute = m;
    return VG_OK;
}

static vg_code oc_start(const conf_doc *d, const conf_node *n, oncall_rotation *r, vg_err *err)
{
    const conf_node *v = conf_map_get(d, n, "start");
    const char *s = conf_node_scalar(v);
    int y = 0, mo = 0, dd = 0, used = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &dd, &used) != 3 || s[used] || y < 1970 || y > 9999 || mo < 1 ||
        mo > 12 || dd < 1 || dd > mdays[mo - 1] ||
        (mo == 2 && dd == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
        return conf_fail(err, d, v, "start", "must be a date YYYY-MM-DD (the first handover's day)");
    r->year = y;
    r->month = mo;
    r->day = dd;
    return VG_OK;
}

/* With a weekday, the first handover is that day on or after start: the date moves forward to it. */
static void oc_align(oncall_rotation *r, int wday)
{
    if (wday < 0)
        return;
    /* the weekday of a civil date (Sakamoto's method): pure arithmetic, no zone involved */
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    int y = r->month < 3 ? r->year - 1 : r->year;
    int w = (y + y / 4 - y / 100 + y / 400 + t[r->month - 1] + r->day) % 7;
    struct tm tm = {.tm_year = r->year - 1900, .tm_mon = r->month - 1, .tm_mday = r->day + (wday - w + 7) % 7,
                    .tm_hour = 12};
    time_t tt = timegm(&tm);
    gmtime_r(&tt, &tm);
    r->year = tm.tm_year + 1900;
    r->month = tm.tm_mon + 1;
    r->day = tm.tm_mday;
}

static vg_code oc_rotation(const conf_doc *d, const conf_node *n, const alerting_config *a, const oncall_config *c,
                           const char *zone, oncall_rotation *r, vg_err *err)
{
    static const char *const keys[] = {"name", "people", "every", "start", "handover", "timezone", NULL};
    static const char *const req[] = {"name", "people", "start", NULL};
    const conf_node *pl;
    int wday;
    r->every = 7;
    r->hour = 9;
    snprintf(r->tz, sizeof r->tz, "%s", zone);
    vg_code rc;
    if ((rc = conf_check_map(d, n, "rotation", keys, err)) || (rc = conf_require_keys(d, n, "rotation", req, err)) ||
        (rc = conf_get_buf(d, n, "name", true, r->name, sizeof r->name, err)) ||
        (rc = conf_check_name(d, n, "name", r->name, err)) ||
        (rc = conf_get_list(d, n, "people", true, 1, ONCALL_MAX_MEMBERS, "people", &pl, err)) ||
        (rc = oc_every(d, n, &r->every, err)) || (rc = oc_start(d, n, r, err)) ||
        (rc = oc_handover(d, n, r, &wday, err)) || (rc = oc_zone(d, n, r->tz, sizeof r->tz, err)))
        return rc;
    if (alerting_contact(a, r->name))
        return conf_fail(err, d, conf_map_get(d, n, "name"), "name",
                         "'%s' is a contact's name too: alerting.chain could not tell them apart", r->name);
    if (wday >= 0 && r->every % 7)
        return conf_fail(err, d, conf_map_get(d, n, "handover"), "handover",
                         "names a weekday, so every must be a number of weeks (7d, 14d), not %d days", r->every);
    oc_align(r, wday);
    for (size_t i = 0; i < conf_len(pl); i++) {
        const char *name = conf_node_scalar(conf_seq_at(d, pl, i));
        int p = name ? oncall_person_find(c, name) : -1;
        if (p < 0)
            return conf_fail(err, d, conf_seq_at(d, pl, i), "people", "no person '%s' in alerting.oncall.people",
                             name ? name : "?");
        r->people[r->npeople++] = p;
    }
    return VG_OK;
}

static vg_code oc_read(const conf_doc *d, const conf_node *n, const alerting_config *a, oncall_config *c, vg_err *err)
{
    static const char *const keys[] = {"timezone", "people", "rotations", NULL};
    static const char *const req[] = {"people", "rotations", NULL};
    char zone[64] = "";
    const conf_node *pl, *rl;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "oncall", keys, err)) || (rc = conf_require_keys(d, n, "oncall", req, err)) ||
        (rc = oc_zone(d, n, zone, sizeof zone, err)) ||
        (rc = conf_get_list(d, n, "people", true, 1, ONCALL_MAX_PEOPLE, "people", &pl, err)) ||
        (rc = conf_get_list(d, n, "rotations", true, 1, ONCALL_MAX_ROTATIONS, "rotations", &rl, err)))
        return rc;
    c->people = calloc(conf_len(pl), sizeof *c->people);
    c->rotations = calloc(conf_len(rl), sizeof *c->rotations);
    if (!c->people || !c->rotations)
        return conf_fail_code(err, VG_E_NOMEM, d, n, "oncall", "out of memory");
    for (size_t i = 0; i < conf_len(pl); i++) {
        oncall_person p = {0};
        if ((rc = oc_person(d, conf_seq_at(d, pl, i), a, &p, err)))
            return rc;
        if (oncall_person_find(c, p.name) >= 0)
            return conf_fail(err, d, conf_seq_at(d, pl, i), "name", "person '%s' is declared twice", p.name);
        c->people[c->npeople++] = p;
    }
    for (size_t i = 0; i < conf_len(rl); i++) {
        oncall_rotation r = {0};
        if ((rc = oc_rotation(d, conf_seq_at(d, rl, i), a, c, zone, &r, err)))
            return rc;
        if (oncall_rotation_find(c, r.name))
            return conf_fail(err, d, conf_seq_at(d, rl, i), "name", "rotation '%s' is declared twice", r.name);
        c->rotations[c->nrotations++] = r;
    }
    return VG_OK;
}

vg_code oncall_config_read(const conf_doc *d, const conf_node *n, const alerting_config *a, oncall_config **out,
                           vg_err *err)
{
    *out = NULL;
    if (!n)
        return VG_OK;
    oncall_config *c = calloc(1, sizeof *c);
    if (!c)
        return conf_fail_code(err, VG_E_NOMEM, d, n, "oncall", "out of memory");
    vg_code rc = oc_read(d, n, a, c, err);
    if (rc) {
        oncall_config_free(c);
        return rc;
    }
    *out = c;
    return VG_OK;
}

void oncall_config_free(oncall_config *c)
{
    if (!c)
        return;
    free(c->people);
    free(c->rotations);
    free(c);
}

void oncall_config_default_zone(oncall_config *c, const char *tz)
{
    for (size_t i = 0; c && i < c->nrotations; i++)
        if (!c->rotations[i].tz[0])
            snprintf(c->rotations[i].tz, sizeof c->rotations[i].tz, "%s", tz && *tz ? tz : "Europe/Paris");
}

const oncall_rotation *oncall_rotation_find(const oncall_config *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->nrotations; i++)
        if (strcmp(c->rotations[i].name, name) == 0)
            return &c->rotations[i];
    return NULL;
}

int oncall_person_find(const oncall_config *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->npeople; i++)
        if (strcmp(c->people[i].name, name) == 0)
            return (int)i;
    return -1;
}
