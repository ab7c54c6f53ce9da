/* \summary: the libpcap floor: reads every packet with pcap_next_ex and counts them, nothing else */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

/* usage: floor FILE   -> prints "PACKETS CAPTURED_BYTES" */
int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) { fputs("usage: floor FILE\n", stderr); return 2; }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) { fprintf(stderr, "floor: %s\n", err); return 1; }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) { fprintf(stderr, "floor: %s\n", pcap_geterr(p)); return 1; }
    printf("%llu %llu\n", (unsigned long long)n, (unsigned long long)bytes);
    pcap_close(p);
    return 0;
}
