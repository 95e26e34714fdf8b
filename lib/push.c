#include "config.h"
#include "push.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct push_batch {
    char agent[NAME_MAX_LEN + 1];
    uint64_t seq;
    push_sample *samples;
    size_t count, cap;
    push_device *devices;
    size_t ndevices, devcap;
};

static const char *const push_classes[] = {"ups", "pdu", "cooling", "olt", "env", "generic", NULL};

static bool push_class_valid(const char *c)
{
    for (const char *const *k = push_classes; *k; k++)
        if (strcmp(*k, c) == 0)
            return true;
    return false;
}

static const char *const severity_names[] = {"ok", "warning", "critical", "unknown"};

const char *severity_name(severity s)
{
    return s >= SEV_OK && s <= SEV_UNKNOWN ? severity_names[s] : "none";
}

severity severity_parse(const char *s)
{
    for (int i = 0; i <= SEV_UNKNOWN; i++)
        if (s && strcmp(s, severity_names[i]) == 0)
            return (severity)i;
    return SEV_NONE;
}

static int push_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

push_batch *push_batch_new(const char *agent, uint64_t seq)
{
    push_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (push_copy(b->agent, sizeof b->agent, agent) != 0) {
        free(b);
        return NULL;
    }
    b->seq = seq;
    return b;
}

void push_batch_free(push_batch *b)
{
    if (!b)
        return;
    free(b->samples);
    free(b->devices);
    free(b);
}

int push_batch_add(push_batch *b, const push_sample *s)
{
    if (b->count >= PUSH_MAX_SAMPLES)
        return -1;
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        push_sample *p = realloc(b->samples, cap * sizeof *p);
        if (!p)
            return -1;
        b->samples = p;
        b->cap = cap;
    }
    b->samples[b->count++] = *s;
    return 0;
}

const char *push_batch_agent(const push_batch *b) { return b->agent; }
uint64_t push_batch_seq(const push_batch *b) { return b->seq; }
void push_batch_set_seq(push_batch *b, uint64_t seq) { b->seq = seq; }
size_t push_batch_count(const push_batch *b) { return b->count; }
const push_sample *push_batch_at(const push_batch *b, size_t i) { return &b->samples[i]; }
void push_batch_clear(push_batch *b)
{
    b->count = 0;
    b->ndevices = 0;
}

int push_batch_set_device(push_batch *b, const char *name, const char *cls, const char *profile)
{
    push_device d;
    memset(&d, 0, sizeof d);
    if (push_copy(d.name, sizeof d.name, name) || push_copy(d.cls, sizeof d.cls, cls) ||
        push_copy(d.profile, sizeof d.profile, profile ? profile : ""))
        return -1;
    for (size_t i = 0; i < b->ndevices; i++)
        if (strcmp(b->devices[i].name, name) == 0) {
            b->devices[i] = d;
            return 0;
        }
    if (b->ndevices >= PUSH_MAX_DEVICES)
        return -1;
    if (b->ndevices == b->devcap) {
        size_t cap = b->devcap ? b->devcap * 2 : 16;
        push_device *p = realloc(b->devices, cap * sizeof *p);
        if (!p)
            return -1;
        b->devices = p;
        b->devcap = cap;
    }
    b->devices[b->ndevices++] = d;
    return 0;
}

size_t push_batch_device_count(const push_batch *b) { return b->ndevices; }
const push_device *push_batch_device_at(const push_batch *b, size_t i) { return &b->devices[i]; }

const char *push_batch_device_class(const push_batch *b, const char *name)
{
    for (size_t i = 0; i < b->ndevices; i++)
        if (strcmp(b->devices[i].name, name) == 0)
            return b->devices[i].cls;
    return NULL;
}

int push_sample_set(push_sample *s, const char *device, const char *metric, const char *instance,
                    double value, const char *unit, int64_t ts)
{
    memset(s, 0, sizeof *s);
    s->value = value;
    s->ts = ts;
    s->sev = SEV_NONE;
    return push_copy(s->device, sizeof s->device, device) | push_copy(s->metric, sizeof s->metric, metric) |
           push_copy(s->instance, sizeof s->instance, instance) | push_copy(s->unit, sizeof s->unit, unit);
}

/* The values of the encoder's object, set in place for each sample; the optional ones come and go. */
enum { PE_DEVICE, PE_METRIC, PE_INSTANCE, PE_VALUE, PE_UNIT, PE_TS, PE_TEXT, PE_LABEL, PE_SEVERITY, PE_FIELDS };
static const char *const push_encoder_keys[PE_FIELDS] = {"device", "metric", "instance", "value", "unit",
                                                         "ts",     "text",   "label",    "severity"};

struct push_encoder {
    json_t *obj;
    json_t *field[PE_FIELDS];
};

void push_encoder_free(push_encoder *e)
{
    if (!e)
        return;
    json_decref(e->obj);
    for (int i = 0; i < PE_FIELDS; i++)
        json_decref(e->field[i]);
    free(e);
}

push_encoder *push_encoder_new(void)
{
    push_encoder *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->obj = json_object();
    bool ok = e->obj != NULL;
    for (int i = 0; i < PE_FIELDS && ok; i++) {
        e->field[i] = i == PE_VALUE ? json_real(0) : i == PE_TS ? json_integer(0) : json_string("");
        ok = e->field[i] && (i >= PE_TEXT || json_object_set(e->obj, push_encoder_keys[i], e->field[i]) == 0);
    }
    if (!ok) {
        push_encoder_free(e);
        return NULL;
    }
    return e;
}

static int push_encoder_optional(push_encoder *e, int f, const char *text)
{
    if (!text || !text[0]) {
        json_object_del(e->obj, push_encoder_keys[f]); /* absent already is fine */
        return 0;
    }
    return json_string_set(e->field[f], text) || json_object_set(e->obj, push_encoder_keys[f], e->field[f]) ? -1 : 0;
}

int push_encoder_set(push_encoder *e, const push_sample *s)
{
    return json_string_set(e->field[PE_DEVICE], s->device) || json_string_set(e->field[PE_METRIC], s->metric) ||
                   json_string_set(e->field[PE_INSTANCE], s->instance) ||
                   json_string_set(e->field[PE_UNIT], s->unit) || json_real_set(e->field[PE_VALUE], s->value) ||
                   json_integer_set(e->field[PE_TS], (json_int_t)s->ts) ||
                   push_encoder_optional(e, PE_TEXT, s->text) || push_encoder_optional(e, PE_LABEL, s->label) ||
                   push_encoder_optional(e, PE_SEVERITY, s->sev == SEV_NONE ? NULL : severity_name(s->sev))
               ? -1
               : 0;
}

size_t push_encoder_dump(const push_encoder *e, char *buf, size_t size)
{
    return json_dumpb(e->obj, buf, size, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

char *push_batch_encode(const push_batch *b)
{
    json_t *samples = json_array();
    json_t *root = json_pack("{s:s, s:I, s:o}", "agent", b->agent, "seq", (json_int_t)b->seq,
                             "samples", samples);
    push_encoder *e = push_encoder_new();
    bool ok = root && e;
    for (size_t i = 0; ok && i < b->count; i++)
        ok = push_encoder_set(e, &b->samples[i]) == 0 &&
             json_array_append_new(samples, json_deep_copy(e->obj)) == 0;
    push_encoder_free(e);
    if (ok && b->ndevices) {
        json_t *devs = json_array();
        for (size_t i = 0; i < b->ndevices; i++)
            json_array_append_new(devs, json_pack("{s:s, s:s, s:s}", "name", b->devices[i].name, "class",
                                                  b->devices[i].cls, "profile", b->devices[i].profile));
        json_object_set_new(root, "devices", devs);
    }
    char *text = ok ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return text;
}

/* Length of the well-formed UTF-8 character at p, 0 if there is none (RFC 3629). */
static size_t push_utf8_len(const unsigned char *p)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xbf;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* An error goes into the server's log line and its JSON answer: control characters become '?', and
 * what is not well-formed UTF-8 (a character cut by truncation, which jansson would refuse to
 * encode) is dropped. */
static void push_clean_text(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; p[i];) {
        size_t n = push_utf8_len(p + i);
        if (n == 0) {
            i++;
        } else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
            p[o++] = '?';
            i++;
        } else {
            memmove(p + o, p + i, n);
            o += n;
            i += n;
        }
    }
    p[o] = '\0';
}

static int push_fail(vg_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int push_fail(vg_err *err, const char *field, const char *fmt, ...)
{
    err->code = VG_E_INVALID;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    push_clean_text(err->field);
    push_clean_text(err->msg);
    return -1;
}

typedef enum { FIELD_NAME, FIELD_METRIC, FIELD_TEXT } push_field_kind;

/* Where a member is: in the body itself (list NULL) or in element i of a list. Its name ("agent",
 * "samples[3].metric") is only written out when it is wrong: a push holds thousands of them. */
typedef struct {
    const char *list;
    size_t i;
} push_at;

static const char *push_field_name(push_at at, const char *key, char *buf, size_t size)
{
    if (at.list)
        snprintf(buf, size, "%s[%zu].%s", at.list, at.i, key);
    else
        snprintf(buf, size, "%s", key);
    return buf;
}

/* Reads one string member into dst; `required` members must be present. */
static int push_get_string(json_t *obj, const char *key, push_at at, bool required, push_field_kind kind, char *dst,
                           size_t size, vg_err *err)
{
    char f[64];
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (!required) {
            dst[0] = '\0';
            return 0;
        }
        return push_fail(err, push_field_name(at, key, f, sizeof f), "missing");
    }
    if (!json_is_string(v))
        return push_fail(err, push_field_name(at, key, f, sizeof f), "must be a string");
    const char *s = json_string_value(v);
    size_t len = strlen(s);
    if (len != json_string_length(v))
        return push_fail(err, push_field_name(at, key, f, sizeof f), "contains a NUL character");
    if (len >= size)
        return push_fail(err, push_field_name(at, key, f, sizeof f), "longer than %zu characters", size - 1);
    bool ok = kind == FIELD_NAME     ? name_is_valid(s)
              : kind == FIELD_METRIC ? metric_name_is_valid(s)
                                     : text_is_valid(s, size - 1);
    if (!ok)
        return push_fail(err, push_field_name(at, key, f, sizeof f),
                         kind == FIELD_NAME     ? "must be 1-64 of [A-Za-z0-9._-], starting with a letter or digit"
                         : kind == FIELD_METRIC ? "must be lower-case words joined by '.' (e.g. battery.charge)"
                                                : "must be printable UTF-8 text");
    memcpy(dst, s, len + 1);
    return 0;
}

static const char *const push_sample_keys[] = {"device", "metric", "instance", "value", "unit",
                                               "ts", "text", "label", "severity", NULL};

static int push_decode_sample(json_t *o, size_t i, time_t now, push_sample *s, vg_err *err)
{
    char f[64];
    memset(s, 0, sizeof *s);
    if (!json_is_object(o)) {
        snprintf(f, sizeof f, "samples[%zu]", i);
        return push_fail(err, f, "must be an object");
    }
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val) {
        bool known = false;
        for (const char *const *k = push_sample_keys; *k; k++)
            known = known || strcmp(*k, key) == 0;
        if (!known) {
            snprintf(f, sizeof f, "samples[%zu].%.40s", i, *key ? key : "\"\"");
            return push_fail(err, f, "unknown field");
        }
    }
    push_at at = {"samples", i};
#define PUSH_FIELD(name) (snprintf(f, sizeof f, "samples[%zu]." name, i), f)
    if (push_get_string(o, "device", at, true, FIELD_NAME, s->device, sizeof s->device, err) ||
        push_get_string(o, "metric", at, true, FIELD_METRIC, s->metric, sizeof s->metric, err) ||
        push_get_string(o, "instance", at, false, FIELD_TEXT, s->instance, sizeof s->instance, err) ||
        push_get_string(o, "unit", at, false, FIELD_TEXT, s->unit, sizeof s->unit, err) ||
        push_get_string(o, "text", at, false, FIELD_TEXT, s->text, sizeof s->text, err) ||
        push_get_string(o, "label", at, false, FIELD_TEXT, s->label, sizeof s->label, err))
        return -1;
    json_t *v = json_object_get(o, "value");
    if (!v)
        return push_fail(err, PUSH_FIELD("value"), "missing");
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return push_fail(err, PUSH_FIELD("value"), "must be a finite number");
    s->value = json_number_value(v);
    json_t *ts = json_object_get(o, "ts");
    if (!ts)
        return push_fail(err, PUSH_FIELD("ts"), "missing");
    if (!json_is_integer(ts))
        return push_fail(err, PUSH_FIELD("ts"), "must be an integer (seconds since 1970, UTC)");
    s->ts = json_integer_value(ts);
    if (s->ts < (int64_t)now - PUSH_MAX_AGE)
        return push_fail(err, PUSH_FIELD("ts"), "%lld is more than %d days in the past", (long long)s->ts,
                         PUSH_MAX_AGE / 86400);
    if (s->ts > (int64_t)now + PUSH_MAX_AHEAD)
        return push_fail(err, PUSH_FIELD("ts"), "%lld is in the future (server time %lld): check the agent's clock",
                         (long long)s->ts, (long long)now);
    s->sev = SEV_NONE;
    json_t *sev = json_object_get(o, "severity");
    if (sev) {
        s->sev = severity_parse(json_string_value(sev));
        if (s->sev == SEV_NONE)
            return push_fail(err, PUSH_FIELD("severity"), "must be ok, warning, critical or unknown");
    }
#undef PUSH_FIELD
    return 0;
}

static int push_decode_devices(json_t *root, push_batch *b, vg_err *err)
{
    json_t *devs = json_object_get(root, "devices");
    if (!devs)
        return 0;
    if (!json_is_array(devs))
        return push_fail(err, "devices", "must be an array");
    if (json_array_size(devs) > PUSH_MAX_DEVICES)
        return push_fail(err, "devices", "more than %d devices", PUSH_MAX_DEVICES);
    size_t i;
    json_t *o;
    json_array_foreach(devs, i, o) {
        char f[64], name[NAME_MAX_LEN + 1], cls[16], profile[NAME_MAX_LEN + 1];
        snprintf(f, sizeof f, "devices[%zu]", i);
        if (!json_is_object(o))
            return push_fail(err, f, "must be an object");
        const char *key;
        json_t *val;
        json_object_foreach(o, key, val) {
            if (strcmp(key, "name") && strcmp(key, "class") && strcmp(key, "profile")) {
                snprintf(f, sizeof f, "devices[%zu].%.40s", i, key);
                return push_fail(err, f, "unknown field");
            }
        }
#define PUSH_DFIELD(n) (snprintf(f, sizeof f, "devices[%zu]." n, i), f)
        push_at at = {"devices", i};
        if (push_get_string(o, "name", at, true, FIELD_NAME, name, sizeof name, err) ||
            push_get_string(o, "class", at, true, FIELD_TEXT, cls, sizeof cls, err) ||
            push_get_string(o, "profile", at, false, FIELD_TEXT, profile, sizeof profile, err))
            return -1;
        if (!push_class_valid(cls))
            return push_fail(err, PUSH_DFIELD("class"), "must be ups, pdu, cooling, olt, env or generic");
#undef PUSH_DFIELD
        if (push_batch_set_device(b, name, cls, profile) != 0)
            return push_fail(err, "devices", "out of memory");
    }
    return 0;
}

push_batch *push_batch_decode(const char *text, size_t len, time_t now, vg_err *err)
{
    if (len > PUSH_MAX_BODY) {
        push_fail(err, "body", "larger than %u bytes", PUSH_MAX_BODY);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        push_fail(err, "body", "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    push_batch *b = NULL;
    if (!json_is_object(root)) {
        push_fail(err, "body", "must be a JSON object");
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "agent") && strcmp(key, "seq") && strcmp(key, "samples") && strcmp(key, "devices")) {
            char f[64];
            snprintf(f, sizeof f, "%.60s", *key ? key : "\"\""); /* an empty key is named "" */
            push_fail(err, f, "unknown field");
            goto out;
        }
    }
    char agent[NAME_MAX_LEN + 1];
    if (push_get_string(root, "agent", (push_at){NULL, 0}, true, FIELD_NAME, agent, sizeof agent, err))
        goto out;
    json_t *seq = json_object_get(root, "seq");
    if (!seq || !json_is_integer(seq) || json_integer_value(seq) < 0) {
        push_fail(err, "seq", seq ? "must be a non-negative integer" : "missing");
        goto out;
    }
    json_t *samples = json_object_get(root, "samples");
    if (!samples || !json_is_array(samples)) {
        push_fail(err, "samples", samples ? "must be an array" : "missing");
        goto out;
    }
    if (json_array_size(samples) > PUSH_MAX_SAMPLES) {
        push_fail(err, "samples", "more than %d samples in one batch", PUSH_MAX_SAMPLES);
        goto out;
    }
    b = push_batch_new(agent, (uint64_t)json_integer_value(seq));
    if (!b) {
        push_fail(err, "body", "out of memory");
        goto out;
    }
    if (push_decode_devices(root, b, err) != 0) {
        push_batch_free(b);
        b = NULL;
        goto out;
    }
    size_t i;
    json_t *o;
    json_array_foreach(samples, i, o) {
        push_sample s;
        if (push_decode_sample(o, i, now, &s, err) != 0 ||
            (push_batch_add(b, &s) != 0 && push_fail(err, "samples", "out of memory"))) {
            push_batch_free(b);
            b = NULL;
            break;
        }
    }
out:
    json_decref(root);
    return b;
}
