/* \summary: STUB (owner: live/lab helper) — live capture */
#include <stdio.h>
#include "live.h"
sf_source *sf_source_open_live(const sf_live_cfg *cfg, char *err, size_t errlen)
{ (void)cfg; snprintf(err, errlen, "live capture not implemented yet"); return NULL; }
int sf_live_list_ifaces(void) { return 1; }
