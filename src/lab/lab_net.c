/* \summary: synfin lab's private network: a fresh network namespace with lo configured by ioctl and netlink */
#include "lab_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* One netlink request with up to two attributes of 4 or 16 bytes. */
typedef struct nl_req {
    struct nlmsghdr h;
    union {
        struct ifaddrmsg ifa;
        struct rtmsg rt;
    } u;
    char attrs[64];
} nl_req;

static void nl_attr(nl_req *r, unsigned short type, const void *data, unsigned short len)
{
    struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send one request and wait for its acknowledgement. */
static int nl_talk(nl_req *r, const char *what, char *err, size_t errlen)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        snprintf(err, errlen, "%s: netlink socket: %s", what, strerror(errno));
        return -1;
    }
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    r->h.nlmsg_seq = 1;
    int rc = -1;
    if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(err, errlen, "%s: netlink send: %s", what, strerror(errno));
        goto out;
    }
    char buf[1024];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
        snprintf(err, errlen, "%s: no netlink answer", what);
        goto out;
    }
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error != 0) {
            snprintf(err, errlen, "%s: %s", what, strerror(-e->error));
            goto out;
        }
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

static int add_addr(int ifindex, const char *ip, char *err, size_t errlen)
{
    nl_req r;
    memset(&r, 0, sizeof r);
    r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    r.h.nlmsg_type = RTM_NEWADDR;
    r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    r.u.ifa.ifa_family = AF_INET;
    r.u.ifa.ifa_prefixlen = 32;
    r.u.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    r.u.ifa.ifa_index = (unsigned)ifindex;
    struct in_addr a;
    inet_pton(AF_INET, ip, &a);
    nl_attr(&r, IFA_LOCAL, &a, 4);
    nl_attr(&r, IFA_ADDRESS, &a, 4);
    char what[64];
    snprintf(what, sizeof what, "adding %s/32 to lo", ip);
    return nl_talk(&r, what, err, errlen);
}

static int add_route(int ifindex, const char *prefix, int plen, char *err, size_t errlen)
{
    nl_req r;
    memset(&r, 0, sizeof r);
    r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    r.h.nlmsg_type = RTM_NEWROUTE;
    r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    r.u.rt.rtm_family = AF_INET;
    r.u.rt.rtm_dst_len = (unsigned char)plen;
    r.u.rt.rtm_table = RT_TABLE_MAIN;
    r.u.rt.rtm_protocol = RTPROT_STATIC;
    r.u.rt.rtm_scope = RT_SCOPE_LINK;
    r.u.rt.rtm_type = RTN_UNICAST;
    struct in_addr a;
    inet_pton(AF_INET, prefix, &a);
    int oif = ifindex;
    nl_attr(&r, RTA_DST, &a, 4);
    nl_attr(&r, RTA_OIF, &oif, 4);
    char what[64];
    snprintf(what, sizeof what, "adding route %s/%d dev lo", prefix, plen);
    return nl_talk(&r, what, err, errlen);
}

int lab_net_setup(char *err, size_t errlen)
{
    if (unshare(CLONE_NEWNET) != 0) {
        snprintf(err, errlen, "cannot create a private network namespace (%s): synfin lab needs root "
                 "(CAP_SYS_ADMIN for the namespace, CAP_NET_RAW for the capture)", strerror(errno));
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int rc = -1;
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
        snprintf(err, errlen, "lo: SIOCGIFFLAGS: %s", strerror(errno));
        goto out;
    }
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) {
        snprintf(err, errlen, "lo: cannot bring it up: %s", strerror(errno));
        goto out;
    }
    /* An Ethernet-sized MTU: segments and MSS look like a real network's. */
    ifr.ifr_mtu = LAB_MTU;
    if (ioctl(fd, SIOCSIFMTU, &ifr) != 0) {
        snprintf(err, errlen, "lo: cannot set mtu %d: %s", LAB_MTU, strerror(errno));
        goto out;
    }
    int idx = (int)if_nametoindex("lo");
    if (idx <= 0) {
        snprintf(err, errlen, "lo: no interface index");
        goto out;
    }
    if (add_addr(idx, LAB_CLIENT_IP, err, errlen) || add_addr(idx, LAB_SERVER_IP, err, errlen) ||
        add_route(idx, LAB_PREFIX, 24, err, errlen))
        goto out;
    rc = 0;
out:
    close(fd);
    return rc;
}
