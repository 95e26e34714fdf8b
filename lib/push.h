/* push: the batch of samples an agent sends to the server, as JSON.
 *
 *   {"agent": "nro-doullens", "seq": 42,
 *    "samples": [{"device": "ups1", "metric": "battery.charge", "instance": "", "value": 100,
 *                 "unit": "%", "ts": 1790000000, "text": "OL", "label": "...", "severity": "ok"}]}
 *
 * `seq` grows by one per batch of an agent, so that the server can accept a batch at most once.
 * `text`, `label` and `severity` are optional. An optional "devices" array describes the devices of
 * the batch: [{"name": "ups1", "class": "ups", "profile": "ups-rfc1628"}], so that the server knows
 * what kind of equipment each device is (site services are built from classes). The decoder checks every field and names the first
 * bad one ("samples[3].metric: ..."), so that the server can answer 400 with that message. No string
 * may hold a control character (utf8.h), "\u0000" included: "samples[3].instance: control character
 * U+0085 at character 4". */
#ifndef VIGIE_PUSH_H
#define VIGIE_PUSH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "names.h"

#define PUSH_MAX_SAMPLES 20000
#define PUSH_MAX_BODY (8u * 1024 * 1024)
#define PUSH_UNIT_MAX 16
#define PUSH_TEXT_MAX 64
/* How far a sample's time may be from the server's clock: an agent replays up to PUSH_MAX_AGE of
 * spooled data; a clock more than PUSH_MAX_AHEAD ahead is wrong and would block later updates. */
#define PUSH_MAX_AGE (93 * 24 * 3600)
#define PUSH_MAX_AHEAD 300
/* `now` for a decoder that bounds no timestamp: the agent rereading a batch of its own spool, whose
 * times the server judges. */
#define PUSH_ANY_TIME ((time_t)-1)

/* Clocks. At each send the agent puts its own wall clock in this request header ("1790000000.250",
 * Unix seconds), and the server answers with its own in the same header: each side learns the other's
 * skew (server/alerting/skew.h). A batch refused only for its samples' times (outside the window
 * above: a clock stepped) is answered 409 with "retry": PUSH_RETRY_CLOCK, never 400: it is not wrong,
 * only early or late, and the agent keeps it and sends it again (README, "Nothing lost"). */
#define PUSH_CLOCK_HEADER "X-Vigie-Clock"
#define PUSH_RETRY_CLOCK "clock"

typedef enum { SEV_OK = 0, SEV_WARNING = 1, SEV_CRITICAL = 2, SEV_UNKNOWN = 3, SEV_NONE = -1 } severity;

const char *severity_name(severity s);
/* Returns SEV_NONE for a word that is not a severity. */
severity severity_parse(const char *s);

typedef struct {
    char device[NAME_MAX_LEN + 1];
    char metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1];
    char label[INSTANCE_MAX_LEN + 1];
    char unit[PUSH_UNIT_MAX + 1];
    char text[PUSH_TEXT_MAX + 1];
    double value;
    int64_t ts;
    severity sev;
} push_sample;

typedef struct {
    char name[NAME_MAX_LEN + 1];
    char cls[16];
    char profile[NAME_MAX_LEN + 1];
} push_device;

#define PUSH_MAX_DEVICES 5000

typedef struct push_batch push_batch;

push_batch *push_batch_new(const char *agent, uint64_t seq);
void push_batch_free(push_batch *b);
/* Copies a sample in; -1 when the batch is full (PUSH_MAX_SAMPLES) or out of memory. */
int push_batch_add(push_batch *b, const push_sample *s);
const char *push_batch_agent(const push_batch *b);
uint64_t push_batch_seq(const push_batch *b);
void push_batch_set_seq(push_batch *b, uint64_t seq);
size_t push_batch_count(const push_batch *b);
const push_sample *push_batch_at(const push_batch *b, size_t i);
void push_batch_clear(push_batch *b);
/* Describes a device of the batch (once per name; a second call for a name updates it). */
int push_batch_set_device(push_batch *b, const char *name, const char *cls, const char *profile);
size_t push_batch_device_count(const push_batch *b);
const push_device *push_batch_device_at(const push_batch *b, size_t i);
/* The class of a device of the batch, or NULL when the batch does not say. */
const char *push_batch_device_class(const push_batch *b, const char *name);

/* Orders samples by series (device, metric, instance), then time: <0, 0, >0. */
int push_sample_cmp(const push_sample *x, const push_sample *y);
/* Whether two samples are of one series (device, metric and instance alike). */
int push_sample_same_series(const push_sample *x, const push_sample *y);

/* Fills a sample, truncating nothing: -1 if a string is too long for its field. */
int push_sample_set(push_sample *s, const char *device, const char *metric, const char *instance,
                    double value, const char *unit, int64_t ts);

/* Returns a malloc'd JSON text, or NULL when out of memory (or a sample push_encoder_set refuses). */
char *push_batch_encode(const push_batch *b);

/* A sample's JSON object, the one definition of it: push_batch_encode uses it, and the agent's outbox,
 * which encodes a cycle's samples one at a time through one encoder (no JSON tree per batch). */
typedef struct push_encoder push_encoder;
push_encoder *push_encoder_new(void);
void push_encoder_free(push_encoder *e);
/* Makes the encoder's object sample s (text, label and severity only when set). -1 when s cannot be
 * sent: a string not UTF-8, a value not finite (the server would refuse the whole batch). */
int push_encoder_set(push_encoder *e, const push_sample *s);
/* The compact JSON text of the sample set last, into buf; its length (more than size: buf too small,
 * nothing usable written), 0 on error. */
size_t push_encoder_dump(const push_encoder *e, char *buf, size_t size);

/* The text of one push, written a sample at a time: the one definition of the envelope,
 *   {"agent":"A","samples":[{...},...],"devices":[{...},...],"seq":N}   ("devices" when there are some)
 * push_batch_encode writes a batch through it, and the agent's outbox each push of a cycle as its
 * samples come (no JSON tree of the push); the number is given when the push is closed. */
typedef struct push_text push_text;
/* NULL when out of memory. */
push_text *push_text_new(const char *agent);
void push_text_free(push_text *t);
/* Appends sample s and, when d is not NULL, describes d among the push's devices (unless it is the
 * last one described), both or neither: VG_E_INVALID when s cannot be sent (push_encoder_set refuses
 * it), VG_E_NOMEM, VG_E_CONFLICT once the push is closed. */
vg_code push_text_add(push_text *t, const push_sample *s, const push_device *d, vg_err *err);
/* Describes a device (unless it is the last one described) without a sample. */
vg_code push_text_describe(push_text *t, const push_device *d, vg_err *err);
/* Describes the devices of b, then appends its samples (not its number). */
vg_code push_text_add_batch(push_text *t, const push_batch *b, vg_err *err);
size_t push_text_count(const push_text *t);
/* Ends the text with the devices and the number seq; *text (NUL-terminated, *len bytes) is t's until
 * push_text_clear. An empty push is a valid one. */
vg_code push_text_close(push_text *t, uint64_t seq, const char **text, size_t *len, vg_err *err);
/* Empty again, for the next push of the same agent (its memory kept). */
void push_text_clear(push_text *t);


/* Decodes and validates a body. `now` bounds the timestamps (PUSH_ANY_TIME: not). NULL on error, err
 * filled in: VG_E_CONFLICT when the only fault is a sample's time outside [now - PUSH_MAX_AGE,
 * now + PUSH_MAX_AHEAD] (err names the first such sample; every other field was checked), else
 * VG_E_INVALID for the first bad field. */
push_batch *push_batch_decode(const char *json, size_t len, time_t now, vg_err *err);
/* The same with each device's class checked against the vocabulary (vocab.h): the server's ingest.
 * Without one (push_batch_decode: the agent rereading its spool, whose classes agent.yaml had
 * checked) a class need only be a lower-case word. */
struct vocab;
push_batch *push_batch_decode_vocab(const char *json, size_t len, time_t now, const struct vocab *v, vg_err *err);

#endif
