/* contract_config: server.yaml's `calendars:` and `contracts:` into a contract_set, and the set's
 * accessors. Every error names the file, line, column and key (conf.h). */
#include "config.h"
#include "contract/contract_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const cc_days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}; /* tm_wday order */

struct contract_set *contract_set_new(void)
{
    struct contract_set *set = calloc(1, sizeof *set);
    if (set && !(set->calendars = calloc(1, sizeof *set->calendars))) {
        free(set);
        return NULL;
    }
    if (!set)
        return NULL;
    contract_calendar *c = &set->calendars[0];
    snprintf(c->name, sizeof c->name, CONTRACT_24X7);
    snprintf(c->timezone, sizeof c->timezone, "UTC");
    c->always = true;
    for (int d = 0; d < 7; d++) {
        c->ranges[d][0] = (cal_range){0, CAL_DAY};
        c->nranges[d] = 1;
    }
    set->ncalendars = 1;
    return set;
}

void contract_set_free(struct contract_set *set)
{
    if (!set)
        return;
    free(set->calendars);
    free(set->classes);
    free(set);
}

/* "HH:MM" (24:00 allowed as an end) into seconds since midnight; -1 when malformed. */
static int cc_clock(const char *s, size_t len)
{
    if (len != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 3600 + m * 60;
}

static int cc_range_cmp(const void *a, const void *b)
{
    const cal_range *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

int cal_parse_ranges(const char *s, cal_range *out, size_t max, size_t *n, char *msg, size_t size)
{
    *n = 0;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        size_t len = strcspn(s, " ");
        const char *dash = memchr(s, '-', len);
        int from = dash ? cc_clock(s, (size_t)(dash - s)) : -1;
        int to = dash ? cc_clock(dash + 1, len - (size_t)(dash - s) - 1) : -1;
        if (from < 0 || to < 0 || from >= to || from == CAL_DAY) {
            snprintf(msg, size, "'%.*s' is not a range HH:MM-HH:MM (00:00 to 24:00, start before end)", (int)len, s);
            return -1;
        }
        if (*n == max) {
            snprintf(msg, size, "at most %zu ranges a day", max);
            return -1;
        }
        out[(*n)++] = (cal_range){from, to};
        s += len;
    }
    qsort(out, *n, sizeof *out, cc_range_cmp);
    for (size_t i = 1; i < *n; i++)
        if (out[i].from < out[i - 1].to) {
            snprintf(msg, size, "ranges overlap");
            return -1;
        }
    return 0;
}

int32_t cal_parse_date(const char *s)
{
    int y, m, d;
    char end;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    return y * 10000 + m * 100 + d;
}

int64_t contract_duration_parse(const char *s)
{
    int64_t total = 0;
    if (!s || !*s)
        return -1;
    while (*s) {
        if (!isdigit((unsigned char)*s))
            return -1;
        int64_t v = 0;
        while (isdigit((unsigned char)*s) && v <= 366 * 86400)
            v = v * 10 + (*s++ - '0');
        int64_t unit = *s == 's' ? 1 : *s == 'm' ? 60 : *s == 'h' ? 3600 : *s == 'd' ? 86400 : 0;
        if (!unit || v > 366 * 86400)
            return -1;
        s++;
        total += v * unit;
        if (total > 366 * 86400)
            return -1;
    }
    return total > 0 ? total : -1;
}

int contract_month_parse(const char *s, int *year, int *month)
{
    int y, m;
    char end;
    if (!s || strlen(s) != 7 || s[4] != '-' || !isdigit((unsigned char)s[5]) ||
        sscanf(s, "%4d-%2d%c", &y, &m, &end) != 2 || y < 1970 || y > 9999 || m < 1 || m > 12)
        return -1;
    *year = y;
    *month = m;
    return 0;
}

static int cc_date_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static vg_code cc_hours(const conf_doc *d, const conf_node *n, contract_calendar *c, vg_err *err)
{
    const conf_node *hours = conf_map_get(d, n, "hours");
    vg_code rc;
    if (!hours) { /* every day, all day, in its zone (its holidays still close it) */
        for (int w = 0; w < 7; w++) {
            c->ranges[w][0] = (cal_range){0, CAL_DAY};
            c->nranges[w] = 1;
        }
        return VG_OK;
    }
    static const char *const keys[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};
    if ((rc = conf_check_map(d, hours, "hours", keys, err)))
        return rc;
    for (int w = 0; w < 7; w++) {
        const char *s = NULL;
        char msg[160];
        if ((rc = conf_get_str(d, hours, cc_days[w], false, 200, &s, err)))
            return rc;
        if (s && cal_parse_ranges(s, c->ranges[w], CONTRACT_MAX_RANGES, &c->nranges[w], msg, sizeof msg) != 0)
            return conf_fail(err, d, conf_map_get(d, hours, cc_days[w]), cc_days[w], "%s", msg);
    }
    return VG_OK;
}

static vg_code cc_holidays(const conf_doc *d, const conf_node *n, contract_calendar *c, vg_err *err)
{
    const conf_node *list;
    vg_code rc = conf_get_list(d, n, "holidays", false, 0, CONTRACT_MAX_HOLIDAYS + 1, "entries", &list, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < conf_len(list); i++) {
        const conf_node *item = conf_seq_at(d, list, i);
        const char *s = conf_node_scalar(item);
        int32_t date = s ? cal_parse_date(s) : -1;
        if (s && strcmp(s, "fr") == 0) {
            c->fr = true;
        } else if (date < 0) {
            return conf_fail(err, d, item, "holidays", "'%s' is neither fr nor a date YYYY-MM-DD", s ? s : "");
        } else if (c->ndates == CONTRACT_MAX_HOLIDAYS) {
            return conf_fail(err, d, item, "holidays", "at most %d dates", CONTRACT_MAX_HOLIDAYS);
        } else {
            c->dates[c->ndates++] = date;
        }
    }
    qsort(c->dates, c->ndates, sizeof c->dates[0], cc_date_cmp);
    return VG_OK;
}

static vg_code cc_calendar(const conf_doc *d, const conf_node *key, const conf_node *n, struct contract_set *set,
                           vg_err *err)
{
    static const char *const keys[] = {"timezone", "hours", "holidays", NULL};
    const char *name = conf_node_scalar(key);
    contract_calendar *c = &set->calendars[set->ncalendars];
    vg_code rc;
    memset(c, 0, sizeof *c);
    if (!name || !name_is_valid(name))
        return conf_fail(err, d, key, "calendars", "'%s': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit",
                         name ? name : "");
    if (contract_calendar_find(set, name))
        return conf_fail(err, d, key, "calendars", "'%s' is %s", name,
                         strcmp(name, CONTRACT_24X7) == 0 ? "built in" : "declared twice");
    snprintf(c->name, sizeof c->name, "%s", name);
    if ((rc = conf_check_map(d, n, "calendar", keys, err)) ||
        (rc = conf_get_buf(d, n, "timezone", true, c->timezone, sizeof c->timezone, err)))
        return rc;
    char zone[400];
    struct stat st;
    snprintf(zone, sizeof zone, "/usr/share/zoneinfo/%s", c->timezone);
    if (strstr(c->timezone, "..") || stat(zone, &st) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "timezone"), "timezone", "'%s' is not a known time zone", c->timezone);
    if ((rc = cc_hours(d, n, c, err)) || (rc = cc_holidays(d, n, c, err)))
        return rc;
    set->ncalendars++;
    return VG_OK;
}

static vg_code cc_class(const conf_doc *d, const conf_node *key, const conf_node *n, struct contract_set *set,
                        vg_err *err)
{
    static const char *const keys[] = {"fr", "en", "target", "gtr", "calendar", "penalty_per_hour", "penalty_cap", NULL};
    static const char *const required[] = {"target", "gtr", NULL};
    const char *name = conf_node_scalar(key), *gtr = NULL;
    char calendar[NAME_MAX_LEN + 1] = CONTRACT_24X7;
    contract_class *c = &set->classes[set->nclasses];
    memset(c, 0, sizeof *c);
    c->penalty_cap = -1;
    vg_code rc;
    if (!name || !name_is_valid(name))
        return conf_fail(err, d, key, "contracts", "'%s': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit",
                         name ? name : "");
    if (contract_find(set, name))
        return conf_fail(err, d, key, "contracts", "'%s' is declared twice", name);
    snprintf(c->name, sizeof c->name, "%s", name);
    if ((rc = conf_check_map(d, n, "contract", keys, err)) || (rc = conf_require_keys(d, n, "contract", required, err)) ||
        (rc = conf_get_buf(d, n, "fr", false, c->fr, sizeof c->fr, err)) ||
        (rc = conf_get_buf(d, n, "en", false, c->en, sizeof c->en, err)) ||
        (rc = conf_get_double(d, n, "target", true, &c->target, err)) ||
        (rc = conf_get_str(d, n, "gtr", true, 32, &gtr, err)) ||
        (rc = conf_get_buf(d, n, "calendar", false, calendar, sizeof calendar, err)) ||
        (rc = conf_get_double(d, n, "penalty_per_hour", false, &c->penalty_per_hour, err)) ||
        (rc = conf_get_double(d, n, "penalty_cap", false, &c->penalty_cap, err)))
        return rc;
    if (!(c->target > 0 && c->target <= 100))
        return conf_fail(err, d, conf_map_get(d, n, "target"), "target", "must be a percentage in (0, 100]");
    if ((c->gtr = contract_duration_parse(gtr)) < 0)
        return conf_fail(err, d, conf_map_get(d, n, "gtr"), "gtr",
                         "'%s' is not a duration such as 90s, 30m, 4h, 1d or 2h30m (at most 366 days)", gtr);
    if (!(c->penalty_per_hour >= 0 && isfinite(c->penalty_per_hour)))
        return conf_fail(err, d, conf_map_get(d, n, "penalty_per_hour"), "penalty_per_hour", "must be 0 or more (euros)");
    if (conf_map_get(d, n, "penalty_cap") && !(c->penalty_cap >= 0 && isfinite(c->penalty_cap)))
        return conf_fail(err, d, conf_map_get(d, n, "penalty_cap"), "penalty_cap", "must be 0 or more (euros)");
    if (!(c->calendar = contract_calendar_find(set, calendar)))
        return conf_fail(err, d, conf_map_get(d, n, "calendar"), "calendar", "no calendar '%s' in calendars: (or 24x7)",
                         calendar);
    set->nclasses++;
    return VG_OK;
}

/* One of the two maps: name -> entry, read by f. */
static vg_code cc_section(const conf_doc *d, const conf_node *root, const char *key, size_t max, struct contract_set *set,
                          vg_code (*f)(const conf_doc *, const conf_node *, const conf_node *, struct contract_set *,
                                       vg_err *),
                          vg_err *err)
{
    const conf_node *n = conf_map_get(d, root, key);
    if (!n)
        return VG_OK;
    if (conf_node_kind(n) != CONF_MAP)
        return conf_fail(err, d, n, key, "must be a map of names to entries");
    if (conf_len(n) > max)
        return conf_fail(err, d, n, key, "at most %zu entries", max);
    for (size_t i = 0; i < conf_len(n); i++) {
        vg_code rc = f(d, conf_map_key_at(d, n, i), conf_map_value_at(d, n, i), set, err);
        if (rc)
            return rc;
    }
    return VG_OK;
}

vg_code contract_set_read(struct contract_set *set, const conf_doc *doc, const conf_node *root, vg_err *err)
{
    contract_calendar *cals = realloc(set->calendars, (CONTRACT_MAX_CALENDARS + 1) * sizeof *cals);
    if (!cals)
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", conf_doc_name(doc));
    set->calendars = cals;
    if (!set->classes && !(set->classes = calloc(CONTRACT_MAX_CLASSES, sizeof *set->classes)))
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", conf_doc_name(doc));
    vg_code rc = cc_section(doc, root, "calendars", CONTRACT_MAX_CALENDARS, set, cc_calendar, err);
    return rc ? rc : cc_section(doc, root, "contracts", CONTRACT_MAX_CLASSES, set, cc_class, err);
}

size_t contract_set_count(const struct contract_set *set) { return set ? set->nclasses : 0; }

const contract_class *contract_set_at(const struct contract_set *set, size_t i)
{
    return set && i < set->nclasses ? &set->classes[i] : NULL;
}

const contract_class *contract_find(const struct contract_set *set, const char *name)
{
    for (size_t i = 0; set && name && i < set->nclasses; i++)
        if (strcmp(set->classes[i].name, name) == 0)
            return &set->classes[i];
    return NULL;
}

const contract_calendar *contract_calendar_find(const struct contract_set *set, const char *name)
{
    for (size_t i = 0; set && name && i < set->ncalendars; i++)
        if (strcmp(set->calendars[i].name, name) == 0)
            return &set->calendars[i];
    return NULL;
}

const char *contract_name(const contract_class *c) { return c->name; }

const char *contract_label(const contract_class *c, const char *lang)
{
    bool en = lang && strcmp(lang, "en") == 0;
    const char *first = en ? c->en : c->fr, *second = en ? c->fr : c->en;
    return first[0] ? first : second[0] ? second : c->name;
}

double contract_target(const contract_class *c) { return c->target; }
int64_t contract_gtr(const contract_class *c) { return c->gtr; }
double contract_penalty_per_hour(const contract_class *c) { return c->penalty_per_hour; }
double contract_penalty_cap(const contract_class *c) { return c->penalty_cap; }
const contract_calendar *contract_calendar_of(const contract_class *c) { return c->calendar; }
