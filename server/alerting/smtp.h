/* smtp: one e-mail through libcurl (SMTP with STARTTLS or SMTPS, authentication), used by the
 * monthly report (`vigie report --send`) and by on-call notifications. The settings come from the
 * `smtp:` section of server.yaml (smtp_config_read). The password never reaches a log line. */
#ifndef VIGIE_SMTP_H
#define VIGIE_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

typedef struct {
    bool configured;
    char url[512];        /* smtp://host:587 (STARTTLS required) or smtps://host:465 */
    char user[128];
    char password[256];
    char from[256];       /* "vigie <vigie@example.org>" */
    char ca_file[1024];   /* CA of the mail server's certificate; empty: the system CAs */
    bool starttls;        /* require STARTTLS on smtp:// (default true; false only for a loopback relay) */
    long timeout;         /* seconds */
} smtp_config;

typedef struct {
    const char *filename;     /* "vigie-2026-10.pdf" */
    const char *content_type; /* "application/pdf" */
    const char *data;
    size_t len;
} smtp_attachment;

/* Whether s is a mail address fit for a header and the envelope: local@domain, or also
 * "Name <local@domain>" when named. */
bool smtp_address_is_valid(const char *s, bool named);

/* Reads the `smtp` mapping of server.yaml; file:line:column errors. */
vg_code smtp_config_read(const conf_doc *doc, const conf_node *n, smtp_config *cfg, vg_err *err);

/* Sends a plain-text UTF-8 mail to every address of `to` (NULL-terminated), with optional
 * attachments. VG_E_UNAVAILABLE with what the server or libcurl answered, VG_E_INVALID when smtp is
 * not configured or there is no recipient, VG_E_NOMEM. */
vg_code smtp_send(const smtp_config *cfg, const char *const *to, const char *subject, const char *body,
                  const smtp_attachment *attachments, size_t nattachments, vg_err *err);

#endif
