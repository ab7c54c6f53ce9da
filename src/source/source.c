/* \summary: STUB (owner: decode/core helper) — sequencing of inputs */
#include <stdlib.h>
#include <stdio.h>
#include "backend.h"
struct sf_source { int dummy; };
sf_source *sf_source_open_files(const char *const *paths, int n, const char *filter, char *err, size_t errlen)
{ (void)paths; (void)n; (void)filter; snprintf(err, errlen, "not implemented"); return NULL; }
sf_src_rc sf_source_next(sf_source *s, sf_pkt *out) { (void)s; (void)out; return SF_SRC_END; }
const char *sf_source_error(const sf_source *s) { (void)s; return ""; }
int sf_source_failures(const sf_source *s) { (void)s; return 0; }
void sf_source_close(sf_source *s) { free(s); }
