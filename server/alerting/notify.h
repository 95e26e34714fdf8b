/* notify: delivers one notification through libcurl — a webhook (generic JSON, or {"text": ...} for
 * Mattermost/Slack), an SMS through an HTTP gateway (URL and body templates with {to} and {text}),
 * or an e-mail through smtp.h. alerts.c queues notifications in SQLite and retries failed ones with
 * backoff; this module only makes one attempt and says why it failed. */
#ifndef VIGIE_NOTIFY_H
#define VIGIE_NOTIFY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "alerting/alert_config.h"
#include "error.h"

/* Sends one e-mail; VG_OK, or an error saying why (VG_E_UNAVAILABLE: the mail server is away or
 * refuses). main.c wires smtp_send() here when smtp: is configured. */
typedef vg_code (*notify_mail_fn)(void *ctx, const char *to, const char *subject, const char *body, vg_err *err);

typedef struct {
    const alerting_config *cfg;
    notify_mail_fn mail;   /* NULL: e-mail notifications fail with "smtp is not configured" */
    void *mail_ctx;
    const atomic_bool *cancel; /* NULL, or set to cut an HTTP attempt short (the sender stopping) */
} notify_env;

/* Each HTTP attempt lasts at most env->cfg->timeout seconds, connection included.
 * channel: webhook | sms | email; target: URL, phone number or address; payload: the generic
 * webhook's JSON object (subject and text are in it). On failure err's message is the reason stored
 * with the delivery for its retry: VG_E_UNAVAILABLE (the peer is away, or answered other than 2xx),
 * VG_E_INVALID (an unknown channel, a gateway or smtp not configured), VG_E_NOMEM. */
vg_code notify_send(const notify_env *env, const char *channel, const char *target, const char *format,
                    const char *subject, const char *text, const char *payload, vg_err *err);

/* Replaces {to} and {text} in tmpl; escape: 'u' URL, 'j' JSON string contents, 0 none. malloc'd. */
char *notify_expand(const char *tmpl, const char *to, const char *text, char escape);

#endif
