/* \summary: ladder view: the --svg file and the self-contained --html report */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ladder_int.h"

static const char css_svg[] =
    "text{font-family:'DejaVu Sans Mono',ui-monospace,monospace;font-size:12px;fill:#222}"
    ".note{font-size:11px}.app{fill:#1565c0}.an{fill:#c62828;font-weight:bold}"
    ".st{fill:#555;font-size:11px}.frm,.tm{fill:#888}.who{font-weight:bold}"
    ".sum{fill:#444}.ttl{font-weight:bold;font-size:14px}.gap{fill:#888;font-style:italic}"
    ".arrow:hover line{stroke-width:3}";

int sf_lfile_open(sf_lfile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->dst = fopen(path, "wb");
    if (!f->dst) {
        fprintf(stderr, "synfin: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    f->tmp = tmpfile();
    if (!f->tmp || sf_out_init(&f->body, fileno(f->tmp), 1 << 16)) {
        fprintf(stderr, "synfin: cannot create a temporary file for %s: %s\n", path, strerror(errno));
        sf_lfile_discard(f);
        return -1;
    }
    return 0;
}

void sf_lfile_discard(sf_lfile *f)
{
    if (f->body.buf) sf_out_free(&f->body);
    if (f->tmp) fclose(f->tmp);
    if (f->dst) fclose(f->dst);
    memset(f, 0, sizeof *f);
}

/* Appends the body (temporary file) to o. */
static void copy_body(sf_lfile *f, sf_out *o)
{
    char buf[1 << 15];
    sf_out_flush(&f->body);
    if (lseek(fileno(f->tmp), 0, SEEK_SET) < 0) { o->err = errno; return; }
    for (;;) {
        ssize_t n = read(fileno(f->tmp), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { o->err = errno; return; }
        if (n == 0) break;
        sf_out_write(o, buf, (size_t)n);
    }
}

/* Flushes o, closes the destination, reports errors; returns 0 or -1. */
static int finish_file(sf_lfile *f, sf_out *o)
{
    sf_out_flush(o);
    int err = sf_out_error(o) ? sf_out_error(o) : sf_out_error(&f->body);
    if (fclose(f->dst) != 0 && !err) err = errno;
    f->dst = NULL;
    if (err) {
        fprintf(stderr, "synfin: writing %s: %s\n", f->path, strerror(err));
        return -1;
    }
    return 0;
}

int sf_ladder_svg_finish(sf_ladder *ld)
{
    sf_lfile *f = &ld->svg;
    sf_out o;
    if (sf_out_init(&o, fileno(f->dst), 1 << 16)) return -1;
    int64_t h = f->height ? f->height : 40;
    sf_out_printf(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%lld\" viewBox=\"0 0 %d %lld\">\n"
                  "<style>%s</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
                  SF_LADDER_SVG_W, (long long)h, SF_LADDER_SVG_W, (long long)h, css_svg);
    if (!f->nconns) sf_out_str(&o, "<text x=\"8\" y=\"24\">no TCP connection</text>\n");
    copy_body(f, &o);
    sf_out_str(&o, "</svg>\n");
    int rc = finish_file(f, &o);
    sf_out_free(&o);
    return rc;
}

/* ---- HTML ---- */

int sf_ladder_html_open(sf_ladder *ld)
{
    sf_out *o = &ld->html_head;
    if (sf_out_init(o, fileno(ld->html.dst), 1 << 16)) return -1;
    sf_out_str(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
               "<title>synfin: ");
    const sf_opts *op = ld->o;
    char input[1024] = "";
    size_t at = 0;
    if (op->iface) snprintf(input, sizeof input, "live capture on %s", op->iface);
    else
        for (int i = 0; i < op->nfiles && at < sizeof input; i++)
            at += (size_t)snprintf(input + at, sizeof input - at, "%s%s", i ? ", " : "", op->files[i]);
    sf_x_xml(o, input);
    sf_out_str(o, "</title>\n<style>\n"
               "body{font-family:'DejaVu Sans',sans-serif;margin:1.2em;color:#222}\n"
               "table{border-collapse:collapse;margin-bottom:1.5em}\n"
               "th,td{border:1px solid #bbb;padding:2px 6px;font-size:13px;text-align:left}\ntd{white-space:nowrap}\n"
               "th{background:#eee}\nsection.conn{margin:1.2em 0;border-top:2px solid #ddd;padding-top:.5em}\n"
               "h2{font-size:16px;margin:.3em 0}\np.sum{font-size:13px;margin:.2em 0 .5em}\n"
               ".legend span{margin-right:1em;font-size:13px}\n");
    sf_out_str(o, css_svg);
    sf_out_str(o, "\n</style>\n</head>\n<body>\n<h1>synfin: TCP connections</h1>\n<p class=\"input\">Input: ");
    sf_x_xml(o, input);
    sf_out_str(o, "</p>\n<p class=\"legend\"><span style=\"color:#2e7d32\">SYN</span><span style=\"color:#1565c0\">data</span>"
               "<span style=\"color:#616161\">ACK</span><span style=\"color:#6a1b9a\">FIN</span>"
               "<span style=\"color:#c62828\">RST</span> Sequence numbers are relative (ISN = 0); "
               "times are seconds since the connection's first packet; the states are those after each packet.</p>\n"
               "<table id=\"connections\">\n<thead><tr><th>conn</th><th>client</th><th>server</th><th>open</th>"
               "<th>close</th><th>active closer</th><th>TIME_WAIT</th><th>packets</th><th>bytes c→s</th>"
               "<th>bytes s→c</th><th>iRTT</th><th>duration</th><th>application</th><th>anomalies</th></tr></thead>\n<tbody>\n");
    return 0;
}

static void td(sf_out *o, const char *s)
{
    sf_out_str(o, "<td>");
    sf_x_xml(o, s);
    sf_out_str(o, "</td>");
}

void sf_ladder_html_conn(sf_ladder *ld, const sf_xconn *x, const sf_conn *c)
{
    sf_out *o = &ld->html_head, *b = &ld->html.body;
    char cli[96], srv[96], tmp[512], irtt[32], dur[32];
    unsigned long long id = (unsigned long long)x->id;
    sf_x_endpoint(cli, sizeof cli, &x->ep[0], x->ipver, x->host[0]);
    sf_x_endpoint(srv, sizeof srv, &x->ep[1], x->ipver, x->host[1]);
    sf_x_dur(irtt, sizeof irtt, c->irtt_ns);
    sf_x_dur(dur, sizeof dur, x->ts_missing ? -1 : x->last_ns - x->first_ns);

    /* the row of the connection table */
    sf_out_printf(o, "<tr class=\"conn-row\" id=\"row-%llu\" data-conn=\"%llu\" data-packets=\"%llu\">"
                  "<td><a href=\"#conn-%llu\">%llu</a></td>", id, id, (unsigned long long)x->npkts, id, id);
    td(o, cli); td(o, srv); td(o, sf_open_name(c->open)); td(o, sf_close_name(c->close));
    td(o, sf_side_name(c->active_closer)); td(o, sf_side_name(c->time_wait));
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)x->npkts); td(o, tmp);
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)c->c2s.bytes); td(o, tmp);
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)c->s2c.bytes); td(o, tmp);
    td(o, irtt); td(o, dur);
    tmp[0] = '\0';
    if (c->app.proto == SF_APP_HTTP) snprintf(tmp, sizeof tmp, "HTTP %s %s %d", c->app.http_method, c->app.http_uri, c->app.http_status);
    else if (c->app.proto == SF_APP_TLS) {
        size_t at = (size_t)snprintf(tmp, sizeof tmp, "TLS");
        if (c->app.tls_version) at += (size_t)snprintf(tmp + at, sizeof tmp - at, " %s", sf_tls_version_name(c->app.tls_version));
        if (c->app.sni[0]) at += (size_t)snprintf(tmp + at, sizeof tmp - at, " SNI %s", c->app.sni);
        if (c->app.alert_desc >= 0 && at < sizeof tmp)
            snprintf(tmp + at, sizeof tmp - at, " alert %s", sf_tls_alert_name(c->app.alert_desc));
    }
    td(o, tmp);
    size_t at = 0;
    tmp[0] = '\0';
    for (unsigned k = 0; k < SF_AN__COUNT && at < sizeof tmp; k++)
        if (c->an_count[k])
            at += (size_t)snprintf(tmp + at, sizeof tmp - at, "%s%s ×%u", at ? ", " : "", sf_an_name(k), c->an_count[k]);
    td(o, tmp);
    sf_out_str(o, "</tr>\n");

    /* the section with the ladder */
    sf_out_printf(b, "<section class=\"conn\" id=\"conn-%llu\" data-conn=\"%llu\" data-packets=\"%llu\">\n<h2>",
                  id, id, (unsigned long long)x->npkts);
    snprintf(tmp, sizeof tmp, "Connection %llu: client %s ⇄ server %s", id, cli, srv);
    sf_x_xml(b, tmp);
    sf_out_str(b, "</h2>\n<p class=\"sum\">");
    sf_ladder_summary(tmp, sizeof tmp, x, c, 0, NULL);
    sf_x_xml(b, tmp);
    if (x->elided) sf_out_printf(b, " · %llu packets not drawn", (unsigned long long)x->elided);
    sf_out_str(b, " · <a href=\"#connections\">back to the list</a></p>\n");
    sf_ladder_svg(b, x, c, 1, 0);
    sf_out_str(b, "</section>\n");
    ld->html.nconns++;
}

int sf_ladder_html_finish(sf_ladder *ld, const sf_stats *st)
{
    sf_out *o = &ld->html_head;
    sf_out_str(o, "</tbody>\n</table>\n");
    if (!ld->html.nconns) sf_out_str(o, "<p>No TCP connection in the input.</p>\n");
    copy_body(&ld->html, o);
    if (st)
        sf_out_printf(o, "<footer><p>%llu frames, %llu TCP packets, %llu connections; written by synfin.</p></footer>\n",
                      (unsigned long long)st->frames, (unsigned long long)st->tcp, (unsigned long long)ld->html.nconns);
    sf_out_str(o, "</body>\n</html>\n");
    int rc = finish_file(&ld->html, o);
    sf_out_free(o);
    memset(o, 0, sizeof *o);
    return rc;
}
