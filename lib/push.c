#include "config.h"
#include "push.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "vocab.h"

struct push_batch {
    char agent[NAME_MAX_LEN + 1];
    uint64_t seq;
    push_sample *samples;
    size_t count, cap;
    push_device *devices;
    size_t ndevices, devcap;
};

/* The classes are the vocabulary's (mibs/vocabulary.yaml), when the decoder is given it. */
static bool push_class_valid(const vocab *v, const char *c)
{
    return v ? vocab_class_find(v, c) != NULL : vocab_class_name_is_valid(c);
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

int push_sample_same_series(const push_sample *x, const push_sample *y)
{
    return strcmp(x->device, y->device) == 0 && strcmp(x->metric, y->metric) == 0 &&
           strcmp(x->instance, y->instance) == 0;
}

int push_sample_cmp(const push_sample *x, const push_sample *y)
{
    int c = strcmp(x->device, y->device);
    if (!c)
        c = strcmp(x->metric, y->metric);
    if (!c)
        c = strcmp(x->instance, y->instance);
    if (!c)
        c = (x->ts > y->ts) - (x->ts < y->ts);
    return c;
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

/* The envelope: {"agent":A,"samples":[...],"devices":[...],"seq":N}, written in that order so that a
 * push can be written as its samples come and numbered only when it is closed. */
struct push_text {
    char *head;        /* {"agent":"...","samples":[ */
    size_t headlen;
    push_encoder *enc; /* one sample's JSON, reused */
    char *buf;         /* the text: the head, the samples so far (then the tail once closed) */
    size_t len, cap;
    size_t nsamples;
    push_device *devs; /* the devices described, in order */
    size_t ndevs, capdevs;
    bool closed;
};

#define PUSH_TEXT_FIRST (4 * 1024)
#define PUSH_SAMPLE_ROOM 1024 /* a sample's JSON is rarely longer; json_dumpb says when it is */

static bool push_text_reserve(push_text *t, size_t more)
{
    if (t->len + more <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap : PUSH_TEXT_FIRST;
    while (cap < t->len + more)
        cap *= 2;
    char *b = realloc(t->buf, cap);
    if (!b)
        return false;
    t->buf = b;
    t->cap = cap;
    return true;
}

static bool push_text_append(push_text *t, const char *s, size_t n)
{
    if (!push_text_reserve(t, n + 1))
        return false;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return true;
}

/* Appends the encoder's sample, or the JSON value v, encoded by jansson straight into the buffer. */
static bool push_text_append_json(push_text *t, const json_t *v)
{
    for (size_t room = PUSH_SAMPLE_ROOM;;) {
        if (!push_text_reserve(t, room + 1))
            return false;
        size_t left = t->cap - t->len - 1;
        size_t n = v ? json_dumpb(v, t->buf + t->len, left, JSON_COMPACT) : push_encoder_dump(t->enc, t->buf + t->len, left);
        if (n == 0 || (n > left && room >= n))
            return false;
        if (n <= left) {
            t->len += n;
            t->buf[t->len] = '\0';
            return true;
        }
        room = n; /* too long for the room left: again, with room enough */
    }
}

void push_text_free(push_text *t)
{
    if (!t)
        return;
    push_encoder_free(t->enc);
    free(t->head);
    free(t->buf);
    free(t->devs);
    free(t);
}

void push_text_clear(push_text *t)
{
    t->len = t->nsamples = t->ndevs = 0;
    t->closed = false;
    if (t->buf)
        t->buf[0] = '\0';
}

push_text *push_text_new(const char *agent)
{
    push_text *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    json_t *a = json_string(agent);
    char *name = a ? json_dumps(a, JSON_ENCODE_ANY) : NULL;
    json_decref(a);
    t->enc = push_encoder_new();
    if (name && t->enc) {
        size_t n = strlen("{\"agent\":,\"samples\":[") + strlen(name) + 1;
        if ((t->head = malloc(n)))
            t->headlen = (size_t)snprintf(t->head, n, "{\"agent\":%s,\"samples\":[", name);
    }
    free(name);
    if (!t->head) {
        push_text_free(t);
        return NULL;
    }
    return t;
}

size_t push_text_count(const push_text *t) { return t->nsamples; }

/* The device goes after those described, unless it is the last one described. */
static vg_code push_text_note(push_text *t, const push_device *d, bool *added, vg_err *err)
{
    *added = false;
    if (t->ndevs && strcmp(t->devs[t->ndevs - 1].name, d->name) == 0)
        return VG_OK;
    if (t->ndevs == t->capdevs) {
        size_t cap = t->capdevs ? t->capdevs * 2 : 64;
        push_device *n = realloc(t->devs, cap * sizeof *n);
        if (!n)
            return vg_fail(err, VG_E_NOMEM, "out of memory");
        t->devs = n;
        t->capdevs = cap;
    }
    t->devs[t->ndevs++] = *d;
    *added = true;
    return VG_OK;
}

vg_code push_text_describe(push_text *t, const push_device *d, vg_err *err)
{
    bool added;
    if (t->closed)
        return vg_fail(err, VG_E_CONFLICT, "the push is closed");
    return push_text_note(t, d, &added, err);
}

vg_code push_text_add(push_text *t, const push_sample *s, const push_device *d, vg_err *err)
{
    if (t->closed)
        return vg_fail(err, VG_E_CONFLICT, "the push is closed");
    if (push_encoder_set(t->enc, s) != 0)
        return vg_fail(err, VG_E_INVALID, "%s[%s] of %s: not UTF-8 or not a finite number", s->metric, s->instance,
                       s->device);
    size_t mark = t->len;
    bool added = false;
    bool ok = (t->nsamples == 0 ? push_text_append(t, t->head, t->headlen) : push_text_append(t, ",", 1)) &&
              push_text_append_json(t, NULL) && (!d || push_text_note(t, d, &added, err) == VG_OK);
    if (!ok) {
        t->len = mark;
        if (t->buf)
            t->buf[mark] = '\0';
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    t->nsamples++;
    return VG_OK;
}

vg_code push_text_close(push_text *t, uint64_t seq, const char **text, size_t *len, vg_err *err)
{
    if (t->closed)
        return vg_fail(err, VG_E_CONFLICT, "the push is closed already");
    size_t mark = t->len;
    char tail[48];
    int n = snprintf(tail, sizeof tail, ",\"seq\":%" PRIu64 "}", seq);
    bool ok = t->nsamples > 0 || push_text_append(t, t->head, t->headlen);
    if (ok && t->ndevs == 0) {
        ok = push_text_append(t, "]", 1);
    } else if (ok) {
        ok = push_text_append(t, "],\"devices\":[", 13);
        for (size_t i = 0; i < t->ndevs && ok; i++) {
            json_t *d = json_pack("{s:s, s:s, s:s}", "name", t->devs[i].name, "class", t->devs[i].cls, "profile",
                                  t->devs[i].profile);
            ok = (!i || push_text_append(t, ",", 1)) && d && push_text_append_json(t, d);
            json_decref(d);
        }
        ok = ok && push_text_append(t, "]", 1);
    }
    if (!ok || !push_text_append(t, tail, (size_t)n)) {
        t->len = mark;
        if (t->buf)
            t->buf[mark] = '\0';
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    t->closed = true;
    *text = t->buf;
    *len = t->len;
    return VG_OK;
}

vg_code push_text_add_batch(push_text *t, const push_batch *b, vg_err *err)
{
    vg_code rc = VG_OK;
    for (size_t i = 0; rc == VG_OK && i < b->ndevices; i++)
        rc = push_text_describe(t, &b->devices[i], err);
    for (size_t i = 0; rc == VG_OK && i < b->count; i++)
        rc = push_text_add(t, &b->samples[i], NULL, err);
    return rc;
}

char *push_batch_encode(const push_batch *b)
{
    push_text *t = push_text_new(b->agent);
    const char *text;
    size_t len;
    bool ok = t && push_text_add_batch(t, b, NULL) == VG_OK && push_text_close(t, b->seq, &text, &len, NULL) == VG_OK;
    char *out = NULL;
    if (ok) { /* the text is the caller's now */
        out = t->buf;
        t->buf = NULL;
    }
    push_text_free(t);
    return out;
}

/* An error goes into the server's log line and its JSON answer: control characters (utf8.h, an
 * unknown key may hold one) become '?', and what is not well-formed UTF-8 (a character cut by
 * truncation, which jansson would refuse to encode) is dropped. */
static void push_clean_text(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; p[i];) {
        size_t n = utf8_char_len((const char *)p + i), c = n ? utf8_control_len((const char *)p + i) : 0;
        if (n == 0) {
            i++;
        } else if (c) {
            p[o++] = '?';
            i += c;
        } else {
            memmove(p + o, p + i, n);
            o += n;
            i += n;
        }
    }
    p[o] = '\0';
}

static vg_code push_fail(vg_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vg_code push_fail(vg_err *err, const char *field, const char *fmt, ...)
{
    err->code = VG_E_INVALID;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    push_clean_text(err->field);
    push_clean_text(err->msg);
    return VG_E_INVALID;
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
static vg_code push_get_string(json_t *obj, const char *key, push_at at, bool required, push_field_kind kind,
                               char *dst, size_t size, vg_err *err)
{
    char f[64];
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (!required) {
            dst[0] = '\0';
            return VG_OK;
        }
        return push_fail(err, push_field_name(at, key, f, sizeof f), "missing");
    }
    if (!json_is_string(v))
        return push_fail(err, push_field_name(at, key, f, sizeof f), "must be a string");
    const char *s = json_string_value(v);
    size_t len = strlen(s);
    vg_err why;
    if (utf8_check_control(s, json_string_length(v), &why) != VG_OK) /* "\u0000" too: JSON_ALLOW_NUL */
        return push_fail(err, push_field_name(at, key, f, sizeof f), "%s", why.msg);
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
    return VG_OK;
}

static const char *const push_sample_keys[] = {"device", "metric", "instance", "value", "unit",
                                               "ts", "text", "label", "severity", NULL};

static vg_code push_decode_sample(json_t *o, size_t i, time_t now, push_sample *s, vg_err *err)
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
        return VG_E_INVALID;
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
    s->sev = SEV_NONE;
    json_t *sev = json_object_get(o, "severity");
    if (sev) {
        /* "ok\u0000x" is not "ok" (JSON_ALLOW_NUL) */
        bool whole = json_is_string(sev) && strlen(json_string_value(sev)) == json_string_length(sev);
        s->sev = whole ? severity_parse(json_string_value(sev)) : SEV_NONE;
        if (s->sev == SEV_NONE)
            return push_fail(err, PUSH_FIELD("severity"), "must be ok, warning, critical or unknown");
    }
    if (now != PUSH_ANY_TIME && (s->ts < (int64_t)now - PUSH_MAX_AGE || s->ts > (int64_t)now + PUSH_MAX_AHEAD)) {
        /* last, so that a sample refused for its time has nothing else wrong: it can be sent again */
        bool old = s->ts < (int64_t)now - PUSH_MAX_AGE;
        push_fail(err, PUSH_FIELD("ts"),
                  old ? "%lld is more than %d days before the server's time %lld: check the agent's and the "
                        "server's clocks"
                      : "%lld is more than %d s ahead of the server's time %lld: check the agent's and the server's clocks",
                  (long long)s->ts, old ? PUSH_MAX_AGE / 86400 : PUSH_MAX_AHEAD, (long long)now);
        err->code = VG_E_CONFLICT;
        return VG_E_CONFLICT;
    }
#undef PUSH_FIELD
    return VG_OK;
}

static vg_code push_decode_devices(json_t *root, push_batch *b, const vocab *v, vg_err *err)
{
    json_t *devs = json_object_get(root, "devices");
    if (!devs)
        return VG_OK;
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
            return VG_E_INVALID;
        if (!push_class_valid(v, cls))
            return v ? push_fail(err, PUSH_DFIELD("class"), "must be %s", vocab_class_list(v))
                     : push_fail(err, PUSH_DFIELD("class"), "must be a device class (a lower-case word)");
#undef PUSH_DFIELD
        if (push_batch_set_device(b, name, cls, profile) != 0)
            return push_fail(err, "devices", "out of memory");
    }
    return VG_OK;
}

push_batch *push_batch_decode(const char *text, size_t len, time_t now, vg_err *err)
{
    return push_batch_decode_vocab(text, len, now, NULL, err);
}

push_batch *push_batch_decode_vocab(const char *text, size_t len, time_t now, const vocab *v, vg_err *err)
{
    if (len > PUSH_MAX_BODY) {
        push_fail(err, "body", "larger than %u bytes", PUSH_MAX_BODY);
        return NULL;
    }
    json_error_t jerr;
    /* "\u0000" is let through jansson so that push_get_string names the field that holds it */
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
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
    if (push_decode_devices(root, b, v, err) != 0) {
        push_batch_free(b);
        b = NULL;
        goto out;
    }
    size_t i;
    json_t *o;
    vg_err when; /* the first sample refused for its time: the answer unless another field is wrong */
    when.code = VG_OK;
    json_array_foreach(samples, i, o) {
        push_sample s;
        vg_err e;
        vg_code rc = push_decode_sample(o, i, now, &s, &e);
        if (rc == VG_E_CONFLICT && when.code == VG_OK)
            when = e;
        if (rc == VG_E_CONFLICT || (rc == VG_OK && when.code != VG_OK))
            continue; /* refused as a whole in the end: only the other fields still matter */
        if (rc != VG_OK)
            *err = e;
        if (rc != VG_OK || (push_batch_add(b, &s) != 0 && push_fail(err, "samples", "out of memory"))) {
            push_batch_free(b);
            b = NULL;
            break;
        }
    }
    if (b && when.code != VG_OK) {
        *err = when;
        push_batch_free(b);
        b = NULL;
    }
out:
    json_decref(root);
    return b;
}
