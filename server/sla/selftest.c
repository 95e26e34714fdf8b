#include "config.h"
#include "vocab_names.h"
#include "sla/selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"
#include "vocab.h"

/* ---- words and dates ------------------------------------------------------------------------ */

static const char *const st_words[] = {"passed", "warning", "failed", "aborted", SELFTEST_IN_PROGRESS, "none", NULL};

const char *selftest_word(const char *text)
{
    for (const char *const *w = st_words; text && *w; w++)
        if (strcmp(text, *w) == 0)
            return *w;
    return "unknown";
}

bool selftest_word_is_result(const char *word)
{
    return strcmp(word, "passed") == 0 || strcmp(word, "warning") == 0 || strcmp(word, "failed") == 0 ||
           strcmp(word, "aborted") == 0;
}

/* "2026-01-05" -> 00:00 UTC of that day; 0 when it is not a date. */
static int64_t st_day(const char *date)
{
    int y, m, d;
    char tail;
    if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || m < 1 || m > 12 || d < 1 ||
        d > 31)
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    int64_t t = time_zone_mktime("UTC", &tm);
    return t > 0 && tm.tm_mday == d ? t : 0;
}

/* A date sample as YYYY-MM-DD: its text when it is one, else its value (Unix time of the day). */
static void st_sample_date(const push_sample *s, char *out, size_t size)
{
    out[0] = '\0';
    if (st_day(s->text) > 0) {
        snprintf(out, size, "%.10s", s->text);
        return;
    }
    if (!(s->value >= 86400.0 && s->value < 253402300800.0))
        return;
    time_t t = (time_t)s->value;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%d", &tm);
}

/* ---- tests from runs ------------------------------------------------------------------------ */

static bool st_is(const db_selftest_run *r, const char *word) { return strcmp(r->word, word) == 0; }

/* A word that tells something about the last test: a result, or that there is none yet. */
static bool st_informs(const db_selftest_run *r) { return selftest_word_is_result(r->word) || st_is(r, "none"); }

typedef struct {
    const char *device, *kind;
    db_selftest *out;
    size_t max, n;
} st_sink;

/* Keeps the newest `max`: past it, the oldest is dropped. */
static db_selftest *st_emit(st_sink *k, int64_t run)
{
    if (k->max == 0)
        return NULL;
    if (k->n == k->max) {
        memmove(k->out, k->out + 1, (k->max - 1) * sizeof *k->out);
        k->n--;
    }
    db_selftest *t = &k->out[k->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->device, sizeof t->device, "%s", k->device);
    snprintf(t->kind, sizeof t->kind, "%s", k->kind);
    t->run = run;
    return t;
}

/* The test of the in_progress runs i..j (joined when at most max_gap apart), ended by run j + 1 when
 * there is one. Returns the index of the first run after what it used. */
static size_t st_watched(st_sink *k, const db_selftest_run *r, size_t n, size_t i, int64_t max_gap)
{
    size_t j = i;
    while (j + 1 < n && st_is(&r[j + 1], SELFTEST_IN_PROGRESS) && r[j + 1].start - r[j].last <= max_gap)
        j++;
    db_selftest *t = st_emit(k, r[i].start);
    if (!t)
        return j + 1;
    t->start = t->at = r[i].start;
    t->last = r[j].last;
    if (j + 1 >= n || st_is(&r[j + 1], SELFTEST_IN_PROGRESS)) {
        snprintf(t->result, sizeof t->result, "%s", j + 1 >= n ? SELFTEST_IN_PROGRESS : "unknown");
        return j + 1;
    }
    const db_selftest_run *e = &r[j + 1];
    /* what follows is its result; after a long silence the end is not known, the result still is */
    if (e->start - r[j].last <= max_gap)
        t->end = e->start;
    snprintf(t->result, sizeof t->result, "%s", selftest_word_is_result(e->word) ? e->word : "unknown");
    snprintf(t->date, sizeof t->date, "%s", e->date);
    return j + 2;
}

/* A result run not after an in_progress one: a test seen by its result or date changing from the run
 * `prev` (an informing run, or NULL: the first words of the UPS, its last test as it reports it). */
static void st_unwatched(st_sink *k, const db_selftest_run *r, const db_selftest_run *prev)
{
    if (!selftest_word_is_result(r->word))
        return;
    if (prev && strcmp(prev->word, r->word) == 0 &&
        !(prev->date[0] && r->date[0] && strcmp(prev->date, r->date) != 0))
        return; /* nothing new: the same result, no other date */
    db_selftest *t = st_emit(k, r->start);
    if (!t)
        return;
    snprintf(t->result, sizeof t->result, "%s", r->word);
    snprintf(t->date, sizeof t->date, "%s", r->date);
    int64_t day = st_day(r->date);
    if (!prev)
        t->at = day; /* 0 without a date: when it was is not known */
    else /* when it was seen, unless the UPS dates it a day before that (the server was away) */
        t->at = day > 0 && day + 86400 <= r->start ? day : r->start;
}

size_t selftest_derive(const char *device, const char *kind, const db_selftest_run *runs, size_t n,
                       int64_t max_gap, db_selftest *out, size_t max)
{
    st_sink k = {device, kind, out, max, 0};
    const db_selftest_run *prev = NULL; /* the last informing run */
    size_t i = 0;
    while (i < n) {
        if (st_is(&runs[i], SELFTEST_IN_PROGRESS)) {
            size_t next = st_watched(&k, runs, n, i, max_gap);
            if (next - 1 < n && next - 1 > i && st_informs(&runs[next - 1]))
                prev = &runs[next - 1];
            i = next;
            continue;
        }
        if (st_informs(&runs[i])) {
            st_unwatched(&k, &runs[i], prev);
            prev = &runs[i];
        }
        i++; /* unknown: a poll that did not say, not a change */
    }
    return k.n;
}

/* ---- ingest --------------------------------------------------------------------------------- */

/* What one poll of one UPS said of its tests. */
typedef struct {
    const char *device;
    int64_t ts;
    const char *test, *calibration;  /* canonical words, NULL when not in the batch */
    int running;                     /* ups.test.running: -1 not in the batch */
    char test_date[16], cal_date[16];
} st_obs;

static void st_obs_take(st_obs *o, const push_sample *s)
{
    if (strcmp(s->metric, VOCAB_UPS_TEST_RESULT) == 0 && !o->test)
        o->test = selftest_word(s->text);
    else if (strcmp(s->metric, VOCAB_UPS_CALIBRATION_RESULT) == 0 && !o->calibration)
        o->calibration = selftest_word(s->text);
    else if (strcmp(s->metric, VOCAB_UPS_TEST_RUNNING) == 0)
        o->running = o->running == 1 || s->value >= 1 ? 1 : 0;
    else if (strcmp(s->metric, VOCAB_UPS_TEST_DATE) == 0 && !o->test_date[0])
        st_sample_date(s, o->test_date, sizeof o->test_date);
    else if (strcmp(s->metric, VOCAB_UPS_CALIBRATION_DATE) == 0 && !o->cal_date[0])
        st_sample_date(s, o->cal_date, sizeof o->cal_date);
}

static bool st_is_test_metric(const char *m)
{
    return strcmp(m, VOCAB_UPS_TEST_RESULT) == 0 || strcmp(m, VOCAB_UPS_CALIBRATION_RESULT) == 0 ||
           strcmp(m, VOCAB_UPS_TEST_RUNNING) == 0 || strcmp(m, VOCAB_UPS_TEST_DATE) == 0 ||
           strcmp(m, VOCAB_UPS_CALIBRATION_DATE) == 0;
}

/* Runs to tests again for (site, device, kind), and the runs trimmed. */
static vg_code st_rederive(db *d, const char *site, const char *device, const char *kind, vg_err *err)
{
    db_selftest_run *runs = NULL;
    size_t n = 0;
    vg_code rc = db_selftest_runs(d, site, device, kind, SELFTEST_RUNS_KEPT, &runs, &n, err);
    db_selftest *tests = rc == VG_OK ? calloc(n ? n : 1, sizeof *tests) : NULL;
    if (rc == VG_OK && !tests)
        rc = vg_fail(err, VG_E_NOMEM, "out of memory");
    if (rc == VG_OK) {
        size_t nt = selftest_derive(device, kind, runs, n, SELFTEST_MAX_GAP, tests, n);
        rc = db_selftest_replace(d, site, device, kind, tests, nt, err);
    }
    if (rc == VG_OK && n >= SELFTEST_RUNS_KEPT)
        rc = db_selftest_trim(d, site, device, kind, SELFTEST_RUNS_KEPT, err);
    free(tests);
    free(runs);
    return rc;
}

static vg_code st_record(db *d, const char *site, const st_obs *o, const char *kind, const char *word,
                         const char *date, vg_err *err)
{
    bool changed = false;
    vg_code rc = db_selftest_observe(d, site, o->device, kind, o->ts, word, date, SELFTEST_MAX_GAP, &changed, err);
    /* a test in progress moves its `last` at every poll: derived again too (a few polls a test) */
    if (rc == VG_OK && (changed || strcmp(word, SELFTEST_IN_PROGRESS) == 0))
        rc = st_rederive(d, site, o->device, kind, err);
    return rc;
}

/* A poll's words: a status flag saying a test runs wins over a result not yet updated (unless it is a
 * calibration that runs); a flag back to 0 with no result metric ends the test, result unknown. */
static vg_code st_observe(db *d, const char *site, const st_obs *o, vg_err *err)
{
    const char *test = o->test;
    bool calibrating = o->calibration && strcmp(o->calibration, SELFTEST_IN_PROGRESS) == 0;
    if (o->running == 1 && !calibrating)
        test = SELFTEST_IN_PROGRESS;
    else if (!test && o->running == 0)
        test = "unknown";
    vg_code rc = VG_OK;
    if (test)
        rc = st_record(d, site, o, SELFTEST_KIND_TEST, test, o->test_date, err);
    if (rc == VG_OK && o->calibration)
        rc = st_record(d, site, o, SELFTEST_KIND_CALIBRATION, o->calibration, o->cal_date, err);
    return rc;
}

vg_code selftest_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, vg_err *err)
{
    (void)cfg;
    st_obs o = {0};
    vg_code rc = VG_OK;
    for (size_t i = 0; i < push_batch_count(b) && rc == VG_OK; i++) {
        const push_sample *s = push_batch_at(b, i);
        if (!st_is_test_metric(s->metric))
            continue;
        /* the samples of one poll of a device come together */
        if (o.device && (o.ts != s->ts || strcmp(o.device, s->device) != 0)) {
            rc = st_observe(d, site, &o, err);
            memset(&o, 0, sizeof o);
        }
        if (!o.device) {
            o.device = s->device;
            o.ts = s->ts;
            o.running = -1;
        }
        st_obs_take(&o, s);
    }
    if (rc == VG_OK && o.device)
        rc = st_observe(d, site, &o, err);
    return rc;
}

/* ---- what a test causes --------------------------------------------------------------------- */

bool selftest_caused(db *d, const server_config *cfg, const char *site, const push_sample *s, selftest_memo *m)
{
    if (!cfg->vocab || !vocab_metric_test_caused(cfg->vocab, vocab_metric_find(cfg->vocab, s->metric), s->text))
        return false;
    if (m->in_test >= 0 && m->ts == s->ts && strcmp(m->device, s->device) == 0)
        return m->in_test == 1;
    bool in = false;
    int64_t cover = (int64_t)SELFTEST_COVER_STEPS * cfg->step;
    if (db_selftest_in_test(d, site, s->device, s->ts, cover, &in, NULL) != VG_OK)
        in = false;
    snprintf(m->device, sizeof m->device, "%s", s->device);
    m->ts = s->ts;
    m->in_test = in ? 1 : 0;
    return in;
}
