/* \summary: the libpcap link types the decoder and the verbose view name, for libpcap headers too old to define them */
#ifndef SF_DLT_H
#define SF_DLT_H
#include <pcap/pcap.h>

/* Values from libpcap's pcap/dlt.h (they never change once assigned). */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_NFLOG
#define DLT_NFLOG 239
#endif
#ifndef DLT_ARCNET_LINUX
#define DLT_ARCNET_LINUX 129
#endif
#ifndef DLT_PPP_SERIAL
#define DLT_PPP_SERIAL 50
#endif
#ifndef DLT_C_HDLC
#define DLT_C_HDLC 104
#endif
#ifndef DLT_IPOIB
#define DLT_IPOIB 242
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#endif
