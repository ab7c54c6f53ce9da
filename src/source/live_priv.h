/* \summary: internal: privilege dropping after a capture device is open */
#ifndef SF_LIVE_PRIV_H
#define SF_LIVE_PRIV_H
#include <stddef.h>

/* The account a root capture becomes when no -Z is given: "synfin" when
 * that user exists (a dedicated one, as tcpdump's "tcpdump"), else "nobody". */
const char *sf_priv_default_user(void);

/* Give up privileges once the capture device (and the -w file) are open.
 * As root: become `user` (NULL = sf_priv_default_user(); "root" = keep
 * root, as tcpdump -Z root): initgroups, then setresgid, then setresuid,
 * then verify that neither the uid nor the gid can be regained.
 * Not root: clear any capabilities the binary was given (CAP_NET_RAW by
 * setcap) and ignore -Z with a warning on stderr.
 * Returns 0, or -1 with err set (the caller must not go on capturing). */
int sf_priv_drop(const char *user, char *err, size_t errlen);

#endif
