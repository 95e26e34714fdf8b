#include "config.h"
#include "alerting/notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
} nbuf;

static void nb_add(nbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void nb_escaped(nbuf *b, const char *s, char escape)
{
    if (escape == 'u') {
        for (; *s; s++) {
            unsigned char c = (unsigned char)*s;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c))
                nb_add(b, (const char *)&c, 1);
            else {
                char hex[4];
                snprintf(hex, sizeof hex, "%%%02X", c);
                nb_add(b, hex, 3);
            }
        }
    } else if (escape == 'j') {
        json_t *j = json_string(s);
        char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
        if (d && strlen(d) >= 2)
            nb_add(b, d + 1, strlen(d) - 2); /* without the quotes */
        free(d);
        json_decref(j);
    } else {
        nb_add(b, s, strlen(s));
    }
}

char *notify_expand(const char *tmpl, const char *to, const char *text, char escape)
{
    nbuf b = {0};
    nb_add(&b, "", 0);
    while (*tmpl) {
        if (strncmp(tmpl, "{to}", 4) == 0) {
            nb_escaped(&b, to, escape);
            tmpl += 4;
        } else if (strncmp(tmpl, "{text}", 6) == 0) {
            nb_escaped(&b, text, escape);
            tmpl += 6;
        } else {
            nb_add(&b, tmpl, 1);
            tmpl++;
        }
    }
    return b.p;
}

static size_t notify_discard(char *p, size_t size, size_t n, void *ctx)
{
    nbuf *b = ctx;
    if (b->len < 300)
        nb_add(b, p, size * n < 300 ? size * n : 300);
    return size * n;
}

/* libcurl's progress callback: non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int notify_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const atomic_bool *cancel = ctx;
    return cancel && atomic_load(cancel);
}

static vg_code notify_http(const notify_env *env, const char *url, const char *content_type, const char *body,
                           vg_err *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return vg_fail(err, VG_E_NOMEM, "libcurl could not start");
    char ct[128];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    struct curl_slist *h = curl_slist_append(NULL, ct);
    nbuf answer = {0};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long timeout = env->cfg ? env->cfg->timeout : 10L;
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
    if (env->cancel) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, notify_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)env->cancel);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigie-server/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, notify_discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    if (body) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    /* the peer is away or answers no: retried later either way */
    vg_code ret = VG_OK;
    if (rc != CURLE_OK)
        ret = vg_fail(err, VG_E_UNAVAILABLE, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        ret = vg_fail(err, VG_E_UNAVAILABLE, "HTTP %ld%s%.200s", status, answer.p ? ": " : "",
                      answer.p ? answer.p : "");
    free(answer.p);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return ret;
}

vg_code notify_send(const notify_env *env, const char *channel, const char *target, const char *format,
                    const char *subject, const char *text, const char *payload, vg_err *err)
{
    vg_clear(err);
    if (strcmp(channel, "webhook") == 0) {
        if (format && (strcmp(format, "mattermost") == 0 || strcmp(format, "slack") == 0)) {
            size_t n = strlen(subject) + strlen(text) + 2;
            char *msg = malloc(n);
            if (!msg)
                return vg_fail(err, VG_E_NOMEM, "out of memory");
            snprintf(msg, n, "%s\n%s", subject, text);
            json_t *o = json_pack("{s:s}", "text", msg);
            char *body = json_dumps(o, JSON_COMPACT);
            vg_code rc = notify_http(env, target, "application/json", body, err);
            free(body);
            free(msg);
            json_decref(o);
            return rc;
        }
        return notify_http(env, target, "application/json", payload ? payload : "{}", err);
    }
    if (strcmp(channel, "sms") == 0) {
        const alerting_config *a = env->cfg;
        if (!a || !a->sms_url[0])
            return vg_fail(err, VG_E_INVALID, "alerting.sms_gateway is not configured");
        char *url = notify_expand(a->sms_url, target, subject, 'u');
        bool json = strstr(a->sms_content_type, "json") != NULL;
        char *body = a->sms_body[0] ? notify_expand(a->sms_body, target, subject, json ? 'j' : 'u') : NULL;
        vg_code rc = url ? notify_http(env, url, a->sms_content_type, body, err)
                         : vg_fail(err, VG_E_NOMEM, "out of memory");
        free(url);
        free(body);
        return rc;
    }
    if (strcmp(channel, "email") == 0) {
        if (!env->mail)
            return vg_fail(err, VG_E_INVALID, "smtp is not configured in server.yaml");
        return env->mail(env->mail_ctx, target, subject, text, err);
    }
    return vg_fail(err, VG_E_INVALID, "unknown channel '%s'", channel);
}
