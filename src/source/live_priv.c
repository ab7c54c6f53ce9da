/* \summary: drop root (or file capabilities) after the capture device is open */
#include "live_priv.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SF_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SF_SANITIZED 1
#endif
#endif

const char *sf_priv_default_user(void)
{
    static const char *const candidates[] = { "synfin", "_synfin", "nobody", NULL };
    for (int i = 0; candidates[i]; i++)
        if (getpwnam(candidates[i])) return candidates[i];
    return "nobody";
}

/* Clear the permitted, effective and inheritable capability sets (a
 * process may always lower its own). */
static int clear_caps(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    memset(d, 0, sizeof d);
    return (int)syscall(SYS_capset, &h, d);
}

int sf_priv_drop(const char *user, char *err, size_t errlen)
{
    if (getuid() != 0 && geteuid() != 0) {
        if (clear_caps() != 0) {
            snprintf(err, errlen, "cannot clear capabilities: %s", strerror(errno));
            return -1;
        }
        if (user) {
            struct passwd *me = getpwuid(getuid());
            if (!me || strcmp(me->pw_name, user) != 0)
                fprintf(stderr, "synfin: -Z %s ignored: not running as root\n", user);
        }
        return 0;
    }
    const char *name = user ? user : sf_priv_default_user();
    if (strcmp(name, "root") == 0) return 0; /* -Z root: keep root, as tcpdump */

    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errlen, "-Z: no such user '%s'%s%s", name, errno ? ": " : "",
                 errno ? strerror(errno) : "");
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0) return 0; /* another name for root */

    /* Order matters: groups while still root, then the gid, then the uid. */
    if (initgroups(pw->pw_name, gid) != 0 && setgroups(1, &gid) != 0) {
        snprintf(err, errlen, "cannot drop supplementary groups for '%s': %s", name, strerror(errno));
        return -1;
    }
    if (setresgid(gid, gid, gid) != 0) {
        snprintf(err, errlen, "cannot change group to %u ('%s'): %s", (unsigned)gid, name, strerror(errno));
        return -1;
    }
    if (setresuid(uid, uid, uid) != 0) {
        snprintf(err, errlen, "cannot change user to %u ('%s'): %s", (unsigned)uid, name, strerror(errno));
        return -1;
    }

    /* Verify: every id is the new one, and root cannot be regained. */
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid ||
        getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid ||
        setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
        snprintf(err, errlen, "dropping privileges to '%s' did not take effect", name);
        return -1;
    }
#ifdef SF_SANITIZED
    /* setuid() made the process non-dumpable, which stops LeakSanitizer's
     * ptrace-based leak check at exit; sanitizer builds only. */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
    return 0;
}
