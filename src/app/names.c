/* \summary: tok tables for TLS handshake types, alerts, versions, content types, cipher suites; segment labels */
#include <stdio.h>
#include <string.h>
#include "app.h"

/* value -> stable snake_case name -> Wireshark-style display label */
typedef struct sf_tok3 {
    int v;
    const char *name;
    const char *label;
} sf_tok3;

static const sf_tok3 hs_types[] = {
    { 0, "hello_request", "Hello Request" },
    { 1, "client_hello", "Client Hello" },
    { 2, "server_hello", "Server Hello" },
    { 3, "hello_verify_request", "Hello Verify Request" },
    { 4, "new_session_ticket", "New Session Ticket" },
    { 5, "end_of_early_data", "End of Early Data" },
    { 6, "hello_retry_request", "Hello Retry Request" },
    { 8, "encrypted_extensions", "Encrypted Extensions" },
    { 11, "certificate", "Certificate" },
    { 12, "server_key_exchange", "Server Key Exchange" },
    { 13, "certificate_request", "Certificate Request" },
    { 14, "server_hello_done", "Server Hello Done" },
    { 15, "certificate_verify", "Certificate Verify" },
    { 16, "client_key_exchange", "Client Key Exchange" },
    { 20, "finished", "Finished" },
    { 21, "certificate_url", "Certificate URL" },
    { 22, "certificate_status", "Certificate Status" },
    { 23, "supplemental_data", "Supplemental Data" },
    { 24, "key_update", "Key Update" },
    { 25, "compressed_certificate", "Compressed Certificate" },
    { 67, "next_protocol", "Next Protocol" },
    { 254, "message_hash", "Message Hash" },
    { -1, NULL, NULL }
};

static const sf_tok3 alerts[] = {
    { 0, "close_notify", "Close Notify" },
    { 10, "unexpected_message", "Unexpected Message" },
    { 20, "bad_record_mac", "Bad Record MAC" },
    { 21, "decryption_failed", "Decryption Failed" },
    { 22, "record_overflow", "Record Overflow" },
    { 30, "decompression_failure", "Decompression Failure" },
    { 40, "handshake_failure", "Handshake Failure" },
    { 41, "no_certificate", "No Certificate" },
    { 42, "bad_certificate", "Bad Certificate" },
    { 43, "unsupported_certificate", "Unsupported Certificate" },
    { 44, "certificate_revoked", "Certificate Revoked" },
    { 45, "certificate_expired", "Certificate Expired" },
    { 46, "certificate_unknown", "Certificate Unknown" },
    { 47, "illegal_parameter", "Illegal Parameter" },
    { 48, "unknown_ca", "Unknown CA" },
    { 49, "access_denied", "Access Denied" },
    { 50, "decode_error", "Decode Error" },
    { 51, "decrypt_error", "Decrypt Error" },
    { 60, "export_restriction", "Export Restriction" },
    { 70, "protocol_version", "Protocol Version" },
    { 71, "insufficient_security", "Insufficient Security" },
    { 80, "internal_error", "Internal Error" },
    { 86, "inappropriate_fallback", "Inappropriate Fallback" },
    { 90, "user_canceled", "User Canceled" },
    { 100, "no_renegotiation", "No Renegotiation" },
    { 109, "missing_extension", "Missing Extension" },
    { 110, "unsupported_extension", "Unsupported Extension" },
    { 111, "certificate_unobtainable", "Certificate Unobtainable" },
    { 112, "unrecognized_name", "Unrecognized Name" },
    { 113, "bad_certificate_status_response", "Bad Certificate Status Response" },
    { 114, "bad_certificate_hash_value", "Bad Certificate Hash Value" },
    { 115, "unknown_psk_identity", "Unknown PSK Identity" },
    { 116, "certificate_required", "Certificate Required" },
    { 120, "no_application_protocol", "No Application Protocol" },
    { -1, NULL, NULL }
};

static const sf_tok3 ctypes[] = {
    { 20, "change_cipher_spec", "Change Cipher Spec" },
    { 21, "alert", "Alert" },
    { 22, "handshake", "Handshake" },
    { 23, "application_data", "Application Data" },
    { 24, "heartbeat", "Heartbeat" },
    { -1, NULL, NULL }
};

static const sf_tok3 versions[] = {
    { 0x0200, "SSLv2", "SSLv2" },
    { 0x0300, "SSLv3", "SSLv3" },
    { 0x0301, "TLSv1", "TLSv1" },
    { 0x0302, "TLSv1.1", "TLSv1.1" },
    { 0x0303, "TLSv1.2", "TLSv1.2" },
    { 0x0304, "TLSv1.3", "TLSv1.3" },
    { -1, NULL, NULL }
};

/* Common IANA cipher suites (TLS 1.3, ECDHE/DHE AEAD, a few legacy ones). */
static const sf_tok3 ciphers[] = {
    { 0x1301, "TLS_AES_128_GCM_SHA256", NULL },
    { 0x1302, "TLS_AES_256_GCM_SHA384", NULL },
    { 0x1303, "TLS_CHACHA20_POLY1305_SHA256", NULL },
    { 0x1304, "TLS_AES_128_CCM_SHA256", NULL },
    { 0x1305, "TLS_AES_128_CCM_8_SHA256", NULL },
    { 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL },
    { 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", NULL },
    { 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", NULL },
    { 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", NULL },
    { 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", NULL },
    { 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", NULL },
    { 0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", NULL },
    { 0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", NULL },
    { 0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", NULL },
    { 0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", NULL },
    { 0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", NULL },
    { 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", NULL },
    { 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", NULL },
    { 0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", NULL },
    { 0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", NULL },
    { 0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", NULL },
    { 0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", NULL },
    { 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", NULL },
    { 0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", NULL },
    { 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", NULL },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", NULL },
    { 0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", NULL },
    { 0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", NULL },
    { 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", NULL },
    { 0x0005, "TLS_RSA_WITH_RC4_128_SHA", NULL },
    { 0x0004, "TLS_RSA_WITH_RC4_128_MD5", NULL },
    { 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", NULL },
    { 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", NULL },
    { -1, NULL, NULL }
};

static const sf_tok3 *find(const sf_tok3 *t, int v)
{
    for (; t->name; t++)
        if (t->v == v) return t;
    return NULL;
}

const char *sf_tls_hs_name(int hs_type)
{
    const sf_tok3 *e = find(hs_types, hs_type);
    return e ? e->name : "unknown";
}
const char *sf_tls_hs_label(int hs_type)
{
    const sf_tok3 *e = find(hs_types, hs_type);
    return e ? e->label : "Unknown Handshake Message";
}
const char *sf_tls_alert_name(int desc)
{
    const sf_tok3 *e = find(alerts, desc);
    return e ? e->name : "unknown";
}
const char *sf_tls_alert_label(int desc)
{
    const sf_tok3 *e = find(alerts, desc);
    return e ? e->label : "Unknown";
}
const char *sf_tls_ct_name(int content_type)
{
    const sf_tok3 *e = find(ctypes, content_type);
    return e ? e->name : "unknown";
}
const char *sf_tls_ct_label(int content_type)
{
    const sf_tok3 *e = find(ctypes, content_type);
    return e ? e->label : "Unknown";
}
const char *sf_tls_version_name(uint16_t v)
{
    if ((v >> 8) == 0x7f) return "TLSv1.3";   /* TLS 1.3 drafts */
    const sf_tok3 *e = find(versions, v);
    return e ? e->name : "unknown";
}
const char *sf_tls_cipher_name(uint16_t suite)
{
    const sf_tok3 *e = find(ciphers, suite);
    return e ? e->name : "unknown";
}

/* ---- segment label ---- */

typedef struct lbuf {
    char *p;
    size_t n, len;
} lbuf;

static void lput(lbuf *b, const char *fmt, const char *s1, const char *s2)
{
    if (b->len + 1 >= b->n) return;
    int w = snprintf(b->p + b->len, b->n - b->len, fmt, s1, s2);
    if (w < 0) return;
    b->len += (size_t)w;
    if (b->len >= b->n) b->len = b->n - 1;
}

size_t sf_app_label(const sf_appinfo *a, char *buf, size_t n)
{
    if (!buf || n == 0) return 0;
    buf[0] = 0;
    if (!a) return 0;
    lbuf b = { buf, n, 0 };
    if (a->proto == SF_APP_HTTP && a->http_nmsg) {
        if (a->http_is_request) {
            lput(&b, "%s %s", a->http_method, a->http_uri);
            if (a->http_version[0]) lput(&b, " %s%s", a->http_version, "");
        } else {
            char st[8];
            snprintf(st, sizeof st, "%d", a->http_status);
            lput(&b, "%s %s", a->http_version[0] ? a->http_version : "HTTP/1.x", st);
            if (a->http_reason[0]) lput(&b, " %s%s", a->http_reason, "");
        }
        if (a->http_nmsg > 1) {
            char more[24];
            snprintf(more, sizeof more, " (+%d more)", a->http_nmsg - 1);
            lput(&b, "%s%s", more, "");
        }
        return b.len;
    }
    if (a->proto != SF_APP_TLS) return 0;
    for (unsigned i = 0; i < a->nrec && i < SF_APP_MAX_RECS; i++) {
        const sf_tls_rec *r = &a->rec[i];
        const char *sep = i ? ", " : "";
        switch (r->content_type) {
        case 22:
            if (r->encrypted) lput(&b, "%s%s", sep, "Encrypted Handshake Message");
            else if (r->hs_type < 0) lput(&b, "%s%s", sep, "Handshake (fragment)");
            else if (r->hs_type == 2 && a->hrr) lput(&b, "%s%s", sep, "Hello Retry Request");
            else lput(&b, "%s%s", sep, sf_tls_hs_label(r->hs_type));
            if (r->hs_type == 1 && a->sni[0]) lput(&b, " (SNI %s)%s", a->sni, "");
            break;
        case 21:
            if (r->encrypted) {
                lput(&b, "%s%s", sep, "Encrypted Alert");
            } else {
                lput(&b, "%sAlert (%s, ", sep, r->alert_level == 1 ? "Warning" : "Fatal");
                lput(&b, "%s)%s", sf_tls_alert_label(r->alert_desc), "");
            }
            break;
        default:
            lput(&b, "%s%s", sep, sf_tls_ct_label(r->content_type));
            break;
        }
    }
    if (a->nrec_total > a->nrec) {
        char more[24];
        snprintf(more, sizeof more, ", +%u more", (unsigned)(a->nrec_total - a->nrec));
        lput(&b, "%s%s", more, "");
    }
    return b.len;
}
