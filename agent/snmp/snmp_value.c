#include "config.h"
#include "snmp/snmp_value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"

int oid_parse(const char *text, oid *out, size_t max, size_t *len)
{
    const char *s = text;
    size_t n = 0;
    if (!s)
        return -1;
    if (*s == '.')
        s++;
    while (*s) {
        if (!isdigit((unsigned char)*s) || n >= max)
            return -1;
        unsigned long long v = 0;
        while (isdigit((unsigned char)*s)) {
            v = v * 10 + (unsigned long long)(*s++ - '0');
            if (v > 0xffffffffULL)
                return -1;
        }
        out[n++] = (oid)v;
        if (*s == '.') {
            s++;
            if (!*s)
                return -1; /* trailing dot */
        } else if (*s) {
            return -1;
        }
    }
    if (n < 2)
        return -1;
    *len = n;
    return 0;
}

void oid_format(const oid *o, size_t len, char *buf, size_t size)
{
    size_t p = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < len && p < size; i++) {
        int w = snprintf(buf + p, size - p, ".%lu", (unsigned long)o[i]);
        if (w < 0)
            break;
        p += (size_t)w;
    }
}

bool oid_has_prefix(const oid *o, size_t len, const oid *prefix, size_t plen)
{
    return len >= plen && memcmp(o, prefix, plen * sizeof(oid)) == 0;
}

int snmp_value_decode(const netsnmp_variable_list *vb, raw_value *out)
{
    memset(out, 0, sizeof *out);
    out->asn_type = vb->type;
    switch (vb->type) {
    case ASN_INTEGER:
        out->kind = RAW_NUMBER;
        out->number = (double)*vb->val.integer;
        return 0;
    case ASN_COUNTER:
    case ASN_GAUGE:
    case ASN_TIMETICKS:
    case ASN_UINTEGER:
        out->kind = RAW_NUMBER;
        /* Net-SNMP stores these in a long; only the low 32 bits are the value */
        out->counter = (uint64_t)(*vb->val.integer & 0xffffffffUL);
        out->number = (double)out->counter;
        return 0;
    case ASN_COUNTER64: {
        out->kind = RAW_NUMBER;
        out->counter = ((uint64_t)vb->val.counter64->high << 32) | (uint64_t)vb->val.counter64->low;
        out->number = (double)out->counter;
        return 0;
    }
    case ASN_OCTET_STR:
    case ASN_IPADDRESS:
    case ASN_OPAQUE: {
        size_t n = vb->val_len < RAW_STR_MAX - 1 ? vb->val_len : RAW_STR_MAX - 1;
        out->kind = RAW_STRING;
        if (n && vb->val.string)
            memcpy(out->str, vb->val.string, n);
        out->str[n] = '\0';
        out->str_len = n;
        return 0;
    }
    case ASN_OBJECT_ID: {
        out->kind = RAW_STRING;
        oid_format(vb->val.objid, vb->val_len / sizeof(oid), out->str, sizeof out->str);
        out->str_len = strlen(out->str);
        return 0;
    }
    default: /* SNMP_NOSUCHOBJECT, SNMP_NOSUCHINSTANCE, SNMP_ENDOFMIBVIEW, ASN_NULL */
        out->kind = RAW_NONE;
        return -1;
    }
}

/* "23.5", " 23.5 C", "-1" → number; "N/A", "", "abc" → not a number. */
static bool sv_parse_number(const char *s, double *out)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v))
        return false;
    /* a unit after the number is tolerated ("23.5 C", "50Hz", "12%"); other characters are not
     * ("81.2.3", "12/5"), since they mean the text is not one number */
    while (isspace((unsigned char)*end))
        end++;
    if (*end == '.' && isalpha((unsigned char)end[1]))
        end++; /* ".C": a degree sign some agents turn into a dot ("27.84 .C") */
    if (*end && !isalpha((unsigned char)*end) && *end != '%' && (unsigned char)*end < 0x80)
        return false;
    *out = v;
    return true;
}

/* type last_number: the text's last number, for agents that print one quantity in two units and the
 * precise one last: "0.03 mW (-14.61 dBm)" → -14.61. */
static bool sv_last_number(const char *s, double *out)
{
    bool found = false;
    while (*s) {
        if (isdigit((unsigned char)*s) || ((*s == '-' || *s == '+' || *s == '.') && isdigit((unsigned char)s[1]))) {
            char *end;
            errno = 0;
            double v = strtod(s, &end);
            if (end == s)
                break;
            if (!errno && isfinite(v)) {
                *out = v;
                found = true;
            }
            s = end;
        } else {
            s++;
        }
    }
    return found;
}

int snmp_value_list_index(const prof_values *vals, const raw_value *raw)
{
    for (size_t i = 0; i < vals->count; i++) {
        const prof_value *v = &vals->items[i];
        if (v->is_string) {
            if (raw->kind == RAW_STRING && strcmp(raw->str, v->str) == 0)
                return (int)i;
        } else {
            double num;
            if (raw->kind == RAW_NUMBER && raw->number == v->num)
                return (int)i;
            if (raw->kind == RAW_STRING && sv_parse_number(raw->str, &num) && num == v->num)
                return (int)i;
        }
    }
    return -1;
}

bool snmp_value_in_list(const prof_values *vals, const raw_value *raw) { return snmp_value_list_index(vals, raw) >= 0; }

bool snmp_value_number(const raw_value *raw, double *out)
{
    if (raw->kind == RAW_NUMBER) {
        *out = raw->number;
        return true;
    }
    return raw->kind == RAW_STRING && sv_parse_number(raw->str, out);
}

static const prof_enum_entry *sv_enum_lookup(const prof_enum *en, const raw_value *raw, double num,
                                             bool have_num)
{
    for (size_t i = 0; i < en->count; i++) {
        const prof_enum_entry *e = &en->entries[i];
        if (e->is_string ? (raw->kind == RAW_STRING && strcmp(raw->str, e->code_str) == 0)
                         : (have_num && num == (double)e->code))
            return e;
    }
    return en->has_default ? &en->dflt : NULL;
}

static severity sv_health(const prof_metric *m, double v)
{
    if ((m->has_crit_below && v < m->crit_below) || (m->has_crit_above && v > m->crit_above))
        return SEV_CRITICAL;
    if ((m->has_warn_below && v < m->warn_below) || (m->has_warn_above && v > m->warn_above))
        return SEV_WARNING;
    return SEV_OK;
}

static bool sv_hex_number(const raw_value *raw, double *out)
{
    if (raw->kind != RAW_STRING || raw->str_len == 0 || raw->str_len > 8)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < raw->str_len; i++)
        v = (v << 8) | (unsigned char)raw->str[i];
    *out = (double)v;
    return true;
}

/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static int64_t sv_days(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* type date: "MM/DD/YYYY" or "MM/DD/YY" (APC and the cards that copy its MIB; 70..99 are 19YY), or
 * "YYYY-MM-DD", into the Unix time of that day at 00:00 UTC and its text YYYY-MM-DD; false when the
 * text is no day of 1970..2099 ("Unknown", "00/00/00"). */
static bool sv_date(const char *s, double *t, char *text, size_t size)
{
    int y, m, d, n = 0, p = 0;
    while (*s == ' ')
        s++;
    bool iso = sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10;
    if (!iso) {
        n = 0;
        if (sscanf(s, "%2d/%2d/%n%4d%n", &m, &d, &p, &y, &n) != 3 || (n - p != 2 && n - p != 4))
            return false;
        if (n - p == 2)
            y += y < 70 ? 2000 : 1900;
    }
    while (s[n] == ' ')
        n++;
    if (s[n])
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || y > 2099 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return false;
    *t = (double)(sv_days(y, m, d) * 86400);
    snprintf(text, size, "%04d-%02d-%02d", y, m, d);
    return true;
}

conv_status snmp_value_convert(const prof_metric *m, const prof_source *src, const raw_value *raw,
                               double row_factor, conv_result *out)
{
    return snmp_value_convert_unit(m, src, raw, row_factor, 1, 0, out);
}

conv_status snmp_value_convert_unit(const prof_metric *m, const prof_source *src, const raw_value *raw,
                                    double row_factor, double unit_mul, double unit_add, conv_result *out)
{
    memset(out, 0, sizeof *out);
    out->sev = SEV_OK;
    if (raw->kind == RAW_NONE || snmp_value_in_list(&m->absent, raw))
        return CONV_ABSENT;

    double num = 0;
    bool have_num;
    if (m->type == PROF_TYPE_DATE) {
        if (raw->kind != RAW_STRING || !sv_date(raw->str, &out->value, out->text, sizeof out->text))
            return CONV_INVALID;
        return CONV_OK;
    }
    if (m->type == PROF_TYPE_HEXSTRING)
        have_num = sv_hex_number(raw, &num);
    else if (m->type == PROF_TYPE_LAST_NUMBER && raw->kind == RAW_STRING)
        have_num = sv_last_number(raw->str, &num);
    else if (raw->kind == RAW_NUMBER)
        have_num = (num = raw->number, true);
    else
        have_num = sv_parse_number(raw->str, &num);

    if (m->en) {
        const prof_enum_entry *e = sv_enum_lookup(m->en, raw, num, have_num);
        if (!e) {
            /* a code the profile does not know: sent as unknown, the raw code kept as value */
            if (!have_num)
                return CONV_INVALID;
            out->value = num;
            snprintf(out->text, sizeof out->text, "code %.0f", num);
            out->sev = SEV_UNKNOWN;
            return CONV_OK;
        }
        out->value = e->has_value ? e->value : num;
        if (!e->has_value && !have_num)
            return CONV_INVALID;
        snprintf(out->text, sizeof out->text, "%s", e->text);
        out->sev = e->sev;
        return CONV_OK;
    }
    if (!have_num)
        return CONV_INVALID;
    double v = (num * src->scale * row_factor + src->offset) * unit_mul + unit_add;
    if (m->transform == PROF_TRANSFORM_MW_TO_DBM) {
        if (!(v > 0))
            return CONV_ABSENT; /* no light: no level to report */
        v = 10 * log10(v);
    }
    if (!isfinite(v))
        return CONV_INVALID;
    out->value = v;
    if (m->has_range && (v < m->range_lo || v > m->range_hi))
        return CONV_OUT_OF_RANGE;
    out->sev = sv_health(m, v);
    return CONV_OK;
}

int snmp_value_counter_rate(uint64_t prev, uint64_t cur, bool is64, double dt, double *rate)
{
    if (dt <= 0)
        return -1;
    uint64_t delta;
    if (cur >= prev) {
        delta = cur - prev;
    } else if (!is64) {
        delta = (0x100000000ULL - prev) + cur;
        /* a "wrap" that covers most of the range is more likely a reset of the counter */
        if (delta > 0x80000000ULL)
            return -1;
    } else {
        return -1; /* a 64-bit counter does not wrap in a poll interval: it was reset */
    }
    *rate = (double)delta / dt;
    return 0;
}
