/* The délégataire's report from a stored month: four public sites of one contract (24x7, GTR 1 h,
 * 100 € per started hour, capped at 250 € per site a month) pushed by their checking agent every
 * minute for the first 14 hours of October 2026 (Europe/Paris), the OLT of nro-a pushed by its own
 * agent. The outages, hand-placed on whole minutes after F (the month's start):
 *   nro-a and ecole-1, ecole-2 (Amiens, behind nro-a)  [F+1 h, F+4 h)  3 h: overrun 2 h, 200 € each, NRO
 *   police-1 (Doullens, nro-b)                          [F+6 h, F+7.5 h) overrun 30 min, 100 €, link
 *   mairie-1 (Amiens, nro-b)                            [F+8 h, F+11 h) overrun 2 h, 200 €, link
 *                                                       [F+12 h, F+13.5 h) overrun 30 min, 100 € cut to 50 €
 * Counted until F+14 h (50,400 s): availability 1 - downtime / 50,400. Then the document, its view,
 * the words of the summary and the CSV; and the ordinary monthly report without the public sites.
 * Run as `contract_test --populate SERVER.YAML`, it writes those 14 hours into SERVER.YAML's data_dir
 * (the agents dc and nro-a-agent, tokens contract-test-token-dc and -na, the four sites above) for
 * tests/integration/contract_report.sh, and exits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "alerting/alerts.h"
#include "config/server_config.h"
#include "contract/contract.h"
#include "http/api.h"
#include "log.h"
#include "report/contract_content.h"
#include "report/contract_render.h"
#include "report/contract_view.h"
#include "report/report.h"
#include "store/db.h"
#include "store/rrd_store.h"
#include "test_db.h"
#include "test_util.h"

#define F 1790805600 /* 2026-10-01T00:00:00+02:00 */
#define H 3600
#define NOW (F + 14 * H)

static api_ctx ctx;
static server_config *cfg;
static char *dir;
static uint64_t seq_dc, seq_na;

static void push(const char *token, const char *body, int64_t ts)
{
    api_reply r = api_ingest(&ctx, token, body, strlen(body), (time_t)ts);
    if (r.status != 200)
        fail_msg("push %d: %s", r.status, r.body);
    free(r.body);
}

static void push_sites(int64_t ts, const int *up)
{
    static const char *const devs[] = {"ecole-1", "ecole-2", "mairie-1", "police-1"};
    char body[4096];
    int n = snprintf(body, sizeof body, "{\"agent\":\"dc\",\"seq\":%llu,\"samples\":[", (unsigned long long)++seq_dc);
    for (int i = 0; i < 4; i++)
        n += snprintf(body + n, sizeof body - (size_t)n,
                      "%s{\"device\":\"%s\",\"metric\":\"link.reachable\",\"value\":%d,\"unit\":\"bool\",\"ts\":%lld,"
                      "\"severity\":\"%s\"}",
                      i ? "," : "", devs[i], up[i], (long long)ts, up[i] ? "ok" : "critical");
    n += snprintf(body + n, sizeof body - (size_t)n, "],\"devices\":[");
    for (int i = 0; i < 4; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, "%s{\"name\":\"%s\",\"class\":\"link\"}", i ? "," : "", devs[i]);
    snprintf(body + n, sizeof body - (size_t)n, "]}");
    push("Bearer contract-test-token-dc", body, ts);
}

static void push_olt(int64_t ts, int up)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"agent\":\"nro-a-agent\",\"seq\":%llu,\"samples\":[{\"device\":\"olt\",\"metric\":\"link.reachable\","
             "\"value\":%d,\"unit\":\"bool\",\"ts\":%lld,\"severity\":\"%s\"}],\"devices\":[{\"name\":\"olt\","
             "\"class\":\"olt\"}]}",
             (unsigned long long)++seq_na, up, (long long)ts, up ? "ok" : "critical");
    push("Bearer contract-test-token-na", body, ts);
}

static bool within(int64_t t, double a, double b) { return t >= F + (int64_t)(a * H) && t < F + (int64_t)(b * H); }

/* The 14 hours, a push a minute from each agent. */
static void store_month(void)
{
    for (int64_t t = F; t < NOW; t += 60) {
        int nro = !within(t, 1, 4);
        int up[4] = {nro, nro, !within(t, 8, 11) && !within(t, 12, 13.5), !within(t, 6, 7.5)};
        push_sites(t, up);
        push_olt(t + 5, nro);
        alerts_tick(ctx.db, cfg, 0, t + 10, NULL);
    }
}

/* cfg, its database and RRD folder from server.yaml at yaml_path. */
static int open_ctx(const char *yaml_path)
{
    vg_err err = {0};
    char path[1200];
    cfg = server_config_load(yaml_path, &err);
    if (!cfg) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = cfg;
    snprintf(path, sizeof path, "%s/vigie.db", cfg->data_dir);
    if ((mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) || db_open(cfg->database[0] ? cfg->database : tu_db(path), &ctx.db, &err) != VG_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return -1;
    }
    ctx.rrd = rrd_store_new(cfg->data_dir, cfg->step);
    return ctx.rrd ? 0 : -1;
}

static void close_ctx(void)
{
    rrd_store_free(ctx.rrd);
    db_close(ctx.db);
    server_config_free(cfg);
}

static int setup(void **state)
{
    (void)state;
    char path[512], yaml[4096];
    dir = tu_tmpdir();
    tu_write(dir, "public.csv",
             "id,name,commune,category,nro,address,contract,epci\n"
             "ecole-1,École Jaurès,Amiens,school,nro-a,127.0.0.11,standard,Amiens Métropole\n"
             "ecole-2,École Hugo,Amiens,school,nro-a,127.0.0.12,standard,Amiens Métropole\n"
             "mairie-1,Mairie,Amiens,town_hall,nro-b,127.0.0.13,standard,Amiens Métropole\n"
             "police-1,Police,Doullens,police,nro-b,127.0.0.14,standard,Doullennais\n",
             path, sizeof path);
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\n"
             "sites: [{id: dc, kind: datacenter}, {id: nro-a, kind: nro}, {id: nro-b, kind: nro}]\n"
             "agents: [{id: dc, token: contract-test-token-dc, site: dc},"
             " {id: nro-a-agent, token: contract-test-token-na, site: nro-a}]\n"
             "api_tokens: [{name: wall, token: contract-read-token-1}]\n"
             "contracts:\n"
             "  standard: {fr: 'Sites publics — standard', en: 'Public sites — standard', target: 99.5, gtr: 1h,"
             " penalty_per_hour: 100, penalty_cap: 250}\n"
             "  empty: {target: 99, gtr: 4h}\n"
             "public_sites: {file: public.csv, agent: dc}\n"
             "dependency_grace: 120\n",
             dir);
    if (open_ctx(tu_write(dir, "server.yaml", yaml, path, sizeof path)) != 0)
        fail_msg("cannot open the test's configuration");
    store_month();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close_ctx();
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static contract_report *build(void)
{
    contract_report *r = NULL;
    vg_err err;
    if (contract_report_build(ctx.db, cfg, "standard", 2026, 10, NULL, NOW, &r, &err) != VG_OK)
        fail_msg("%s", err.msg);
    return r;
}

static cview *view(json_t **doc)
{
    contract_report *r = build();
    vg_err err;
    assert_int_equal(report_contract_doc(cfg, r, NOW, doc, &err), VG_OK);
    contract_report_free(r);
    cview *v = cview_new(*doc, &err);
    if (!v)
        fail_msg("%s", err.msg);
    return v;
}

static void assert_avail(double got, int64_t downtime)
{
    double want = 100.0 * (1 - (double)downtime / (14.0 * H));
    if (fabs(got - want) > 1e-6)
        fail_msg("availability %.6f, want %.6f", got, want);
}

/* Worst first, each site's figures, the penalties split NRO / single link. */
static void test_sites(void **state)
{
    (void)state;
    json_t *doc;
    cview *v = view(&doc);
    assert_int_equal(v->nsites, 4);
    static const char *const order[] = {"mairie-1", "ecole-1", "ecole-2", "police-1"};
    static const int64_t down[] = {16200, 10800, 10800, 5400}, incidents[] = {2, 1, 1, 1}, nro[] = {0, 1, 1, 0};
    static const double pen[] = {250, 200, 200, 100}, pen_nro[] = {0, 200, 200, 0};
    for (int i = 0; i < 4; i++) {
        const cview_site *s = &v->sites[i];
        assert_string_equal(s->id, order[i]);
        assert_int_equal(s->downtime, down[i]);
        assert_avail(s->availability, down[i]);
        assert_int_equal(s->status, CONTENT_MISSED);
        assert_int_equal(s->incidents, incidents[i]);
        assert_int_equal(s->breaches, incidents[i]);
        assert_int_equal(s->attributed, nro[i]);
        assert_true(s->penalty == pen[i]);
        assert_true(s->penalty_nro == pen_nro[i]);
        assert_true(s->penalty_link == pen[i] - pen_nro[i]);
        assert_int_equal(s->capped, i == 0);
        assert_true(cview_site_exception(s));
    }
    assert_string_equal(v->sites[0].epci, "Amiens Métropole");
    assert_int_equal(v->bands[4], 4); /* all four more than 5 points below the target */
    cview_free(v);
    json_decref(doc);
}

/* The incidents against the GTR, by start: deadline start + 1 h, overrun, penalty, attribution. */
static void test_incidents(void **state)
{
    (void)state;
    json_t *doc;
    cview *v = view(&doc);
    assert_int_equal(v->nincidents, 5);
    static const struct {
        const char *site;
        double start, end;
        int64_t overrun;
        double penalty;
        const char *nro;
    } want[] = {{"ecole-1", 1, 4, 2 * H, 200, "nro-a"}, {"ecole-2", 1, 4, 2 * H, 200, "nro-a"},
                {"police-1", 6, 7.5, 1800, 100, NULL},  {"mairie-1", 8, 11, 2 * H, 200, NULL},
                {"mairie-1", 12, 13.5, 1800, 50, NULL}};
    for (int i = 0; i < 5; i++) {
        const cview_incident *in = &v->incidents[i];
        assert_string_equal(in->site, want[i].site);
        assert_int_equal(in->start, F + (int64_t)(want[i].start * H));
        assert_int_equal(in->restored, F + (int64_t)(want[i].end * H));
        assert_int_equal(in->gtr_deadline, in->start + H);
        assert_true(in->breach);
        assert_int_equal(in->overrun, want[i].overrun);
        assert_true(in->penalty == want[i].penalty);
        if (want[i].nro)
            assert_string_equal(in->attributed_to, want[i].nro);
        else
            assert_null(in->attributed_to);
    }
    cview_free(v);
    json_decref(doc);
}

/* Per commune, by name; the summary's totals. */
static void test_communes_and_totals(void **state)
{
    (void)state;
    json_t *doc;
    cview *v = view(&doc);
    assert_int_equal(v->ncommunes, 2);
    const cview_commune *a = &v->communes[0], *d = &v->communes[1];
    assert_string_equal(a->commune, "Amiens");
    assert_int_equal(a->sites, 3);
    assert_int_equal(a->not_met, 3);
    assert_int_equal(a->incidents, 4);
    assert_int_equal(a->breaches, 4);
    assert_int_equal(a->downtime, 16200 + 2 * 10800);
    assert_true(a->penalty == 650 && a->penalty_nro == 400 && a->penalty_link == 250);
    assert_avail(a->availability, (16200 + 2 * 10800) / 3); /* summed uptime over summed eligible time */
    assert_string_equal(d->commune, "Doullens");
    assert_string_equal(d->epci, "Doullennais");
    assert_int_equal(d->sites, 1);
    assert_true(d->penalty == 100 && d->penalty_nro == 0 && d->penalty_link == 100);
    const cview_summary *s = &v->sum;
    assert_int_equal(s->sites, 4);
    assert_int_equal(s->missed, 4);
    assert_int_equal(s->met, 0);
    assert_int_equal(s->incidents, 5);
    assert_int_equal(s->attributed, 2);
    assert_int_equal(s->breaches, 5);
    assert_int_equal(s->breaches_nro, 2);
    assert_int_equal(s->sites_breached, 4);
    assert_int_equal(s->sites_capped, 1);
    assert_int_equal(s->downtime, 16200 + 2 * 10800 + 5400);
    assert_true(s->penalties == 750 && s->penalties_nro == 400 && s->penalties_link == 350);
    assert_avail(s->min_availability, 16200);
    cview_free(v);
    json_decref(doc);
}

static const ccontent_row *row(const ccontent_row *r, size_t n, const char *label)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].label, label) == 0)
            return &r[i];
    fail_msg("no summary row '%s'", label);
    return NULL;
}

/* What a person reads, in both languages. */
static void test_words(void **state)
{
    (void)state;
    char b[200];
    ccontent_money(REPORT_LANG_FR, 12450.5, b, sizeof b);
    assert_string_equal(b, "12 450,50 €");
    ccontent_money(REPORT_LANG_EN, 12450.5, b, sizeof b);
    assert_string_equal(b, "€12,450.50");
    ccontent_money(REPORT_LANG_EN, 750, b, sizeof b);
    assert_string_equal(b, "€750");
    json_t *doc;
    cview *v = view(&doc);
    ccontent_terms(v, REPORT_LANG_FR, b, sizeof b);
    assert_string_equal(b, "objectif 99,5 % par mois · GTR 1 h (calendrier 24x7) · 100 € par heure entamée au-delà, "
                           "plafond 250 € par site et par mois");
    ccontent_row r[CCONTENT_ROWS];
    size_t n = ccontent_summary_rows(v, REPORT_LANG_FR, r);
    assert_string_equal(row(r, n, "Pénalités dues")->value, "750 € (plafond atteint pour 1 site(s))");
    assert_string_equal(row(r, n, "Part des pénalités")->value,
                        "pannes de NRO 400 € (53,3 %) · liens propres 350 € (46,7 %)");
    n = ccontent_summary_rows(v, REPORT_LANG_EN, r);
    assert_string_equal(row(r, n, "GTR breaches")->value, "5 (at 4 site(s)), of which 2 attributed to an NRO");
    assert_string_equal(row(r, n, "Share of the penalties")->value,
                        "NRO failures €400 (53.3 %) · single links €350 (46.7 %)");
    report_contract_subject(doc, REPORT_LANG_FR, b, sizeof b);
    assert_string_equal(b, "Rapport du délégataire – Sites publics — standard – octobre 2026");
    report_contract_filename(doc, REPORT_CSV, b, sizeof b);
    assert_string_equal(b, "vigie-contract-standard-2026-10.csv");
    cview_free(v);
    json_decref(doc);
}

/* The CSV: one row per site, worst first, with its figures (English: ',' and '.'). */
static void test_csv(void **state)
{
    (void)state;
    json_t *doc;
    cview *v = view(&doc);
    cview_free(v);
    report_render_out out;
    vg_err err;
    assert_int_equal(report_contract_render(REPORT_CSV, doc, REPORT_LANG_EN, &out, &err), VG_OK);
    const char *m = strstr(out.data, "\r\nsites,mairie-1,Mairie,Amiens,Amiens Métropole,town_hall,nro-b,67.857143,");
    assert_non_null(m);
    assert_non_null(strstr(m, ",missed,16200,2,0,2,250.00,0.00,250.00,yes\r\n"));
    const char *e1 = strstr(out.data, "\r\nsites,ecole-1,"), *p1 = strstr(out.data, "\r\nsites,police-1,");
    assert_true(m < e1 && e1 < p1);
    assert_non_null(strstr(out.data, "\r\ncommunes,Amiens,Amiens Métropole,3,3,"));
    assert_non_null(strstr(out.data, "\r\nsummary,penalties_nro_eur,400.00\r\n"));
    size_t rows = 0;
    for (const char *p = out.data; (p = strstr(p, "\r\nsites,")); p++)
        rows++;
    assert_int_equal(rows, 4);
    free(out.data);
    json_decref(doc);
}

/* A document with a member missing or of the wrong type is refused, naming it. */
static void test_bad_document(void **state)
{
    (void)state;
    json_t *doc;
    cview *v = view(&doc);
    cview_free(v);
    vg_err err;
    json_object_del(json_array_get(json_object_get(doc, "sites"), 1), "penalty");
    assert_null(cview_new(doc, &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_string_equal(err.field, "sites[1].penalty");
    json_object_set_new(json_object_get(doc, "summary"), "breaches", json_string("5"));
    assert_null(cview_new(doc, &err));
    assert_string_equal(err.field, "summary.breaches");
    json_object_set_new(doc, "report", json_string("monthly"));
    assert_null(cview_new(doc, &err));
    assert_string_equal(err.field, "report");
    json_decref(doc);
}

/* A contract without sites renders in every format but the PDF (contract_report.sh renders that: pango
 * keeps caches valgrind would count) in both languages: no figure, no division by zero. */
static void test_empty_contract(void **state)
{
    (void)state;
    json_t *doc;
    vg_err err;
    assert_int_equal(report_contract_build(ctx.db, cfg, "empty", 2026, 10, NOW, &doc, &err), VG_OK);
    static const report_format formats[] = {REPORT_HTML, REPORT_CSV, REPORT_JSON};
    for (int l = 0; l < 2; l++)
        for (int f = 0; f < 3; f++) {
            report_render_out out;
            if (report_contract_render(formats[f], doc, l ? REPORT_LANG_EN : REPORT_LANG_FR, &out, &err) != VG_OK)
                fail_msg("format %d lang %d: %s", f, l, err.msg);
            assert_true(out.len > 100);
            if (formats[f] == REPORT_CSV)
                assert_null(strstr(out.data, "\r\nsites,"));
            free(out.data);
        }
    char *mail = report_contract_summary(doc, REPORT_LANG_EN);
    assert_non_null(strstr(mail, "Penalties due: €0"));
    assert_null(strstr(mail, "below their target"));
    free(mail);
    json_decref(doc);
}

/* An unknown contract; the ordinary monthly report leaves the public sites to this one. */
static void test_errors_and_monthly(void **state)
{
    (void)state;
    contract_report *r = NULL;
    vg_err err;
    assert_int_equal(contract_report_build(ctx.db, cfg, "gold", 2026, 10, NULL, NOW, &r, &err), VG_E_NOT_FOUND);
    assert_string_equal(err.field, "contract");
    json_t *doc;
    report_query q = {.year = 2026, .month = 10, .now = NOW};
    assert_int_equal(report_build(ctx.db, cfg, &q, &doc, &err), VG_OK);
    json_t *sites = json_object_get(doc, "sites"), *s;
    size_t i;
    char ids[256] = "";
    json_array_foreach(sites, i, s)
    {
        strncat(ids, json_string_value(json_object_get(s, "site")), sizeof ids - strlen(ids) - 2);
        strncat(ids, " ", sizeof ids - strlen(ids) - 1);
    }
    assert_int_equal(json_array_size(sites), 3); /* dc, nro-a, nro-b in the monthly report's order */
    assert_non_null(strstr(ids, "dc "));
    assert_null(strstr(ids, "ecole"));
    assert_null(strstr(ids, "mairie"));
    assert_null(strstr(ids, "police"));
    json_decref(doc);
    /* one public site asked for by name is still there */
    q.site = "ecole-1";
    assert_int_equal(report_build(ctx.db, cfg, &q, &doc, &err), VG_OK);
    assert_int_equal(json_array_size(json_object_get(doc, "sites")), 1);
    json_decref(doc);
}

int main(int argc, char **argv)
{
    log_set_level(LOG_LVL_WARN); /* not the alerts the outages fire */
    if (argc == 3 && strcmp(argv[1], "--populate") == 0) { /* for tests/integration/contract_report.sh */
        if (open_ctx(argv[2]) != 0)
            return 1;
        store_month();
        close_ctx();
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sites),         cmocka_unit_test(test_incidents),
        cmocka_unit_test(test_communes_and_totals), cmocka_unit_test(test_words),
        cmocka_unit_test(test_csv),           cmocka_unit_test(test_bad_document),
        cmocka_unit_test(test_empty_contract),
        cmocka_unit_test(test_errors_and_monthly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
