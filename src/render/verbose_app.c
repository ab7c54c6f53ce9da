/* \summary: verbose view: TLS records and HTTP/1.x messages recognised in a segment (from pi->app) */
#include <stdio.h>
#include <string.h>
#include "verbose_int.h"

static void tls(sf_vbuf *b, const sf_appinfo *a)
{
    char t[128];
    unsigned n = a->nrec > SF_APP_MAX_RECS ? SF_APP_MAX_RECS : a->nrec;
    sf_vb_line(b, 0, "Transport Layer Security");
    for (unsigned i = 0; i < n; i++) {
        const sf_tls_rec *r = &a->rec[i];
        int lvl = 1;
        if (!r->same_record) {
            const char *ver = sf_tls_version_name(r->version);
            if (r->content_type == 22 && !r->encrypted && r->hs_type >= 0)
                sf_vb_line(b, 1, "%s Record Layer: Handshake Protocol: %s", ver,
                           r->hs_type == 2 && a->hrr ? "Hello Retry Request" : sf_tls_hs_label(r->hs_type));
            else if (r->content_type == 22 && r->encrypted)
                sf_vb_line(b, 1, "%s Record Layer: Handshake Protocol: Encrypted Handshake Message", ver);
            else if (r->content_type == 21 && !r->encrypted)
                sf_vb_line(b, 1, "%s Record Layer: Alert (Level: %s, Description: %s)", ver,
                           r->alert_level == 1 ? "Warning" : r->alert_level == 2 ? "Fatal" : "Unknown",
                           sf_tls_alert_label(r->alert_desc));
            else if (r->content_type == 21)
                sf_vb_line(b, 1, "%s Record Layer: Encrypted Alert", ver);
            else if (r->opaque)
                sf_vb_line(b, 1, "%s Record Layer: Application Data Protocol (opaque type: the real type is encrypted)", ver);
            else
                sf_vb_line(b, 1, "%s Record Layer: %s Protocol", ver, sf_tls_ct_label(r->content_type));
            sf_vb_line(b, 2, "Content Type: %s (%u)", sf_tls_ct_label(r->content_type), r->content_type);
            sf_vb_line(b, 2, "Version: %s (0x%04x)", ver, r->version);
        }
        lvl = 2;
        if (r->content_type == 22 && !r->encrypted && r->hs_type >= 0) {
            sf_vb_line(b, lvl, "Handshake Protocol: %s", sf_tls_hs_label(r->hs_type));
            sf_vb_line(b, lvl + 1, "Handshake Type: %s (%d) [%s]", sf_tls_hs_label(r->hs_type), r->hs_type,
                       sf_tls_hs_name(r->hs_type));
            if (r->hs_type == 1) {
                if (a->sni[0]) { sf_v_clean(t, sizeof t, a->sni, sizeof a->sni); sf_vb_line(b, lvl + 1, "Server Name Indication: %s", t); }
                if (a->alpn[0]) { sf_v_clean(t, sizeof t, a->alpn, sizeof a->alpn); sf_vb_line(b, lvl + 1, "ALPN (first offered): %s", t); }
                if (a->tls_version) sf_vb_line(b, lvl + 1, "Offered version (highest): %s", sf_tls_version_name(a->tls_version));
            } else if (r->hs_type == 2) {
                if (a->hrr) sf_vb_line(b, lvl + 1, "[This Server Hello is a HelloRetryRequest]");
                if (a->tls_version) sf_vb_line(b, lvl + 1, "Chosen version: %s (0x%04x)", sf_tls_version_name(a->tls_version), a->tls_version);
                if (a->cipher) sf_vb_line(b, lvl + 1, "Cipher Suite: %s (0x%04x)", sf_tls_cipher_name(a->cipher), a->cipher);
                if (a->alpn[0]) { sf_v_clean(t, sizeof t, a->alpn, sizeof a->alpn); sf_vb_line(b, lvl + 1, "ALPN: %s", t); }
            }
        } else if (r->content_type == 22 && r->hs_type < 0 && !r->encrypted) {
            sf_vb_line(b, lvl, "Handshake Protocol: (part of a message that continues in a later record)");
        } else if (r->content_type == 21 && !r->encrypted) {
            sf_vb_line(b, lvl, "Alert Message");
            sf_vb_line(b, lvl + 1, "Level: %s (%u)", r->alert_level == 1 ? "Warning" : r->alert_level == 2 ? "Fatal" : "Unknown",
                       r->alert_level);
            sf_vb_line(b, lvl + 1, "Description: %s (%u) [%s]", sf_tls_alert_label(r->alert_desc), r->alert_desc,
                       sf_tls_alert_name(r->alert_desc));
        }
    }
    if (a->nrec_total > n) sf_vb_line(b, 1, "[%u more records or messages not listed]", a->nrec_total - n);
}

static void http(sf_vbuf *b, const sf_appinfo *a)
{
    char t1[128], t2[128], t3[64];
    sf_vb_line(b, 0, "Hypertext Transfer Protocol");
    if (a->http_is_request) {
        sf_v_clean(t1, sizeof t1, a->http_method, sizeof a->http_method);
        sf_v_clean(t2, sizeof t2, a->http_uri, sizeof a->http_uri);
        sf_v_clean(t3, sizeof t3, a->http_version, sizeof a->http_version);
        sf_vb_line(b, 1, "%s %s %s", t1, t2, t3);
        sf_vb_line(b, 2, "Request Method: %s", t1);
        sf_vb_line(b, 2, "Request URI: %s", t2);
        sf_vb_line(b, 2, "Request Version: %s", t3);
        if (a->http_host[0]) { sf_v_clean(t1, sizeof t1, a->http_host, sizeof a->http_host); sf_vb_line(b, 1, "Host: %s", t1); }
    } else {
        sf_v_clean(t3, sizeof t3, a->http_version, sizeof a->http_version);
        sf_v_clean(t1, sizeof t1, a->http_reason, sizeof a->http_reason);
        sf_vb_line(b, 1, "%s %d %s", t3, a->http_status, t1);
        sf_vb_line(b, 2, "Response Version: %s", t3);
        sf_vb_line(b, 2, "Status Code: %d", a->http_status);
        sf_vb_line(b, 2, "Response Phrase: %s", t1);
    }
    if (a->http_clen >= 0) sf_vb_line(b, 1, "Content-Length: %lld", (long long)a->http_clen);
    if (a->http_nmsg > 1) sf_vb_line(b, 1, "[%u more HTTP messages start in this segment]", a->http_nmsg - 1u);
}

void sf_v_app(sf_vbuf *b, const sf_pkt *p, const sf_pinfo *pi)
{
    (void)p;
    if (!pi) return;
    const sf_appinfo *a = &pi->app;
    if (a->proto == SF_APP_TLS && a->nrec) tls(b, a);
    else if (a->proto == SF_APP_HTTP && a->http_nmsg) http(b, a);
}
