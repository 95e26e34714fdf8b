/* vocab: mibs/vocabulary.yaml, the one list of the words vigie's data is made of — device classes,
 * metric names with their units and labels, the metrics each class shows first, the report's graphs,
 * the words of states and services, and the services each kind of site has when server.yaml names
 * none. The agent checks its profiles against it; the server checks pushes and sites against it and
 * serves it to the dashboard (GET /api/v1/vocabulary). mibs/README.md documents the file.
 *
 * A vocab is read-only once loaded; every string it hands out lives as long as it does. Its sections
 * other than the class sections are optional, so that a test can write a vocabulary of three lines;
 * when `classes:` is missing, the classes are the class sections, in their order. */
#ifndef VIGIE_VOCAB_H
#define VIGIE_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "error.h"

#define VOCAB_CLASS_MAX 15        /* bytes of a class name: the cls[16] fields of pushes and sites */
#define VOCAB_GRAPH_MAX_SERIES 4  /* metrics of one graph */

typedef struct vocab vocab;

/* How a metric's value reads: a number in its unit, a state (code + text, from an enum), 0 or 1. */
typedef enum { VOCAB_NUMBER = 0, VOCAB_STATE, VOCAB_BOOL } vocab_kind;

/* Words in both languages of the dashboard and the report; "" when not given. */
typedef struct {
    const char *fr, *en;
} vocab_text;

typedef struct {
    const char *name;     /* battery.charge */
    const char *cls;      /* the class section that lists it */
    const char *unit;     /* %, degC, state, bool ... */
    vocab_kind kind;      /* from the unit */
    const char *doc;
    vocab_text label;     /* "" when the vocabulary gives none: show the name */
    bool has_range;       /* the physical range (0..100 for a percentage of charge) */
    double range_min, range_max;
    int heartbeat;        /* seconds between samples RRD still joins; 0: the store's default (3 steps).
                           * Set for metrics read in a slow sweep (a sample every few cycles) */
    /* `during_test:` what a UPS's own self-test or calibration causes in this metric (on battery, the
     * runtime dropping): `any` reading (test_any), or only the state words of a list (test_words, a
     * sequence of the document). A reading so caused is neither an outage nor a page while the device
     * is in a test (server/sla/selftest.h); vocab_metric_test_caused() says whether one is. */
    bool test_any;
    const conf_node *test_words;
} vocab_metric;

typedef struct {
    const char *name;     /* ups */
    vocab_text label;
    const char *const *key_metrics; /* what a device shows first (the dashboard's cards), in order */
    size_t nkey_metrics;
} vocab_class;

typedef struct {
    const char *metric;
    vocab_text legend;    /* "" when the graph has one metric; else put after the device's name */
} vocab_series;

/* One graph of the monthly report: the metrics of every device of a class at a site. */
typedef struct {
    const char *cls;
    vocab_text title;     /* "Charge des batteries (%)" */
    vocab_series series[VOCAB_GRAPH_MAX_SERIES];
    size_t nseries;
    bool has_min, has_max; /* the y axis: rrd_graph --lower-limit / --upper-limit */
    double min, max;
} vocab_graph;

/* A word with its labels: units (degC: °C), state texts (closed: fermée), services (power: Énergie),
 * site kinds (nro: NRO). */
typedef struct {
    const char *name;
    vocab_text label;
} vocab_word;

/* Reads and checks the file: file:line:column errors in err (VG_E_INVALID; VG_E_IO when it cannot be
 * read). NULL on error. */
vocab *vocab_load(const char *path, vg_err *err);
void vocab_free(vocab *v);
const char *vocab_path(const vocab *v);

/* Whether s may be a class name at all (a lower-case word of at most VOCAB_CLASS_MAX bytes). */
bool vocab_class_name_is_valid(const char *s);

/* Classes, in the vocabulary's order. */
size_t vocab_class_count(const vocab *v);
const vocab_class *vocab_class_at(const vocab *v, size_t i);
const vocab_class *vocab_class_find(const vocab *v, const char *name);
/* The class names, NULL-terminated (for conf_check_choice), and as "ups, pdu, cooling, olt, env or
 * generic" for messages that say what a class may be. */
const char *const *vocab_class_names(const vocab *v);
const char *vocab_class_list(const vocab *v);

/* Metrics: every entry of every class section, in file order (a name may be under two classes). */
size_t vocab_metric_count(const vocab *v);
const vocab_metric *vocab_metric_at(const vocab *v, size_t i);
/* The first entry of that name, whatever its class; NULL when the vocabulary does not have it. */
const vocab_metric *vocab_metric_find(const vocab *v, const char *name);
/* The entry a device of class `cls` uses: its class's, else generic's, else env's (many UPS cards
 * and PDUs carry a temperature probe). NULL when the class may not use that name. */
const vocab_metric *vocab_metric_for(const vocab *v, const char *cls, const char *name);
/* Whether a reading of m with this text (a state word; "" for a number) is what a test causes:
 * m's `during_test` is `any`, or lists the word. False for a metric without `during_test`. */
bool vocab_metric_test_caused(const vocab *v, const vocab_metric *m, const char *text);

/* The report's graphs, in the report's order; vocab_class_graphs gives those of one class. */
size_t vocab_graph_count(const vocab *v);
const vocab_graph *vocab_graph_at(const vocab *v, size_t i);
size_t vocab_class_graphs(const vocab *v, const char *cls, const vocab_graph **out, size_t max);

/* Units, state texts and services with their labels (NULL when not listed: show the word as is). */
size_t vocab_unit_count(const vocab *v);
const vocab_word *vocab_unit_at(const vocab *v, size_t i);
const vocab_word *vocab_unit_find(const vocab *v, const char *unit);
size_t vocab_text_count(const vocab *v);
const vocab_word *vocab_text_at(const vocab *v, size_t i);
const vocab_word *vocab_text_find(const vocab *v, const char *text);
size_t vocab_service_count(const vocab *v);
const vocab_word *vocab_service_at(const vocab *v, size_t i);
const vocab_word *vocab_service_find(const vocab *v, const char *name);

/* Kinds of site (datacenter, nro, ...), with their labels. */
size_t vocab_site_kind_count(const vocab *v);
const vocab_word *vocab_site_kind_at(const vocab *v, size_t i);
const vocab_word *vocab_site_kind_find(const vocab *v, const char *kind);
/* The kind names, NULL-terminated, and as "datacenter, nro, pop or core". */
const char *const *vocab_site_kind_names(const vocab *v);
const char *vocab_site_kind_list(const vocab *v);
/* The `services:` of a kind, written as in server.yaml, for the server's site model to read (its
 * errors then point into vocabulary.yaml); NULL for an unknown kind. *doc is the vocabulary's. */
const conf_node *vocab_site_services(const vocab *v, const char *kind, const conf_doc **doc);

#endif
