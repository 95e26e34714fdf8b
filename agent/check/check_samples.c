/* A target's results of a cycle as samples of the vocabulary (mibs/vocabulary.yaml, link.*), with the
 * severities the agent puts on them: an unanswered target is down (critical), not unknown. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check/check_internal.h"
#include "log.h"

/* A loss of this much or more is a warning. */
#define CHECK_LOSS_WARNING 20.0

double check_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void check_icmp_stats_of(const double *rtt, size_t n, check_icmp_stats *out)
{
    *out = (check_icmp_stats){.sent = n};
    double sum = 0, diffs = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        double r = rtt[i];
        if (!(r >= 0)) /* NaN or negative: no answer */
            continue;
        if (out->answered == 0 || r < out->min)
            out->min = r;
        if (out->answered == 0 || r > out->max)
            out->max = r;
        if (out->answered > 0)
            diffs += fabs(r - prev);
        prev = r;
        sum += r;
        out->answered++;
    }
    out->loss = n ? 100.0 * (double)(n - out->answered) / (double)n : 0;
    out->has_rtt = out->answered > 0;
    out->has_jitter = out->answered > 1;
    if (out->has_rtt)
        out->rtt = sum / (double)out->answered;
    if (out->has_jitter)
        out->jitter = diffs / (double)(out->answered - 1);
}

typedef struct {
    const poll_sink *out;
    const agent_check *t;
    int64_t ts;
    size_t taken;
} ck_emitter;

static void ck_put(ck_emitter *e, const char *metric, const char *instance, double v, const char *unit, severity sev)
{
    push_sample s;
    if (push_sample_set(&s, e->t->name, metric, instance, v, unit, e->ts) != 0)
        return; /* names are checked when the target is read: cannot happen */
    s.sev = sev;
    if (e->out->sample(e->out->ctx, &s) == 0)
        e->taken++;
}

/* The ICMP metrics of address a, whose instance is "" for a target of one address. */
static void ck_icmp(ck_emitter *e, size_t a, const check_result *r, bool another_answers)
{
    check_icmp_stats st;
    check_icmp_stats_of(r->rtt[a], r->pings, &st);
    const char *inst = e->t->nhosts > 1 ? e->t->hosts[a] : "";
    severity down = another_answers ? SEV_WARNING : SEV_CRITICAL;
    ck_put(e, "link.reachable", inst, st.answered > 0, "bool", st.answered > 0 ? SEV_OK : down);
    /* a loss warns of a link that answers badly; one that answers nothing is link.reachable's (one
     * alert, held behind its NRO like the rest) */
    ck_put(e, "link.loss", inst, st.loss, "%", st.answered > 0 && st.loss >= CHECK_LOSS_WARNING ? SEV_WARNING : SEV_OK);
    if (st.has_rtt) {
        ck_put(e, "link.rtt", inst, st.rtt, "ms", SEV_OK);
        ck_put(e, "link.rtt.min", inst, st.min, "ms", SEV_OK);
        ck_put(e, "link.rtt.max", inst, st.max, "ms", SEV_OK);
    }
    if (st.has_jitter)
        ck_put(e, "link.jitter", inst, st.jitter, "ms", SEV_OK);
}

/* Whether an address of the target other than a answered an echo. */
static bool ck_other_answers(const check_result *r, size_t nhosts, size_t a)
{
    for (size_t i = 0; i < nhosts; i++) {
        if (i == a || !r->rtt[i])
            continue;
        for (size_t k = 0; k < r->pings; k++)
            if (r->rtt[i][k] >= 0)
                return true;
    }
    return false;
}

size_t check_emit(const agent_check *t, const check_result *r, const poll_sink *out, int64_t ts)
{
    ck_emitter e = {out, t, ts, 0};
    if (out->device && out->device(out->ctx, t->name, t->cls, "") != 0)
        log_warn("check", "%s: its description could not be sent", t->name);
    for (size_t a = 0; t->icmp && a < t->nhosts; a++)
        if (r->rtt[a])
            ck_icmp(&e, a, r, ck_other_answers(r, t->nhosts, a));
    for (size_t i = 0; i < t->nports; i++) {
        if (r->tcp[i] == CHECK_UNKNOWN)
            continue;
        char port[8];
        snprintf(port, sizeof port, "%d", t->ports[i]);
        bool up = r->tcp[i] == CHECK_UP;
        ck_put(&e, "link.tcp", port, up, "bool", up ? SEV_OK : SEV_CRITICAL);
        if (up)
            ck_put(&e, "link.tcp.time", port, r->tcp_ms[i], "ms", SEV_OK);
    }
    for (size_t i = 0; i < t->nhttp; i++) {
        if (r->http[i] == CHECK_UNKNOWN)
            continue;
        const char *inst = t->http[i].name;
        bool up = r->http[i] == CHECK_UP;
        ck_put(&e, "link.http", inst, up, "bool", up ? SEV_OK : SEV_CRITICAL);
        ck_put(&e, "link.http.status", inst, r->http_status[i], "code", SEV_OK);
        if (r->http_status[i] > 0)
            ck_put(&e, "link.http.time", inst, r->http_ms[i], "ms", SEV_OK);
    }
    return e.taken;
}
