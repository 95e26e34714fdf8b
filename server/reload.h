/* reload: SIGHUP (`systemctl reload vigie-server`). The new server.yaml, and the public sites' CSV it
 * names, are read and checked whole first: a bad file changes nothing, and the error names its
 * file:line:column. Then agents, sites, tokens, contacts, rules, contracts and retention change at once,
 * without losing a push under way (agents are told apart by id, not by entry), an open alert (alerts are
 * rows, judged again by the next tick) or a spooled batch (the agents' spools only retry). What a
 * running server cannot change (listen, port, data_dir, TLS, rrdcached, step, http limits, mibs_dir)
 * keeps its running value, and the log says which changed: they take effect at the next restart.
 *
 * The swap is one atomic store under the writers' lock. The configurations replaced stay allocated,
 * as requests under way may still read them, and are freed with the reloader (at the server's stop). */
#ifndef VIGIE_RELOAD_H
#define VIGIE_RELOAD_H

#include "alerting/sender.h"
#include "error.h"
#include "http/api.h"

typedef struct server_reloader server_reloader;

/* For ctx, whose configuration (read from ctx->cfg->path) the caller keeps and frees itself. NULL when
 * out of memory. */
server_reloader *server_reloader_new(api_ctx *ctx);
/* Reads ctx->cfg->path again and, when it is good, makes it the running configuration (and the sender's,
 * when there is one). *kept: what changed but needs a restart ("" when nothing), for the log. */
vg_code server_reload(server_reloader *r, alert_sender *sender, char *kept, size_t kept_size, vg_err *err);
/* Frees every configuration a reload made, the running one included: call it once no thread runs. */
void server_reloader_free(server_reloader *r);

#endif
