/* \summary: synfin lab: stage a real TCP experiment in a private network namespace, capture it, explain it */
#include "lab.h"
#include "lab_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../source/backend.h"
#include "../source/live.h"

const lab_scenario sf_lab_scenarios[] = {
    { "http", "GET a page over HTTP/1.1; the server answers, the client closes first (FIN)",
      80, NULL, lab_http_server, lab_http_client },
    { "tls", "TLS 1.2 handshake, one request and response, close_notify, FIN "
             "(--bad-cert: the client rejects the certificate with an alert, then reconnects; --tls13)",
      443, lab_tls_prepare, lab_tls_server, lab_tls_client },
    { "refused", "connect to a port where nothing listens: the SYN is answered by RST",
      80, NULL, NULL, lab_refused_client },
    { "reset", "request and response, then an abortive close with SO_LINGER 0: RST, no FIN "
               "(--server: the server aborts)",
      80, NULL, lab_reset_server, lab_reset_client },
    { "half-close", "the client sends, then shutdown(SHUT_WR); the server still sends 3 chunks, then closes",
      80, NULL, lab_halfclose_server, lab_halfclose_client },
    { "keepalive", "short keep-alive timers (1 s) on an idle connection: probes and their ACKs, then a "
                   "four-way close",
      80, NULL, lab_keepalive_server, lab_keepalive_client },
    { "timeout", "connect to an address whose SYNs are silently dropped: SYN retransmissions, "
                 "then ETIMEDOUT",
      80, NULL, NULL, lab_timeout_client },
    { NULL, NULL, 0, NULL, NULL, NULL },
};

static void list_scenarios(FILE *f)
{
    fprintf(f, "usage: synfin lab SCENARIO [--bad-cert] [--tls13] [--server] [-w FILE] [--view VIEW] [--lang en|zh]\n\n"
               "Runs a real TCP experiment with this machine's own kernel and no outside network: a\n"
               "private network namespace (removed when the lab ends), a server and a client on its\n"
               "loopback (client " LAB_CLIENT_IP ", server " LAB_SERVER_IP ", mtu %d), a libpcap capture; then\n"
               "saves the pcap and explains it. Needs root.\n\nScenarios:\n", LAB_MTU);
    for (const lab_scenario *s = sf_lab_scenarios; s->name; s++)
        fprintf(f, "  %-11s %s\n", s->name, s->what);
    fprintf(f, "\nOptions:\n"
               "  -w FILE       save the capture there (default: ./synfin-lab-SCENARIO.pcap,\n"
               "                or under $TMPDIR or /tmp when the current directory is not writable)\n"
               "  --view VIEW   how to show the capture (default explain; lines, conns, json, ladder...)\n"
               "  --lang en|zh  language of the explanation\n"
               "  --bad-cert    tls: the client rejects the certificate, then retries accepting it\n"
               "  --tls13       tls: TLS 1.3 instead of 1.2 (the handshake is then mostly encrypted)\n"
               "  --server      reset: the server aborts instead of the client\n");
}

static const lab_scenario *find_scenario(const char *name)
{
    for (const lab_scenario *s = sf_lab_scenarios; s->name; s++)
        if (strcmp(s->name, name) == 0) return s;
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    lab_interrupted = 1;
}

static void set_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Where the pcap goes: an absolute path in out[]. */
static int pcap_path(const char *given, const char *scenario, char *out, size_t n)
{
    char dir[PATH_MAX];
    if (given) {
        if (given[0] == '/') {
            snprintf(out, n, "%s", given);
        } else {
            if (!getcwd(dir, sizeof dir)) return -1;
            snprintf(out, n, "%s/%s", dir, given);
        }
        return 0;
    }
    if (getcwd(dir, sizeof dir) && access(dir, W_OK) == 0) {
        snprintf(out, n, "%s/synfin-lab-%s.pcap", dir, scenario);
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(out, n, "%s/synfin-lab-%s.pcap", tmp && *tmp == '/' ? tmp : "/tmp", scenario);
    return 0;
}

/* Wait for a child at most ms milliseconds, then kill it. Returns its exit
 * status (128+signal when killed). */
static int reap(pid_t pid, int ms)
{
    int st = 0;
    for (int waited = 0;; waited += 20) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return 255;
        if (waited >= ms) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        usleep(20000);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* ---- the capture child: libpcap on lo, every TCP packet to the file ---- */

typedef struct capture {
    pid_t pid;
    int fd;            /* read end: "R" when ready, then the packet count */
} capture;

static int capture_start(capture *cp, const char *path, char *err, size_t errlen)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        sf_live_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.iface = "lo";
        cfg.filter = "tcp";
        cfg.snaplen = 262144;
        cfg.write_path = path;
        cfg.count = -1;
        sf_backend b;
        char e[512] = "";
        if (sf_live_open_backend(&cfg, 1, &b, e, sizeof e) != 0) {
            if (write(p[1], "E", 1) == 1 && write(p[1], e, strlen(e)) < 0) _exit(1);
            _exit(1);
        }
        /* Privileges are dropped now; the death signal survives from here on. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) raise(SIGTERM);
        if (write(p[1], "R", 1) != 1) _exit(1);
        sf_pkt pkt;
        uint64_t n = 0;
        for (;;) {
            sf_src_rc r = b.next(b.st, &pkt, e, sizeof e);
            if (r == SF_SRC_IDLE) continue; /* quiet moment: keep capturing */
            if (r != SF_SRC_PACKET) break;
            n++;
        }
        /* Stopping: a second signal (Ctrl-C reaches the whole process group,
         * then the lab's own SIGTERM) must not cut the file's closing. */
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGHUP);
        sigprocmask(SIG_BLOCK, &stop, NULL);
        b.close(b.st);
        if (write(p[1], &n, sizeof n) != (ssize_t)sizeof n) _exit(1);
        _exit(0);
    }
    close(p[1]);
    char c = 0;
    ssize_t r;
    while ((r = read(p[0], &c, 1)) < 0 && errno == EINTR) {
    }
    if (r != 1 || c != 'R') {
        char msg[400] = "";
        ssize_t m = r == 1 ? read(p[0], msg, sizeof msg - 1) : 0;
        if (m > 0) msg[m] = '\0';
        snprintf(err, errlen, "capture on lo: %s", *msg ? msg : "failed to start");
        close(p[0]);
        reap(pid, 1000);
        return -1;
    }
    cp->pid = pid;
    cp->fd = p[0];
    return 0;
}

/* Stop the capture (it drains what the kernel holds) and return the count. */
static long capture_stop(capture *cp)
{
    lab_sleep_ms(150); /* the last packets are in the ring well before this */
    kill(cp->pid, SIGTERM);
    uint64_t n = 0;
    ssize_t r;
    while ((r = read(cp->fd, &n, sizeof n)) < 0 && errno == EINTR) {
    }
    close(cp->fd);
    int st = reap(cp->pid, 3000);
    return (r == (ssize_t)sizeof n && st == 0) ? (long)n : -1;
}

/* ---- the server child ---- */

static pid_t server_start(const lab_scenario *s, lab_ctx *c, int *lfd_out)
{
    char a[64];
    int lfd = lab_listen(&c->server, 16);
    if (lfd < 0) {
        lab_say("server", "cannot listen on %s: %s", lab_addr(&c->server, a, sizeof a), strerror(errno));
        return -1;
    }
    lab_say("server", "listening on %s", lab_addr(&c->server, a, sizeof a));
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(lfd);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        int rc = s->server(c, lfd);
        close(lfd);
        _exit(rc);
    }
    *lfd_out = lfd;
    return pid;
}

static void chown_to_sudo_user(const char *path)
{
    const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
    if (u && g && *u && *g) {
        if (chown(path, (uid_t)strtoul(u, NULL, 10), (gid_t)strtoul(g, NULL, 10)) != 0) {
            /* not fatal: the file stays root's */
        }
    }
}

/* Show the capture with synfin itself: /proc/self/exe VIEW [--lang L] FILE. */
static int show_capture(const char *view, const char *lang, const char *path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        const char *argv[8];
        int k = 0;
        argv[k++] = "synfin";
        argv[k++] = view;
        if (lang) {
            argv[k++] = "--lang";
            argv[k++] = lang;
        }
        argv[k++] = path;
        argv[k] = NULL;
        execv("/proc/self/exe", (char *const *)argv);
        fprintf(stderr, "synfin lab: cannot run synfin %s: %s\n", view, strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int set_ip(struct sockaddr_in *a, const char *ip, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

static int run(const lab_scenario *s, lab_ctx *c, const char *path, const char *view, const char *lang)
{
    char err[512] = "";
    printf("synfin lab %s: %s\n", s->name, s->what);
    fflush(stdout);
    if (lab_net_setup(err, sizeof err) != 0) {
        fprintf(stderr, "synfin lab: %s\n", err);
        return 1;
    }
    lab_say("network", "private network namespace: lo (mtu %d), client " LAB_CLIENT_IP ", server " LAB_SERVER_IP,
            LAB_MTU);
    if (s->prepare && s->prepare(c) != 0) return 1;

    capture cp;
    if (capture_start(&cp, path, err, sizeof err) != 0) {
        fprintf(stderr, "synfin lab: %s\n", err);
        return 1;
    }
    lab_say("capture", "libpcap on lo, filter \"tcp\", writing %s", path);

    int ok = 1, lfd = -1;
    pid_t srv = -1;
    if (s->server) {
        srv = server_start(s, c, &lfd);
        if (srv < 0) ok = 0;
    }
    if (ok && !lab_interrupted) ok = s->client(c) == 0;
    if (srv > 0) {
        int st = reap(srv, lab_interrupted ? 0 : 2 * LAB_IO_TIMEOUT_MS);
        if (st != 0) ok = 0;
        close(lfd);
    }
    long n = capture_stop(&cp);
    chown_to_sudo_user(path);
    if (n < 0) {
        fprintf(stderr, "synfin lab: the capture did not end cleanly; %s may be incomplete\n", path);
        ok = 0;
    } else {
        lab_say("capture", "%ld packet%s saved to %s", n, n == 1 ? "" : "s", path);
    }
    if (lab_interrupted) {
        fprintf(stderr, "synfin lab: interrupted\n");
        return 130;
    }
    if (!ok) fprintf(stderr, "synfin lab: the %s experiment did not go as planned (see above)\n", s->name);
    printf("\n== synfin %s %s\n", view, path);
    int rc = show_capture(view, lang, path);
    return ok && rc == 0 ? 0 : 1;
}

int sf_lab_main(int argc, char **argv)
{
    lab_ctx c;
    memset(&c, 0, sizeof c);
    const char *name = NULL, *wpath = NULL, *view = "explain", *lang = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            list_scenarios(stdout);
            return 0;
        } else if (!strcmp(a, "--bad-cert")) c.bad_cert = 1;
        else if (!strcmp(a, "--tls13")) c.tls13 = 1;
        else if (!strcmp(a, "--server")) c.by_server = 1;
        else if ((!strcmp(a, "-w") || !strcmp(a, "--view") || !strcmp(a, "--lang")) && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(a, "-w")) wpath = v;
            else if (!strcmp(a, "--view")) view = v;
            else lang = v;
        } else if (a[0] == '-') {
            fprintf(stderr, "synfin lab: unknown option '%s' (synfin lab --help)\n", a);
            return 2;
        } else if (!name) {
            name = a;
        } else {
            fprintf(stderr, "synfin lab: one scenario at a time ('%s' and '%s')\n", name, a);
            return 2;
        }
    }
    if (!name) {
        list_scenarios(stdout);
        return 0;
    }
    const lab_scenario *s = find_scenario(name);
    if (!s) {
        fprintf(stderr, "synfin lab: no scenario '%s'\n", name);
        list_scenarios(stderr);
        return 2;
    }
    if (lang && strcmp(lang, "en") && strcmp(lang, "zh")) {
        fprintf(stderr, "synfin lab: --lang takes en or zh, not '%s'\n", lang);
        return 2;
    }
    if ((c.bad_cert || c.tls13) && strcmp(s->name, "tls")) {
        fprintf(stderr, "synfin lab: --bad-cert and --tls13 belong to the tls scenario\n");
        return 2;
    }
    if (c.by_server && strcmp(s->name, "reset")) {
        fprintf(stderr, "synfin lab: --server belongs to the reset scenario\n");
        return 2;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "synfin lab: needs root: it creates a private network namespace and captures on it "
                        "(try: sudo synfin lab %s)\n", s->name);
        return 1;
    }
    char path[PATH_MAX + 64];
    if (pcap_path(wpath, s->name, path, sizeof path) != 0) {
        fprintf(stderr, "synfin lab: cannot tell the current directory: %s\n", strerror(errno));
        return 1;
    }
    c.scenario = s->name;
    c.port = s->port;
    set_ip(&c.server, LAB_SERVER_IP, s->port);
    set_ip(&c.client, LAB_CLIENT_IP, 0);
    set_ip(&c.silent, LAB_SILENT_IP, s->port);
    set_handlers();
    int rc = run(s, &c, path, view, lang);
    lab_tls_cleanup(&c);
    return rc;
}
