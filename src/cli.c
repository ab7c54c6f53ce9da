/* \summary: command-line parsing: synfin [VIEW] [OPTIONS] FILE... [FILTER] */
#include "cli.h"
#include "synfin.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const sf_views[] = {
    "lines", "conns", "json", "explain", "ladder", "verbose", "lab", NULL
};

void sf_cli_usage(FILE *f)
{
    fputs(
"usage: synfin [VIEW] [OPTIONS] FILE... [FILTER]\n"
"       synfin [VIEW] [OPTIONS] -i IFACE [FILTER]\n"
"       synfin lab [SCENARIO]\n"
"\n"
"synfin explains TCP connections from SYN to FIN: it reads pcap/pcapng files\n"
"(\"-\" = stdin), tcpdump's text output, or a live interface, and shows every\n"
"packet as tcpdump does plus what it means, and every connection's story.\n"
"\n"
"Views (the first word; default: lines):\n"
"  lines     tcpdump -nn lines, each followed by its meaning (conn, step, states)\n"
"  conns     one row per connection: open/close kind, closer, bytes, RTT\n"
"  json      JSON Lines: one object per TCP packet and one per connection\n"
"  explain   plain-language walk through each connection (--lang en|zh)\n"
"  ladder    sequence diagram per connection (--ascii, --svg FILE, --html FILE)\n"
"  verbose   Wireshark-like field tree per packet (also: -V)\n"
"  lab       run a real experiment on this machine (root): synfin lab for the list\n"
"\n"
"Options (anywhere before the files):\n"
"  -r FILE        read FILE (as tcpdump; plain FILE arguments work too)\n"
"  -S             absolute sequence numbers (lines view)\n"
"  -tt            timestamps as seconds since the epoch\n"
"  -n, -nn        accepted for tcpdump habits; synfin never resolves names\n"
"  --plain        bare tcpdump lines, no annotation\n"
"  --sack-analysis  also flag dsack and sack_spurious_retransmission (SACK-aware\n"
"                 extras; the Wireshark-named flags never change)\n"
"  -V             same as the verbose view\n"
"  --lang en|zh   language of explain (default from LC_ALL/LANG)\n"
"  --conn N       only connection N (explain, ladder)\n"
"  --ascii        ASCII instead of UTF-8 drawing (ladder)\n"
"  --svg FILE     also write the ladder as SVG\n"
"  --html FILE    also write an HTML report with every connection's ladder\n"
"  -i IFACE       capture live from IFACE ('any' for all)\n"
"  -D             list interfaces\n"
"  -c N           stop after N packets\n"
"  -w FILE        also write the captured packets to FILE (pcap)\n"
"  -s SNAPLEN     live capture snapshot length (default 262144)\n"
"  -B KIB         live capture buffer size in KiB\n"
"  -p             (accepted) promiscuous mode is off by default\n"
"  --promisc      turn promiscuous mode on\n"
"  -Z USER        drop privileges to USER after opening the device\n"
"  -h, --help     this text\n"
"  --version      version of synfin and libpcap\n"
"\n"
"FILTER is a BPF expression in tcpdump's syntax, compiled by libpcap,\n"
"e.g.  synfin conns capture.pcap 'port 443'\n"
"\n"
"Exit status: 0 ok, 1 an input was unusable, 2 usage error.\n", f);
}

static int is_view(const char *s)
{
    for (int i = 0; sf_views[i]; i++)
        if (strcmp(s, sf_views[i]) == 0) return 1;
    return 0;
}

static int path_exists(const char *p)
{
    struct stat st;
    return strcmp(p, "-") == 0 || stat(p, &st) == 0;
}

/* Looks like a file name the user meant (so a missing one is reported as a
 * missing file, not compiled as a filter). */
static int looks_like_file(const char *p)
{
    size_t n = strlen(p);
    static const char *const ext[] = { ".pcap", ".pcapng", ".cap", ".txt", ".dmp", ".gz", NULL };
    if (strchr(p, '/')) return 1;
    for (int i = 0; ext[i]; i++) {
        size_t m = strlen(ext[i]);
        if (n > m && strcmp(p + n - m, ext[i]) == 0) return 1;
    }
    return 0;
}

static int need_arg(int argc, char **argv, int i)
{
    if (i + 1 >= argc) {
        fprintf(stderr, "synfin: option %s needs an argument\n", argv[i]);
        return 0;
    }
    return 1;
}

static int parse_int(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "synfin: %s: '%s' is not a number from %lld to %lld\n", opt, s,
                (long long)lo, (long long)hi);
        return -1;
    }
    *out = v;
    return 0;
}

int sf_cli_parse(int argc, char **argv, sf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->view = "lines";
    o->only_conn = -1;
    o->count = -1;
    o->snaplen = 262144;
    const char *env = getenv("LC_ALL");
    if (!env || !*env) env = getenv("LC_MESSAGES");
    if (!env || !*env) env = getenv("LANG");
    o->lang = (env && strncmp(env, "zh", 2) == 0) ? "zh" : "en";

    static const char *pos[4096];
    int npos = 0;
    const char *rfiles[256];
    int nr = 0;
    int i = 1;
    if (argc > 1 && is_view(argv[1])) { o->view = argv[1]; i = 2; }
    if (strcmp(o->view, "lab") == 0) return 0; /* lab parses its own arguments */

    for (; i < argc; i++) {
        const char *a = argv[i];
        int64_t v;
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc && npos < 4096; i++) pos[npos++] = argv[i];
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (npos < 4096) pos[npos++] = a;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { sf_cli_usage(stdout); return 1; }
        else if (!strcmp(a, "--version")) { o->view = "version"; return 1; }
        else if (!strcmp(a, "-S")) o->abs_seq = 1;
        else if (!strcmp(a, "-tt")) o->ts_mode = 1;
        else if (!strcmp(a, "-n") || !strcmp(a, "-nn")) { /* never resolve */ }
        else if (!strcmp(a, "-nnS") || !strcmp(a, "-nS") || !strcmp(a, "-Snn")) o->abs_seq = 1;
        else if (!strcmp(a, "--plain")) o->plain = 1;
        else if (!strcmp(a, "-V")) o->view = "verbose";
        else if (!strcmp(a, "--ascii")) o->ascii = 1;
        else if (!strcmp(a, "--sack-analysis")) o->sack_analysis = 1;
        else if (!strcmp(a, "-D")) { o->view = "list-ifaces"; return 1; }
        else if (!strcmp(a, "-p")) o->promisc = 0;
        else if (!strcmp(a, "--promisc")) o->promisc = 1;
        else if (!strcmp(a, "--lang")) {
            if (!need_arg(argc, argv, i)) return 2;
            o->lang = argv[++i];
            if (strcmp(o->lang, "en") && strcmp(o->lang, "zh")) {
                fprintf(stderr, "synfin: --lang takes en or zh, not '%s'\n", o->lang);
                return 2;
            }
        } else if (!strcmp(a, "--conn")) {
            if (!need_arg(argc, argv, i) || parse_int(a, argv[++i], 0, INT64_MAX, &v)) return 2;
            o->only_conn = v;
        } else if (!strcmp(a, "--svg")) {
            if (!need_arg(argc, argv, i)) return 2;
            o->svg_path = argv[++i];
        } else if (!strcmp(a, "--html")) {
            if (!need_arg(argc, argv, i)) return 2;
            o->html_path = argv[++i];
        } else if (!strcmp(a, "-r")) {
            if (!need_arg(argc, argv, i)) return 2;
            if (nr < 256) rfiles[nr++] = argv[++i];
        } else if (!strcmp(a, "-i")) {
            if (!need_arg(argc, argv, i)) return 2;
            o->iface = argv[++i];
        } else if (!strcmp(a, "-c")) {
            if (!need_arg(argc, argv, i) || parse_int(a, argv[++i], 1, INT64_MAX, &v)) return 2;
            o->count = v;
        } else if (!strcmp(a, "-w")) {
            if (!need_arg(argc, argv, i)) return 2;
            o->write_path = argv[++i];
        } else if (!strcmp(a, "-Z")) {
            if (!need_arg(argc, argv, i)) return 2;
            o->user = argv[++i];
        } else if (!strcmp(a, "-s")) {
            if (!need_arg(argc, argv, i) || parse_int(a, argv[++i], 0, 262144, &v)) return 2;
            o->snaplen = v ? (int)v : 262144;
        } else if (!strcmp(a, "-B")) {
            if (!need_arg(argc, argv, i) || parse_int(a, argv[++i], 1, 1 << 22, &v)) return 2;
            o->buffer_kib = (int)v;
        } else {
            fprintf(stderr, "synfin: unknown option '%s' (synfin --help lists them)\n", a);
            return 2;
        }
    }

    /* Files: -r ones, then leading positionals that exist (or look like
     * file names); the rest is the filter. With -i every positional is filter. */
    static const char *files[4096 + 256];
    int nf = 0, k = 0;
    for (int j = 0; j < nr; j++) files[nf++] = rfiles[j];
    if (!o->iface) {
        if (nr == 0) {
            if (npos == 0) {
                fprintf(stderr, "synfin: no input: give a capture file, '-' for stdin, or -i IFACE\n");
                sf_cli_usage(stderr);
                return 2;
            }
            files[nf++] = pos[k++]; /* the first positional is always a file */
        }
        while (k < npos && (path_exists(pos[k]) || looks_like_file(pos[k]))) files[nf++] = pos[k++];
    } else if (nr) {
        fprintf(stderr, "synfin: -i and capture files cannot be combined\n");
        return 2;
    }
    o->files = files;
    o->nfiles = nf;
    if (k < npos) {
        size_t len = 1;
        for (int j = k; j < npos; j++) len += strlen(pos[j]) + 1;
        char *f = malloc(len);
        if (!f) return 2;
        f[0] = '\0';
        for (int j = k; j < npos; j++) {
            if (j > k) strcat(f, " ");
            strcat(f, pos[j]);
        }
        o->filter = f;
    }
    return 0;
}
