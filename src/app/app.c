/* \summary: STUB (owner: app helper) */
#include <string.h>
#include "app.h"
void sf_app_segment(sf_app_conn **ac, int dir, uint32_t rel_seq, const uint8_t *data,
                    uint32_t len, uint32_t caplen, uint16_t client_port, uint16_t server_port,
                    sf_appinfo *out, sf_conn_app *sum)
{ (void)ac; (void)dir; (void)rel_seq; (void)data; (void)len; (void)caplen; (void)client_port; (void)server_port; (void)sum; memset(out, 0, sizeof *out); out->alert_desc = -1; out->http_clen = -1; }
void sf_app_free(sf_app_conn *ac) { (void)ac; }
