/* watchdog_send: the watchdog's message (French and English) to its webhook (a JSON POST) and by mail
 * (libcurl's SMTP). Nothing here names the token: the servers' last errors are the push client's
 * words (URL, status, the server's reply). */
#include "config.h"
#include "watchdog/watchdog.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define WS_TEXT_MAX 4000

static void ws_iso(time_t t, char *out, size_t size)
{
    struct tm tm;
    if (t <= 0) {
        snprintf(out, size, "-");
        return;
    }
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/* Appends to a bounded text; what does not fit is cut. */
static void ws_add(char *buf, size_t size, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void ws_add(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used >= size - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = (size_t)n < size - *used ? *used + (size_t)n : size - 1;
}

/* The two texts a person reads: fr then en. */
static void ws_texts(const agent_config *cfg, spool *sp, wd_action a, time_t since, char *fr, char *en, size_t size)
{
    char when[32];
    ws_iso(since, when, sizeof when);
    size_t nfr = 0, nen = 0, waiting = spool_count(sp);
    const char *site = cfg->site[0] ? cfg->site : "-";
    if (a == WD_RECOVERED) {
        ws_add(fr, size, &nfr, "vigie-agent %s (site %s) : un serveur reçoit de nouveau ses données (rien n'était "
                               "reçu depuis %s) ; %zu lot(s) encore en attente.",
               cfg->id, site, when, waiting);
        ws_add(en, size, &nen, "vigie-agent %s (site %s): a server stores its data again (nothing was stored since "
                               "%s); %zu batch(es) still waiting.",
               cfg->id, site, when, waiting);
        return;
    }
    ws_add(fr, size, &nfr, "%svigie-agent %s (site %s) : aucun serveur n'a reçu ses données depuis %s ; %zu lot(s) "
                           "en attente dans %s. Serveurs :",
           a == WD_REPEAT ? "[rappel] " : "", cfg->id, site, when, waiting, spool_dir(sp));
    ws_add(en, size, &nen, "%svigie-agent %s (site %s): no server has stored its data since %s; %zu batch(es) "
                           "waiting in %s. Servers:",
           a == WD_REPEAT ? "[repeat] " : "", cfg->id, site, when, waiting, spool_dir(sp));
    for (size_t k = 0; k < spool_servers(sp); k++) {
        spool_server_info si;
        spool_server_get(sp, k, &si);
        const char *url = si.url[0] ? si.url : cfg->servers[k];
        const char *why = si.last_why[0] ? si.last_why : "-";
        ws_add(fr, size, &nfr, " %s (dernière erreur : %s)%s", url, why, si.behind ? " [en retard]" : "");
        ws_add(en, size, &nen, " %s (last error: %s)%s", url, why, si.behind ? " [behind]" : "");
    }
}

static json_t *ws_json(const agent_config *cfg, spool *sp, wd_action a, time_t since, time_t now, const char *fr,
                       const char *en)
{
    char s[32], t[32];
    ws_iso(since, s, sizeof s);
    ws_iso(now, t, sizeof t);
    json_t *servers = json_array();
    for (size_t k = 0; k < spool_servers(sp); k++) {
        spool_server_info si;
        spool_server_get(sp, k, &si);
        char last[32];
        ws_iso(si.last_stored, last, sizeof last);
        json_array_append_new(servers, json_pack("{s:s, s:s, s:s, s:b, s:I}", "url",
                                                 si.url[0] ? si.url : cfg->servers[k], "last_error", si.last_why,
                                                 "last_stored", last, "behind", si.behind, "waiting",
                                                 (json_int_t)si.waiting));
    }
    const char *event = a == WD_RECOVERED ? "agent.recovered"
                        : a == WD_REPEAT  ? "agent.stalled.repeat"
                                          : "agent.stalled";
    char both[2 * WS_TEXT_MAX + 8];
    snprintf(both, sizeof both, "%s / %s", fr, en);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:s, s:s}", "event", event, "agent", cfg->id, "site",
                     cfg->site, "since", s, "at", t, "waiting", (json_int_t)spool_count(sp), "servers", servers,
                     "text", both, "text_fr", fr, "text_en", en);
}

static size_t ws_discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data, (void)ctx;
    return size * n;
}

static vg_code ws_webhook(const agent_watchdog *wd, const char *body, vg_err *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return vg_fail(err, VG_E_NOMEM, "libcurl could not start");
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, wd->webhook);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)wd->timeout);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ws_discard);
    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "-agent/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L); /* never turned off */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (wd->webhook_ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, wd->webhook_ca);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        return vg_fail(err, VG_E_UNAVAILABLE, "webhook %s: %s", wd->webhook, cerr[0] ? cerr : curl_easy_strerror(rc));
    if (status < 200 || status >= 300)
        return vg_fail(err, VG_E_UNAVAILABLE, "webhook %s answered %ld", wd->webhook, status);
    return VG_OK;
}

/* RFC 2047: a UTF-8 subject as =?UTF-8?B?...?= */
static void ws_subject(const char *in, char *out, size_t size)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(in), o = (size_t)snprintf(out, size, "=?UTF-8?B?");
    for (size_t i = 0; i < len && o + 5 < size - 3; i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (i + 1 < len ? (unsigned char)in[i + 1] << 8 : 0) |
                     (i + 2 < len ? (unsigned char)in[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    snprintf(out + o, size - o, "?=");
}

/* The bare address of "Name <a@b>" or "a@b", as <a@b>. */
static void ws_envelope(const char *s, char *out, size_t size)
{
    const char *lt = strchr(s, '<');
    if (lt)
        snprintf(out, size, "<%.*s>", (int)strcspn(lt + 1, ">"), lt + 1);
    else
        snprintf(out, size, "<%s>", s);
}

static vg_code ws_mail(const agent_config *cfg, const char *subject, const char *text, vg_err *err)
{
    const agent_watchdog *wd = &cfg->watchdog;
    CURL *c = curl_easy_init();
    if (!c)
        return vg_fail(err, VG_E_NOMEM, "libcurl could not start");
    struct curl_slist *rcpt = NULL, *h = NULL;
    char line[1500], env[300], cerr[CURL_ERROR_SIZE] = "";
    size_t o = (size_t)snprintf(line, sizeof line, "To: ");
    for (size_t i = 0; i < wd->nsmtp_to; i++) {
        ws_envelope(wd->smtp_to[i], env, sizeof env);
        rcpt = curl_slist_append(rcpt, env);
        if (o < sizeof line)
            o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", i ? ", " : "", wd->smtp_to[i]);
    }
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "From: %s", wd->smtp_from);
    h = curl_slist_append(h, line);
    char enc[1200];
    ws_subject(subject, enc, sizeof enc);
    snprintf(line, sizeof line, "Subject: %s", enc);
    h = curl_slist_append(h, line);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S +0000", gmtime_r(&now, &tm));
    h = curl_slist_append(h, date);
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_data(part, text, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "text/plain; charset=UTF-8");
    curl_mime_encoder(part, "quoted-printable");
    ws_envelope(wd->smtp_from, env, sizeof env);
    bool smtps = strncasecmp(wd->smtp_url, "smtps://", 8) == 0;
    curl_easy_setopt(c, CURLOPT_URL, wd->smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, env);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(smtps || wd->smtp_starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (wd->smtp_ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, wd->smtp_ca);
    if (wd->smtp_user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, wd->smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, wd->smtp_password);
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)wd->timeout);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(c);
    curl_mime_free(mime);
    curl_slist_free_all(rcpt);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        return vg_fail(err, VG_E_UNAVAILABLE, "mail through %s: %s", wd->smtp_url,
                       cerr[0] ? cerr : curl_easy_strerror(rc));
    return VG_OK;
}

vg_code watchdog_send(const agent_config *cfg, spool *sp, wd_action a, time_t since, time_t now, vg_err *err)
{
    char *fr = calloc(1, WS_TEXT_MAX), *en = calloc(1, WS_TEXT_MAX);
    if (!fr || !en) {
        free(fr);
        free(en);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    ws_texts(cfg, sp, a, since, fr, en, WS_TEXT_MAX);
    bool any = false;
    vg_code rc = VG_OK;
    vg_err e1;
    if (cfg->watchdog.webhook[0]) {
        json_t *j = ws_json(cfg, sp, a, since, now, fr, en);
        char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!body)
            rc = vg_fail(err, VG_E_NOMEM, "out of memory");
        else if ((rc = ws_webhook(&cfg->watchdog, body, &e1)) == VG_OK)
            any = true;
        else
            *err = e1;
        free(body);
    }
    if (cfg->watchdog.smtp_url[0]) {
        char subject[400], *text = malloc(2 * WS_TEXT_MAX + 8);
        snprintf(subject, sizeof subject, a == WD_RECOVERED ? "[vigie] %s : rétabli / recovered"
                                                            : "[vigie] %s : aucun serveur ne reçoit ses données / "
                                                              "no server stores its data",
                 cfg->id);
        if (!text) {
            rc = vg_fail(err, VG_E_NOMEM, "out of memory");
        } else {
            snprintf(text, 2 * WS_TEXT_MAX + 8, "%s\n\n%s\n", fr, en);
            if ((rc = ws_mail(cfg, subject, text, &e1)) == VG_OK)
                any = true;
            else
                *err = e1;
        }
        free(text);
    }
    free(fr);
    free(en);
    if (any && rc != VG_OK) /* one way out failed, the other took it */
        log_warn("watchdog", "%s", err->msg);
    return any ? VG_OK : rc;
}
