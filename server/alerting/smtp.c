/* smtp_send: one mail through libcurl's SMTP, as a MIME message (a UTF-8 text part, then the
 * attachments in base64). The settings are read by smtp_config.c. */
#include "config.h"
#include "alerting/smtp.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* The address of "Name <local@domain>" or of "local@domain", as the envelope wants it: <local@domain>. */
static void smtp_envelope(const char *s, char *out, size_t size)
{
    const char *lt = strchr(s, '<');
    if (lt)
        snprintf(out, size, "<%.*s>", (int)strcspn(lt + 1, ">"), lt + 1);
    else
        snprintf(out, size, "<%s>", s);
}

/* A header value as RFC 2047 encoded words ("=?UTF-8?Q?...?="), only when it is not plain ASCII.
 * Words hold at most ~60 encoded characters and never split a UTF-8 character. */
static void smtp_header_text(const char *in, char *out, size_t size)
{
    bool ascii = true;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++)
        if (*p >= 0x80 || *p < 0x20)
            ascii = false;
    if (ascii) {
        snprintf(out, size, "%s", in);
        return;
    }
    size_t o = 0, word = 0;
    out[0] = '\0';
    for (const unsigned char *p = (const unsigned char *)in; *p;) {
        size_t clen = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
        char enc[16] = "";
        size_t e = 0;
        for (size_t k = 0; k < clen && p[k]; k++) {
            unsigned char c = p[k];
            if (c == ' ')
                enc[e++] = '_';
            else if (c < 0x80 && c > 0x20 && c != '=' && c != '?' && c != '_')
                enc[e++] = (char)c;
            else
                e += (size_t)snprintf(enc + e, sizeof enc - e, "=%02X", c);
        }
        enc[e] = '\0';
        if (word == 0 || word + e > 60) {
            int n = snprintf(out + o, size - o, "%s=?UTF-8?Q?", word ? "?= " : "");
            if (n < 0 || (size_t)n >= size - o)
                break;
            o += (size_t)n;
            word = 1;
        }
        if (o + e + 3 >= size)
            break;
        memcpy(out + o, enc, e);
        o += e;
        word += e;
        out[o] = '\0';
        for (size_t k = 0; k < clen && *p; k++)
            p++;
    }
    if (o + 3 < size)
        snprintf(out + o, size - o, "?=");
}

/* RFC 5322 date, in UTC, without the locale: "Sun, 01 Nov 2026 06:00:04 +0000". */
static void smtp_date(time_t t, char *out, size_t size)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

vg_code smtp_send(const smtp_config *cfg, const char *const *to, const char *subject, const char *body,
                  const smtp_attachment *attachments, size_t nattachments, vg_err *err)
{
    if (!cfg->configured)
        return vg_fail(err, VG_E_INVALID, "no mail server: server.yaml has no smtp section");
    if (!to || !to[0])
        return vg_fail(err, VG_E_INVALID, "no recipient");
    CURL *c = curl_easy_init();
    if (!c)
        return vg_fail(err, VG_E_NOMEM, "libcurl could not start");
    char from[300], line[2048], cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpt = NULL, *headers = NULL;
    smtp_envelope(cfg->from, from, sizeof from);
    size_t o = (size_t)snprintf(line, sizeof line, "To: ");
    for (size_t i = 0; to[i]; i++) {
        char env[300];
        smtp_envelope(to[i], env, sizeof env);
        rcpt = curl_slist_append(rcpt, env);
        if (o < sizeof line)
            o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", i ? ", " : "", to[i]);
    }
    headers = curl_slist_append(headers, line);
    char enc[1024];
    const char *lt = strchr(cfg->from, '<');
    if (lt) { /* only the display name may be encoded, never the address */
        char name[300];
        size_t n = (size_t)(lt - cfg->from);
        while (n && cfg->from[n - 1] == ' ')
            n--;
        snprintf(name, sizeof name, "%.*s", (int)n, cfg->from);
        smtp_header_text(name, enc, sizeof enc);
        snprintf(line, sizeof line, "From: %s %s", enc, lt);
    } else {
        snprintf(line, sizeof line, "From: %s", cfg->from);
    }
    headers = curl_slist_append(headers, line);
    smtp_header_text(subject, enc, sizeof enc);
    snprintf(line, sizeof line, "Subject: %s", enc);
    headers = curl_slist_append(headers, line);
    char date[64];
    time_t now = time(NULL);
    smtp_date(now, date, sizeof date);
    snprintf(line, sizeof line, "Date: %s", date);
    headers = curl_slist_append(headers, line);
    static atomic_uint counter; /* the sender's workers and a report being mailed send at once */
    const char *domain = strchr(from, '@');
    snprintf(line, sizeof line, "Message-ID: <%lld.%ld.%u.vigie@%.*s>", (long long)now, (long)getpid(),
             atomic_fetch_add(&counter, 1) + 1,
             domain ? (int)strcspn(domain + 1, ">") : 9, domain ? domain + 1 : "localhost");
    headers = curl_slist_append(headers, line);

    /* CRLF line ends: the quoted-printable part then keeps its lines readable */
    size_t blen = strlen(body), nl = 0;
    for (size_t i = 0; i < blen; i++)
        nl += body[i] == '\n';
    char *text = malloc(blen + nl + 1);
    if (!text) {
        curl_slist_free_all(rcpt);
        curl_slist_free_all(headers);
        curl_easy_cleanup(c);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    size_t t = 0;
    for (size_t i = 0; i < blen; i++) {
        if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
            text[t++] = '\r';
        text[t++] = body[i];
    }
    text[t] = '\0';
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_data(part, text, t);
    curl_mime_type(part, "text/plain; charset=UTF-8");
    curl_mime_encoder(part, "quoted-printable");
    for (size_t i = 0; i < nattachments; i++) {
        part = curl_mime_addpart(mime);
        curl_mime_data(part, attachments[i].data, attachments[i].len);
        curl_mime_filename(part, attachments[i].filename);
        curl_mime_type(part, attachments[i].content_type);
        curl_mime_encoder(part, "base64");
    }

    bool smtps = strncasecmp(cfg->url, "smtps://", 8) == 0;
    curl_easy_setopt(c, CURLOPT_URL, cfg->url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    /* STARTTLS is required on smtp:// (curl stops if the server does not offer it), unless the
     * configuration allowed a loopback relay without it; smtps:// is TLS from the first byte */
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(smtps || cfg->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (cfg->ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password);
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->timeout > 0 ? cfg->timeout : 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, cfg->timeout > 0 && cfg->timeout < 30 ? cfg->timeout : 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    vg_code ret = VG_OK;
    if (rc != CURLE_OK) { /* the server is away, or refused the mail */
        char said[48] = "";
        if (code)
            snprintf(said, sizeof said, " (the server's last answer: %ld)", code);
        ret = vg_fail(err, VG_E_UNAVAILABLE, "%s: %s%s%s", cfg->url, cerr[0] ? cerr : curl_easy_strerror(rc), said,
                      rc == CURLE_USE_SSL_FAILED ? "; the server offers no STARTTLS" : "");
    }
    curl_mime_free(mime);
    free(text);
    curl_slist_free_all(rcpt);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return ret;
}
