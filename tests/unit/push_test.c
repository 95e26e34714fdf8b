/* The push format: encode, decode, and every field the decoder must refuse. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "push.h"
#include "utf8.h"

#define NOW 1790000000

static void test_roundtrip(void **state)
{
    push_batch *b = push_batch_new("nro-doullens", 42);
    push_sample s;
    assert_int_equal(push_sample_set(&s, "ups1", "battery.charge", "", 97.5, "%", NOW - 10), 0);
    s.sev = SEV_OK;
    assert_int_equal(push_batch_add(b, &s), 0);
    assert_int_equal(push_sample_set(&s, "pdu-a", "outlet.current", "12", 0.25, "A", NOW - 10), 0);
    snprintf(s.label, sizeof s.label, "Serveur « baie 3 »");
    assert_int_equal(push_batch_add(b, &s), 0);
    assert_int_equal(push_sample_set(&s, "ups1", "ups.status", "", 3, "state", NOW), 0);
    snprintf(s.text, sizeof s.text, "OB");
    s.sev = SEV_CRITICAL;
    assert_int_equal(push_batch_add(b, &s), 0);
    assert_int_equal(push_batch_set_device(b, "ups1", "ups", "ups-rfc1628"), 0);
    assert_int_equal(push_batch_set_device(b, "pdu-a", "pdu", "pdu-apc-rpdu2"), 0);
    assert_int_equal(push_batch_set_device(b, "ups1", "ups", "ups-apc-powernet"), 0); /* updates */
    char *json = push_batch_encode(b);
    assert_non_null(json);
    vg_err err;
    push_batch *d = push_batch_decode(json, strlen(json), NOW, &err);
    assert_non_null(d);
    assert_int_equal(push_batch_device_count(d), 2);
    assert_string_equal(push_batch_device_at(d, 0)->profile, "ups-apc-powernet");
    assert_string_equal(push_batch_device_class(d, "pdu-a"), "pdu");
    assert_null(push_batch_device_class(d, "olt"));
    assert_string_equal(push_batch_agent(d), "nro-doullens");
    assert_int_equal(push_batch_seq(d), 42);
    assert_int_equal(push_batch_count(d), 3);
    const push_sample *x = push_batch_at(d, 0);
    assert_string_equal(x->device, "ups1");
    assert_string_equal(x->metric, "battery.charge");
    assert_true(x->value == 97.5);
    assert_int_equal(x->sev, SEV_OK);
    assert_int_equal(x->ts, NOW - 10);
    x = push_batch_at(d, 1);
    assert_string_equal(x->instance, "12");
    assert_string_equal(x->label, "Serveur « baie 3 »");
    assert_int_equal(x->sev, SEV_NONE);
    x = push_batch_at(d, 2);
    assert_string_equal(x->text, "OB");
    assert_int_equal(x->sev, SEV_CRITICAL);
    push_batch_free(d);
    push_batch_free(b);
    free(json);
}

static void test_sample_set_bounds(void **state)
{
    push_sample s;
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_not_equal(push_sample_set(&s, longname, "x", "", 1, "", NOW), 0);
    push_batch *b = push_batch_new("a", 1);
    assert_int_equal(push_sample_set(&s, "d", "m", "", 1, "", NOW), 0);
    for (int i = 0; i < PUSH_MAX_SAMPLES; i++)
        assert_int_equal(push_batch_add(b, &s), 0);
    assert_int_equal(push_batch_add(b, &s), -1);
    push_batch_free(b);
}

/* Decodes `json` and expects a refusal naming `field`. */
static void expect_reject(const char *json, const char *field, const char *msg_part)
{
    vg_err err;
    push_batch *b = push_batch_decode(json, strlen(json), NOW, &err);
    if (b)
        fail_msg("accepted: %s", json);
    if (strcmp(err.field, field) != 0 || !strstr(err.msg, msg_part))
        fail_msg("for %s: got field '%s' msg '%s', wanted '%s' / '%s'", json, err.field, err.msg, field, msg_part);
}

#define SAMPLE(extra) "{\"agent\":\"a\",\"seq\":1,\"samples\":[{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1790000000" extra "}]}"
#define SAMPLE_WITHOUT(fields) "{\"agent\":\"a\",\"seq\":1,\"samples\":[{" fields "}]}"

static void test_reject_envelope(void **state)
{
    expect_reject("", "body", "invalid JSON");
    expect_reject("{\"agent\":", "body", "invalid JSON");
    expect_reject("[1,2]", "body", "must be a JSON object");
    expect_reject("{\"agent\":\"a\",\"agent\":\"b\",\"seq\":1,\"samples\":[]}", "body", "duplicate");
    expect_reject("{\"seq\":1,\"samples\":[]}", "agent", "missing");
    expect_reject("{\"agent\":7,\"seq\":1,\"samples\":[]}", "agent", "must be a string");
    expect_reject("{\"agent\":\"../x\",\"seq\":1,\"samples\":[]}", "agent", "[A-Za-z0-9._-]");
    expect_reject("{\"agent\":\"a\",\"samples\":[]}", "seq", "missing");
    expect_reject("{\"agent\":\"a\",\"seq\":-1,\"samples\":[]}", "seq", "non-negative");
    expect_reject("{\"agent\":\"a\",\"seq\":\"1\",\"samples\":[]}", "seq", "non-negative");
    expect_reject("{\"agent\":\"a\",\"seq\":1}", "samples", "missing");
    expect_reject("{\"agent\":\"a\",\"seq\":1,\"samples\":{}}", "samples", "must be an array");
    expect_reject("{\"agent\":\"a\",\"seq\":1,\"samples\":[],\"extra\":1}", "extra", "unknown field");
    expect_reject("{\"agent\":\"a\",\"seq\":1,\"samples\":[3]}", "samples[0]", "must be an object");
    expect_reject("{\"agent\":\"a\",\"seq\":1,\"samples\":[],\"devices\":{}}", "devices", "must be an array");
    /* the vocabulary's classes are checked by push_batch_decode_vocab (vocab_test) */
    expect_reject("{\"agent\":\"a\",\"seq\":1,\"samples\":[],\"devices\":[{\"name\":\"u\",\"class\":\"Toaster\"}]}",
                  "devices[0].class", "must be a device class");
    expect_reject("{\"agent\":\"a\",\"seq\":1,\"samples\":[],\"devices\":[{\"name\":\"../u\",\"class\":\"ups\"}]}",
                  "devices[0].name", "[A-Za-z0-9._-]");
    expect_reject("{\"agent\":\"a\",\"seq\":1,\"samples\":[],\"devices\":[{\"name\":\"u\",\"class\":\"ups\",\"x\":1}]}",
                  "devices[0].x", "unknown field");
}

static void test_reject_sample_fields(void **state)
{
    expect_reject(SAMPLE_WITHOUT("\"metric\":\"m\",\"value\":1,\"ts\":1790000000"), "samples[0].device", "missing");
    expect_reject(SAMPLE(",\"device\":\"x\""), "body", "duplicate");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"../../etc\",\"metric\":\"m\",\"value\":1,\"ts\":1790000000"),
                  "samples[0].device", "[A-Za-z0-9._-]");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"a/b\",\"metric\":\"m\",\"value\":1,\"ts\":1790000000"),
                  "samples[0].device", "[A-Za-z0-9._-]");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"value\":1,\"ts\":1790000000"), "samples[0].metric", "missing");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"Battery\",\"value\":1,\"ts\":1790000000"),
                  "samples[0].metric", "lower-case");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"a..b\",\"value\":1,\"ts\":1790000000"),
                  "samples[0].metric", "lower-case");
    expect_reject(SAMPLE(",\"instance\":\"a\\u0001b\""), "samples[0].instance", "control character U+0001 at character 2");
    expect_reject(SAMPLE(",\"instance\":\"a\\u0000b\""), "samples[0].instance", "control character U+0000 at character 2");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"m\",\"ts\":1790000000"), "samples[0].value", "missing");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"m\",\"value\":\"1\",\"ts\":1790000000"),
                  "samples[0].value", "finite number");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"m\",\"value\":1"), "samples[0].ts", "missing");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":1.5"), "samples[0].ts", "integer");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":1790001000"), "samples[0].ts",
                  "300 s ahead of the server's time");
    expect_reject(SAMPLE_WITHOUT("\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":1000000000"), "samples[0].ts",
                  "93 days before the server's time");
    expect_reject(SAMPLE(",\"severity\":\"bad\""), "samples[0].severity", "ok, warning");
    expect_reject(SAMPLE(",\"unit\":\"abcdefghijklmnopqrstuvwxyz\""), "samples[0].unit", "longer than");
    expect_reject(SAMPLE(",\"colour\":\"red\""), "samples[0].colour", "unknown field");
    expect_reject(SAMPLE(",\"label\":\"\\udc00\""), "body", "invalid JSON");
}

/* A batch refused only for its times is VG_E_CONFLICT (the server answers 409 "retry": "clock") and
 * names its first such sample; any other fault anywhere wins (400: no clock fixes it). */
static void test_reject_time(void **state)
{
    (void)state;
    vg_err err;
    const char *later = "{\"agent\":\"a\",\"seq\":1,\"samples\":["
                        "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1790000000},"
                        "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1790000301},"
                        "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1000000000}]}";
    assert_null(push_batch_decode(later, strlen(later), NOW, &err));
    assert_int_equal(err.code, VG_E_CONFLICT);
    assert_string_equal(err.field, "samples[1].ts");
    /* at the window's edges: taken */
    const char *edges = "{\"agent\":\"a\",\"seq\":1,\"samples\":["
                        "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1790000300},"
                        "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1781964800}]}";
    push_batch *b = push_batch_decode(edges, strlen(edges), NOW, &err);
    assert_non_null(b);
    push_batch_free(b);
    /* with another fault after it, or before it: that one, VG_E_INVALID */
    const char *both = "{\"agent\":\"a\",\"seq\":1,\"samples\":["
                       "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1790009999},"
                       "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":\"x\",\"ts\":1790000000}]}";
    assert_null(push_batch_decode(both, strlen(both), NOW, &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_string_equal(err.field, "samples[1].value");
    const char *sev = "{\"agent\":\"a\",\"seq\":1,\"samples\":["
                      "{\"device\":\"d\",\"metric\":\"m.x\",\"value\":1,\"ts\":1790009999,\"severity\":\"bad\"}]}";
    assert_null(push_batch_decode(sev, strlen(sev), NOW, &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_string_equal(err.field, "samples[0].severity");
    /* PUSH_ANY_TIME bounds nothing (the agent rereading its own spool) */
    b = push_batch_decode(later, strlen(later), PUSH_ANY_TIME, &err);
    assert_non_null(b);
    assert_int_equal(push_batch_count(b), 3);
    push_batch_free(b);
}

/* A body whose second sample (0, 1), second device (2) or envelope (3) has member "key":"ab" ESC. */
static void build_body(char *json, size_t size, int which, const char *key, const char *esc)
{
    switch (which) {
    case 0: /* instance, text, label and unit of a sample */
        snprintf(json, size,
                 "{\"agent\":\"a\",\"seq\":1,\"samples\":[{\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":1790000000},"
                 "{\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":1790000000,\"%s\":\"ab%s\"}]}",
                 key, esc);
        break;
    case 1: /* device and metric of a sample */
        snprintf(json, size,
                 "{\"agent\":\"a\",\"seq\":1,\"samples\":[{\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":1790000000},"
                 "{\"%s\":\"ab%s\",\"metric\":\"m\",\"device\":\"d\",\"value\":1,\"ts\":1790000000}]}",
                 key, esc);
        break;
    case 2: /* name, class and profile of a device */
        snprintf(json, size,
                 "{\"agent\":\"a\",\"seq\":1,\"samples\":[],\"devices\":[{\"name\":\"d\",\"class\":\"ups\"},"
                 "{\"name\":\"d\",\"class\":\"ups\",\"%s\":\"ab%s\"}]}",
                 key, esc);
        break;
    default: /* the agent */
        snprintf(json, size, "{\"seq\":1,\"samples\":[],\"%s\":\"ab%s\"}", key, esc);
    }
}

/* Control characters (utf8.h) in every name and text of a push, named by field and code point. The
 * escapes are JSON's: the decoder sees the characters themselves. */
static void test_reject_controls(void **state)
{
    static const struct {
        const char *esc, *cp;
    } bad[] = {{"\\u0085", "U+0085"}, {"\xc2\x85", "U+0085"}, {"\\u2028", "U+2028"}, {"\xe2\x80\xa9", "U+2029"},
               {"\\u0000", "U+0000"}, {"\\u001b[31m", "U+001B"}, {"\\r\\n", "U+000D"}, {"\\t", "U+0009"},
               {"\\u007f", "U+007F"}, {"\\u009f", "U+009F"}};
    static const struct {
        int fmt;
        const char *key, *field;
    } where[] = {{0, "instance", "samples[1].instance"}, {0, "text", "samples[1].text"},
                 {0, "label", "samples[1].label"},       {0, "unit", "samples[1].unit"},
                 {1, "device", "samples[1].device"},     {1, "metric", "samples[1].metric"},
                 {2, "name", "devices[1].name"},         {2, "class", "devices[1].class"},
                 {2, "profile", "devices[1].profile"},   {3, "agent", "agent"}};
    for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            char json[400], msg[64];
            /* the key is written once; a duplicate (device, metric, name, class) replaces the first */
            build_body(json, sizeof json, where[w].fmt, where[w].key, bad[i].esc);
            char *dup = NULL;
            if (where[w].fmt == 1) { /* drop the first, good member of the same name */
                char good[40];
                snprintf(good, sizeof good, ",\"%s\":\"%s\"", where[w].key, where[w].key[0] == 'd' ? "d" : "m");
                dup = strstr(strstr(json, "},{") + 3, good);
                if (dup)
                    memmove(dup, dup + strlen(good), strlen(dup + strlen(good)) + 1);
            } else if (where[w].fmt == 2 && strcmp(where[w].key, "profile") != 0) {
                char good[40];
                snprintf(good, sizeof good, "\"%s\":\"%s\",", where[w].key, where[w].key[0] == 'n' ? "d" : "ups");
                dup = strstr(strstr(json, "},{") + 3, good);
                if (dup)
                    memmove(dup, dup + strlen(good), strlen(dup + strlen(good)) + 1);
            }
            snprintf(msg, sizeof msg, "control character %s at character 3", bad[i].cp);
            expect_reject(json, where[w].field, msg);
        }
    }
    /* the severity is one of four words: "ok" followed by a NUL is not "ok" */
    expect_reject(SAMPLE(",\"severity\":\"ok\\u0000\""), "samples[0].severity", "ok, warning");
    /* an unknown key holding one: named, the character made '?' so that the answer is one clean line */
    expect_reject(SAMPLE(",\"x\\u2028y\":1"), "samples[0].x?y", "unknown field");
    /* a good batch with the neighbours of the refused characters is still accepted */
    const char *good = "{\"agent\":\"a\",\"seq\":1,\"samples\":[{\"device\":\"d\",\"metric\":\"m\",\"value\":1,"
                       "\"ts\":1790000000,\"instance\":\" ~\\u00a0\\u2027\\u202a\",\"text\":\"é€\",\"label\":\"Salle « 3 »\"}],"
                       "\"devices\":[{\"name\":\"d\",\"class\":\"ups\",\"profile\":\"ups-rfc1628\"}]}";
    vg_err err;
    push_batch *b = push_batch_decode(good, strlen(good), NOW, &err);
    if (!b)
        fail_msg("good batch refused: %s: %s", err.field, err.msg);
    assert_string_equal(push_batch_at(b, 0)->instance, " ~\xc2\xa0\xe2\x80\xa7\xe2\x80\xaa");
    push_batch_free(b);
}

static void test_reject_too_many(void **state)
{
    size_t n = PUSH_MAX_SAMPLES + 1, cap = n * 80 + 100, len = 0;
    char *json = malloc(cap);
    len += (size_t)snprintf(json + len, cap - len, "{\"agent\":\"a\",\"seq\":1,\"samples\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s{\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":%d}",
                                i ? "," : "", NOW);
    snprintf(json + len, cap - len, "]}");
    expect_reject(json, "samples", "more than");
    free(json);
}

static void test_names(void **state)
{
    assert_true(name_is_valid("nro-doullens"));
    assert_true(name_is_valid("UPS_1.a"));
    assert_false(name_is_valid(""));
    assert_false(name_is_valid(".hidden"));
    assert_false(name_is_valid("-x"));
    assert_false(name_is_valid("a b"));
    assert_false(name_is_valid("a/b"));
    char longname[70];
    memset(longname, 'a', 65);
    longname[65] = '\0';
    assert_false(name_is_valid(longname));
    assert_true(metric_name_is_valid("olt.pon.rx.power"));
    assert_false(metric_name_is_valid(".a"));
    assert_false(metric_name_is_valid("a."));
    assert_true(text_is_valid("Pièce froide 3", 64));
    assert_false(text_is_valid("\xc3", 64));         /* truncated UTF-8 */
    assert_false(text_is_valid("\xc0\xaf", 64));     /* overlong encoding of '/' */
    assert_false(text_is_valid("tab\there", 64));
    assert_false(text_is_valid("next\xc2\x85line", 64));    /* U+0085 */
    assert_false(text_is_valid("line\xe2\x80\xa8sep", 64)); /* U+2028 */
    assert_false(text_is_valid("del\x7f", 64));
    assert_true(text_is_valid("nbsp\xc2\xa0ok", 64));      /* U+00A0 is printable */
    char out[64];
    assert_int_equal(name_to_path_component("0/1/3", out, sizeof out), 0);
    assert_string_equal(out, "0%2F1%2F3");
    assert_int_equal(name_to_path_component("..", out, sizeof out), 0);
    assert_string_equal(out, "%2E.");
    assert_int_equal(name_to_path_component("", out, sizeof out), 0);
    assert_string_equal(out, "_");
    assert_int_equal(name_to_path_component("Outlet 1", out, sizeof out), 0);
    assert_string_equal(out, "Outlet%201");
    assert_int_equal(name_to_path_component("abcdef", out, 4), VG_E_TOO_LARGE);
}

/* utf8.h, the one UTF-8 check behind text_is_valid and the cleaning of push errors. */
static void test_utf8(void **state)
{
    static const char *const good[] = {"", "abc", "\xc2\xa0", "\xc3\xa9", "\xe0\xa0\x80", "\xe2\x82\xac",
                                       "\xed\x9f\xbf" /* U+D7FF, below the surrogates */,
                                       "\xee\x80\x80" /* U+E000, above them */, "\xf0\x90\x80\x80",
                                       "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf" /* U+10FFFF */};
    static const char *const bad[] = {
        /* overlong */
        "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf",
        /* surrogates */
        "\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xb0\x80",
        /* above U+10FFFF */
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
        /* truncated */
        "\xc3", "\xe2\x82", "\xf0\x9f\x98", "a\xe2\x82", "\xe2\x82z", "\xf0\x9f\x98\xc3\xa9",
        /* stray continuation bytes */
        "\x80", "\xbf", "a\x80" "b",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!utf8_is_valid(good[i]) || !text_is_valid(good[i], 64))
            fail_msg("good[%zu] refused", i);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (utf8_is_valid(bad[i]) || text_is_valid(bad[i], 64))
            fail_msg("bad[%zu] accepted", i);
    }
    assert_int_equal(utf8_char_len("a"), 1);
    assert_int_equal(utf8_char_len("\xc3\xa9x"), 2);
    assert_int_equal(utf8_char_len("\xe2\x82\xac"), 3);
    assert_int_equal(utf8_char_len("\xf0\x9f\x98\x80"), 4);
    assert_int_equal(utf8_char_len("\xe2\x82"), 0);
    assert_int_equal(utf8_char_len("\xed\xa0\x80"), 0);
    /* the control characters: well-formed, refused as text */
    static const struct {
        const char *s;
        unsigned long cp;
        size_t offset, pos;
    } ctl[] = {{"\x01", 0x01, 0, 1},           {"ab\x1f", 0x1f, 2, 3},         {"\xc3\xa9\x7f", 0x7f, 2, 2},
               {"x\xc2\x80", 0x80, 1, 2},      {"\xe2\x82\xac\xc2\x85", 0x85, 3, 2}, {"\xc2\x9f", 0x9f, 0, 1},
               {"a b\xe2\x80\xa8", 0x2028, 3, 4}, {"\xe2\x80\xa9", 0x2029, 0, 1},
               {"\xff\r", 0x0d, 1, 2} /* a stray byte counts as one character */};
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
        utf8_control at;
        if (!utf8_find_control(ctl[i].s, strlen(ctl[i].s), &at) || at.cp != ctl[i].cp || at.offset != ctl[i].offset ||
            at.pos != ctl[i].pos)
            fail_msg("ctl[%zu] not found where it is", i);
        if (text_is_valid(ctl[i].s, 64))
            fail_msg("ctl[%zu] accepted as text", i);
    }
    assert_false(utf8_find_control("\xc2\xa0\xe2\x80\xa7\xe2\x80\xaa~ ", 10, NULL)); /* U+00A0, U+2027, U+202A */
    assert_true(utf8_find_control("ab\0c", 4, NULL)); /* a NUL within the length is U+0000 */
    assert_int_equal(utf8_control_len("\xc2\x85x"), 2);
    assert_int_equal(utf8_control_len("\xc2\xa0"), 0);
    char label[] = "Salle\xc2\x85" "3\xe2\x80\xa8\xc3\xa9\x01";
    assert_int_equal(utf8_replace_controls(label, ' '), 11);
    assert_string_equal(label, "Salle 3 \xc3\xa9 ");
    vg_err cerr;
    assert_int_equal(utf8_check_control("secret\r\nX-Evil: 1", 19, &cerr), VG_E_INVALID);
    assert_string_equal(cerr.msg, "control character U+000D at character 7");
    assert_int_equal(utf8_check_control("fine", 4, &cerr), VG_OK);
    /* a key cut in the middle of a character by the decoder's bound: the message drops the piece */
    char body[200];
    snprintf(body, sizeof body,
             "{\"agent\": \"a\", \"seq\": 1, \"samples\": [{\"%s\xc3\xa9\": 1}]}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); /* 39 a: the 40-byte bound cuts the e-acute */
    vg_err err;
    assert_null(push_batch_decode(body, strlen(body), NOW, &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_string_equal(err.field, "samples[0].aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_true(utf8_is_valid(err.msg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),         cmocka_unit_test(test_sample_set_bounds),
        cmocka_unit_test(test_reject_envelope),   cmocka_unit_test(test_reject_sample_fields),
        cmocka_unit_test(test_reject_controls),   cmocka_unit_test(test_reject_too_many),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_reject_time),
    };
    return cmocka_run_group_tests_name("push", tests, NULL, NULL);
}
