/* GET /api/v1/vocabulary: mibs/vocabulary.yaml as the dashboard reads it (doc/api.md), so that
 * device classes, metric names, units, state words, services and site kinds are named in one place:
 *
 *   {"classes": [{"name": "ups", "fr": "Onduleur", "en": "UPS", "key_metrics": [...]}, ...],
 *    "metrics": {"battery.charge": {"unit": "%", "kind": "number", "fr": ..., "en": ..., "range": [0, 100],
 *                                   "classes": ["ups"]}, ...},
 *    "units": {"degC": {"fr": "°C", "en": "°C"}, ...}, "texts": {...}, "services": {...},
 *    "site_kinds": {"nro": {"fr": "NRO", "en": "NRO shelter"}, ...},
 *    "graphs": [{"class": "ups", "fr": ..., "en": ..., "metrics": [{"metric": ..., "fr": ..., "en": ...}],
 *                "min": 0, "max": 100}, ...]}
 *
 * A metric listed under two classes (input.voltage: ups and pdu) is one entry: the first's unit, the
 * first labels given, every class. Needs an API token, as every read. */
#include "config.h"

#include <jansson.h>

#include "http/api_routes.h"
#include "vocab.h"

static json_t *vocab_json_text(vocab_text t) { return json_pack("{s:s, s:s}", "fr", t.fr, "en", t.en); }

static json_t *vocab_json_words(size_t n, const vocab_word *(*at)(const vocab *, size_t), const vocab *v)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, at(v, i)->name, vocab_json_text(at(v, i)->label));
    return o;
}

static const char *vocab_kind_name(vocab_kind k)
{
    return k == VOCAB_STATE ? "state" : k == VOCAB_BOOL ? "bool" : "number";
}

static json_t *vocab_json_metrics(const vocab *v)
{
    json_t *o = json_object();
    for (size_t i = 0; i < vocab_metric_count(v); i++) {
        const vocab_metric *m = vocab_metric_at(v, i);
        json_t *e = json_object_get(o, m->name);
        if (!e) {
            e = json_pack("{s:s, s:s, s:[]}", "unit", m->unit, "kind", vocab_kind_name(m->kind), "classes");
            json_object_set_new(o, m->name, e);
        }
        json_array_append_new(json_object_get(e, "classes"), json_string(m->cls));
        if (*m->label.fr && !json_object_get(e, "fr")) {
            json_object_set_new(e, "fr", json_string(m->label.fr));
            json_object_set_new(e, "en", json_string(m->label.en));
        }
        if (m->has_range && !json_object_get(e, "range"))
            json_object_set_new(e, "range", json_pack("[f, f]", m->range_min, m->range_max));
    }
    return o;
}

static json_t *vocab_json_graphs(const vocab *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < vocab_graph_count(v); i++) {
        const vocab_graph *g = vocab_graph_at(v, i);
        json_t *ms = json_array();
        for (size_t j = 0; j < g->nseries; j++)
            json_array_append_new(ms, json_pack("{s:s, s:s, s:s}", "metric", g->series[j].metric, "fr",
                                                g->series[j].legend.fr, "en", g->series[j].legend.en));
        json_t *e =
            json_pack("{s:s, s:s, s:s, s:o}", "class", g->cls, "fr", g->title.fr, "en", g->title.en, "metrics", ms);
        if (g->has_min)
            json_object_set_new(e, "min", json_real(g->min));
        if (g->has_max)
            json_object_set_new(e, "max", json_real(g->max));
        json_array_append_new(a, e);
    }
    return a;
}

api_reply api_route_vocabulary(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny))
        return deny;
    const vocab *v = ctx->cfg->vocab;
    json_t *classes = json_array();
    for (size_t i = 0; i < vocab_class_count(v); i++) {
        const vocab_class *c = vocab_class_at(v, i);
        json_t *keys = json_array();
        for (size_t k = 0; k < c->nkey_metrics; k++)
            json_array_append_new(keys, json_string(c->key_metrics[k]));
        json_array_append_new(classes, json_pack("{s:s, s:s, s:s, s:o}", "name", c->name, "fr", c->label.fr, "en",
                                                 c->label.en, "key_metrics", keys));
    }
    return api_json_reply(200, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "classes", classes, "metrics",
                                         vocab_json_metrics(v), "units",
                                         vocab_json_words(vocab_unit_count(v), vocab_unit_at, v), "texts",
                                         vocab_json_words(vocab_text_count(v), vocab_text_at, v), "services",
                                         vocab_json_words(vocab_service_count(v), vocab_service_at, v), "site_kinds",
                                         vocab_json_words(vocab_site_kind_count(v), vocab_site_kind_at, v), "graphs",
                                         vocab_json_graphs(v)));
}
