/* \summary: STUB (owner: H5, text input) — tcpdump text backend */
#include <stdio.h>
#include "backend.h"

int sf_text_open(FILE *f, const char *name, const char *filter, sf_backend *b, char *err, size_t errlen)
{
    (void)name; (void)filter; (void)b;
    fclose(f);
    snprintf(err, errlen, "not a capture file (pcap or pcapng); reading tcpdump text is not implemented yet");
    return -1;
}
